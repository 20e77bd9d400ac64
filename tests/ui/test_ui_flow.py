"""A new user's day, end to end against the fake GitHub (issue 3): launch on a fresh
SKILL_STUDIO_HOME, add a registry, browse it, filter, import with an edited local name, see it in
the dashboard, open and edit it; plus the error tab with Retry, collisions, registry toggles, and
the responsiveness guarantee."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import MARKETPLACES, require_shared
from PySide6.QtCore import QSettings, QTimer
from uitools import assert_no_background_work, shown_names, tab_of, wait_loaded

from skill_studio.core.models import Destination
from skill_studio.app.studio import SkillStudio
from skill_studio.ui import widgets
from skill_studio.ui.browse_dialog import BrowseDialog, MetadataEditor
from skill_studio.ui.main_window import MainWindow
from skill_studio.ui.pages import open_settings

pytestmark = [pytest.mark.gui, pytest.mark.integration]

DEFAULT = "anthropic-agent-skills"


def add_registry(qtbot, win: MainWindow, url: str) -> str:
    """Type a URL into Settings → Marketplace, click Add, wait; returns the inline status text."""
    win.show_page("settings/marketplace")
    page = win.marketplace
    page.url_edit.setText(url)
    page.add_button.click()
    qtbot.waitUntil(lambda: not page._adding, timeout=15000)
    return page.status.text()


def open_editor_for(qtbot, dialog: BrowseDialog, tab_name: str, qualified: str) -> MetadataEditor:
    tab = tab_of(dialog, tab_name)
    dialog.tabs.setCurrentWidget(tab)
    assert tab.select([qualified]) == 1
    assert dialog.import_button.isEnabled()
    dialog.import_button.click()
    qtbot.waitUntil(lambda: dialog.editor is not None and dialog.editor.isVisible())
    assert dialog.editor is not None
    return dialog.editor


def test_new_user_adds_browses_filters_imports_and_refines(qtbot, window: MainWindow, studio: SkillStudio,
                                                           monkeypatch) -> None:
    # Launch: an empty library with a clear way forward.
    assert window.current_page() == "library"
    assert window.library.stack.currentWidget() is window.library.empty

    # Add a registry by URL: the name comes from the catalog, shown inline.
    status = add_registry(qtbot, window, "https://github.com/anthropics/claude-code")
    assert "claude-code-plugins" in status
    assert window.marketplace.status.property("kind") == "ok"
    assert [r.name for r in window.marketplace.registries()] == [DEFAULT, "claude-code-plugins"]

    # Browse from the Skill Library: one tab per enabled registry, loaded in the background.
    window.show_page("library")
    window.library.import_button.click()
    dialog = window.browse_dialogs[Destination.LIBRARY]
    assert dialog.destination is Destination.LIBRARY and dialog.isVisible()
    assert [t.registry.name for t in dialog.tabs_list()] == [DEFAULT, "claude-code-plugins"]
    wait_loaded(qtbot, dialog)
    tab = tab_of(dialog, "claude-code-plugins")
    assert tab.model.rowCount() == 10

    # Filter per keystroke on name and description, across the current tab.
    dialog.tabs.setCurrentWidget(tab)
    qtbot.keyClicks(dialog.search, "hook")
    want = sorted(r.skill.qualified_name for r in tab.model.rows()
                  if "hook" in r.skill.qualified_name.lower() or "hook" in (r.skill.description or "").lower())
    assert "hookify:Writing Hookify Rules" in want and len(want) < 10
    assert sorted(shown_names(tab)) == want
    assert f"Showing {len(want)} of 10" in tab.summary.text()
    dialog.search.clear()
    qtbot.keyClicks(dialog.search, "FRONTEND")
    assert shown_names(tab) == ["frontend-design:frontend-design"]

    # Details: the rendered SKILL.md with path and commit.
    assert tab.select(["frontend-design:frontend-design"]) == 1
    details = tab.details
    assert details.title.text() == "frontend-design:frontend-design"
    assert "SKILL.md" in details.meta.text() and tab.data is not None
    assert tab.data.listing.commit[:12] in details.meta.text()
    assert details.body.toPlainText().strip()

    # Import with an edited local name.
    editor = open_editor_for(qtbot, dialog, "claude-code-plugins", "frontend-design:frontend-design")
    assert editor.local_name() == "frontend-design"
    assert editor.description() and editor.version_edit.text() == "1.1.0"
    assert editor.purpose_combo is not None and editor.slot_combo is None
    editor.name_edit.clear()
    qtbot.keyClicks(editor.name_edit, "ui-design")
    editor.import_button.click()
    qtbot.waitUntil(lambda: window.library.model.find("ui-design") >= 0, timeout=15000)

    # The dashboard shows it; the browse tab now says it is installed.
    row = window.library.model.row_at(window.library.model.find("ui-design"))
    assert (row.skill.version, row.skill.registry, row.customized) == ("1.1.0", "claude-code-plugins", False)
    assert window.library.stack.currentWidget() is window.library.table
    qtbot.waitUntil(lambda: tab.model.row_at(tab.model.find("frontend-design:frontend-design")).state.value == "up_to_date")
    assert any(n.title.startswith("Imported into Skill Library") for n in window.notifications.notifications())
    dialog.close()

    # Open it to refine: edit, preview, save, reveal.
    assert window.library.select("ui-design")
    window.library.open_button.click()
    skill_editor = window.editors[(Destination.LIBRARY, "ui-design")]
    assert skill_editor.isVisible() and "frontend" in skill_editor.text().lower()
    skill_editor.editor.appendPlainText("\n## Our house rules\n\nUse the design tokens.\n")
    assert skill_editor.is_modified() and skill_editor.save_button.isEnabled()
    skill_editor.render_preview()
    assert "Our house rules" in skill_editor.preview.toPlainText()
    skill_editor.save_button.click()
    assert not skill_editor.is_modified()
    assert "Use the design tokens." in (Path(row.skill.path) / "SKILL.md").read_text(encoding="utf-8")
    qtbot.waitUntil(lambda: window.library.model.row_at(window.library.model.find("ui-design")).customized)
    opened: list[str] = []
    monkeypatch.setattr(widgets, "reveal_in_file_manager", lambda path: opened.append(path) or True)
    skill_editor.reveal_button.click()
    assert opened == [row.skill.path]
    skill_editor.close()


def test_failed_registry_tab_shows_reason_and_retry_recovers(qtbot, github, use_github, make_window) -> None:
    require_shared()
    github.add_fixture(MARKETPLACES / "anthropics__skills")
    use_github(github)
    github.rate_limit(int(time.time()) + 3600, times=1)
    s = SkillStudio()
    try:
        win = make_window(s)
        dialog = win.open_browse(Destination.LIBRARY)
        wait_loaded(qtbot, dialog)
        tab = tab_of(dialog, DEFAULT)
        assert tab.error is not None and "rate limit" in tab.error.lower()
        assert tab.stack.currentWidget() is tab.error_view
        assert tab.error_view.reason.text() == tab.error
        assert tab.error_view.retry_button.isVisible()
        tab.error_view.retry_button.click()
        assert tab.is_loading()
        wait_loaded(qtbot, dialog)
        assert tab.error is None and tab.model.rowCount() == 17
        dialog.close()
    finally:
        assert_no_background_work()
        s.close()


def test_collision_must_be_confirmed_rename_or_replace(qtbot, window: MainWindow, studio: SkillStudio) -> None:
    dialog = window.open_browse(Destination.LIBRARY)
    wait_loaded(qtbot, dialog)
    editor = open_editor_for(qtbot, dialog, DEFAULT, "document-skills:pdf")
    assert editor.conflict() is None and editor.import_button.isEnabled()
    editor.import_button.click()
    qtbot.waitUntil(lambda: window.library.model.find("pdf") >= 0, timeout=15000)
    tab = tab_of(dialog, DEFAULT)
    qtbot.waitUntil(lambda: tab.model.row_at(tab.model.find("document-skills:pdf")).state.value == "up_to_date")

    # Same name again: shown, Import disabled until the user renames or explicitly replaces.
    editor = open_editor_for(qtbot, dialog, DEFAULT, "document-skills:pdf")
    conflict = editor.conflict()
    assert conflict is not None and conflict.installed is not None and not conflict.customized
    assert editor.conflict_box.isVisible() and not editor.import_button.isEnabled()
    editor.rename_button.click()
    assert editor.local_name() == "pdf-2" and editor.conflict() is None and editor.import_button.isEnabled()
    editor.name_edit.setText("pdf")
    assert not editor.import_button.isEnabled()
    editor.replace_check.setChecked(True)
    assert editor.import_button.isEnabled()
    opts = editor.options()
    assert opts.replace and not opts.force
    editor.reject()
    qtbot.waitUntil(lambda: dialog.editor is None)
    assert "cancelled" in dialog.status.text().lower()

    # A customized installed copy: replacing says the local version is kept, and forces.
    pdf = studio.store.skill(Destination.LIBRARY, "pdf")
    assert pdf is not None
    md = Path(pdf.path) / "SKILL.md"
    md.write_text(md.read_text(encoding="utf-8") + "\nmy notes\n", encoding="utf-8")
    editor = open_editor_for(qtbot, dialog, DEFAULT, "document-skills:pdf")
    conflict = editor.conflict()
    assert conflict is not None and conflict.customized
    assert "local edits" in editor.conflict_text.text() and "backup" in editor.conflict_text.text()
    editor.replace_check.setChecked(True)
    opts = editor.options()
    assert opts.replace and opts.force
    editor.import_button.click()
    qtbot.waitUntil(lambda: "Imported pdf" in dialog.status.text(), timeout=15000)
    assert "my notes" not in md.read_text(encoding="utf-8")  # replaced by upstream
    assert any((studio.paths.backups).rglob("SKILL.md"))  # the local version was kept
    dialog.close()


def test_multi_select_import_with_skip_and_duplicate_names_in_one_batch(qtbot, window: MainWindow) -> None:
    dialog = window.open_browse(Destination.LIBRARY)
    wait_loaded(qtbot, dialog)
    tab = tab_of(dialog, DEFAULT)
    assert tab.select(["document-skills:docx", "document-skills:xlsx", "example-skills:canvas-design"]) == 3
    assert dialog.import_button.text() == "Import 3 skills…"
    dialog.import_button.click()
    qtbot.waitUntil(lambda: dialog.editor is not None)
    first = dialog.editor
    assert first is not None and first.skip_button.isVisible() and "1 of 3" in first.windowTitle()
    first.name_edit.setText("office")
    first.import_button.click()
    qtbot.waitUntil(lambda: dialog.editor is not None and dialog.editor is not first)
    second = dialog.editor
    second.name_edit.setText("office")  # taken by the first of this batch
    c = second.conflict()
    assert c is not None and c.planned and not second.import_button.isEnabled()
    second.skip_button.click()
    qtbot.waitUntil(lambda: dialog.editor is not None and dialog.editor is not second)
    dialog.editor.import_button.click()
    qtbot.waitUntil(lambda: window.library.model.rowCount() == 2, timeout=15000)
    assert sorted(r.skill.local_name for r in window.library.model.rows()) == ["canvas-design", "office"]
    dialog.close()


def test_registry_toggle_and_remove_reach_the_open_browse_dialog(qtbot, window: MainWindow) -> None:
    assert "claude-code-plugins" in add_registry(qtbot, window, "anthropics/claude-code")
    page = window.marketplace
    dialog = window.open_browse(Destination.LIBRARY)
    wait_loaded(qtbot, dialog)
    assert [t.registry.name for t in dialog.tabs_list()] == [DEFAULT, "claude-code-plugins"]

    # The default registry cannot be removed.
    page.select(page.registries()[0].id)
    assert not page.remove_button.isEnabled() and "default" in page.remove_hint.text()

    # Unticking Enabled removes the tab at once; ticking it again brings it back.
    model = page.model
    from PySide6.QtCore import Qt

    model.setData(model.index(1, model.ENABLED), Qt.CheckState.Unchecked.value, Qt.ItemDataRole.CheckStateRole)
    assert not page.registries()[1].enabled
    assert [t.registry.name for t in dialog.tabs_list()] == [DEFAULT]
    model.setData(model.index(1, model.ENABLED), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    assert [t.registry.name for t in dialog.tabs_list()] == [DEFAULT, "claude-code-plugins"]
    wait_loaded(qtbot, dialog)

    # Remove: confirmed, gone from the list and from the dialog.
    page.select(page.registries()[1].id)
    assert page.remove_button.isEnabled()
    assert page.remove_selected(confirm=lambda reg: True)
    assert [r.name for r in page.registries()] == [DEFAULT]
    assert [t.registry.name for t in dialog.tabs_list()] == [DEFAULT]
    dialog.close()


def test_add_registry_errors_are_shown_inline(qtbot, window: MainWindow) -> None:
    page = window.marketplace
    status = add_registry(qtbot, window, "not a url")
    assert page.status.property("kind") == "error" and "owner/repo" in status  # refused before any request
    status = add_registry(qtbot, window, "nobody/nothing-here")
    assert page.status.property("kind") == "error" and "nobody/nothing-here" in status
    status = add_registry(qtbot, window, "anthropics/skills")
    assert page.status.property("kind") == "error" and "already configured" in status
    assert [r.name for r in page.registries()] == [DEFAULT]
    assert page.url_edit.text() == "anthropics/skills"  # kept for correction


def test_settings_skills_import_goes_to_settings_with_a_slot_field(qtbot, window: MainWindow) -> None:
    window.show_page("settings/skills")
    window.settings_skills.import_button.click()
    dialog = window.browse_dialogs[Destination.SETTINGS]
    assert "Settings → Skills" in dialog.windowTitle()
    wait_loaded(qtbot, dialog)
    editor = open_editor_for(qtbot, dialog, DEFAULT, "example-skills:doc-coauthoring")
    assert editor.slot_combo is not None and editor.purpose_combo is None
    editor.slot_combo.setCurrentText("research")
    editor.import_button.click()
    qtbot.waitUntil(lambda: window.settings_skills.model.find("doc-coauthoring") >= 0, timeout=15000)
    row = window.settings_skills.model.row_at(0)
    assert row.skill.destination is Destination.SETTINGS and row.skill.slot == "research"
    assert window.library.model.rowCount() == 0
    dialog.close()


def test_ui_stays_responsive_while_github_is_slow(qtbot, github, use_github, make_window) -> None:
    require_shared()
    github.add_fixture(MARKETPLACES / "anthropics__skills")
    use_github(github)
    github.hang("/git/trees/", 2.0, times=1)
    s = SkillStudio()
    try:
        win = make_window(s)
        ticks: list[float] = []
        timer = QTimer()
        timer.setInterval(50)
        timer.timeout.connect(lambda: ticks.append(time.monotonic()))
        timer.start()
        started = time.monotonic()
        dialog = win.open_browse(Destination.LIBRARY)
        tab = tab_of(dialog, DEFAULT)
        assert tab.is_loading() and tab.busy_view.isVisible()
        wait_loaded(qtbot, dialog, timeout=20000)
        elapsed = time.monotonic() - started
        timer.stop()
        assert tab.model.rowCount() == 17
        assert elapsed >= 2.0, "the fake server did not hold the tree response"
        assert len(ticks) >= 20, f"the GUI thread ticked only {len(ticks)} times in {elapsed:.1f} s"
        gaps = [b - a for a, b in zip(ticks, ticks[1:])]
        assert max(gaps) < 0.5, f"the event loop stalled for {max(gaps):.2f} s"
        dialog.close()
    finally:
        assert_no_background_work()
        s.close()


def test_window_geometry_last_page_and_update_mode_are_remembered(qtbot, studio: SkillStudio, make_window) -> None:
    win = make_window(studio)
    win.show_page("settings/general")
    win.resize(770, 560)  # fits the offscreen screen (800×600), so restoreGeometry keeps it as is
    idx = win.general.update_mode.findData("auto")
    win.general.update_mode.setCurrentIndex(idx)
    assert studio.store.get_setting("update_mode") == "auto"
    size = (win.width(), win.height())
    assert size != (1180, 760)  # not the default size
    win.close()
    settings = open_settings(studio)
    assert Path(settings.fileName()).parent == studio.paths.config
    assert settings.format() == QSettings.Format.IniFormat

    again = make_window(studio)
    assert again.current_page() == "settings/general"
    assert (again.width(), again.height()) == size
    assert again.general.mode() == "auto"


def test_external_plugins_are_resolved_in_the_browse_tab(qtbot, window: MainWindow) -> None:
    # obra/superpowers-marketplace holds only external (url) sources; they are resolved (issue 9).
    assert "superpowers-marketplace" in add_registry(qtbot, window, "obra/superpowers-marketplace")
    dialog = window.open_browse(Destination.LIBRARY)
    wait_loaded(qtbot, dialog)
    tab = tab_of(dialog, "superpowers-marketplace")
    dialog.tabs.setCurrentWidget(tab)
    assert tab.model.rowCount() == 22
    default = tab_of(dialog, DEFAULT)
    assert not default.details.excluded.button.isEnabled()  # nothing excluded there
    dialog.close()


def test_closing_the_dialog_during_an_import_lets_it_finish(qtbot, github, use_github, make_window) -> None:
    require_shared()
    github.add_fixture(MARKETPLACES / "anthropics__skills")
    use_github(github)
    s = SkillStudio()
    try:
        win = make_window(s)
        dialog = win.open_browse(Destination.LIBRARY)
        wait_loaded(qtbot, dialog)
        editor = open_editor_for(qtbot, dialog, DEFAULT, "example-skills:internal-comms")
        github.hang("/git/blobs/", 0.6, times=1)  # a slow download
        editor.import_button.click()
        qtbot.waitUntil(lambda: dialog._importing)
        dialog.close()
        assert not dialog.isVisible() and dialog.busy()  # hidden, still working
        qtbot.waitUntil(lambda: win.library.model.find("internal-comms") >= 0, timeout=15000)
        assert any("internal-comms" in n.text for n in win.notifications.notifications())
        import shiboken6

        qtbot.waitUntil(lambda: not shiboken6.isValid(dialog))  # then really closed
    finally:
        assert_no_background_work()
        s.close()


def test_reopening_uses_the_session_listing_and_reload_fetches_again(qtbot, github, use_github, make_window) -> None:
    require_shared()
    github.add_fixture(MARKETPLACES / "anthropics__skills")
    use_github(github)
    s = SkillStudio()
    try:
        win = make_window(s)
        dialog = win.open_browse(Destination.LIBRARY)
        wait_loaded(qtbot, dialog)
        first = github.request_count
        assert first > 0
        dialog.close()
        qtbot.waitUntil(lambda: Destination.LIBRARY not in win.browse_dialogs
                        or not __import__("shiboken6").isValid(win.browse_dialogs[Destination.LIBRARY]))
        again = win.open_browse(Destination.LIBRARY)
        wait_loaded(qtbot, again)
        settings_dialog = win.open_browse(Destination.SETTINGS)
        wait_loaded(qtbot, settings_dialog)
        assert github.request_count == first  # no GitHub request spent on reopening
        assert tab_of(again, DEFAULT).model.rowCount() == 17
        again.reload_button.click()
        wait_loaded(qtbot, again)
        assert github.request_count > first
        again.close()
        settings_dialog.close()
    finally:
        assert_no_background_work()
        s.close()
