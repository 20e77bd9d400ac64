"""The app layer's catalogue helpers (issue 19): JSON shapes and row predicates."""

from __future__ import annotations

from dataclasses import dataclass

from skill_studio.app.catalogue import (
    catalogue_json,
    facet_counts,
    filter_rows,
    group_rows,
    row_filter,
    sort_rows,
    state_counts,
)
from skill_studio.core.frontmatter import parse_skill_md
from skill_studio.core.models import CatalogSkill, FacetFilter, InstallState, PluginAuthor, PluginInfo


def skill(name: str, plugin: str, **info: object) -> CatalogSkill:
    meta = parse_skill_md(f"---\nname: {name}\ndescription: d\nversion: 1\n---\n".encode(), "SKILL.md")
    return CatalogSkill(qualified_name=f"{plugin}:{name}", name=name, local_name=name, name_valid=True,
                        plugin=plugin, path=f"{plugin}/skills/{name}", version=None, description="d", repo="o/r",
                        commit="0" * 40, metadata=meta, plugin_info=PluginInfo(**info))  # type: ignore[arg-type]


@dataclass
class Row:
    skill: CatalogSkill
    state: InstallState = InstallState.NOT_INSTALLED


def test_json_shape_with_and_without_metadata() -> None:
    full = catalogue_json(skill("a", "p", category="c", keywords=("k",), author=PluginAuthor("N", "e@x"),
                                display_name="P", description="pd", homepage="h", license="MIT"))
    assert full == {
        "plugin_info": {"display_name": "P", "description": "pd", "category": "c", "keywords": ["k"],
                        "author": {"name": "N", "email": "e@x", "url": None}, "homepage": "h", "license": "MIT"},
        "spec": {"valid": False, "problems": ["top-level key not in the Agent Skills spec: 'version'"]},
    }
    empty = catalogue_json(skill("b", "p"))
    assert empty["plugin_info"] == {"display_name": None, "description": None, "category": None, "keywords": [],
                                    "author": None, "homepage": None, "license": None}


def test_row_filter_combines_facets_and_states() -> None:
    rows = [Row(skill("a", "p", category="c")), Row(skill("b", "q", category="c"), InstallState.UP_TO_DATE),
            Row(skill("c", "q", category="d"), InstallState.UP_TO_DATE)]
    assert row_filter(FacetFilter()) is None
    pred = row_filter(FacetFilter(categories=("C",)), {InstallState.UP_TO_DATE})
    assert pred is not None
    assert [r.skill.name for r in rows if pred(r)] == ["b"]
    assert pred(None) is False
    only_state = row_filter(FacetFilter(), [InstallState.NOT_INSTALLED])
    assert only_state is not None and [r.skill.name for r in rows if only_state(r)] == ["a"]
    assert state_counts(rows) == {InstallState.NOT_INSTALLED: 1, InstallState.UP_TO_DATE: 2,
                                  InstallState.UPDATE_AVAILABLE: 0, InstallState.CUSTOMIZED: 0}
    assert [r.skill.name for r in filter_rows(rows, FacetFilter(plugins=("q",)))] == ["b", "c"]
    assert facet_counts(rows).categories[0].count == 2
    assert [g.plugin for g in group_rows(rows)] == ["p", "q"]
    assert [r.skill.name for r in sort_rows(rows, "category", reverse=True)] == ["c", "b", "a"]
