"""Facet filtering, counts, grouping and sorting as pure functions (issue 19)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from skill_studio.core.facets import facet_counts, filter_skills, group_by_plugin, sort_skills
from skill_studio.core.frontmatter import parse_skill_md
from skill_studio.core.models import CatalogSkill, FacetCount, FacetFilter, PluginAuthor, PluginInfo


def skill(name: str, plugin: str | None, index: int = 0, version: str | None = None, **info: object) -> CatalogSkill:
    meta = parse_skill_md(f"---\nname: {name}\ndescription: d\n---\n".encode(), f"{name}/SKILL.md")
    return CatalogSkill(qualified_name=f"{plugin}:{name}" if plugin else name, name=name, local_name=name,
                        name_valid=True, plugin=plugin, path=f"{plugin}/skills/{name}", version=version,
                        description="d", repo="o/r", commit="0" * 40, metadata=meta, plugin_index=index,
                        plugin_info=PluginInfo(**info))  # type: ignore[arg-type]


ANN = PluginAuthor("Ann", "ann@x.io")
SKILLS = [
    skill("lint", "devkit", 0, "1.10.0", category="DevOps", keywords=("ci", "Lint"), author=ANN, display_name="Dev Kit"),
    skill("format", "devkit", 0, "1.2.0", category="DevOps", keywords=("ci", "Lint"), author=ANN, display_name="Dev Kit"),
    skill("sql", "dbtools", 1, None, category="database", keywords=("sql",), author=PluginAuthor("Bob")),
    skill("notes", "misc", 2, "0.1", keywords=("ci",), author=PluginAuthor(email="c@x.io")),
    skill("solo", None, 3),
]


def names(items: list[CatalogSkill]) -> list[str]:
    return [s.name for s in items]


@pytest.mark.parametrize(
    ("facet", "want"),
    [
        (FacetFilter(), ["lint", "format", "sql", "notes", "solo"]),
        (FacetFilter(categories=("devops",)), ["lint", "format"]),
        (FacetFilter(categories=(" DEVOPS ", "Database")), ["lint", "format", "sql"]),
        (FacetFilter(keywords=("LINT",)), ["lint", "format"]),
        (FacetFilter(keywords=("ci",)), ["lint", "format", "notes"]),
        (FacetFilter(keywords=("li",)), []),  # no substring matching
        (FacetFilter(authors=("ann",)), ["lint", "format"]),
        (FacetFilter(authors=("ann@x.io",)), ["lint", "format"]),
        (FacetFilter(authors=("C@X.IO",)), ["notes"]),
        (FacetFilter(plugins=("DBTOOLS",)), ["sql"]),
        (FacetFilter(plugins=("dev kit",)), ["lint", "format"]),  # display name
        (FacetFilter(keywords=("ci",), categories=("devops",)), ["lint", "format"]),  # AND across options
        (FacetFilter(keywords=("ci",), authors=("bob",)), []),
        (FacetFilter(categories=("nothing",)), []),
    ],
)
def test_filter(facet: FacetFilter, want: list[str]) -> None:
    assert names(filter_skills(SKILLS, facet)) == want


def test_counts() -> None:
    facets = facet_counts(SKILLS)
    assert facets.categories == (FacetCount("DevOps", 2), FacetCount("database", 1))
    assert facets.authors == (FacetCount("Ann", 2), FacetCount("Bob", 1), FacetCount("c@x.io", 1))
    assert facets.keywords == (FacetCount("ci", 3), FacetCount("Lint", 2), FacetCount("sql", 1))
    assert facets.plugins[0] == FacetCount("devkit", 2)
    assert facets.uncategorized == 2 and facets.total == 5


def test_counts_merge_case_and_count_a_keyword_once_per_skill() -> None:
    items = [skill("a", "p", category="Dev", keywords=("x", "X")), skill("b", "q", category="dev")]
    facets = facet_counts(items)
    assert facets.categories == (FacetCount("Dev", 2),)
    assert facets.keywords == (FacetCount("x", 1),)


@dataclass
class Row:
    registry: str
    skill: CatalogSkill


def test_rows_wrapping_skills_and_grouping_by_registry() -> None:
    rows = [Row("one", SKILLS[0]), Row("two", SKILLS[2]), Row("one", SKILLS[1]), Row("two", SKILLS[0])]
    kept = filter_skills(rows, FacetFilter(categories=("devops",)), skill_of=lambda r: r.skill)
    assert [r.registry for r in kept] == ["one", "one", "two"]
    groups = group_by_plugin(rows, skill_of=lambda r: r.skill, registry_of=lambda r: r.registry)
    assert [(g.registry, g.plugin, len(g.items)) for g in groups] == [("one", "devkit", 2), ("two", "dbtools", 1),
                                                                      ("two", "devkit", 1)]
    assert groups[0].title == "Dev Kit" and groups[0].info.author == ANN
    assert [g.title for g in group_by_plugin([SKILLS[4]])] == ["(no plugin)"]


def test_sort() -> None:
    assert names(sort_skills(SKILLS, "name")) == ["format", "lint", "notes", "solo", "sql"]
    assert names(sort_skills(SKILLS, "version")) == ["notes", "format", "lint", "sql", "solo"]  # ties by qualified name
    assert names(sort_skills(SKILLS, "category")) == ["sql", "format", "lint", "notes", "solo"]
    assert names(sort_skills(SKILLS, "plugin")) == ["sql", "format", "lint", "notes", "solo"]
    rows = [Row("b", SKILLS[0]), Row("a", SKILLS[2])]
    assert [r.registry for r in sort_skills(rows, "registry", lambda r: r.skill, lambda r: r.registry)] == ["a", "b"]
    with pytest.raises(ValueError, match="cannot sort by .colour."):
        sort_skills(SKILLS, "colour")


def test_folder_sizes_and_size_sort() -> None:
    from skill_studio.core.facets import skill_folder_sizes
    from skill_studio.core.models import Catalog, Listing, RegistrySource, RepoTree, TreeEntry

    a, b = SKILLS[0], SKILLS[2]  # devkit/skills/lint, dbtools/skills/sql
    tree = RepoTree("o", "r", "0" * 40, (
        TreeEntry("devkit/skills/lint", "040000", "tree", "1" * 40),
        TreeEntry("devkit/skills/lint/SKILL.md", "100644", "blob", "2" * 40, 100),
        TreeEntry("devkit/skills/lint/ref/a.md", "100644", "blob", "3" * 40, 50),
        TreeEntry("devkit/skills/lint/link", "120000", "blob", "4" * 40, 9),
        TreeEntry("devkit/skills/linter/SKILL.md", "100644", "blob", "5" * 40, 7000),
        TreeEntry("dbtools/skills/sql/SKILL.md", "100644", "blob", "6" * 40, 1000),
    ))
    listing = Listing(RegistrySource("github.com", "o", "r"), "0" * 40,
                      Catalog("c", None, None, None, None, None, ()), (a, b), trees={("o/r", "0" * 40): tree})
    sizes = skill_folder_sizes(listing)
    assert sizes == {("o/r", "0" * 40, a.path): 150, ("o/r", "0" * 40, b.path): 1000}
    size_of = lambda s: sizes.get((s.repo, s.commit, s.path))  # noqa: E731
    assert names(sort_skills([a, b, SKILLS[3]], "size", size_of=size_of)) == ["sql", "lint", "notes"]
