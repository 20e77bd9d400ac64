"""Unit tests for skill_studio.core.catalog (R-CAT-1..3)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skill_studio.core.catalog import (
    SourceError,
    normalize_relative_path,
    normalize_skills_field,
    parse_catalog,
    resolve_source,
    source_warnings,
)
from skill_studio.core.errors import CatalogError

CAT = ".claude-plugin/marketplace.json"


def catalog_bytes(plugins: Any, **top: Any) -> bytes:
    doc = {"name": "demo-market", "owner": {"name": "Demo"}, **top, "plugins": plugins}
    return json.dumps(doc).encode()


# ---------------------------------------------------------------------------- resolve_source


@pytest.mark.parametrize(
    ("source", "root", "expected"),
    [
        ("./plugins/x", None, "plugins/x"),
        ("./plugins/x/", None, "plugins/x"),
        ("./x", "./ignored", "x"),
        ("./", None, ""),
        ("./", "./plugins", ""),
        (".", None, ""),
        ("x", None, "x"),
        ("x", "./plugins", "plugins/x"),
        ("x", "./plugins/", "plugins/x"),
        ("x", "plugins", "plugins/x"),
        ("x", "./", "x"),
        ("x", "", "x"),
        ("plugins/x", None, "plugins/x"),
        ("plugins/x", "./other", "plugins/x"),
        ("./a//b/./c/", None, "a/b/c"),
        ("./my plugin", None, "my plugin"),
    ],
)
def test_resolve_source(source: str, root: str | None, expected: str) -> None:
    assert resolve_source(source, root) == expected


@pytest.mark.parametrize(
    ("source", "root", "escapes"),
    [
        ("../x", None, True),
        ("./../x", None, True),
        ("./a/../b", None, True),
        ("..", None, True),
        ("/abs/x", None, True),
        ("C:/x", None, True),
        ("c:x", None, True),
        ("./C:/x", None, True),
        ("x", "./D:", True),
        ("./a\\b", None, True),
        ("x", "../outside", True),
        ("x", "/abs", True),
        ("x", "a\\b", True),
        ("", None, False),
        ("   ", None, False),
        ("https://github.com/o/r", None, False),
        ("./a\x00b", None, False),
        (None, None, False),
        (42, None, False),
    ],
)
def test_resolve_source_errors(source: object, root: str | None, escapes: bool) -> None:
    with pytest.raises(SourceError) as info:
        resolve_source(source, root)
    assert info.value.escapes is escapes
    assert info.value.reason
    assert isinstance(info.value, ValueError)


def test_source_warnings() -> None:
    assert source_warnings(".") and "'./'" in source_warnings(".")[0]
    assert source_warnings("plugins/x") and "./" in source_warnings("plugins/x")[0]
    assert source_warnings("./x") == []
    assert source_warnings("./") == []
    assert source_warnings("bare") == []
    assert source_warnings({"source": "github"}) == []


def test_normalize_relative_path() -> None:
    assert normalize_relative_path("./skills/a/") == "skills/a"
    assert normalize_relative_path("./") == ""
    with pytest.raises(SourceError):
        normalize_relative_path("skills/../../x")


@pytest.mark.parametrize(
    ("value", "paths", "warns"),
    [
        (None, None, False),
        ("./skills/a", ("./skills/a",), False),
        (["a", "b"], ("a", "b"), False),
        ([], (), False),
        (["a", 3, None, ""], ("a",), True),
        ({"a": 1}, None, True),
        (7, None, True),
    ],
)
def test_normalize_skills_field(value: object, paths: tuple[str, ...] | None, warns: bool) -> None:
    got, warnings = normalize_skills_field(value)
    assert got == paths
    assert bool(warnings) is warns


def _check_resolution(source: str, root: str | None) -> None:
    """resolve_source returns a safe relative path or raises SourceError, nothing else."""
    try:
        path = resolve_source(source, root)
    except SourceError as err:
        assert err.reason
        return
    segments = path.split("/")
    assert ".." not in segments
    assert not path.startswith("/")
    assert "\\" not in path
    assert not (len(path) >= 2 and path[1] == ":" and path[0].isascii() and path[0].isalpha())
    assert path == "" or "" not in segments


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60), st.one_of(st.none(), st.text(max_size=30)))
def test_resolve_source_never_escapes(source: str, root: str | None) -> None:
    _check_resolution(source, root)


_pathish = st.text(alphabet=st.sampled_from(list("./\\a:C ")), max_size=12)


@settings(max_examples=200, deadline=None)
@given(_pathish, st.one_of(st.none(), _pathish))
def test_resolve_source_never_escapes_pathlike(source: str, root: str | None) -> None:
    _check_resolution(source, root)


# ---------------------------------------------------------------------------- parse_catalog: top level


def test_parse_catalog_reads_top_level_fields() -> None:
    data = catalog_bytes(
        [{"name": "p", "source": "./p"}],
        description="Top",
        metadata={"description": "Meta", "version": "2.0.0", "pluginRoot": "./plugins"},
        extra={"kept": True},
    )
    cat = parse_catalog(data, CAT)
    assert cat.path == CAT
    assert cat.name == "demo-market"
    assert cat.owner == {"name": "Demo"}
    assert cat.description == "Top"
    assert cat.version == "2.0.0"
    assert cat.plugin_root == "./plugins"
    assert cat.raw["extra"] == {"kept": True}
    assert cat.warnings == ()
    assert [p.path for p in cat.plugins] == ["p"]


def test_metadata_description_and_top_level_version_fallbacks() -> None:
    cat = parse_catalog(catalog_bytes([], metadata={"description": "Meta"}, version="1.1.0"), CAT)
    assert cat.description == "Meta"
    assert cat.version == "1.1.0"


def test_missing_name_and_owner_warn() -> None:
    cat = parse_catalog(json.dumps({"plugins": []}).encode(), CAT)
    assert cat.name is None and cat.owner is None
    assert any("'name'" in w for w in cat.warnings)
    assert any("'owner'" in w for w in cat.warnings)


def test_bom_is_tolerated() -> None:
    assert parse_catalog(b"\xef\xbb\xbf" + catalog_bytes([]), CAT).name == "demo-market"


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"\xff\xfe{}", "not UTF-8"),
        (b'{"plugins": [}', "line 1, column 14"),
        (b"{\n  \"name\": \"x\",\n  oops\n}", "line 3"),
        (b"", "not valid JSON"),
        (b"[]", "top level is an array"),
        (b'"text"', "top level is a string"),
        (b'{"name": "x"}', "'plugins'"),
        (b'{"plugins": {"a": 1}}', "'plugins' is an object"),
        (b'{"plugins": null}', "'plugins' is a null"),
        (b"[" * 100000 + b"]" * 100000, "nested too deeply"),
        (b'{"plugins": [], "n": ' + b"1" * 5000 + b"}", "not usable JSON"),
    ],
)
def test_structural_errors(data: bytes, needle: str) -> None:
    path = "sub/.claude-plugin/catalog-marketplace.json"
    with pytest.raises(CatalogError) as info:
        parse_catalog(data, path)
    assert path in str(info.value)
    assert needle in str(info.value)


# ---------------------------------------------------------------------------- parse_catalog: entries


def test_entry_fields() -> None:
    entry = {
        "name": "p",
        "source": "./plugins/p/",
        "description": "Plugin",
        "version": "1.2.0",
        "category": "dev",
        "strict": False,
        "skills": "./skills/one",
        "tags": ["x"],
    }
    (plugin,) = parse_catalog(catalog_bytes([entry]), CAT).plugins
    assert plugin.index == 0
    assert plugin.name == "p"
    assert plugin.source == "./plugins/p/"
    assert plugin.path == "plugins/p"
    assert plugin.description == "Plugin"
    assert plugin.version == "1.2.0"
    assert plugin.category == "dev"
    assert plugin.strict is False
    assert plugin.skills == ("./skills/one",)
    assert plugin.raw["tags"] == ["x"]


def test_numeric_version_and_bad_optional_fields() -> None:
    entry = {"name": "p", "source": "./p", "version": 2, "strict": "yes", "skills": 5, "category": 3}
    cat = parse_catalog(catalog_bytes([entry]), CAT)
    (plugin,) = cat.plugins
    assert plugin.version == "2"
    assert plugin.strict is True
    assert plugin.skills is None
    assert plugin.category is None
    assert len(cat.warnings) == 3
    assert all(w.startswith("plugin 'p':") for w in cat.warnings)


def test_subpath_makes_paths_repository_relative() -> None:
    data = catalog_bytes(
        [{"name": "a", "source": "./a"}, {"name": "root", "source": "./"}, {"name": "b", "source": "b"}],
        metadata={"pluginRoot": "./plugins"},
    )
    cat = parse_catalog(data, "market/.claude-plugin/marketplace.json", subpath="market")
    assert [p.path for p in cat.plugins] == ["market/a", "market", "market/plugins/b"]


def test_non_object_entries_and_missing_source_are_skipped() -> None:
    cat = parse_catalog(
        catalog_bytes(["just a string", 3, {"name": "nosrc"}, {"name": "ok", "source": "./ok"}]),
        CAT,
    )
    assert [p.name for p in cat.plugins] == ["ok"]
    assert cat.plugins[0].index == 3
    reasons = [s.reason for s in cat.skipped]
    assert f"plugins[0] is a string, expected an object (in {CAT})" in reasons
    assert f"plugins[1] is a number, expected an object (in {CAT})" in reasons
    assert [s.name for s in cat.skipped][2] == "nosrc"
    assert "source" in reasons[2]


@pytest.mark.parametrize("kind", ["github", "url", "git-subdir", "npm", "archive", "command", "something-new"])
def test_object_sources_are_skipped_naming_the_kind(kind: str) -> None:
    source = {"source": kind, "repo": "o/r", "url": "https://example.com/x.git"}
    cat = parse_catalog(catalog_bytes([{"name": "ext", "source": source}]), CAT)
    assert cat.plugins == ()
    (skipped,) = cat.skipped
    assert skipped.name == "ext"
    assert skipped.source == source
    assert skipped.reason == f"external source {kind}"


def test_object_source_without_kind() -> None:
    cat = parse_catalog(catalog_bytes([{"name": "ext", "source": {"repo": "o/r"}}]), CAT)
    assert cat.skipped[0].reason == "external source unknown"


def test_other_source_types_are_skipped() -> None:
    cat = parse_catalog(catalog_bytes([{"name": "n", "source": ["./x"]}, {"name": "m", "source": 4}]), CAT)
    assert cat.plugins == ()
    assert [s.source for s in cat.skipped] == [["./x"], 4]
    assert all("expected a path or an object" in s.reason for s in cat.skipped)


@pytest.mark.parametrize("source", ["../outside", "./a/../../b", "/etc", "C:/x", "./a\\b"])
def test_escaping_paths_are_skipped_and_the_rest_loads(source: str) -> None:
    cat = parse_catalog(catalog_bytes([{"name": "bad", "source": source}, {"name": "ok", "source": "./ok"}]), CAT)
    assert [p.name for p in cat.plugins] == ["ok"]
    (skipped,) = cat.skipped
    assert skipped.source == source
    assert skipped.reason.startswith("path escapes the registry: ")


def test_escaping_plugin_root_skips_bare_names_only() -> None:
    data = catalog_bytes(
        [{"name": "bare", "source": "bare"}, {"name": "dotted", "source": "./dotted"}],
        metadata={"pluginRoot": "../elsewhere"},
    )
    cat = parse_catalog(data, CAT)
    assert [p.name for p in cat.plugins] == ["dotted"]
    assert cat.skipped[0].reason.startswith("path escapes the registry: ")
    assert "pluginRoot" in cat.skipped[0].reason


def test_unusable_string_source_is_skipped() -> None:
    cat = parse_catalog(catalog_bytes([{"name": "e", "source": ""}]), CAT)
    assert cat.skipped[0].reason.startswith("unusable source")


def test_lenient_sources_warn() -> None:
    cat = parse_catalog(catalog_bytes([{"name": "dot", "source": "."}, {"name": "rel", "source": "plugins/rel"}]), CAT)
    assert [p.path for p in cat.plugins] == ["", "plugins/rel"]
    assert any(w.startswith("plugin 'dot':") and "'./'" in w for w in cat.warnings)
    assert any(w.startswith("plugin 'rel':") for w in cat.warnings)


def test_duplicate_names_and_missing_entry_name_warn() -> None:
    data = catalog_bytes(
        [{"name": "p", "source": "./a"}, {"name": "p", "source": "./b"}, {"source": "./c"}],
    )
    cat = parse_catalog(data, CAT)
    assert len(cat.plugins) == 3
    assert cat.plugins[2].name is None
    assert any("'p'" in w and "2 entries" in w for w in cat.warnings)
    assert any(w.startswith("plugins[2]") and "'name'" in w for w in cat.warnings)


def test_plugin_root_key_is_camel_case() -> None:
    cat = parse_catalog(catalog_bytes([{"name": "x", "source": "x"}], metadata={"pluginroot": "./plugins"}), CAT)
    assert cat.plugin_root is None
    assert cat.plugins[0].path == "x"
    assert any("pluginRoot" in w for w in cat.warnings)


def test_bad_owner_and_metadata_warn() -> None:
    cat = parse_catalog(json.dumps({"name": "n", "owner": "me", "metadata": [1], "plugins": []}).encode(), CAT)
    assert cat.owner is None
    assert len(cat.warnings) == 2


# ---------------------------------------------------------------------------- properties: parse_catalog

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
_entry = st.fixed_dictionaries(
    {},
    optional={
        "name": _json | st.text(max_size=10),
        "source": _json | _pathish | st.fixed_dictionaries({"source": st.text(max_size=10)}),
        "skills": _json | st.lists(_pathish, max_size=3),
        "version": _json,
        "strict": _json,
    },
)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_parse_catalog_arbitrary_bytes(data: bytes) -> None:
    try:
        parse_catalog(data, CAT)
    except CatalogError as err:
        assert CAT in str(err)


@settings(max_examples=200, deadline=None)
@given(st.lists(_entry | _json, max_size=6), st.one_of(st.none(), _pathish, _json))
def test_parse_catalog_arbitrary_entries(plugins: list[Any], plugin_root: Any) -> None:
    cat = parse_catalog(catalog_bytes(plugins, metadata={"pluginRoot": plugin_root}), CAT)
    assert len(cat.plugins) + len(cat.skipped) == len(plugins)
    for plugin in cat.plugins:
        assert plugin.path is not None
        assert not plugin.path.startswith("/")
        assert ".." not in plugin.path.split("/") and "\\" not in plugin.path
