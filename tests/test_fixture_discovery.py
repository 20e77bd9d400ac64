"""Integration: catalog parsing + discovery on snapshots of real marketplaces (R-CAT, R-DIS, R-FM).

The fixtures live outside the repository in ``../shared/fixtures/marketplaces/OWNER__REPO/`` (see
their README): ``tree.json`` is a GitHub "Get a tree" response, ``files/<path>`` the blobs, and
``expected.json`` the browse result the spec implies. Fixture text is read at test time, never
copied into the project.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

import pytest
from fake_github import SHARED

from skill_studio.core.catalog import parse_catalog
from skill_studio.core.discovery import discover
from skill_studio.core.models import Listing, RegistrySource, RepoTree, TreeEntry

MARKETPLACES = SHARED / "fixtures" / "marketplaces"
FOLDERS = sorted(p.name for p in MARKETPLACES.iterdir() if p.is_dir()) if MARKETPLACES.is_dir() else []


def _load(folder: str) -> tuple[Listing, dict[str, Any], list[list[str]]]:
    base = MARKETPLACES / folder
    meta = json.loads((base / "meta.json").read_text(encoding="utf-8"))
    tree_doc = json.loads((base / "tree.json").read_text(encoding="utf-8"))
    entries = tuple(
        TreeEntry(e["path"], e["mode"], e["type"], e["sha"], e.get("size")) for e in tree_doc["tree"]
    )
    tree = RepoTree(meta["owner"], meta["repo"], meta["commit"], entries)
    files = (base / "files").resolve()
    calls: list[list[str]] = []

    def fetch(paths: Sequence[str]) -> dict[str, bytes]:
        calls.append(list(paths))
        out = {}
        for path in paths:
            target = (files / path).resolve()
            if target.is_relative_to(files) and target.is_file():
                out[path] = target.read_bytes()
        return out

    source = RegistrySource("github.com", meta["owner"], meta["repo"])
    catalog = parse_catalog((files / source.catalog_path).read_bytes(), source.catalog_path)
    listing = discover(source, tree, catalog, fetch)
    expected = json.loads((base / "expected.json").read_text(encoding="utf-8"))
    return listing, expected, calls


@pytest.fixture(scope="module", params=FOLDERS or [pytest.param(None, id="no-fixtures")])
def fixture_result(request: pytest.FixtureRequest) -> tuple[Listing, dict[str, Any], list[list[str]]]:
    if request.param is None:
        pytest.skip(f"marketplace fixtures not found at {MARKETPLACES}")
    return _load(request.param)


def test_registry_name(fixture_result: tuple[Listing, dict[str, Any], list[list[str]]]) -> None:
    listing, expected, _ = fixture_result
    assert listing.name == expected["registry_name"]


def test_skills_match(fixture_result: tuple[Listing, dict[str, Any], list[list[str]]]) -> None:
    listing, expected, _ = fixture_result
    got = {
        (s.qualified_name, s.name, s.local_name, s.name_valid, s.plugin, s.path, s.version, s.description)
        for s in listing.skills
    }
    want = {
        (s["qualified"], s["name"], s["local_name"], s["name_valid"], s["plugin"], s["path"], s["version"], s["description"])
        for s in expected["skills"]
    }
    assert sorted(got - want, key=repr) == []
    assert sorted(want - got, key=repr) == []
    assert len(listing.skills) == len(expected["skills"])


def test_excluded_match(fixture_result: tuple[Listing, dict[str, Any], list[list[str]]]) -> None:
    listing, expected, _ = fixture_result
    assert {e.path for e in listing.excluded} == {e["path"] for e in expected["excluded"]}


def test_skipped_plugins_match(fixture_result: tuple[Listing, dict[str, Any], list[list[str]]]) -> None:
    listing, expected, _ = fixture_result

    def key(source: Any) -> str:
        return json.dumps(source, sort_keys=True)

    assert Counter(key(s.source) for s in listing.skipped_plugins) == Counter(
        key(s["source"]) for s in expected["skipped_plugins"]
    )


def test_listing_invariants(fixture_result: tuple[Listing, dict[str, Any], list[list[str]]]) -> None:
    listing, _, calls = fixture_result
    assert len(calls) <= 2
    assert all(call for call in calls)
    pairs = [(s.qualified_name, s.path) for s in listing.skills]
    assert len(pairs) == len(set(pairs))
    for s in listing.skills:
        assert s.commit == listing.commit
        assert s.skill_md.lstrip().startswith("---")
        assert s.metadata.name == s.name
