"""Fixtures and key helpers of the keyboard and cancellation tests (issue 15): two small
registries on a per-test fake GitHub, a main window that has the focus, and key presses delivered
to whatever has the keyboard focus, as a keyboard would."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from uitools import assert_no_background_work, wait_loaded

from skill_studio.app.studio import SkillStudio
from skill_studio.core.models import Destination
from skill_studio.ui.browse_dialog import BrowseDialog
from skill_studio.ui.main_window import MainWindow

__all__ = ["key_studio", "kwin", "focused", "press", "type_text", "browse", "open_browse_loading"]


def skill_md(name: str, description: str) -> str:
    return f"---\nname: {name}\ndescription: {description}\nmetadata:\n  version: 1.0.0\n---\n# {name}\n\nBody of {name}.\n"


def market(name: str, skills: dict[str, str]) -> dict[str, str]:
    files = {".claude-plugin/marketplace.json":
             f'{{"name": "{name}", "owner": {{"name": "Acme"}}, "plugins": [{{"name": "tools", "source": "./tools"}}]}}'}
    for skill, desc in skills.items():
        files[f"tools/skills/{skill}/SKILL.md"] = skill_md(skill, desc)
    return files


@pytest.fixture
def key_studio(github, use_github, qapp) -> Iterator[SkillStudio]:
    """Two small registries on a per-test fake GitHub (the default registry is disabled)."""
    github.add_repo_from_dir("acme", "skills", market("acme-skills", {
        "csv-cleaner": "Clean CSV files.", "dbt-modeling": "Model warehouse tables with dbt.",
        "sql-review": "Review SQL for correctness."}))
    github.add_repo_from_dir("acme", "more", market("acme-more", {
        "kubernetes-ops": "Operate Kubernetes clusters.", "terraform-plan": "Read terraform plans."}))
    use_github(github)
    s = SkillStudio()
    for reg in s.registries():
        s.set_registry_enabled(reg.source.url, False)
    s.add_registry("acme/skills")
    s.add_registry("acme/more")
    yield s
    assert_no_background_work()
    s.close()


@pytest.fixture
def kwin(key_studio: SkillStudio, make_window, qtbot) -> MainWindow:
    w = make_window(key_studio)
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w)
    return w


def focused() -> QWidget:
    w = QApplication.focusWidget()
    assert w is not None, "nothing has the keyboard focus"
    return w


def press(qtbot, key: Qt.Key, mods: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    """One key press on whatever has the focus, as a keyboard would deliver it."""
    qtbot.keyClick(focused(), key, mods)


def type_text(qtbot, text: str) -> None:
    qtbot.keyClicks(focused(), text)


def browse(qtbot, win: MainWindow, dest: Destination = Destination.LIBRARY) -> BrowseDialog:
    press(qtbot, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: dest in win.browse_dialogs and win.browse_dialogs[dest].isVisible())
    dialog = win.browse_dialogs[dest]
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    wait_loaded(qtbot, dialog)
    return dialog


def open_browse_loading(qtbot, win: MainWindow) -> BrowseDialog:
    """Ctrl+I without waiting for the tabs to load (for hanging-request tests)."""
    press(qtbot, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: Destination.LIBRARY in win.browse_dialogs)
    return win.browse_dialogs[Destination.LIBRARY]
