#!/usr/bin/env python3
"""Catalogue benchmark (issue 19): the cost of plugin metadata, the spec check and the facets.

For every marketplace snapshot in ``../shared/fixtures/marketplaces/`` it parses the catalog and
discovers the skills offline (as ``tests/test_fixture_discovery.py`` does), then times

  (a) ``parse_catalog`` (plugin metadata included) of the catalog;
  (b) the spec check of every listed skill;
  (c) facet counts, one category filter and a "group by plugin" over the listed skills;
  (d) a sort by each field.

Nothing is asserted: this prints figures (milliseconds, best of ``--repeat``).

Usage::

    .venv/bin/python bench/bench_catalogue.py [--shared ../shared] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from skill_studio.core.catalog import parse_catalog  # noqa: E402
from skill_studio.core.discovery import discover  # noqa: E402
from skill_studio.core.facets import (  # noqa: E402
    SORT_FIELDS,
    facet_counts,
    filter_skills,
    group_by_plugin,
    skill_folder_sizes,
    sort_skills,
)
from skill_studio.core.models import FacetFilter, Listing, RegistrySource, RepoTree, TreeEntry  # noqa: E402
from skill_studio.core.spec_check import check_skill  # noqa: E402


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times) * 1000


def load(base: Path) -> tuple[bytes, str, Listing]:
    meta = json.loads((base / "meta.json").read_text(encoding="utf-8"))
    tree_doc = json.loads((base / "tree.json").read_text(encoding="utf-8"))
    tree = RepoTree(meta["owner"], meta["repo"], meta["commit"],
                    tuple(TreeEntry(e["path"], e["mode"], e["type"], e["sha"], e.get("size")) for e in tree_doc["tree"]))
    files = (base / "files").resolve()

    def fetch(paths: Sequence[str]) -> dict[str, bytes]:
        return {p: (files / p).read_bytes() for p in paths if (files / p).is_file()}

    source = RegistrySource("github.com", meta["owner"], meta["repo"])
    raw = (files / source.catalog_path).read_bytes()
    listing = discover(source, tree, parse_catalog(raw, source.catalog_path), fetch)
    trees = {(f"{tree.owner}/{tree.repo}", tree.commit): tree}
    return raw, source.catalog_path, Listing(listing.source, listing.commit, listing.catalog, listing.skills,
                                             trees=trees)


def measure(raw: bytes, path: str, listing: Listing, repeat: int) -> tuple[list[float], int]:
    """Timings (ms) of one marketplace: catalog, spec, facets, filter, group, sorts, sizes; and the
    number of skills with a spec problem."""
    skills = list(listing.skills)
    counts = facet_counts(skills)
    category = counts.categories[0].value if counts.categories else "none"
    invalid = sum(1 for s in skills if not check_skill(s).valid)
    sizes = skill_folder_sizes(listing)

    def size_of(s: object) -> int | None:
        return sizes.get((s.repo, s.commit, s.path))  # type: ignore[attr-defined]

    return [
        best(lambda: parse_catalog(raw, path), repeat),
        best(lambda: [check_skill(s) for s in skills], repeat),
        best(lambda: facet_counts(skills), repeat),
        best(lambda: filter_skills(skills, FacetFilter(categories=(category,))), repeat),
        best(lambda: group_by_plugin(skills), repeat),
        best(lambda: [sort_skills(skills, f, size_of=size_of) for f in SORT_FIELDS], repeat),
        best(lambda: skill_folder_sizes(listing), repeat),
    ], invalid


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    marketplaces = args.shared / "fixtures" / "marketplaces"
    if not marketplaces.is_dir():
        sys.exit(f"fixtures not found at {marketplaces}")
    head = f"{'marketplace':44} {'skills':>6} {'plugins':>7} {'catalog':>8} {'spec':>7} {'invalid':>7} " \
           f"{'facets':>7} {'filter':>7} {'group':>7} {'sorts':>7} {'sizes':>7}"
    print(head)
    print("-" * len(head))
    for base in sorted(p for p in marketplaces.iterdir() if p.is_dir()):
        raw, path, listing = load(base)
        skills = list(listing.skills)
        if not skills:
            continue
        row, invalid = measure(raw, path, listing, args.repeat)
        plugins = len({s.plugin for s in skills})
        print(f"{base.name:44} {len(skills):>6} {plugins:>7} " + f"{row[0]:>7.1f}m {row[1]:>6.1f}m {invalid:>7} "
              + " ".join(f"{v:>6.1f}m" for v in row[2:]))
    print("\nms, best of", args.repeat, "; 'invalid' = skills with at least one Agent Skills spec problem")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
