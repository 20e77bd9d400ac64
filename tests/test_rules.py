"""The rule homes of issue 12, as pure functions: skill identity (``core.identity``), version order
(``core.versions``) and the update rule (``core.update_rule``). Synthetic values, no server."""

from __future__ import annotations

import itertools
import random
from types import SimpleNamespace
from typing import Any

import pytest

from skill_studio.core.identity import (
    catalog_match,
    installed_copies,
    match_installed,
    registry_key,
    registry_of,
)
from skill_studio.core.models import Destination, Registry, RepoTree, TreeEntry
from skill_studio.core.sources import parse_registry_source
from skill_studio.core.update_rule import upstream_identity, upstream_update
from skill_studio.core.versions import is_newer, parse_version, version_sort_key

LIB, SET = Destination.LIBRARY, Destination.SETTINGS


def cat(qn: str, path: str, repo: str = "acme/market", version: str | None = "1.0.0", commit: str = "c1") -> Any:
    return SimpleNamespace(qualified_name=qn, path=path, repo=repo, version=version, commit=commit)


def inst(local: str, qn: str | None, path: str | None, dest: Destination = LIB, repo: str | None = "acme/market",
         origin: str = "marketplace", version: str = "1.0.0", upstream_hash: str | None = None,
         registry: str | None = None, registry_source: str | None = None) -> Any:
    return SimpleNamespace(local_name=local, qualified_name=qn, source_path=path, destination=dest, repo=repo,
                           origin=origin, version=version, upstream_hash=upstream_hash, registry=registry,
                           registry_source=registry_source)


# -- identity ------------------------------------------------------------------------------------

def test_exact_match_wins_over_moved_and_renamed() -> None:
    listed = [cat("t:alpha", "skills/alpha"), cat("t:alpha", "skills/alpha2")]
    assert catalog_match(listed, inst("alpha", "t:alpha", "skills/alpha")) is listed[0]


def test_moved_folder_matches_the_only_skill_of_that_qualified_name() -> None:
    listed = [cat("t:alpha", "skills/new-place"), cat("t:beta", "skills/beta")]
    assert catalog_match(listed, inst("alpha", "t:alpha", "skills/alpha")) is listed[0]


def test_renamed_plugin_matches_the_only_skill_in_that_folder() -> None:
    listed = [cat("tools:alpha", "skills/alpha")]
    assert catalog_match(listed, inst("alpha", "t:alpha", "skills/alpha")) is listed[0]


def test_ambiguous_or_foreign_copies_do_not_match() -> None:
    two = [cat("t:alpha", "a/one"), cat("t:alpha", "a/two")]
    assert catalog_match(two, inst("alpha", "t:alpha", "gone")) is None
    assert catalog_match([cat("t:alpha", "skills/alpha", repo="other/repo")],
                         inst("alpha", "t:alpha", "skills/alpha")) is None
    assert catalog_match([cat("t:alpha", "skills/alpha")],
                         inst("alpha", "t:alpha", "skills/alpha", origin="upload")) is None


def test_every_copy_is_reported_sorted_by_local_name_per_destination() -> None:
    listed = [cat("t:alpha", "skills/alpha")]
    pool = [inst("zeta", "t:alpha", "skills/alpha"), inst("alpha", "t:alpha", "skills/alpha"),
            inst("alpha", "t:alpha", "skills/alpha", dest=SET)]
    assert [c.local_name for c in installed_copies(listed, listed[0], LIB, pool)] == ["alpha", "zeta"]
    index = match_installed(listed, pool)
    (key,) = index
    assert [c.local_name for c in index[key][LIB]] == ["alpha", "zeta"]
    assert [c.local_name for c in index[key][SET]] == ["alpha"]


def test_registry_key_ignores_case_of_host_and_slug_but_not_subpath() -> None:
    a = parse_registry_source("https://github.com/Acme/Market")
    b = parse_registry_source("acme/market")
    assert registry_key(a) == registry_key(b)
    c = parse_registry_source("https://github.com/acme/market/tree/main/sub")
    assert registry_key(c) != registry_key(b)


def test_registry_of_prefers_the_recorded_url_then_the_name() -> None:
    src = parse_registry_source("acme/market")
    regs = [Registry(1, "other", parse_registry_source("x/y"), True, False), Registry(2, "acme", src, True, False)]
    assert registry_of(inst("a", "t:a", "p", registry="zzz", registry_source="https://github.com/ACME/market"),
                       regs) is regs[1]  # type: ignore[arg-type]
    assert registry_of(inst("a", "t:a", "p", registry="other"), regs) is regs[0]  # type: ignore[arg-type]
    assert registry_of(inst("a", "t:a", "p", registry="none"), regs) is None  # type: ignore[arg-type]


# -- versions ------------------------------------------------------------------------------------

def test_parse_is_lenient_and_never_raises() -> None:
    assert str(parse_version("v1.2")) == "1.2.0"
    assert parse_version("next") is None and parse_version(None) is None and parse_version("") is None


@pytest.mark.parametrize(("newer", "older"), [
    ("1.0.0", "1.0.0-beta"), ("1.0.0-beta.2", "1.0.0-beta.1"), ("1.0.0-beta.11", "1.0.0-beta.2"),
    ("1.0.0-beta", "1.0.0-alpha"), ("1.10.0", "1.2.0"), ("2.0.0-rc.1", "1.9.9"), ("v1.1", "1.0.9"),
])
def test_semver_order_with_pre_releases(newer: str, older: str) -> None:
    assert is_newer(newer, older) and not is_newer(older, newer)
    assert version_sort_key(older) < version_sort_key(newer)


def test_unparseable_versions_never_yield_an_update_and_sort_after_semver() -> None:
    assert not is_newer("next", "1.0.0") and not is_newer("1.0.0", "next")
    assert version_sort_key("99.0.0") < version_sort_key("next") < version_sort_key(None)
    assert version_sort_key("build.10") > version_sort_key("build.9")  # numbers as numbers in the fallback


def test_sort_key_agrees_with_semver_order_on_random_versions() -> None:
    rnd = random.Random(12)
    pres = [None, "alpha", "alpha.1", "beta", "beta.2", "beta.10", "rc.1", "1", "2"]
    versions = []
    for _ in range(300):
        v = f"{rnd.randint(0, 3)}.{rnd.randint(0, 12)}.{rnd.randint(0, 3)}"
        pre = rnd.choice(pres)
        versions.append(f"{v}-{pre}" if pre else v)
    by_key = sorted(versions, key=version_sort_key)
    for a, b in itertools.pairwise(by_key):
        assert not is_newer(a, b), (a, b)


# -- the update rule -----------------------------------------------------------------------------

def tree(files: dict[str, str]) -> RepoTree:
    return RepoTree("acme", "market", "c1", tuple(TreeEntry(p, "100644", "blob", sha, 10) for p, sha in files.items()))


def test_update_rule_version_then_changed_content_then_none() -> None:
    t = tree({"skills/a/SKILL.md": "s1", "skills/a/x.py": "s2", "skills/b/SKILL.md": "s3"})
    listing = SimpleNamespace(trees={("acme/market", "c1"): t})
    same = upstream_identity(t, "skills/a")
    skill = cat("t:a", "skills/a", version="1.1.0")
    assert upstream_update(listing, skill, inst("a", "t:a", "skills/a", upstream_hash=same)) == "version"  # type: ignore[arg-type]
    skill = cat("t:a", "skills/a", version="1.0.0")
    assert upstream_update(listing, skill, inst("a", "t:a", "skills/a", upstream_hash=same)) is None  # type: ignore[arg-type]
    assert upstream_update(listing, skill, inst("a", "t:a", "skills/a", upstream_hash="old")) == "changed_upstream"  # type: ignore[arg-type]
    unversioned = cat("t:a", "skills/a", version=None)  # DEFAULT_VERSION 1.0.0 is not newer than 1.0.0
    assert upstream_update(listing, unversioned, inst("a", "t:a", "skills/a", upstream_hash=same)) is None  # type: ignore[arg-type]
    pre = cat("t:a", "skills/a", version="1.0.0")
    assert upstream_update(listing, pre, inst("a", "t:a", "skills/a", version="1.0.0-beta", upstream_hash=same)) == "version"  # type: ignore[arg-type]


def test_upstream_identity_depends_on_relative_paths_and_blobs_only() -> None:
    a = tree({"skills/a/SKILL.md": "s1", "skills/a/x.py": "s2"})
    moved = tree({"other/place/SKILL.md": "s1", "other/place/x.py": "s2"})
    changed = tree({"skills/a/SKILL.md": "s1", "skills/a/x.py": "s9"})
    assert upstream_identity(a, "skills/a") == upstream_identity(moved, "other/place")
    assert upstream_identity(a, "skills/a") != upstream_identity(changed, "skills/a")
