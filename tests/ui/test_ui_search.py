"""Issue 15, Deliver 4: search across registries — hits in the tab titles, an *All registries* tab
with a Registry column (filtered by the facet panel too), and emptied tabs that say where the hits
are."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from uitools import tab_of, wait_loaded

from skill_studio.core.models import Destination
from skill_studio.ui.all_registries import ALL_TITLE, AllRegistriesModel, SearchingBrowseDialog, no_match_text, tab_title


def test_titles_and_sentences() -> None:
    assert tab_title("claude-code-plugins", 181, 4, True) == "claude-code-plugins (4 of 181)"
    assert tab_title("claude-code-plugins", 181, 181, False) == "claude-code-plugins (181)"
    assert no_match_text([("claude-code-plugins", 3), ("empty", 0), (ALL_TITLE, 2)]) == \
        "No match here — 3 in claude-code-plugins, 2 in All registries"
    assert no_match_text([("a", 0)], "kubernetes") == "No skill matches “kubernetes” in any registry."


def _open(studio, make_window, qtbot) -> SearchingBrowseDialog:  # type: ignore[no-untyped-def]
    studio.add_registry("anthropics/claude-code")
    window = make_window(studio)
    dialog = window.open_browse(Destination.LIBRARY)
    assert isinstance(dialog, SearchingBrowseDialog)
    wait_loaded(qtbot, dialog)
    qtbot.waitUntil(lambda: dialog.all_tab is not None and dialog.all_tab.model.rowCount()
                    == sum(t.model.rowCount() for t in dialog.tabs_list()))
    return dialog


def test_all_registries_lists_every_registry_with_hits_in_titles(studio, make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = _open(studio, make_window, qtbot)
    anthropic, claude = tab_of(dialog, "anthropic-agent-skills"), tab_of(dialog, "claude-code-plugins")
    all_tab = dialog.all_tab
    assert all_tab is not None
    assert dialog.tabs.tabText(dialog.tabs.indexOf(all_tab)) == f"{ALL_TITLE} ({all_tab.model.rowCount()})"
    assert dialog.tabs_list() == [anthropic, claude], "All registries is not a registry tab"
    registries = {all_tab.model.index(r, AllRegistriesModel.REGISTRY).data() for r in range(all_tab.model.rowCount())}
    assert registries == {"anthropic-agent-skills", "claude-code-plugins"}

    dialog.search.setText("pdf")
    QCoreApplication.processEvents()
    # Tabs behind the current one count their hits; their tables follow when shown (issue 18).
    hits = {t.registry.name: t.proxy.shown_count() for t in dialog.tabs_list()}
    assert hits["anthropic-agent-skills"] > 0 and hits["claude-code-plugins"] == 0
    for tab in dialog.tabs_list():
        assert dialog.tabs.tabText(dialog.tabs.indexOf(tab)) == \
            f"{tab.registry.name} ({tab.proxy.shown_count()} of {tab.model.rowCount()})"
    assert all_tab.proxy.shown_count() == sum(hits.values())
    for page in [*dialog.tabs_list(), all_tab]:
        dialog.tabs.setCurrentWidget(page)
        assert page.proxy.rowCount() == page.proxy.shown_count(), "a tab shows the rows it counted"
    assert all_tab.proxy.rowCount() == sum(hits.values())
    dialog.tabs.setCurrentIndex(0)
    assert dialog.tabs.tabText(dialog.tabs.indexOf(all_tab)) == \
        f"{ALL_TITLE} ({sum(hits.values())} of {all_tab.model.rowCount()})"
    # The emptied tab says where the hits are instead of showing an empty table.
    n = hits["anthropic-agent-skills"]
    assert dialog.no_match_message(claude) == f"No match here — {n} in anthropic-agent-skills, {n} in All registries"
    assert dialog.no_match_message(anthropic) == ""
    dialog.search.setText("zzzz-no-such-skill")
    QCoreApplication.processEvents()
    assert dialog.no_match_message(claude) == "No skill matches “zzzz-no-such-skill” in any registry."
    assert dialog.no_match_message(all_tab) == "No skill matches “zzzz-no-such-skill” in any registry."
    dialog.search.setText("")
    QCoreApplication.processEvents()
    assert dialog.no_match_message(claude) == ""
    assert dialog.tabs.tabText(dialog.tabs.indexOf(claude)) == f"claude-code-plugins ({claude.model.rowCount()})"
    dialog.close()


def test_facet_panel_filters_all_registries_and_import_goes_through_the_registry(studio, make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = _open(studio, make_window, qtbot)
    all_tab = dialog.all_tab
    assert all_tab is not None
    panel = all_tab.catalogue.panel

    def counted() -> bool:
        return any(panel.categories.item(i).data(Qt.ItemDataRole.UserRole) for i in range(panel.categories.count()))

    assert not counted(), "a tab behind another counts its facets when shown (issue 18)"
    dialog.tabs.setCurrentWidget(all_tab)
    qtbot.waitUntil(counted)
    item = next(panel.categories.item(i) for i in range(panel.categories.count())
                if panel.categories.item(i).data(Qt.ItemDataRole.UserRole))
    category = item.data(Qt.ItemDataRole.UserRole)
    item.setCheckState(Qt.CheckState.Checked)
    QCoreApplication.processEvents()
    shown = [all_tab.proxy.index(r, 0).data(Qt.ItemDataRole.UserRole + 2) for r in range(all_tab.proxy.rowCount())]
    assert shown and all(r.skill.plugin_info.category == category for r in shown)
    assert dialog.tabs.tabText(dialog.tabs.indexOf(all_tab)).startswith(f"{ALL_TITLE} ({len(shown)} of ")
    # Import from All registries: the registry's tab does it (its listing, its collision check).
    all_tab.table.selectRow(0)
    assert dialog.import_button.isEnabled()
    source = dialog._import_source()
    assert source is not None
    tab, rows = source
    assert tab.registry.name == all_tab.model.registry_of(rows[0]) and rows == all_tab.selected_rows()
    dialog.close()
