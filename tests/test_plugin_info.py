"""Plugin metadata from catalog entries and plugin.json (issue 19): parse, drop bad values, merge."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from skill_studio.core.catalog import parse_catalog
from skill_studio.core.discovery import discover
from skill_studio.core.models import PluginAuthor, PluginInfo, RegistrySource, RepoTree, TreeEntry
from skill_studio.core.plugin_info import LIMITS, MAX_KEYWORDS, merge_plugin_info, parse_plugin_info

SHA = "0" * 40


def test_full_entry_is_read() -> None:
    info, warnings = parse_plugin_info({
        "name": "x", "displayName": "X Tools", "description": "Does x.\nAnd y.", "category": "devops",
        "keywords": ["a", "b"], "tags": ["b", "c"], "author": {"name": "Ann", "email": "a@x.io", "url": "https://x.io"},
        "homepage": "https://x.io/h", "repository": "https://github.com/x/x", "license": "MIT", "version": 2,
    })
    assert warnings == []
    assert info == PluginInfo(display_name="X Tools", description="Does x.\nAnd y.", category="devops",
                              keywords=("a", "b", "c"), author=PluginAuthor("Ann", "a@x.io", "https://x.io"),
                              homepage="https://x.io/h", repository="https://github.com/x/x", license="MIT",
                              version="2")


def test_string_author_and_repository_object() -> None:
    info, warnings = parse_plugin_info({"author": "Bob", "repository": {"type": "git", "url": "https://g/r.git"}})
    assert warnings == []
    assert info.author == PluginAuthor(name="Bob")
    assert info.repository == "https://g/r.git"


def test_empty_entry_is_empty() -> None:
    info, warnings = parse_plugin_info({"name": "x", "source": "./x"})
    assert info.is_empty and warnings == []


@pytest.mark.parametrize(
    ("doc", "field", "phrase"),
    [
        ({"category": ["a"]}, "category", "is an array, expected a string"),
        ({"displayName": 3}, "display_name", "is a number"),
        ({"homepage": "h" * (LIMITS["homepage"] + 1)}, "homepage", "characters long"),
        ({"category": "dev\x1b[31mops"}, "category", "control characters"),
        ({"license": "MIT\nGPL"}, "license", "control characters"),
        ({"description": "ok \u202e evil"}, "description", "control characters"),
        ({"author": 42}, "author", "expected a string or an object"),
        ({"author": {"name": "\x00"}}, "author", "control characters"),
        ({"keywords": "x"}, None, None),  # a lone string is one keyword, no warning
        ({"keywords": {"a": 1}}, "keywords", "expected an array of strings"),
    ],
)
def test_malformed_values_are_dropped_with_a_warning(doc: dict, field: str | None, phrase: str | None) -> None:
    info, warnings = parse_plugin_info(doc)
    if field is None:
        assert warnings == [] and info.keywords == ("x",)
        return
    value = getattr(info, field)
    assert value in (None, ())
    assert len(warnings) == 1 and phrase in warnings[0], warnings


def test_bad_keyword_items_are_dropped_and_the_rest_kept() -> None:
    info, warnings = parse_plugin_info({"keywords": ["ok", 3, None, "", "k" * 500, "two\nlines", "ok", "fine"]})
    assert info.keywords == ("ok", "fine")
    assert len(warnings) == 1 and "4 item(s)" in warnings[0]


def test_keywords_are_capped() -> None:
    info, warnings = parse_plugin_info({"keywords": [f"k{i}" for i in range(MAX_KEYWORDS + 5)]})
    assert len(info.keywords) == MAX_KEYWORDS
    assert any("only the first" in w for w in warnings)


def test_merge_prefers_the_entry_field_by_field() -> None:
    entry = PluginInfo(description="entry", keywords=())
    manifest = PluginInfo(description="manifest", category="c", keywords=("k",),
                          author=PluginAuthor("M", "m@x"), license="MIT")
    merged = merge_plugin_info(entry, manifest)
    assert merged == PluginInfo(description="entry", category="c", keywords=("k",),
                                author=PluginAuthor("M", "m@x"), license="MIT")
    whole = merge_plugin_info(PluginInfo(author=PluginAuthor("E")), manifest)
    assert whole.author == PluginAuthor("E")  # never a name from one side and an email from the other


def test_catalog_entry_carries_info_and_warns_once() -> None:
    doc = {"name": "m", "owner": {"name": "o"}, "plugins": [
        {"name": "p", "source": "./p", "category": ["x"], "keywords": ["k"], "author": "A"},
    ]}
    catalog = parse_catalog(json.dumps(doc).encode(), ".claude-plugin/marketplace.json")
    entry = catalog.plugins[0]
    assert entry.info.keywords == ("k",) and entry.info.author == PluginAuthor("A")
    assert entry.info.category is None and entry.category is None
    assert [w for w in catalog.warnings if "'category'" in w] == [
        "plugin 'p': 'category' is an array, expected a string: ignored"]


def _tree(paths: Sequence[str]) -> RepoTree:
    entries = [TreeEntry(p, "100644", "blob", SHA, 10) for p in paths]
    return RepoTree("o", "r", SHA, tuple(entries))


def test_discovery_falls_back_to_plugin_json() -> None:
    files = {
        ".claude-plugin/marketplace.json": json.dumps({"name": "m", "owner": {}, "plugins": [
            {"name": "p", "source": "./p", "description": "from the catalog"},
            {"name": "q", "source": "./q"},
        ]}).encode(),
        "p/.claude-plugin/plugin.json": json.dumps({"name": "p", "description": "from plugin.json", "category": "tools",
                                                    "keywords": ["x"], "license": "MIT",
                                                    "homepage": ["not", "a", "string"]}).encode(),
        "p/skills/one/SKILL.md": b"---\nname: one\ndescription: d\n---\nbody\n",
        "q/SKILL.md": b"---\nname: q\ndescription: d\n---\nbody\n",
    }
    catalog = parse_catalog(files[".claude-plugin/marketplace.json"], ".claude-plugin/marketplace.json")
    listing = discover(RegistrySource("github.com", "o", "r"), _tree(list(files)), catalog,
                       lambda paths: {p: files[p] for p in paths if p in files})
    by_name = {s.name: s for s in listing.skills}
    assert by_name["one"].plugin_info == PluginInfo(description="from the catalog", category="tools",
                                                    keywords=("x",), license="MIT")
    assert by_name["q"].plugin_info.is_empty
    assert any(w.startswith("p/.claude-plugin/plugin.json: 'homepage' is an array") for w in listing.warnings)


# -- the real catalogs ---------------------------------------------------------------------------

MARKETPLACES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "marketplaces"
JEREMY = MARKETPLACES / "jeremylongshore__claude-code-plugins-plus"


def _listing(base: Path):  # type: ignore[no-untyped-def]
    meta = json.loads((base / "meta.json").read_text(encoding="utf-8"))
    tree_doc = json.loads((base / "tree.json").read_text(encoding="utf-8"))
    tree = RepoTree(meta["owner"], meta["repo"], meta["commit"],
                    tuple(TreeEntry(e["path"], e["mode"], e["type"], e["sha"], e.get("size")) for e in tree_doc["tree"]))
    files = (base / "files").resolve()

    def fetch(paths: Sequence[str]) -> dict[str, bytes]:
        return {p: (files / p).read_bytes() for p in paths if (files / p).is_file()}

    source = RegistrySource("github.com", meta["owner"], meta["repo"])
    raw = (files / source.catalog_path).read_bytes()
    return discover(source, tree, parse_catalog(raw, source.catalog_path), fetch), json.loads(raw)


def test_jeremylongshore_skills_carry_their_catalog_entry_exactly() -> None:
    if not JEREMY.is_dir():
        pytest.skip(f"fixture not found at {JEREMY}")
    listing, doc = _listing(JEREMY)
    entries = {e["name"]: e for e in doc["plugins"]}
    assert listing.skills
    for skill in listing.skills:
        entry = entries[skill.plugin]
        info = skill.plugin_info
        assert info.category == entry.get("category")
        assert info.description == entry.get("description")
        assert list(info.keywords) == list(dict.fromkeys([*entry.get("keywords", []), *entry.get("tags", [])]))
        author = entry.get("author")
        if author is None:
            assert info.author is None or info.author.name  # may come from plugin.json
        else:
            assert info.author == PluginAuthor(author.get("name"), author.get("email"), author.get("url"))


@pytest.mark.parametrize("folder", sorted(p.name for p in MARKETPLACES.iterdir() if p.is_dir())
                         if MARKETPLACES.is_dir() else [])
def test_every_fixture_lists_with_plugin_info(folder: str) -> None:
    listing, doc = _listing(MARKETPLACES / folder)
    entries = {e.get("name"): e for e in doc["plugins"] if isinstance(e, dict)}
    for skill in listing.skills:
        entry = entries.get(skill.plugin)
        if entry and isinstance(entry.get("category"), str):
            assert skill.plugin_info.category == entry["category"].strip()


def test_hostile_values_are_cheap_and_never_fatal() -> None:
    huge = {"keywords": [f"k{i}" for i in range(200_000)], "description": "d" * 10_000_000,
            "author": {"name": {"nested": ["x"] * 5}}, "tags": [[["deep"]]], "category": None,
            "homepage": 12, "repository": {"url": None}, "license": "\u202eTIM"}
    info, warnings = parse_plugin_info(huge)
    assert len(info.keywords) == MAX_KEYWORDS and info.description is None and info.author is None
    assert info.homepage is None and info.repository is None and info.license is None
    assert [w.split(" ")[0] for w in warnings] == ["'description'", "'tags'", f"{MAX_KEYWORDS + 199_900}",
                                                   "'author.name'", "'homepage'", "'license'"], warnings


def test_plugin_info_survives_the_listing_cache(tmp_path: Path) -> None:
    from skill_studio.core.cache import ListingCache

    files = {
        ".claude-plugin/marketplace.json": json.dumps({"name": "m", "owner": {}, "plugins": [
            {"name": "p", "source": "./p", "category": "c", "keywords": ["k"],
             "author": {"name": "A", "url": "https://a"}}]}).encode(),
        "p/skills/one/SKILL.md": b"---\nname: one\ndescription: d\n---\nbody\n",
    }
    source = RegistrySource("github.com", "o", "r")
    tree = _tree(list(files))
    catalog = parse_catalog(files[".claude-plugin/marketplace.json"], ".claude-plugin/marketplace.json")
    listing = discover(source, tree, catalog, lambda paths: {p: files[p] for p in paths if p in files})
    listing = type(listing)(**{**listing.__dict__, "trees": {("o/r", SHA): tree}})
    cache = ListingCache(tmp_path)
    cache.save(listing, "http://api")
    loaded = cache.load(source, "http://api", SHA)
    assert loaded is not None
    assert loaded.skills[0].plugin_info == PluginInfo(category="c", keywords=("k",),
                                                      author=PluginAuthor("A", None, "https://a"))
    assert loaded.catalog.plugins[0].info == listing.catalog.plugins[0].info
