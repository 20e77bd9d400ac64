"""The keyboard contract (issue 15, Deliver 1), with key events only: Ctrl+I, type, Down, Enter,
Enter imports a skill; Tab leaves every table; Ctrl+F / Ctrl+R / Ctrl+Tab / Delete; a tab order
with Import… right after the table; every control has an accessible name."""

# ruff: noqa: F405 - the fixtures and key helpers come from the star imports of keytools and uitools
from __future__ import annotations


import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QTableView, QWidget
from keytools import *  # noqa: F403 - key_studio, kwin, press, browse, …
from uitools import *  # noqa: F403 - GUI fixtures and helpers

from skill_studio.app.studio import SkillStudio
from skill_studio.core.models import Destination, InstallState
from skill_studio.ui import keyboard
from skill_studio.ui.main_window import MainWindow
from skill_studio.ui.metadata_editor import MetadataEditor

pytestmark = [pytest.mark.gui, pytest.mark.integration]


def test_ctrl_i_type_down_enter_enter_imports_into_the_library(qtbot, kwin: MainWindow,
                                                               key_studio: SkillStudio) -> None:
    dialog = browse(qtbot, kwin)
    assert dialog.destination is Destination.LIBRARY
    assert focused() is dialog.search  # focus starts in search
    type_text(qtbot, "dbt")
    tab = dialog.current_tab()
    assert tab is not None and shown_names(tab) == ["tools:dbt-modeling"]  # noqa: F405 - filtered at once
    press(qtbot, Qt.Key.Key_Down)
    assert focused() is tab.table
    assert [r.skill.name for r in tab.selected_rows()] == ["dbt-modeling"]
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.editor is not None and dialog.editor.isVisible())
    editor = dialog.editor
    assert isinstance(editor, MetadataEditor)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is editor)
    assert focused() is editor.name_edit
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: key_studio.installed_skill(Destination.LIBRARY, "dbt-modeling") is not None, timeout=10000)
    qtbot.waitUntil(lambda: kwin.library.model.find("dbt-modeling") >= 0, timeout=10000)
    qtbot.waitUntil(lambda: not dialog.busy())
    dbt = tab.model.rows()[tab.model.find("tools:dbt-modeling")]  # the tab shows the new state
    qtbot.waitUntil(lambda: tab.model.rows()[tab.model.find("tools:dbt-modeling")].state is InstallState.UP_TO_DATE)
    assert dbt.skill.name == "dbt-modeling"


def test_escape_in_the_editor_cancels_the_import(qtbot, kwin: MainWindow, key_studio: SkillStudio) -> None:
    dialog = browse(qtbot, kwin)
    type_text(qtbot, "sql")
    press(qtbot, Qt.Key.Key_Down)
    press(qtbot, Qt.Key.Key_Enter)  # the keypad's Enter too
    qtbot.waitUntil(lambda: dialog.editor is not None and dialog.editor.isVisible())
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog.editor)
    press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.busy())
    assert dialog.status.text() == "Import cancelled."
    assert key_studio.installed(Destination.LIBRARY) == []
    assert dialog.isVisible()


def test_ctrl_i_on_settings_skills_browses_for_settings(qtbot, kwin: MainWindow) -> None:
    kwin.show_page("settings/skills")
    kwin.settings_skills.table.setFocus()
    dialog = browse(qtbot, kwin, Destination.SETTINGS)
    assert dialog.destination is Destination.SETTINGS and focused() is dialog.search


def test_search_reload_and_registry_tab_keys(qtbot, kwin: MainWindow, github) -> None:
    dialog = browse(qtbot, kwin)
    assert [t.registry.name for t in dialog.tabs_list()] == ["acme-skills", "acme-more"]
    press(qtbot, Qt.Key.Key_Down)
    first = dialog.current_tab()
    assert first is not None and focused() is first.table
    press(qtbot, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert dialog.current_tab() is dialog.tabs_list()[1]
    assert focused() is dialog.tabs_list()[1].table  # the focus follows into the new tab's table
    press(qtbot, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert dialog.current_tab() is first
    press(qtbot, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert focused() is dialog.search
    github.reset_counters()
    press(qtbot, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert first.is_loading()
    wait_loaded(qtbot, dialog)  # noqa: F405
    assert github.request_count > 0  # fetched again


def test_tab_leaves_every_table_and_import_follows_the_table(qtbot, kwin: MainWindow) -> None:
    dialog = browse(qtbot, kwin)
    press(qtbot, Qt.Key.Key_Down)
    tab = dialog.current_tab()
    assert tab is not None and focused() is tab.table
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is dialog.import_button  # Import… right after the table
    press(qtbot, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert focused() is tab.table
    press(qtbot, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert focused() is not tab.table
    # one round of Tab from the search field: search, Updates only, Reload, the tabs, the table,
    # Import…, (Update… when enabled), Close, then the details pane, and back to search
    dialog.focus_search()
    cycle: list[QWidget] = []
    for _ in range(30):
        press(qtbot, Qt.Key.Key_Tab)
        if focused() is dialog.search:
            break
        cycle.append(focused())
    assert focused() is dialog.search, "\n".join(keyboard.describe(w) for w in cycle)
    names = [keyboard.accessible_name(w) for w in cycle]
    assert cycle.count(tab.table) == 1, names
    i = cycle.index(tab.table)
    assert cycle[:i] == [dialog.updates_only, dialog.reload_button, dialog.tabs.tabBar()], names
    assert cycle[i + 1:i + 3] == [dialog.import_button, dialog.close_button], names
    dialog.close()
    kwin.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is kwin)
    for page in (kwin.library, kwin.settings_skills, kwin.marketplace):
        kwin.stack.setCurrentWidget(page)
        tables = [t for t in page.findChildren(QTableView) if t.isVisible()]
        for table in tables:
            table.setFocus()
            assert not table.tabKeyNavigation()
            press(qtbot, Qt.Key.Key_Tab)
            assert focused() is not table, f"Tab stayed in {keyboard.describe(table)}"
            table.setFocus()
            press(qtbot, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
            assert focused() is not table


def test_delete_removes_the_selected_library_skill_after_confirmation(qtbot, kwin: MainWindow,
                                                                       key_studio: SkillStudio, monkeypatch) -> None:
    listing = key_studio.list_registry(key_studio.find_registry("acme/skills"))
    from skill_studio.core.models import ImportOptions

    key_studio.import_skill(listing, listing.skills[0], Destination.LIBRARY, ImportOptions())
    kwin.library.refresh()
    qtbot.waitUntil(lambda: kwin.library.model.rowCount() == 1)
    asked: list[str] = []

    def answer(reply):
        def question(_parent, _title, text, *_a, **_k):
            asked.append(text)
            return reply
        return question

    kwin.library.table.setFocus()
    press(qtbot, Qt.Key.Key_Down)
    assert kwin.library.selected_skill() is not None
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Cancel))
    press(qtbot, Qt.Key.Key_Delete)
    assert len(asked) == 1 and "kept as a backup" in asked[0]
    assert key_studio.installed(Destination.LIBRARY) != []  # Cancel keeps it
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Yes))
    press(qtbot, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: kwin.library.model.rowCount() == 0, timeout=10000)
    assert key_studio.installed(Destination.LIBRARY) == []
    assert list((key_studio.paths.backups / "library" / "csv-cleaner").iterdir())  # the backup is kept
    assert any("Removed csv-cleaner" in n.title for n in kwin.notifications.notifications())


def test_every_control_has_an_accessible_name(qtbot, kwin: MainWindow) -> None:
    """Walks every widget of each window (all pages of the main window, the browse dialog, the
    metadata editor, the SKILL.md editor) and asks Qt's accessibility layer for each control's name."""

    def unnamed(win: QWidget) -> list[str]:
        return [keyboard.describe(w) for w in keyboard.unnamed_controls(win)]

    missing = unnamed(kwin)
    dialog = browse(qtbot, kwin)
    press(qtbot, Qt.Key.Key_Down)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.editor is not None and dialog.editor.isVisible())
    missing += unnamed(dialog)  # the metadata editor is one of its children
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: kwin.library.model.rowCount() == 1, timeout=10000)
    qtbot.waitUntil(lambda: not dialog.busy())
    dialog.close()
    kwin.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is kwin)
    kwin.library.table.setFocus()
    press(qtbot, Qt.Key.Key_Return)  # Enter on the Library table opens the SKILL.md editor
    qtbot.waitUntil(lambda: len(kwin.editors) == 1)
    missing += unnamed(next(iter(kwin.editors.values())))
    assert missing == [], "\n".join(missing)


@pytest.mark.parametrize(("typed", "selected"), [("pdf", 1), ("PDF ", 1), ("pdf-t", 2), ("canvas", 0), ("", 0)])
def test_down_selects_the_skill_the_search_names(qtbot, typed: str, selected: int) -> None:
    """Typing "pdf" then Down selects ``document-skills:pdf`` even when a skill whose description
    mentions PDFs sorts before it; with no name match, the first row."""
    from PySide6.QtGui import QStandardItem, QStandardItemModel

    model = QStandardItemModel()
    for name in ("document-skills:docx", "document-skills:pdf", "example:pdf-tools"):
        model.appendRow(QStandardItem(name))
    from PySide6.QtWidgets import QLineEdit, QVBoxLayout

    window = QWidget()
    search, table = QLineEdit(window), QTableView(window)
    table.setModel(model)
    keyboard.select_on_focus(table)  # as the browse tables are set up
    layout = QVBoxLayout(window)
    layout.addWidget(search)
    layout.addWidget(table)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)  # focus events are delivered
    search.setFocus()
    qtbot.waitUntil(lambda: focused() is search)
    assert keyboard.focus_first_row(table, typed)
    assert focused() is table
    assert [i.row() for i in table.selectionModel().selectedRows()] == [selected]
