"""Unit tests for skill_studio.core.discovery (R-DIS-1..6) on small synthetic repositories."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from skill_studio.core.catalog import parse_catalog
from skill_studio.core.discovery import discover
from skill_studio.core.frontmatter import MAX_SKILL_MD_BYTES
from skill_studio.core.models import Listing, RegistrySource, RepoTree, TreeEntry

COMMIT = "c" * 40


def skill(name: str | None, description: str | None = "Does things.", version: str | None = None) -> str:
    lines = []
    if name is not None:
        lines.append(f"name: {name}")
    if description is not None:
        lines.append(f"description: {description}")
    if version is not None:
        lines.append(f"version: {version}")
    return "---\n" + "\n".join(lines) + "\n---\n# Body\n"


def _sha(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


class FakeRepo:
    """A repository as a flat git tree plus a recording batch reader."""

    def __init__(
        self,
        files: Mapping[str, str | bytes],
        *,
        symlinks: Sequence[str] = (),
        submodules: Sequence[str] = (),
        tree_entries: bool = True,
        unreadable: Sequence[str] = (),
        sizes: Mapping[str, int] | None = None,
    ) -> None:
        self.files = {p: (v.encode() if isinstance(v, str) else v) for p, v in files.items()}
        self.symlinks = list(symlinks)
        self.submodules = list(submodules)
        self.tree_entries = tree_entries
        self.unreadable = set(unreadable)
        self.sizes = dict(sizes or {})
        self.calls: list[list[str]] = []

    def tree(self) -> RepoTree:
        entries: dict[str, TreeEntry] = {}
        for path, data in self.files.items():
            size = self.sizes.get(path, len(data))
            entries[path] = TreeEntry(path, "100644", "blob", _sha(data), size)
        for path in self.symlinks:
            entries[path] = TreeEntry(path, "120000", "blob", _sha(path.encode()), 9)
        for path in self.submodules:
            entries[path] = TreeEntry(path, "160000", "commit", _sha(path.encode()))
        if self.tree_entries:
            for path in list(entries):
                parts = path.split("/")[:-1]
                for i in range(1, len(parts) + 1):
                    folder = "/".join(parts[:i])
                    entries.setdefault(folder, TreeEntry(folder, "040000", "tree", _sha(folder.encode())))
        return RepoTree("octo", "market", COMMIT, tuple(entries[p] for p in sorted(entries)))

    def fetch(self, paths: Sequence[str]) -> dict[str, bytes]:
        self.calls.append(list(paths))
        return {p: self.files[p] for p in paths if p in self.files and p not in self.unreadable}


def catalog_json(plugins: list[Any], **metadata: Any) -> str:
    doc: dict[str, Any] = {"name": "market", "owner": {"name": "Octo"}, "plugins": plugins}
    if metadata:
        doc["metadata"] = metadata
    return json.dumps(doc)


def run(repo: FakeRepo, plugins: list[Any] | None = None, subpath: str = "", **metadata: Any) -> Listing:
    source = RegistrySource("github.com", "octo", "market", None, subpath)
    if plugins is not None:
        repo.files[source.catalog_path] = catalog_json(plugins, **metadata).encode()
    catalog = parse_catalog(repo.files[source.catalog_path], source.catalog_path, subpath)
    return discover(source, repo.tree(), catalog, repo.fetch)


def names(listing: Listing) -> list[tuple[str, str]]:
    return [(s.qualified_name, s.path) for s in listing.skills]


# ---------------------------------------------------------------------------- R-DIS-1 rules


def test_rule_b_skills_folder_one_level_deep() -> None:
    repo = FakeRepo(
        {
            "plugins/p/skills/beta/SKILL.md": skill("beta"),
            "plugins/p/skills/alpha/SKILL.md": skill("alpha"),
            "plugins/p/skills/alpha/ref.md": "extra",
            "plugins/p/skills/deep/nested/SKILL.md": skill("nested"),
            "plugins/p/skills/README.md": "not a skill",
            "plugins/p/SKILL.md": skill("root-skill"),
        }
    )
    listing = run(repo, [{"name": "p", "source": "./plugins/p"}])
    assert names(listing) == [("p:alpha", "plugins/p/skills/alpha"), ("p:beta", "plugins/p/skills/beta")]
    assert listing.excluded == ()


def test_rule_c_single_skill_at_plugin_root() -> None:
    repo = FakeRepo({"plugins/solo/SKILL.md": skill("solo"), "plugins/solo/notes.md": "x"})
    listing = run(repo, [{"name": "solo", "source": "./plugins/solo"}])
    assert names(listing) == [("solo:solo", "plugins/solo")]


def test_rule_c_used_when_skills_folder_has_none() -> None:
    repo = FakeRepo({"p/skills/empty/readme.md": "x", "p/SKILL.md": skill("p")})
    assert names(run(repo, [{"name": "p", "source": "./p"}])) == [("p:p", "p")]


def test_rule_a_listed_folders_replace_default_scan_in_list_order() -> None:
    repo = FakeRepo(
        {
            "skills/zeta/SKILL.md": skill("zeta"),
            "skills/alpha/SKILL.md": skill("alpha"),
            "skills/unlisted/SKILL.md": skill("unlisted"),
        }
    )
    listing = run(repo, [{"name": "docs", "source": "./", "skills": ["./skills/zeta", "./skills/alpha/"]}])
    assert names(listing) == [("docs:zeta", "skills/zeta"), ("docs:alpha", "skills/alpha")]


def test_rule_a_string_field_and_container_folder() -> None:
    repo = FakeRepo(
        {
            "p/extra/b/SKILL.md": skill("b"),
            "p/extra/a/SKILL.md": skill("a"),
            "p/extra/a/deeper/x/SKILL.md": skill("x"),
            "p/skills/default/SKILL.md": skill("default"),
        }
    )
    listing = run(repo, [{"name": "p", "source": "./p", "skills": "./extra"}])
    assert names(listing) == [("p:a", "p/extra/a"), ("p:b", "p/extra/b")]
    listing = run(repo, [{"name": "p", "source": "./p", "skills": ["./extra", "extra/", "./extra/b"]}])
    assert names(listing) == [("p:a", "p/extra/a"), ("p:b", "p/extra/b")]
    assert listing.warnings == ()


def test_rule_a_falls_back_to_marketplace_root() -> None:
    repo = FakeRepo({"shared/tool/SKILL.md": skill("tool"), "plugins/p/README.md": "x"})
    listing = run(repo, [{"name": "p", "source": "./plugins/p", "skills": ["./shared/tool"]}])
    assert names(listing) == [("p:tool", "shared/tool")]
    assert listing.warnings == ()


def test_rule_a_marketplace_root_is_the_registry_subpath() -> None:
    repo = FakeRepo(
        {
            "mk/.claude-plugin/marketplace.json": catalog_json(
                [{"name": "p", "source": "./plugins/p", "skills": ["./common/tool"]}]
            ),
            "mk/common/tool/SKILL.md": skill("tool"),
            "common/tool/SKILL.md": skill("wrong"),
            "mk/plugins/p/x.md": "x",
        }
    )
    listing = run(repo, subpath="mk")
    assert names(listing) == [("p:tool", "mk/common/tool")]


def test_rule_a_prefers_the_plugin_relative_match() -> None:
    repo = FakeRepo({"p/skills/s/SKILL.md": skill("s"), "skills/s/SKILL.md": skill("s")})
    listing = run(repo, [{"name": "p", "source": "./p", "skills": ["./skills/s"]}])
    assert names(listing) == [("p:s", "p/skills/s")]


def test_rule_a_unmatched_path_warns_and_others_still_count() -> None:
    repo = FakeRepo({"p/skills/s/SKILL.md": skill("s")})
    listing = run(repo, [{"name": "p", "source": "./p", "skills": ["./skills/s", "./skills/missing"]}])
    assert names(listing) == [("p:s", "p/skills/s")]
    assert any("'./skills/missing'" in w and "matches nothing" in w for w in listing.warnings)


def test_rule_a_finding_nothing_falls_back_to_rule_b() -> None:
    repo = FakeRepo({"p/skills/s/SKILL.md": skill("s")})
    listing = run(repo, [{"name": "p", "source": "./p", "skills": ["./nowhere"]}])
    assert names(listing) == [("p:s", "p/skills/s")]
    assert any("matches nothing" in w for w in listing.warnings)


def test_rule_a_escaping_listed_path_is_ignored_with_warning() -> None:
    repo = FakeRepo({"p/skills/s/SKILL.md": skill("s"), "outside/SKILL.md": skill("outside")})
    listing = run(repo, [{"name": "p", "source": "./p", "skills": ["../outside", "./skills/s"]}])
    assert names(listing) == [("p:s", "p/skills/s")]
    assert any("'..'" in w for w in listing.warnings)


def test_rule_a_listed_skill_md_file_means_its_folder() -> None:
    repo = FakeRepo({"p/skills/s/SKILL.md": skill("s"), "p/skills/t/SKILL.md": skill("t")})
    listing = run(repo, [{"name": "p", "source": "./p", "skills": ["skills/t/SKILL.md"]}])
    assert names(listing) == [("p:t", "p/skills/t")]


def test_skills_from_plugin_json_and_catalog_entry_wins() -> None:
    manifest = json.dumps({"name": "p", "skills": ["./custom/one"]})
    files = {
        "p/.claude-plugin/plugin.json": manifest,
        "p/custom/one/SKILL.md": skill("one"),
        "p/custom/two/SKILL.md": skill("two"),
        "p/skills/default/SKILL.md": skill("default"),
    }
    assert names(run(FakeRepo(files), [{"name": "p", "source": "./p"}])) == [("p:one", "p/custom/one")]
    listing = run(FakeRepo(files), [{"name": "p", "source": "./p", "skills": "./custom/two"}])
    assert names(listing) == [("p:two", "p/custom/two")]


def test_tree_without_folder_entries_still_works() -> None:
    repo = FakeRepo({"p/skills/s/SKILL.md": skill("s"), "q/SKILL.md": skill("q")}, tree_entries=False)
    listing = run(repo, [{"name": "p", "source": "./p"}, {"name": "q", "source": "./q"}])
    assert names(listing) == [("p:s", "p/skills/s"), ("q:q", "q")]


# ---------------------------------------------------------------------------- names, versions


def test_plugin_name_from_plugin_json_then_entry_then_none() -> None:
    repo = FakeRepo(
        {
            "a/.claude-plugin/plugin.json": json.dumps({"name": "from-manifest"}),
            "a/SKILL.md": skill("sa"),
            "b/SKILL.md": skill("sb"),
            "c/SKILL.md": skill("sc"),
        }
    )
    listing = run(repo, [{"name": "entry-a", "source": "./a"}, {"name": "entry-b", "source": "./b"}, {"source": "./c"}])
    assert [(s.qualified_name, s.plugin) for s in listing.skills] == [
        ("from-manifest:sa", "from-manifest"),
        ("entry-b:sb", "entry-b"),
        ("sc", None),
    ]


def test_invalid_plugin_json_warns_and_falls_back() -> None:
    repo = FakeRepo(
        {
            "a/.claude-plugin/plugin.json": "{not json",
            "a/SKILL.md": skill("sa"),
            "b/.claude-plugin/plugin.json": "[1, 2]",
            "b/SKILL.md": skill("sb"),
            "c/.claude-plugin/plugin.json": json.dumps({"name": 5, "version": {"x": 1}}),
            "c/SKILL.md": skill("sc"),
        }
    )
    listing = run(repo, [{"name": n, "source": f"./{n}"} for n in "abc"])
    assert [s.qualified_name for s in listing.skills] == ["a:sa", "b:sb", "c:sc"]
    assert any(w.startswith("a/.claude-plugin/plugin.json: not valid JSON") for w in listing.warnings)
    assert any(w.startswith("b/.claude-plugin/plugin.json: not a JSON object") for w in listing.warnings)
    assert sum(w.startswith("c/.claude-plugin/plugin.json") for w in listing.warnings) == 2


def test_unreadable_plugin_json_warns() -> None:
    repo = FakeRepo(
        {"a/.claude-plugin/plugin.json": json.dumps({"name": "m"}), "a/SKILL.md": skill("sa")},
        unreadable=["a/.claude-plugin/plugin.json"],
    )
    listing = run(repo, [{"name": "a", "source": "./a"}])
    assert [s.qualified_name for s in listing.skills] == ["a:sa"]
    assert any("could not be read" in w for w in listing.warnings)


def test_version_precedence() -> None:
    repo = FakeRepo(
        {
            "m/.claude-plugin/plugin.json": json.dumps({"name": "m", "version": "3.0.0"}),
            "m/skills/own/SKILL.md": skill("own", version="9.9.9"),
            "m/skills/inherit/SKILL.md": skill("inherit"),
            "e/skills/fromentry/SKILL.md": skill("fromentry"),
            "n/skills/none/SKILL.md": skill("none"),
        }
    )
    listing = run(
        repo,
        [
            {"name": "m", "source": "./m", "version": "2.0.0"},
            {"name": "e", "source": "./e", "version": "2.0.0"},
            {"name": "n", "source": "./n"},
        ],
        version="1.0.0",
    )
    assert {s.name: s.version for s in listing.skills} == {
        "inherit": "3.0.0",
        "own": "9.9.9",
        "fromentry": "2.0.0",
        "none": None,
    }


def test_invalid_name_is_listed_with_local_name_and_folder_warning() -> None:
    repo = FakeRepo({"p/skills/writing-rules/SKILL.md": skill("Writing Hookify Rules")})
    (s,) = run(repo, [{"name": "p", "source": "./p"}]).skills
    assert s.qualified_name == "p:Writing Hookify Rules"
    assert s.name_valid is False
    assert s.local_name == "writing-hookify-rules"
    assert any("writing-hookify-rules" in w for w in s.warnings)
    assert any("folder name 'writing-rules'" in w for w in s.warnings)


def test_matching_folder_name_has_no_warning() -> None:
    (s,) = run(FakeRepo({"p/skills/good/SKILL.md": skill("good")}), [{"name": "p", "source": "./p"}]).skills
    assert s.warnings == ()


def test_catalog_skill_fields() -> None:
    text = skill("good", description="A good skill.")
    repo = FakeRepo({"p/skills/good/SKILL.md": "\ufeff" + text})
    listing = run(repo, [{"name": "p", "source": "./p"}, {"name": "ext", "source": {"source": "github", "repo": "o/r"}}])
    (s,) = listing.skills
    assert s.repo == "octo/market"
    assert s.commit == COMMIT
    assert s.description == "A good skill."
    assert s.skill_md == text
    assert s.metadata.name == "good"
    assert listing.commit == COMMIT
    assert listing.source.slug == "octo/market"
    assert listing.catalog.name == "market"
    assert listing.name == "market"
    assert listing.skipped_plugins == listing.catalog.skipped
    assert [p.reason for p in listing.skipped_plugins] == ["external source github"]


# ---------------------------------------------------------------------------- exclusions


def test_frontmatter_errors_exclude_the_skill() -> None:
    repo = FakeRepo(
        {
            "p/skills/noname/SKILL.md": skill(None),
            "p/skills/nofm/SKILL.md": "# Just markdown\n",
            "p/skills/badyaml/SKILL.md": "---\nname: [\n---\n",
            "p/skills/ok/SKILL.md": skill("ok"),
        }
    )
    listing = run(repo, [{"name": "p", "source": "./p"}])
    assert names(listing) == [("p:ok", "p/skills/ok")]
    reasons = {e.path: e.reason for e in listing.excluded}
    assert set(reasons) == {"p/skills/noname", "p/skills/nofm", "p/skills/badyaml"}
    assert "no name" in reasons["p/skills/noname"]
    assert reasons["p/skills/nofm"].startswith("p/skills/nofm/SKILL.md: no frontmatter")
    assert "invalid YAML" in reasons["p/skills/badyaml"]


def test_unreadable_and_oversize_skill_md_are_excluded() -> None:
    repo = FakeRepo(
        {"p/skills/gone/SKILL.md": skill("gone"), "p/skills/huge/SKILL.md": skill("huge")},
        unreadable=["p/skills/gone/SKILL.md"],
        sizes={"p/skills/huge/SKILL.md": MAX_SKILL_MD_BYTES + 1},
    )
    listing = run(repo, [{"name": "p", "source": "./p"}])
    assert listing.skills == ()
    reasons = {e.path: e.reason for e in listing.excluded}
    assert "could not be read" in reasons["p/skills/gone"]
    assert "too large" in reasons["p/skills/huge"]
    assert "p/skills/huge/SKILL.md" not in repo.calls[-1]


def test_symlinks_and_submodules_are_never_followed() -> None:
    repo = FakeRepo(
        {"p/skills/real/SKILL.md": skill("real"), "p/skills/data.md": "x"},
        symlinks=["p/skills/linked", "p/skills/linkmd/SKILL.md", "p/skills/notes.md"],
        submodules=["p/skills/vendored"],
    )
    listing = run(repo, [{"name": "p", "source": "./p"}])
    assert names(listing) == [("p:real", "p/skills/real")]
    reasons = {e.path: e.reason for e in listing.excluded}
    assert set(reasons) == {"p/skills/linked", "p/skills/linkmd", "p/skills/vendored"}
    assert "symlink" in reasons["p/skills/linked"]
    assert "symlink" in reasons["p/skills/linkmd"]
    assert "submodule" in reasons["p/skills/vendored"]
    fetched = [p for call in repo.calls for p in call]
    assert "p/skills/linkmd/SKILL.md" not in fetched


def test_root_skill_md_symlink_is_excluded() -> None:
    repo = FakeRepo({"p/README.md": "x"}, symlinks=["p/SKILL.md"])
    listing = run(repo, [{"name": "p", "source": "./p"}])
    assert listing.skills == ()
    assert [e.path for e in listing.excluded] == ["p"]


def test_listed_symlink_is_excluded() -> None:
    repo = FakeRepo({"p/skills/a/SKILL.md": skill("a")}, symlinks=["p/skills/b"])
    listing = run(repo, [{"name": "p", "source": "./p", "skills": ["./skills/a", "./skills/b"]}])
    assert names(listing) == [("p:a", "p/skills/a")]
    assert [e.path for e in listing.excluded] == ["p/skills/b"]


def test_plugin_folder_that_is_a_submodule_yields_nothing() -> None:
    repo = FakeRepo({"other/SKILL.md": skill("other")}, submodules=["plugins/vendored"])
    listing = run(repo, [{"name": "vendored", "source": "./plugins/vendored"}, {"name": "o", "source": "./other"}])
    assert names(listing) == [("o:other", "other")]
    assert listing.skipped_plugins == ()
    assert listing.excluded == ()
    assert any("submodule" in w for w in listing.warnings)


def test_plugins_without_skills_are_skipped_silently() -> None:
    repo = FakeRepo({"empty/README.md": "x", "full/SKILL.md": skill("full")})
    listing = run(
        repo,
        [{"name": "empty", "source": "./empty"}, {"name": "missing", "source": "./missing"}, {"name": "full", "source": "./full"}],
    )
    assert names(listing) == [("full:full", "full")]
    assert listing.skipped_plugins == ()
    assert listing.excluded == ()
    assert listing.warnings == ()


# ---------------------------------------------------------------------------- duplicates, order, batching


def test_same_folder_under_two_plugins_and_identical_pairs_deduplicated() -> None:
    repo = FakeRepo({"skills/shared/SKILL.md": skill("shared"), "skills/other/SKILL.md": skill("other")})
    listing = run(
        repo,
        [
            {"name": "one", "source": "./", "skills": ["./skills/shared", "./skills/shared/"]},
            {"name": "two", "source": "./", "skills": ["./skills/shared"]},
            {"name": "two", "source": "./", "skills": ["./skills/shared", "./skills/other"]},
        ],
    )
    assert names(listing) == [
        ("one:shared", "skills/shared"),
        ("two:shared", "skills/shared"),
        ("two:other", "skills/other"),
    ]
    assert sum(len(call) for call in repo.calls) == 2  # each SKILL.md fetched once


def test_catalog_order_is_kept() -> None:
    repo = FakeRepo({"z/SKILL.md": skill("z"), "a/SKILL.md": skill("a"), "m/SKILL.md": skill("m")})
    listing = run(repo, [{"name": n, "source": f"./{n}"} for n in "zam"])
    assert [s.name for s in listing.skills] == ["z", "a", "m"]


def test_reads_in_two_batches() -> None:
    files: dict[str, str] = {}
    for i in range(5):
        files[f"plugins/p{i}/.claude-plugin/plugin.json"] = json.dumps({"name": f"p{i}"})
        files[f"plugins/p{i}/skills/s{i}/SKILL.md"] = skill(f"s{i}")
        files[f"plugins/p{i}/skills/t{i}/SKILL.md"] = skill(f"t{i}")
    repo = FakeRepo(files)
    listing = run(repo, [{"name": f"p{i}", "source": f"p{i}"} for i in range(5)], pluginRoot="./plugins")
    assert len(listing.skills) == 10
    assert len(repo.calls) == 2
    assert sorted(repo.calls[0]) == sorted(p for p in files if p.endswith("plugin.json"))
    assert sorted(repo.calls[1]) == sorted(p for p in files if p.endswith("SKILL.md"))


def test_no_fetch_when_nothing_to_read() -> None:
    repo = FakeRepo({"README.md": "x"})
    listing = run(repo, [{"name": "ext", "source": {"source": "url", "url": "https://example.com/x.git"}}])
    assert listing.skills == ()
    assert repo.calls == []


@pytest.mark.parametrize("source", ["./", "."])
def test_plugin_at_marketplace_root(source: str) -> None:
    repo = FakeRepo({"skills/a/SKILL.md": skill("a")})
    assert names(run(repo, [{"name": "root", "source": source}])) == [("root:a", "skills/a")]


def test_skill_at_repository_root_compares_with_repo_name() -> None:
    (s,) = run(FakeRepo({"SKILL.md": skill("market")}), [{"name": "r", "source": "./"}]).skills
    assert s.path == ""
    assert s.warnings == ()


# ---------------------------------------------------------------------------- issue 18: read ahead


def test_likely_skill_files_are_what_discovery_reads_when_plugin_json_adds_nothing() -> None:
    from skill_studio.core.discovery import likely_skill_files

    repo = FakeRepo(
        {
            "plugins/a/skills/one/SKILL.md": skill("one"),
            "plugins/a/skills/two/SKILL.md": skill("two"),
            "plugins/a/.claude-plugin/plugin.json": json.dumps({"name": "a"}),
            "plugins/b/SKILL.md": skill("b"),
            "plugins/c/listed/x/SKILL.md": skill("x"),
            "plugins/c/skills/ignored/SKILL.md": skill("ignored"),
            "plugins/d/skills/big/SKILL.md": skill("big"),
            "plugins/e/.claude-plugin/plugin.json": json.dumps({"skills": ["./custom"]}),
            "plugins/e/custom/y/SKILL.md": skill("y"),
            "plugins/e/skills/z/SKILL.md": skill("z"),
        },
        symlinks=["plugins/a/skills/link/SKILL.md"],
        sizes={"plugins/d/skills/big/SKILL.md": MAX_SKILL_MD_BYTES + 1},
    )
    plugins = [{"name": "a", "source": "./plugins/a"}, {"name": "b", "source": "./plugins/b"},
               {"name": "c", "source": "./plugins/c", "skills": ["./listed"]}, {"name": "d", "source": "./plugins/d"},
               {"name": "e", "source": "./plugins/e"}, {"name": "gone", "source": "./plugins/none"}]
    listing = run(repo, plugins)
    catalog = parse_catalog(repo.files[".claude-plugin/marketplace.json"], ".claude-plugin/marketplace.json", "")
    ahead = likely_skill_files(repo.tree(), catalog.plugins)
    assert ahead == ["plugins/a/skills/one/SKILL.md", "plugins/a/skills/two/SKILL.md", "plugins/b/SKILL.md",
                     "plugins/c/listed/x/SKILL.md", "plugins/e/skills/z/SKILL.md"]  # not the link, not the big one
    read = repo.calls[1]  # discovery's second batch
    # plugin e's plugin.json lists its own skills: discovery reads custom/y instead of skills/z
    assert set(read) - set(ahead) == {"plugins/e/custom/y/SKILL.md"}
    assert set(ahead) - set(read) == {"plugins/e/skills/z/SKILL.md"}
    assert ("e:y", "plugins/e/custom/y") in names(listing)
