"""Issue 9 + R-NET-4: external targets' trees and blobs cached on disk (core.external_cache).

A marketplace whose plugins live in another repository, pinned by SHA (and one unpinned), browsed
by one app, then by a restarted app on the same SKILL_STUDIO_HOME: the target's tree and files are
not downloaded again; damaged cache files are ignored and fetched again; results are identical.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
from pathlib import Path

import pytest

from skill_studio.core.external import ExternalCache
from skill_studio.core.external_cache import DiskExternalCache, git_blob_sha
from skill_studio.core.models import Listing, RepoTree, TreeEntry
from skill_studio.app.studio import SkillStudio
from skill_studio.core.sources import parse_registry_source


def _skill(name: str) -> str:
    return f"---\nname: {name}\ndescription: The {name} skill.\n---\nBody.\n"


TOOLS = {
    "skills/tool-a/SKILL.md": _skill("tool-a"),
    "skills/tool-a/ref/notes.md": "notes\n",
    "plugins/sub/.claude-plugin/plugin.json": json.dumps({"name": "subby", "version": "2.0.0"}),
    "plugins/sub/skills/tool-b/SKILL.md": _skill("tool-b"),
}
MARKET = parse_registry_source("acme/market")


@pytest.fixture
def acme(github, use_github):
    """acme/tools (one commit) and acme/market: two plugins pinned to it by SHA, one unpinned."""
    c1 = github.add_repo_from_dir("acme", "tools", TOOLS)
    plugins = [
        {"name": "local", "source": "./local"},
        {"name": "pinned", "source": {"source": "github", "repo": "acme/tools", "sha": c1}},
        {"name": "sub", "source": {"source": "git-subdir", "url": "acme/tools", "path": "plugins/sub", "sha": c1}},
        {"name": "live", "source": {"source": "url", "url": "https://github.com/acme/tools.git"}},
    ]
    github.add_repo_from_dir("acme", "market", {
        ".claude-plugin/marketplace.json": json.dumps({"name": "m", "owner": {"name": "A"}, "plugins": plugins}),
        "local/skills/l1/SKILL.md": _skill("l1"),
    })
    use_github(github)
    github.c1 = c1
    return github


def _target_requests(server) -> int:
    """Tree and file downloads from acme/tools (API blobs and raw-host reads)."""
    return (server.count("/repos/acme/tools/git/trees/") + server.count("/repos/acme/tools/git/blobs/")
            + server.count("/_raw/acme/tools/"))


def _same(listing: Listing) -> Listing:
    return dataclasses.replace(listing, fetched_at=None)


def _cold(server) -> tuple[Listing, Path]:
    with SkillStudio() as studio:
        server.reset_counters()
        listing = studio.list_registry(MARKET)
        assert _target_requests(server) == 4  # one tree, three files (SKILL.md x2, plugin.json)
        return listing, studio.paths.cache / "external"


def test_restart_lists_pinned_targets_without_downloads(acme) -> None:
    cold, root = _cold(acme)
    assert [s.qualified_name for s in cold.skills] == ["local:l1", "pinned:tool-a", "subby:tool-b", "live:tool-a"]
    assert len(list((root / "trees").rglob("*.json.gz"))) == 1
    assert len(list((root / "blobs").rglob("*"))) >= 3

    acme.reset_counters()
    with SkillStudio() as studio:  # an app restart on the same SKILL_STUDIO_HOME
        assert isinstance(studio.external_cache, DiskExternalCache)
        warm = studio.list_registry(MARKET)
    assert _target_requests(acme) == 0
    # issue 18: within the re-check interval even the unpinned ref is not asked again
    assert acme.count("/repos/acme/tools/commits/") == 0
    assert _same(warm) == _same(cold)
    tree = warm.trees[("acme/tools", acme.c1)]
    assert {e.path for e in tree.entries} >= set(TOOLS)  # the whole tree, for imports


def test_corrupt_blob_file_is_ignored_deleted_and_fetched_again(acme) -> None:
    cold, root = _cold(acme)
    sha = git_blob_sha(TOOLS["skills/tool-a/SKILL.md"].encode())
    blob = next(p for p in (root / "blobs").rglob(sha))
    blob.write_bytes(b"---\nname: evil\n---\n")

    acme.reset_counters()
    with SkillStudio() as studio:
        warm = studio.list_registry(MARKET)
    assert _target_requests(acme) == 1  # that file only
    assert _same(warm) == _same(cold)
    assert blob.read_bytes() == TOOLS["skills/tool-a/SKILL.md"].encode()  # stored again, verified


def test_corrupt_tree_file_is_ignored_and_fetched_again(acme) -> None:
    cold, root = _cold(acme)
    tree_file = next((root / "trees").rglob("*.json.gz"))
    tree_file.write_bytes(tree_file.read_bytes()[:20])  # truncated gzip stream

    acme.reset_counters()
    with SkillStudio() as studio:
        warm = studio.list_registry(MARKET)
    assert acme.count("/repos/acme/tools/git/trees/") == 1
    assert _target_requests(acme) == 1  # the blobs still come from disk
    assert _same(warm) == _same(cold)
    assert json.loads(gzip.decompress(tree_file.read_bytes()))["commit"] == acme.c1


def test_without_the_cache_nothing_is_written(acme) -> None:
    with SkillStudio(use_cache=False) as studio:
        assert type(studio.external_cache) is ExternalCache
        studio.list_registry(MARKET)
        assert not (studio.paths.cache / "external").exists()


def test_disk_cache_unit_rules(tmp_path) -> None:
    cache = DiskExternalCache(tmp_path, max_disk_blob_bytes=8)
    small, big = b"small", b"x" * 9
    cache.put_blob("github.com", git_blob_sha(small), small)
    cache.put_blob("github.com", git_blob_sha(big), big)
    fresh = DiskExternalCache(tmp_path)  # another process: disk only
    assert fresh.get_blob("GitHub.com", git_blob_sha(small)) == small
    assert fresh.get_blob("github.com", git_blob_sha(big)) is None  # too big for disk
    assert fresh.get_blob("ghe.local", git_blob_sha(small)) is None  # hosts never share entries

    tree = RepoTree("Evil", "..", "a" * 40, (TreeEntry("f", "100644", "blob", "b" * 40, 3),))
    cache.put_tree("github.com", tree)
    files = list(tmp_path.rglob("*.json.gz"))
    assert len(files) == 1 and files[0].is_relative_to(tmp_path / "trees" / "github.com")
    assert ".." not in files[0].relative_to(tmp_path).parts
    assert fresh.get_tree("github.com", "evil/..", "A" * 40) == tree
    assert fresh.get_tree("github.com", "evil/other", "a" * 40) is None
    cache.put_tree("github.com", RepoTree("o", "r", "not-a-sha", ()))  # memory only
    assert not list(tmp_path.rglob("not-a-sha*"))
