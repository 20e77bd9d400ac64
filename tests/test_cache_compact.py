"""Issue 18: the listing cache's compact format and its binary-search pruning (core.cache)."""

from __future__ import annotations

import random

from skill_studio.core.cache import _prune_tree
from skill_studio.core.models import RepoTree, TreeEntry


def _slow_prune(tree: RepoTree, folders: set[str], keep: set[str]) -> list[str]:
    out = []
    for e in tree.entries:
        parts = e.path.split("/")
        if e.path in keep or any("/".join(parts[:i]) in folders for i in range(1, len(parts) + 1)):
            out.append(e.path)
    return out


def test_pruning_by_binary_search_keeps_what_the_scan_keeps() -> None:
    rng = random.Random(18)
    names = ["a", "a-b", "a.b", "a0", "b", "skills", "x y", "é"]
    paths = set()
    for _ in range(400):
        paths.add("/".join(rng.choice(names) for _ in range(rng.randint(1, 4))))
    entries = [TreeEntry(p, "100644", "blob", "0" * 40, 1) for p in sorted(paths)]
    tree = RepoTree("o", "r", "c" * 40, tuple(entries))
    for _ in range(50):
        folders = set(rng.sample(sorted(paths), 5)) | {"a", "a/b"}
        keep = {rng.choice(sorted(paths)), "missing/file"}
        fast = [e.path for e in _prune_tree(tree, folders, keep).entries]
        assert fast == _slow_prune(tree, folders, keep)
        shuffled = RepoTree("o", "r", "c" * 40, tuple(rng.sample(entries, len(entries))))
        assert sorted(e.path for e in _prune_tree(shuffled, folders, keep).entries) == fast
    assert _prune_tree(tree, {""}, set()) is tree


def test_by_path_is_built_once_and_ignored_by_equality() -> None:
    tree = RepoTree("o", "r", "c" * 40, (TreeEntry("a", "100644", "blob", "0" * 40, 1),))
    assert tree.by_path() is tree.by_path() and tree.by_path()["a"].size == 1
    twin = RepoTree("o", "r", "c" * 40, tree.entries)
    assert twin == tree and hash(twin) == hash(tree)
