"""The browse dialog as a catalogue on a real catalog (issue 19): facet counts, facets with the
search text, sort, the grouped view, "Import all skills of this plugin", the spec badge."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from conftest import MARKETPLACES, require_shared
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from uitools import *  # noqa: F403 - GUI fixtures and helpers

from skill_studio.app.studio import SkillStudio
from skill_studio.core.models import Destination, ImportOptions
from skill_studio.ui.browse_dialog import BrowseDialog
from skill_studio.ui.main_window import MainWindow
from skill_studio.ui.models import ROW_ROLE

pytestmark = [pytest.mark.gui, pytest.mark.integration]

SLUG = "jeremylongshore/claude-code-plugins-plus"
NAME = "claude-code-plugins-plus"


def entries() -> dict[str, dict[str, Any]]:
    path = MARKETPLACES / SLUG.replace("/", "__") / "files" / ".claude-plugin" / "marketplace.json"
    return {e["name"]: e for e in json.loads(path.read_text(encoding="utf-8"))["plugins"]}


def check(widget, label_start: str) -> None:  # type: ignore[no-untyped-def]
    for i in range(widget.count()):
        if widget.item(i).text().startswith(label_start + " ("):
            widget.item(i).setCheckState(Qt.CheckState.Checked)
            return
    raise AssertionError(label_start)


def open_tab(qtbot, window: MainWindow, studio: SkillStudio):  # type: ignore[no-untyped-def]
    require_shared()
    studio.add_registry(SLUG)
    dialog: BrowseDialog = window.open_browse(Destination.LIBRARY)
    wait_loaded(qtbot, dialog, timeout=30000)  # noqa: F405
    tab = tab_of(dialog, NAME)  # noqa: F405
    dialog.tabs.setCurrentWidget(tab)
    return dialog, tab


def test_facets_filter_with_the_search_text_and_sort(qtbot, window: MainWindow, studio: SkillStudio) -> None:
    dialog, tab = open_tab(qtbot, window, studio)
    catalog = entries()
    rows = tab.model.rows()
    per_category = Counter(catalog[r.skill.plugin]["category"] for r in rows)
    panel = tab.catalogue.panel

    def shown() -> set[str]:
        return {panel.categories.item(i).text() for i in range(panel.categories.count())}

    # The facets are recounted on the next turn after the last rows came (issue 18).
    qtbot.waitUntil(lambda: {f"{c} ({n})" for c, n in per_category.items()} == shown(), timeout=2000)

    check(panel.categories, "devops")
    devops = shown_names(tab)  # noqa: F405
    assert len(devops) == per_category["devops"]
    assert all(catalog[tab.model.row_at(tab.model.find(n)).skill.plugin]["category"] == "devops" for n in devops)
    dialog.search.setText("kubernetes")  # the facets and the search text filter together
    both = shown_names(tab)  # noqa: F405
    assert both and set(both) < set(devops)
    assert "Showing" in tab.summary.text()

    panel.clear()
    dialog.search.setText("")
    panel.sort.setCurrentIndex(panel.sort.findData("category"))
    order = [tab.proxy.index(i, 0).data(ROW_ROLE).skill.plugin_info.category or "" for i in range(tab.proxy.rowCount())]
    assert order == sorted(order, key=str.casefold) and len(order) == len(rows)
    tab.table.horizontalHeader().sectionClicked.emit(0)  # a column header takes the sort back
    assert panel.sort.currentIndex() == 0
    dialog.close()


def test_grouped_view_import_all_skills_of_a_plugin(qtbot, window: MainWindow, studio: SkillStudio,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    dialog, tab = open_tab(qtbot, window, studio)
    per_plugin = Counter(r.skill.plugin for r in tab.model.rows())
    plugin = sorted(p for p, n in per_plugin.items() if n >= 3)[0]
    members = sorted((r.skill for r in tab.model.rows() if r.skill.plugin == plugin), key=lambda s: s.local_name)
    # One skill of the plugin collides with a skill installed under its name from elsewhere.
    listing = tab.data.listing
    other = next(r.skill for r in tab.model.rows() if r.skill.plugin != plugin)
    studio.import_skill(listing, other, Destination.LIBRARY, ImportOptions(local_name=members[0].local_name))
    tab.refresh_states()
    qtbot.waitUntil(lambda: any(r.installed is not None for r in tab.model.rows()), timeout=15000)

    panel = tab.catalogue.panel
    panel.group.setChecked(True)
    view = tab.catalogue.groups
    assert tab.catalogue.views.currentWidget() is view
    assert view.topLevelItemCount() == len(per_plugin)
    item = view.plugin_item(plugin)
    assert item is not None and item.childCount() == per_plugin[plugin]
    entry = entries()[plugin]
    assert item.text(view.CATEGORY) == entry["category"] and item.text(view.DESCRIPTION) == " ".join(entry["description"].split())

    view.setCurrentItem(item.child(0))  # the details pane follows the grouped view
    assert "spec" in tab.details.catalogue.spec.text()
    assert entry["category"] in tab.details.catalogue.plugin.text()

    asked: list[str] = []

    def question(_parent, _title, text, *_args):  # type: ignore[no-untyped-def]
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    tab.import_plugin.emit(view.group_of(item))
    assert len(asked) == 1 and f"Import the {len(members)} skills" in asked[0] and "1 needs your input" in asked[0]
    qtbot.waitUntil(lambda: dialog.editor is not None and dialog.editor.isVisible())
    assert dialog.editor.skill.local_name == members[0].local_name  # the collision goes to the editor
    dialog.editor.skip_button.click()
    qtbot.waitUntil(lambda: window.library.model.rowCount() == len(members), timeout=30000)  # n - 1 + the other
    installed = {r.skill.local_name for r in window.library.model.rows()}
    assert {s.local_name for s in members[1:]} <= installed
    dialog.close()
