"""The facet panel, the "group by plugin" view and the spec badge (issue 19), without a registry."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from PySide6.QtCore import Qt

from skill_studio.core.frontmatter import parse_skill_md
from skill_studio.core.models import CatalogSkill, InstallState, PluginAuthor, PluginInfo
from skill_studio.ui.facets import FacetPanel, PluginGroupView, spec_badge_text, spec_of, spec_tooltip

pytestmark = pytest.mark.usefixtures("qapp")


def skill(name: str, plugin: str, index: int, **info: object) -> CatalogSkill:
    meta = parse_skill_md(f"---\nname: {name}\ndescription: d {name}\n---\n".encode(), f"{name}/SKILL.md")
    return CatalogSkill(qualified_name=f"{plugin}:{name}", name=name, local_name=name, name_valid=True, plugin=plugin,
                        path=f"{plugin}/skills/{name}", version="1.0.0", description=f"d {name}", repo="o/r",
                        commit="0" * 40, metadata=meta, plugin_index=index,
                        plugin_info=PluginInfo(**info))  # type: ignore[arg-type]


@dataclass(frozen=True)
class Row:
    skill: CatalogSkill
    state: InstallState = InstallState.NOT_INSTALLED


ANN = PluginAuthor("Ann")
ROWS = [
    Row(skill("lint", "devkit", 0, category="devops", author=ANN, description="Dev tools", display_name="Dev Kit")),
    Row(skill("format", "devkit", 0, category="devops", author=ANN, description="Dev tools", display_name="Dev Kit"),
        InstallState.UP_TO_DATE),
    Row(skill("sql", "dbtools", 1, category="database", author=PluginAuthor("Bob"))),
    Row(skill("notes", "misc", 2)),
]


def texts(widget) -> list[str]:  # type: ignore[no-untyped-def]
    return [widget.item(i).text() for i in range(widget.count())]


def check(widget, label_start: str) -> None:  # type: ignore[no-untyped-def]
    for i in range(widget.count()):
        if widget.item(i).text().startswith(label_start):
            widget.item(i).setCheckState(Qt.CheckState.Checked)
            return
    raise AssertionError(f"{label_start!r} not in {texts(widget)}")


def test_panel_counts_and_filters(qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = FacetPanel()
    qtbot.addWidget(panel)
    panel.set_rows(ROWS)
    assert texts(panel.categories) == ["devops (2)", "database (1)", "(no category) (1)"]
    assert texts(panel.authors) == ["Ann (2)", "Bob (1)"]
    assert texts(panel.states) == ["not installed (3)", "up to date (1)"]
    assert panel.predicate() is None and not panel.clear_button.isEnabled()

    with qtbot.waitSignal(panel.changed):
        check(panel.categories, "devops")
    pred = panel.predicate()
    assert pred is not None and [r.skill.name for r in ROWS if pred(r)] == ["lint", "format"]
    check(panel.categories, "(no category)")
    pred = panel.predicate()
    assert [r.skill.name for r in ROWS if pred(r)] == ["lint", "format", "notes"]
    check(panel.states, "up to date")  # AND across facets
    pred = panel.predicate()
    assert [r.skill.name for r in ROWS if pred(r)] == ["format"]

    panel.set_rows(ROWS[:3])  # recount keeps the choice
    assert panel.categories.checked() == ["devops"] and panel.checked_states() == [InstallState.UP_TO_DATE]
    with qtbot.waitSignal(panel.changed):
        panel.clear()
    assert panel.predicate() is None


def test_panel_sort_and_grouping_signals(qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = FacetPanel()
    qtbot.addWidget(panel)
    assert panel.sort_field() == "name"
    with qtbot.waitSignal(panel.sort_changed) as blocker:
        panel.sort.setCurrentIndex(panel.sort.findData("category"))
    assert blocker.args == ["category"]
    with qtbot.waitSignal(panel.grouping_changed) as blocker:
        panel.group.setChecked(True)
    assert blocker.args == [True] and panel.grouped()


def test_group_view_shows_plugins_with_their_skills(qtbot) -> None:  # type: ignore[no-untyped-def]
    view = PluginGroupView()
    qtbot.addWidget(view)
    view.set_rows(ROWS, sort="plugin")
    tops = [view.topLevelItem(i) for i in range(view.topLevelItemCount())]
    assert [t.text(0) for t in tops] == ["dbtools  (1 skill)", "Dev Kit  (2 skills)", "misc  (1 skill)"]
    dev = tops[1]
    assert (dev.text(view.CATEGORY), dev.text(view.AUTHOR), dev.text(view.DESCRIPTION)) == ("devops", "Ann", "Dev tools")
    assert [dev.child(i).text(0) for i in range(dev.childCount())] == ["format", "lint"]
    assert dev.child(0).text(view.STATE) == "up to date"
    assert dev.child(0).text(view.SPEC) == "spec ✓"

    dev.setExpanded(True)
    view.set_rows(ROWS[:2], sort="name")  # expanded plugins stay expanded
    assert view.topLevelItem(0).isExpanded()

    view.topLevelItem(0).setSelected(True)
    assert [r.skill.name for r in view.selected_rows()] == ["format", "lint"]
    menu = view.plugin_menu(view.topLevelItem(0).child(1))  # a skill's row offers its plugin
    assert menu is not None and view.plugin_menu(None) is None
    (action,) = menu.actions()
    assert action.text() == "Import all skills of Dev Kit (2)…"
    with qtbot.waitSignal(view.import_plugin) as blocker:
        action.trigger()
    assert [r.skill.name for r in blocker.args[0].items] == ["format", "lint"]
    assert view.row_of(view.topLevelItem(0)) is None
    assert view.plugin_item("devkit") is view.topLevelItem(0)


def test_rows_arriving_keep_the_current_skill_of_the_grouped_view(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Issue 18: rows arriving while a skill of the grouped view was current (external plugins,
    a table filled over several turns) crashed the app in ``clear()``; the current skill stays."""
    view = PluginGroupView()
    qtbot.addWidget(view)
    view.set_rows(ROWS[:2], sort="plugin")
    dev = view.plugin_item("devkit")
    held = dev.child(1)  # a reference kept, as a caller may (the crash needed one)
    view.setCurrentItem(held)
    current = view.row_of(held)
    told: list[object] = []
    view.current_row_changed.connect(told.append)
    view.set_rows(ROWS, sort="plugin")  # more rows arrive
    assert view.topLevelItemCount() == 3
    assert view.row_of(view.currentItem()) is current, "the current skill stays current"
    assert told == [], "nothing changed for the details pane"
    assert held.text(0) == current.skill.name  # the old item is still safe to read
    view.set_rows(ROWS[2:], sort="plugin")  # the current skill leaves
    assert view.row_of(view.currentItem()) is None and told == [None]


def test_spec_badge_lists_the_problems() -> None:
    meta = parse_skill_md(b"---\nname: Bad Name\ndescription: d\ntags: [x]\n---\n", "x/SKILL.md")
    bad = CatalogSkill(qualified_name="p:Bad Name", name="Bad Name", local_name="bad-name", name_valid=False,
                       plugin="p", path="p/skills/bad-name", version=None, description="d", repo="o/r",
                       commit="0" * 40, metadata=meta)
    check_ = spec_of(bad)
    assert spec_badge_text(check_) == "spec: 3 problems"
    tip = spec_tooltip(check_)
    assert "not blocked" in tip and "'tags'" in tip and "folder name 'bad-name'" in tip
    assert spec_badge_text(spec_of(ROWS[0].skill)) == "spec ✓"


def test_row_role_matches_the_table_models() -> None:
    from skill_studio.ui.facets import ROW_ROLE_DEFAULT
    from skill_studio.ui.models import ROW_ROLE

    assert ROW_ROLE_DEFAULT == ROW_ROLE


def test_plugin_import_plan_and_question() -> None:
    from skill_studio.ui.facets import plugin_import_question, split_plugin_import

    @dataclass(frozen=True)
    class Inst:
        local_name: str

    @dataclass(frozen=True)
    class R:
        skill: CatalogSkill
        installed: Inst | None = None

    nodesc = skill("bare", "devkit", 0)
    nodesc = CatalogSkill(**{**nodesc.__dict__, "description": None})
    rows = [R(ROWS[0].skill), R(ROWS[1].skill, Inst("format")), R(skill("taken", "devkit", 0)),
            R(nodesc), R(skill("lint", "other", 3))]  # the last collides with the first of the batch
    taken = {"taken"}
    plans, to_edit, installed = split_plugin_import(rows, lambda name, planned: name in taken | planned or None)
    assert [(s.name, o.local_name) for s, o in plans] == [("lint", "lint")]
    assert [r.skill.name for r in to_edit] == ["taken", "bare", "lint"]
    assert [r.skill.name for r in installed] == ["format"]
    text = plugin_import_question("Dev Kit", "Skill Library", 1, 3, 1)
    assert text.startswith("Import the 4 skills of Dev Kit into Skill Library?")
    assert "1 already installed is left out" in text and "3 need your input" in text


def test_risk_facet_appears_once_reviews_are_known(qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = FacetPanel()
    qtbot.addWidget(panel)
    panel.set_rows(ROWS)
    assert panel.risks.isHidden() and panel.risk_title.isHidden()
    panel.set_rows(ROWS, {"devkit:lint": "high", "dbtools:sql": "low", "devkit:format": "low"})
    assert not panel.risks.isHidden()
    assert texts(panel.risks) == ["risk: high (1)", "risk: low (2)"]
    check(panel.risks, "risk: low")
    pred = panel.predicate()
    assert pred is not None and [r.skill.name for r in ROWS if pred(r)] == ["format", "sql"]
    check(panel.categories, "devops")  # AND with the other facets
    assert [r.skill.name for r in ROWS if panel.predicate()(r)] == ["format"]
    with qtbot.waitSignal(panel.changed):  # a new review changes what passes
        panel.set_rows(ROWS, {"devkit:lint": "low", "dbtools:sql": "low", "devkit:format": "low"})
    assert [r.skill.name for r in ROWS if panel.predicate()(r)] == ["lint", "format"]


def test_keyword_facet_counts_and_filters(qtbot) -> None:  # type: ignore[no-untyped-def]
    rows = [Row(skill("lint", "devkit", 0, keywords=("CI", "lint"))),
            Row(skill("format", "devkit2", 1, keywords=("ci",))),
            Row(skill("sql", "dbtools", 2, keywords=("database",))),
            Row(skill("notes", "misc", 3))]
    panel = FacetPanel()
    qtbot.addWidget(panel)
    panel.set_rows(rows)
    assert texts(panel.keywords) == ["CI (2)", "database (1)", "lint (1)"]  # case folded, first spelling
    with qtbot.waitSignal(panel.changed):
        check(panel.keywords, "CI")
    pred = panel.predicate()
    assert pred is not None and [r.skill.name for r in rows if pred(r)] == ["lint", "format"]
    check(panel.keywords, "database")  # any checked keyword matches
    assert [r.skill.name for r in rows if panel.predicate()(r)] == ["lint", "format", "sql"]
    assert panel.active_count() == 2 and panel.facet().keywords == ("CI", "database")
    panel.clear()
    assert panel.keywords.checked() == [] and panel.predicate() is None
