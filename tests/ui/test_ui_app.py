"""The composition root, the CLI entry point, the SKILL.md editor's pieces, and a long-session
safety check on the browse table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from uitools import none_refcount, tab_of, wait_loaded

from skill_studio import cli
from skill_studio.core.models import Destination, ImportOptions
from skill_studio.app.studio import SkillStudio
from skill_studio.ui import app as ui_app
from skill_studio.ui.main_window import MainWindow
from skill_studio.ui.skill_editor import SkillEditor, preview_markdown, write_text_atomic
from skill_studio.ui.theme import app_icon, stylesheet

pytestmark = pytest.mark.gui


def test_no_arguments_opens_the_gui_and_commands_never_import_qt(monkeypatch) -> None:
    called: list[list[str]] = []
    monkeypatch.setattr(ui_app, "run_gui", lambda argv: called.append(list(argv)) or 0)
    assert cli.main([]) == 0
    assert len(called) == 1
    code = ("import sys\nfrom skill_studio.cli import main\n"
            "rc = main(['list', '--json'])\n"
            "assert not any(m.startswith('PySide6') for m in sys.modules), 'PySide6 imported'\n"
            "raise SystemExit(rc)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    proc = subprocess.run([sys.executable, "-m", "skill_studio", "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "usage: skill-studio" in proc.stdout


def test_run_gui_builds_the_window_over_one_studio_and_returns_on_quit(qtbot, monkeypatch) -> None:
    made: list[MainWindow] = []
    real = ui_app.create_main_window

    def create(studio: SkillStudio) -> MainWindow:
        w = real(studio)
        made.append(w)
        QTimer.singleShot(300, w.close)  # the user quits
        return w

    monkeypatch.setattr(ui_app, "create_main_window", create)
    assert ui_app.run_gui(["skill-studio"]) == 0
    assert len(made) == 1 and made[0].windowTitle() == "Skill Studio"
    assert not QApplication.windowIcon().isNull() and not app_icon().isNull()
    assert "QPushButton#primary" in stylesheet()


def test_preview_markdown_shows_fields_warnings_and_frontmatter_errors() -> None:
    ok = preview_markdown("---\nname: Bad Name\ndescription: d | e\n---\n# Title\n\nBody\n")
    assert "| name | Bad Name |" in ok and "d \\| e" in ok
    assert "⚠" in ok and ok.rstrip().endswith("Body")
    broken = preview_markdown("---\nname: x\n# no closing fence\n")
    assert broken.startswith("> **Frontmatter problem:**") and "no closing fence" in broken


def test_write_text_atomic_replaces_and_leaves_no_temp_files(tmp_path: Path) -> None:
    f = tmp_path / "SKILL.md"
    f.write_text("old", encoding="utf-8")
    write_text_atomic(f, "new ✓\n")
    assert f.read_text(encoding="utf-8") == "new ✓\n"
    assert [p.name for p in tmp_path.iterdir()] == ["SKILL.md"]


def _import_pdf(studio: SkillStudio):
    listing = studio.list_registry(studio.registries()[0])
    skill = next(s for s in listing.skills if s.qualified_name == "document-skills:pdf")
    return studio.import_skill(listing, skill, Destination.LIBRARY, ImportOptions())


def test_editor_revert_and_unsaved_close_prompt(qtbot, studio: SkillStudio, monkeypatch) -> None:
    installed = _import_pdf(studio)
    editor = SkillEditor(installed)
    qtbot.addWidget(editor)
    editor.show()
    original = editor.text()
    assert not editor.save_button.isEnabled() and not editor.revert_button.isEnabled()
    editor.editor.appendPlainText("draft")
    assert editor.isWindowModified() and editor.revert_button.isEnabled()
    editor.revert_button.click()
    assert editor.text() == original and not editor.is_modified()

    editor.editor.appendPlainText("draft")
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Cancel)
    assert not editor.close() and editor.isVisible()  # Cancel keeps the window and the draft
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Save)
    assert editor.close()
    assert (Path(installed.path) / "SKILL.md").read_text(encoding="utf-8").rstrip().endswith("draft")


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12")
def test_installed_pyside_keeps_references_to_none() -> None:
    """PySide6 6.12.0 on Python < 3.12 loses a reference to None per void call (pyproject excludes
    it); this fails fast if such a binding is installed, before a long GUI session would abort."""
    from PySide6.QtCore import QObject

    obj = QObject()
    before = none_refcount()
    for _ in range(2000):
        obj.setObjectName("x")
    assert none_refcount() >= before - 20, ui_app.binding_problem() or "the Qt binding leaks references to None"


@pytest.mark.integration
@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12")
def test_long_session_repaints_and_filtering_keep_none_references(qtbot, window: MainWindow) -> None:
    """Guards against the PySide6 6.12.0 / Python < 3.12 invalid-QVariant refcount bug: a day of
    repaints and searches must not eat references to None (the interpreter aborts at zero)."""
    dialog = window.open_browse(Destination.LIBRARY)
    wait_loaded(qtbot, dialog)
    tab = tab_of(dialog, "anthropic-agent-skills")
    tab.select(["document-skills:pdf"])
    before = none_refcount()
    for i in range(30):
        dialog.search.setText("pdf" if i % 2 else "")
        tab.table.viewport().grab()
        window.library.table.viewport().grab()
        window.marketplace.table.viewport().grab()
    assert none_refcount() >= before - 30
    dialog.close()


def test_a_failed_dashboard_refresh_posts_a_persistent_error(qtbot, window: MainWindow, studio: SkillStudio,
                                                              monkeypatch) -> None:
    from skill_studio.core.store import DatabaseError

    def broken(destination=None):
        raise DatabaseError("skill-studio.db: database disk image is malformed")

    monkeypatch.setattr(studio, "installed", broken)
    window.library.refresh_button.click()
    qtbot.waitUntil(lambda: bool(window.notifications.notifications()))
    (note,) = window.notifications.notifications()
    assert note.persistent and note.level.value == "error" and "malformed" in note.text
    assert window.library.refresh_button.isEnabled()  # the user can try again
