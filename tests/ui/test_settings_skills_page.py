"""Settings → Skills and the agent workspace in the GUI (issue 5 §6): bundled skills locked and
active, zip uploads (slot, activation, hostile archives), the Active switch, removal with
confirmation, edits reaching the workspace; Settings → General's update mode and workspace folder.

Native dialogs are never shown: ``QFileDialog``/``QMessageBox`` static methods are replaced, and the
upload dialog is driven through its widgets (it opens window-modal, without a nested event loop).
"""

from __future__ import annotations

import dataclasses
import re
import zipfile
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox
from uitools import tab_of, wait_loaded

from skill_studio.core.models import Destination, InstalledSkill
from skill_studio.app.studio import SkillStudio
from skill_studio.app.updates import UpdateMode, get_update_mode, set_update_mode
from skill_studio.ui.main_window import MainWindow
from skill_studio.ui.models import BADGES_ROLE, Badge, BadgeKind, InstalledRow
from skill_studio.ui.notifications import Notification
from skill_studio.ui.settings_skills_page import SettingsSkillsModel, SettingsSkillsPage
from skill_studio.ui.widgets import lock_icon

pytestmark = pytest.mark.gui

BUNDLED = ["research", "skill-builder-practices", "validate-skill"]

DEEP_RESEARCH = """---
name: deep-research
description: Deeper research for regulated domains - primary sources first, every claim cited.
slot: research
metadata:
  version: 2.1.0
---
# Deep research

Cite every source.
"""


def make_zip(path: Path, files: dict[str, str]) -> Path:
    """A zip holding ``files`` (name → text), built the way a user's archiver would."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return path


def workspace_state(studio: SkillStudio) -> tuple[list[str], list[str]]:
    """(folders under <workspace>/.claude/skills, skills listed in <workspace>/CLAUDE.md)."""
    ws = studio.settings_skills.workspace_path()
    skills_dir = ws / ".claude" / "skills"
    folders = sorted(p.name for p in skills_dir.iterdir()) if skills_dir.is_dir() else []
    md = ws / "CLAUDE.md"
    listed = sorted(re.findall(r"`\.claude/skills/([^/`]+)/SKILL\.md`", md.read_text(encoding="utf-8"))) \
        if md.is_file() else []
    return folders, listed


def active_names(studio: SkillStudio) -> list[str]:
    return sorted(s.local_name for s in studio.settings_skills.list() if s.active)


def checked(model: SettingsSkillsModel, row: int) -> bool:
    value = model.index(row, model.ACTIVE).data(Qt.ItemDataRole.CheckStateRole)
    return Qt.CheckState(value) == Qt.CheckState.Checked


def note_with(win: MainWindow, key: str) -> Notification:
    notes = {n.key: n for n in win.notifications.notifications()}
    assert key in notes, f"no {key!r} notification: {[(n.key, n.title) for n in notes.values()]}"
    return notes[key]


def click_active_box(qtbot, page: SettingsSkillsPage, local_name: str) -> None:
    """Click the Active check box of a row, as a user does."""
    m = page.skills_model
    src = m.index(m.find(local_name), m.ACTIVE)
    idx = page.table.model().mapFromSource(src)
    page.table.scrollTo(idx)
    point = page.table.visualRect(idx).center()  # the box is centred in its cell
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=point)


def wait_idle(qtbot, page: SettingsSkillsPage) -> None:
    qtbot.waitUntil(lambda: not page.changing and not page._uploading and not page._removing
                    and not page._loading, timeout=15000)


def settings_skill(local_name: str, *, origin: str = "upload", slot: str | None = None, active: bool = True,
                   **kw) -> InstalledSkill:
    base = dict(id=1, local_name=local_name, destination=Destination.SETTINGS, path=f"/x/{local_name}",
                name=local_name, description="desc", version="1.0.0", registry=None, registry_source=None,
                qualified_name=None, plugin=None, repo=None, source_path=None, commit=None, origin=origin,
                snapshot_hash="h", upstream_hash=None, purpose="skill-builder", slot=slot, model=None,
                active=active, installed_at="t", updated_at="t")
    base.update(kw)
    return InstalledSkill(**base)


def test_settings_model_shows_pending_states_and_never_changes_by_itself(qtmodeltester) -> None:
    model = SettingsSkillsModel()
    research = settings_skill("research", origin="bundled", slot="research")
    mine = settings_skill("my-research", slot="research", active=False)
    imported = settings_skill("doc", origin="marketplace", registry="reg", qualified_name="p:doc")
    model.set_rows([InstalledRow(research), InstalledRow(mine, customized=True), InstalledRow(imported)])
    qtmodeltester.check(model, force_py=True)
    m = SettingsSkillsModel
    assert [model.index(i, m.ORIGIN).data() for i in range(3)] == ["Bundled", "Uploaded", "reg"]
    assert model.index(2, m.SLOT).data() == "—"
    assert model.data(model.index(1, m.STATUS), BADGES_ROLE) == [Badge("customized", BadgeKind.WARN)]
    assert "research holds the research slot" in model.index(1, m.ACTIVE).data(Qt.ItemDataRole.ToolTipRole)
    got: list[tuple[str, bool]] = []
    model.active_toggled.connect(lambda s, on: got.append((s.local_name, on)))
    assert model.setData(model.index(0, m.ACTIVE), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    assert got == []  # already active: nothing to do
    assert model.setData(model.index(1, m.ACTIVE), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    assert got == [("my-research", True)] and not checked(model, 1)  # the page decides
    model.set_pending("my-research", True)
    assert checked(model, 1) and model.holder("research", exclude="research").local_name == "my-research"
    model.set_pending("my-research", None)
    model.apply_skills([dataclasses.replace(mine, active=True), dataclasses.replace(research, active=False)])
    assert checked(model, 1) and not checked(model, 0) and model.row_at(1).customized
    assert not model.setData(model.index(0, m.NAME), "x", Qt.ItemDataRole.EditRole)
    assert not model.flags(model.index(0, m.NAME)) & Qt.ItemFlag.ItemIsUserCheckable


def test_first_launch_shows_the_bundled_skills_active_and_locked(qtbot, window: MainWindow,
                                                                  studio: SkillStudio) -> None:
    window.show_page("settings/skills")
    page = window.settings_skills
    m = page.skills_model
    assert [r.skill.local_name for r in m.rows()] == BUNDLED
    lock = lock_icon().cacheKey()
    for i, name in enumerate(BUNDLED):
        assert checked(m, i)
        assert m.index(i, m.ORIGIN).data() == "Bundled"
        assert m.index(i, m.NAME).data(Qt.ItemDataRole.DecorationRole).cacheKey() == lock
        assert page.select(name)
        assert not page.remove_button.isEnabled()
        assert "cannot be removed" in page.remove_button.toolTip() and name in page.remove_hint.text()
        assert page.remove_selected(confirm=lambda s: True) is False
    assert [m.index(i, m.SLOT).data() for i in range(3)] == ["research", "practices", "validate"]
    assert str(studio.settings_skills.workspace_path()) in page.workspace_label.text()
    assert workspace_state(studio) == (BUNDLED, BUNDLED)


def test_upload_into_a_held_slot_and_activate_it(qtbot, window: MainWindow, studio: SkillStudio,
                                                 tmp_path: Path, monkeypatch) -> None:
    zip_path = make_zip(tmp_path / "deep-research.zip", {
        "deep-research/SKILL.md": DEEP_RESEARCH,
        "deep-research/references/sources.md": "# Sources\n",
    })
    asked: list[str] = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: asked.append("open") or (str(zip_path), "")))
    window.show_page("settings/skills")
    page = window.settings_skills
    page.upload_button.click()
    assert asked == ["open"]
    qtbot.waitUntil(lambda: page.upload_dialog is not None and page.upload_dialog.isVisible(), timeout=10000)
    dialog = page.upload_dialog
    assert dialog is not None
    assert dialog.local_name() == "deep-research" and dialog.slot() == "research"
    assert dialog.description().startswith("Deeper research")
    assert not dialog.slot_box.isHidden() and "research" in dialog.slot_text.text()  # the slot is held
    assert not dialog.activate_check.isChecked()  # arriving inactive is the default
    assert dialog.upload_button.isEnabled()
    dialog.activate_check.setChecked(True)
    dialog.upload_button.click()
    wait_idle(qtbot, page)
    qtbot.waitUntil(lambda: page.model.find("deep-research") >= 0, timeout=10000)

    ss = studio.settings_skills
    assert ss.get("deep-research").active and ss.get("deep-research").origin == "upload"
    assert not ss.get("research").active
    note = note_with(window, "settings-upload")
    assert "research was deactivated" in note.title and "deep-research" in note.title
    assert active_names(studio) == ["deep-research", "skill-builder-practices", "validate-skill"]
    assert workspace_state(studio) == (active_names(studio), active_names(studio))
    assert page.selected_skill() is not None and page.selected_skill().local_name == "deep-research"
    m = page.skills_model
    row = m.find("deep-research")
    assert m.index(row, m.ORIGIN).data() == "Uploaded" and m.index(row, m.VERSION).data() == "2.1.0"
    assert page.remove_button.isEnabled()  # an upload can be removed

    # The Active switch: ticking the bundled research skill takes the slot back, and says so.
    click_active_box(qtbot, page, "research")
    assert checked(m, m.find("research"))  # shown at once, applied in the background
    wait_idle(qtbot, page)
    note = note_with(window, "settings-activation")
    assert note.title == "Activated research in slot research; deep-research was deactivated."
    assert not ss.get("deep-research").active and ss.get("research").active
    assert not checked(m, m.find("deep-research"))
    assert workspace_state(studio) == (BUNDLED, BUNDLED)

    # Unticking deactivates without touching the others.
    click_active_box(qtbot, page, "validate-skill")
    wait_idle(qtbot, page)
    assert note_with(window, "settings-activation").title == "Deactivated validate-skill."
    assert active_names(studio) == ["research", "skill-builder-practices"]
    assert workspace_state(studio) == (active_names(studio), active_names(studio))

    # The keyboard works too: Space on the current Active cell ticks it again.
    m_idx = page.table.model().mapFromSource(m.index(m.find("validate-skill"), m.ACTIVE))
    page.table.setFocus()
    page.table.setCurrentIndex(m_idx)
    qtbot.keyClick(page.table, Qt.Key.Key_Space)
    wait_idle(qtbot, page)
    assert note_with(window, "settings-activation").title == "Activated validate-skill in slot validate."
    assert workspace_state(studio) == (BUNDLED, BUNDLED)


def test_upload_without_a_description_asks_for_one_and_arrives_inactive(qtbot, window: MainWindow,
                                                                        studio: SkillStudio, tmp_path: Path) -> None:
    zip_path = make_zip(tmp_path / "checker.zip", {"SKILL.md": "---\nname: Strict Checker\n---\n# Check\n"})
    page = window.settings_skills
    assert page.upload_zip(str(zip_path))
    qtbot.waitUntil(lambda: page.upload_dialog is not None, timeout=10000)
    dialog = page.upload_dialog
    assert dialog is not None
    assert dialog.local_name() == "strict-checker" and dialog.slot() == ""
    assert not dialog.description_hint.isHidden()
    assert not dialog.upload_button.isEnabled()  # a description is required
    dialog.name_edit.setText("research")  # a bundled skill's name cannot be used
    dialog.description_edit.setPlainText("Checks skills strictly.")
    assert not dialog.upload_button.isEnabled() and "bundled" in dialog.conflict_text.text()
    assert dialog.replace_check.isHidden()
    dialog.rename_button.click()
    assert dialog.local_name() == "research-2"
    dialog.slot_combo.setCurrentText("validate")
    assert "validate-skill" in dialog.slot_text.text()
    assert dialog.upload_button.isEnabled()
    dialog.upload_button.click()  # without switching: it arrives inactive
    wait_idle(qtbot, page)
    skill = studio.settings_skills.get("research-2")
    assert not skill.active and skill.slot == "validate" and skill.description == "Checks skills strictly."
    note = note_with(window, "settings-upload")
    assert "arrived inactive" in note.text and "validate-skill" in note.text
    assert workspace_state(studio) == (BUNDLED, BUNDLED)


def test_a_hostile_zip_is_refused_with_the_reason_and_changes_nothing(qtbot, window: MainWindow,
                                                                      studio: SkillStudio, tmp_path: Path,
                                                                      monkeypatch) -> None:
    warnings: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "warning",
                        staticmethod(lambda parent, title, text, *a: warnings.append((title, text))))
    before = [(s.local_name, s.active, s.slot) for s in studio.settings_skills.list()]
    ws_before = workspace_state(studio)
    page = window.settings_skills

    evil = make_zip(tmp_path / "evil.zip", {"../../escaped/SKILL.md": DEEP_RESEARCH})
    assert page.upload_zip(str(evil))
    qtbot.waitUntil(lambda: not page._uploading, timeout=10000)
    assert page.upload_dialog is None
    assert len(warnings) == 1
    title, text = warnings[0]
    assert title == "The archive was refused" and "evil.zip" in text and "../../escaped/SKILL.md" in text
    assert "Nothing was installed" in text

    garbage = tmp_path / "notes.zip"
    garbage.write_bytes(b"this is not a zip archive")
    assert page.upload_zip(str(garbage))
    qtbot.waitUntil(lambda: len(warnings) == 2, timeout=10000)
    assert "not a readable zip" in warnings[1][1]

    assert [(s.local_name, s.active, s.slot) for s in studio.settings_skills.list()] == before
    assert workspace_state(studio) == ws_before
    assert not list(tmp_path.parent.rglob("escaped"))
    assert page.upload_button.isEnabled()


def test_remove_asks_first_and_takes_the_skill_out_of_the_workspace(qtbot, studio: SkillStudio, make_window,
                                                                    tmp_path: Path, monkeypatch) -> None:
    zip_path = make_zip(tmp_path / "x.zip", {"SKILL.md": DEEP_RESEARCH.replace("slot: research\n", "")})
    uploaded = studio.settings_skills.upload(zip_path)
    assert uploaded.active and "deep-research" in workspace_state(studio)[0]
    win = make_window(studio)
    page = win.settings_skills
    answers = [QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Yes]
    questions: list[str] = []

    def question(parent, title, text, *a):
        questions.append(text)
        return answers.pop(0)

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    assert page.select("deep-research") and page.remove_button.isEnabled()
    page.remove_button.click()  # Cancel
    assert len(questions) == 1 and "deep-research" in questions[0] and "agent workspace" in questions[0]
    assert studio.settings_skills.get("deep-research")
    page.remove_button.click()  # Yes
    wait_idle(qtbot, page)
    assert page.model.find("deep-research") < 0
    assert [s.local_name for s in studio.settings_skills.list()] == BUNDLED
    assert not Path(uploaded.path).exists()
    assert workspace_state(studio) == (BUNDLED, BUNDLED)
    note = note_with(win, "settings-remove")
    assert note.title == "Removed deep-research from Settings → Skills" and "agent workspace" in note.text


def test_saving_an_active_skill_in_the_editor_updates_its_workspace_copy(qtbot, window: MainWindow,
                                                                         studio: SkillStudio) -> None:
    page = window.settings_skills
    window.show_page("settings/skills")
    m = page.skills_model
    cell = page.table.model().mapFromSource(m.index(m.find("research"), m.NAME))
    at = page.table.visualRect(cell).center()
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=at)  # press, then the double-click
    qtbot.mouseDClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=at)
    assert (Destination.SETTINGS, "research") in window.editors  # double-click opens the editor
    editor = window.editors[(Destination.SETTINGS, "research")]
    editor.editor.setPlainText(editor.text() + "\n## Team rule\n\nAlways ask for the style guide.\n")
    assert editor.save()
    copy = studio.settings_skills.workspace_path() / ".claude" / "skills" / "research" / "SKILL.md"
    qtbot.waitUntil(lambda: "Always ask for the style guide." in copy.read_text(encoding="utf-8"), timeout=10000)
    qtbot.waitUntil(lambda: m.row_at(m.find("research")).customized, timeout=10000)
    assert "customized" in m.index(m.find("research"), m.STATUS).data()
    editor.close()


def test_update_mode_is_stored_by_the_core_and_shown_by_every_window(qtbot, studio: SkillStudio,
                                                                      make_window) -> None:
    win = make_window(studio)
    assert win.general.mode() == "manual" and get_update_mode(studio) is UpdateMode.MANUAL
    win.general.update_mode.setCurrentIndex(win.general.update_mode.findData("auto"))
    assert get_update_mode(studio) is UpdateMode.AUTO
    win.close()
    again = make_window(studio)
    assert again.general.mode() == "auto"
    again.close()
    set_update_mode(studio, "manual")  # e.g. from the CLI
    assert make_window(studio).general.mode() == "manual"


def test_changing_the_workspace_moves_the_active_skills(qtbot, window: MainWindow, studio: SkillStudio,
                                                        tmp_path: Path, monkeypatch) -> None:
    general = window.general
    window.show_page("settings/general")
    old = studio.settings_skills.workspace_path()
    assert general.workspace.text() == str(old)
    new = tmp_path / "agent-workspace"
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(new)))
    general.change_workspace_button.click()
    qtbot.waitUntil(lambda: not general.busy(), timeout=15000)
    assert general.workspace_status.property("kind") == "ok", general.workspace_status.text()
    assert general.workspace.text() == str(new.resolve())
    assert studio.settings_skills.workspace_path() == new.resolve()
    assert workspace_state(studio) == (BUNDLED, BUNDLED)
    assert sorted(p.name for p in (new / ".claude" / "skills").iterdir()) == BUNDLED
    old_skills = old / ".claude" / "skills"
    assert not old_skills.exists() or not any(old_skills.iterdir())
    qtbot.waitUntil(lambda: str(new.resolve()) in window.settings_skills.workspace_label.text(), timeout=10000)

    # Sync now restores what was deleted by hand.
    import shutil

    shutil.rmtree(new / ".claude" / "skills" / "research")
    general.sync_button.click()
    qtbot.waitUntil(lambda: not general.busy(), timeout=15000)
    assert "wrote research" in general.workspace_status.text()
    assert workspace_state(studio) == (BUNDLED, BUNDLED)

    # A folder inside the app's data folder is refused inline; nothing moves.
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *a, **k: str(studio.paths.data / "inside")))
    general.change_workspace_button.click()
    qtbot.waitUntil(lambda: not general.busy(), timeout=15000)
    assert general.workspace_status.property("kind") == "error"
    assert "data folder" in general.workspace_status.text()
    assert studio.settings_skills.workspace_path() == new.resolve()

    # Cancelling the folder dialog does nothing.
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: ""))
    assert general.change_workspace() is False


def test_an_import_into_a_held_slot_arrives_inactive_and_offers_to_activate(qtbot, window: MainWindow,
                                                                            studio: SkillStudio) -> None:
    window.show_page("settings/skills")
    window.settings_skills.import_button.click()
    dialog = window.browse_dialogs[Destination.SETTINGS]
    wait_loaded(qtbot, dialog)
    tab = tab_of(dialog, "anthropic-agent-skills")
    dialog.tabs.setCurrentWidget(tab)
    assert tab.select(["example-skills:doc-coauthoring"]) == 1
    dialog.import_button.click()
    qtbot.waitUntil(lambda: dialog.editor is not None and dialog.editor.isVisible())
    editor = dialog.editor
    assert editor is not None and editor.slot_combo is not None
    editor.slot_combo.setCurrentText("research")
    editor.import_button.click()
    page = window.settings_skills
    qtbot.waitUntil(lambda: "settings-import-notes" in {n.key for n in window.notifications.notifications()},
                    timeout=15000)
    note = note_with(window, "settings-import-notes")
    assert note.title == "doc-coauthoring arrived inactive" and "'research'" in note.text
    assert not studio.settings_skills.get("doc-coauthoring").active
    card = window.notifications.card("settings-import-notes")
    assert card is not None and card.action_buttons[0].text() == "Activate doc-coauthoring"
    card.action_buttons[0].click()
    wait_idle(qtbot, page)
    note = note_with(window, "settings-activation")
    assert note.title == "Activated doc-coauthoring in slot research; research was deactivated."
    assert active_names(studio) == ["doc-coauthoring", "skill-builder-practices", "validate-skill"]
    assert workspace_state(studio) == (active_names(studio), active_names(studio))
    m = page.skills_model
    assert m.index(m.find("doc-coauthoring"), m.ORIGIN).data() == "anthropic-agent-skills"
    dialog.close()
