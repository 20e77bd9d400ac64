"""Everyday actions and fresh state (issue 15, Deliver 6 and 7): *New skill…* in the Library from a
template that passes the naming rules, the SKILL.md editor refusing broken frontmatter in place
(and not saying "Unsaved changes" on open), *Activate now* when importing into Settings → Skills,
*Update all*, and "1.0.0 (changed upstream)" for content-only updates."""

from __future__ import annotations

from pathlib import Path

import pytest
from keytools import *  # noqa: F403 - key_studio, kwin, press, browse, …
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from uitools import *  # noqa: F403 - GUI fixtures and helpers

from skill_studio.app import parse_skill_md
from skill_studio.app.create import create_skill, new_skill_md
from skill_studio.app.studio import SkillStudio
from skill_studio.app.updates import UpdateItem, UpdateKind
from skill_studio.core.errors import InstallError
from skill_studio.core.models import Destination, ImportOptions
from skill_studio.ui.main_window import MainWindow
from skill_studio.ui.metadata_editor import MetadataEditor

pytestmark = [pytest.mark.gui, pytest.mark.integration]


def test_new_skill_from_the_keyboard_is_created_valid_and_opened(qtbot, kwin: MainWindow,
                                                                 key_studio: SkillStudio) -> None:
    page = kwin.library
    page.new_button.click()
    dialog = page.new_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    assert focused() is dialog.name_edit  # noqa: F405
    type_text(qtbot, "Warehouse_Notes")  # noqa: F405
    assert "naming rule" in dialog.message.text() and not dialog.create_button.isEnabled()
    dialog.name_edit.clear()
    type_text(qtbot, "warehouse-notes")  # noqa: F405
    press(qtbot, Qt.Key.Key_Tab)  # noqa: F405
    assert focused() is dialog.description_edit  # noqa: F405
    type_text(qtbot, "Write warehouse notes: when the user documents tables.")  # noqa: F405
    press(qtbot, Qt.Key.Key_Return)  # noqa: F405
    qtbot.waitUntil(lambda: ("library", "warehouse-notes") in {(d.value, n) for d, n in kwin.editors}, timeout=10000)
    skill = key_studio.installed_skill(Destination.LIBRARY, "warehouse-notes")
    assert skill is not None and skill.origin == "created" and skill.version == "0.1.0"
    meta = parse_skill_md((Path(skill.path) / "SKILL.md").read_text(), "SKILL.md")
    assert meta.name == "warehouse-notes" and meta.warnings == ()
    assert meta.description == "Write warehouse notes: when the user documents tables."
    qtbot.waitUntil(lambda: page.selected_skill() is not None and page.selected_skill().local_name == "warehouse-notes")
    assert not key_studio.is_customized(skill)
    # a second skill of that name is refused in the dialog
    page.new_button.click()
    again = page.new_dialog
    assert again is not None
    again.name_edit.setText("warehouse-notes")
    assert "already in the Skill Library" in again.message.text() and not again.create_button.isEnabled()
    again.reject()


@pytest.mark.parametrize("name", ["Bad", "a--b", "-a", "a-", "a_b", "x" * 65, ""])
def test_new_skill_names_follow_the_agent_skills_rule(key_studio: SkillStudio, name: str) -> None:
    with pytest.raises(InstallError):
        create_skill(key_studio, name, "Does things.")
    assert key_studio.installed(Destination.LIBRARY) == []


def test_the_template_passes_the_rules_for_any_valid_name() -> None:
    for name in ("a", "pdf-2", "x" * 64):
        meta = parse_skill_md(new_skill_md(name, 'Quotes " and: colons # hashes'), "SKILL.md")
        assert meta.name == name and meta.warnings == () and meta.description == 'Quotes " and: colons # hashes'


def test_editor_refuses_broken_frontmatter_in_place(qtbot, kwin: MainWindow, key_studio: SkillStudio) -> None:
    skill = create_skill(key_studio, "tidy-notes", "Tidy notes.")
    editor = kwin.open_editor(skill)
    assert editor.status.text() == "" and not editor.isWindowModified()  # not "Unsaved changes"
    path = Path(skill.path) / "SKILL.md"
    before = path.read_text()
    editor.editor.selectAll()
    editor.editor.insertPlainText(before.replace("name: tidy-notes\n", "name: [unclosed\n"))  # as typed
    assert editor.status.text() == "Unsaved changes"
    assert editor.save() is False
    assert editor.problem.isVisible() and editor.problem.text().startswith("Not saved:")
    assert path.read_text() == before  # nothing written
    editor.editor.selectAll()
    editor.editor.insertPlainText(before.replace("# Tidy notes", "# Tidy notes, refined"))
    assert editor.save() is True and not editor.problem.isVisible()
    assert "refined" in path.read_text()


def test_activate_now_when_importing_into_settings(qtbot, key_studio: SkillStudio) -> None:
    listing = key_studio.list_registry(key_studio.find_registry("acme/skills"))
    sql = next(s for s in listing.skills if s.name == "sql-review")
    csv = next(s for s in listing.skills if s.name == "csv-cleaner")
    quiet = key_studio.import_skill(listing, sql, Destination.SETTINGS, ImportOptions(slot="validate"))
    assert not quiet.active  # the bundled validate-skill keeps the slot
    now = key_studio.import_skill(listing, csv, Destination.SETTINGS, ImportOptions(slot="validate", activate=True))
    assert now.active
    assert not key_studio.settings_skills.get("validate-skill").active
    # the metadata editor offers the choice for Settings → Skills only
    editor = MetadataEditor(csv, "acme-skills", Destination.SETTINGS, lambda _n: None)
    assert editor.activate_check is not None and not editor.options().activate
    editor.activate_check.setChecked(True)
    assert editor.options().activate
    assert MetadataEditor(csv, "acme-skills", Destination.LIBRARY, lambda _n: None).activate_check is None


def test_update_all_asks_for_every_pending_skill_of_the_page(qtbot, kwin: MainWindow, monkeypatch) -> None:
    page = kwin.library
    for name in ("alpha", "beta", "gamma"):
        create_skill(kwin.studio, name, "Does things.")
    page.refresh()
    qtbot.waitUntil(lambda: page.model.rowCount() == 3)
    asked: list[tuple[Destination, list[str]]] = []
    monkeypatch.setattr(kwin.update_center, "request_update",
                        lambda dest, names, listing=None, parent=None: asked.append((dest, list(names))))
    assert not page.update_all_button.isVisible()
    page.updates.update({"beta", "alpha"})
    page.model.set_updates(page.updates)  # as the update check does
    assert page.update_all_button.isVisible() and page.update_all_button.text() == "Update all (2)"
    page.update_all_button.click()
    assert asked == [(Destination.LIBRARY, ["alpha", "beta"])]


def test_content_only_changes_read_changed_upstream() -> None:
    def item(kind: UpdateKind, new: str) -> UpdateItem:
        return UpdateItem(Destination.LIBRARY, "pdf", "p:pdf", "r", "u", "1.0.0", new, "a", "b", kind, False,
                          installed=None)  # type: ignore[arg-type]

    assert item(UpdateKind.CHANGED_UPSTREAM, "1.0.0").version_change == "1.0.0 (changed upstream)"
    assert item(UpdateKind.VERSION, "1.1.0").version_change == "1.0.0 → 1.1.0"
