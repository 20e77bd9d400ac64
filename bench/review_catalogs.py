#!/usr/bin/env python3
"""Security review over the real marketplace snapshots (issue 14): counts per rule and risk.

For every marketplace in ``../shared/fixtures/marketplaces/`` it takes the skills of
``expected-external.json`` (external sources resolved), reads each skill folder from the snapshot
of the repository it comes from (``marketplaces/`` or ``external/``: ``tree.json`` + ``files/``),
exactly as the fake GitHub server serves it — a blob absent from ``files/`` is the text
``placeholder: <path>\\n`` — and runs :func:`skill_studio.core.review.review_skill`.

Prints, per marketplace, skills / risk levels / time, then the totals per rule (findings and
skills) and per risk level over the unique skill folders, and with ``--show high`` (or ``medium``,
``low``) every finding of that severity, to read them. Nothing is asserted.

With ``--app NAME`` it instead measures the app's background job on one marketplace (folder name
contains NAME): the fake GitHub server in this process serves the snapshots, a fresh
``SkillStudio`` lists the registry (external sources resolved) and ``app.review.review_listing``
reviews every skill, downloading its files — then once more from the review cache (a second
browse of the same commit, or a restart). Prints seconds and requests of both runs.

Usage::

    python bench/review_catalogs.py [--fixtures DIR] [--show high] [--rule RULE] [--only NAME]
    python bench/review_catalogs.py --app jeremylongshore
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from skill_studio.core.models import TreeEntry  # noqa: E402
from skill_studio.core.review import RISK_LEVELS, RULES, Review, files_from_tree, review_skill  # noqa: E402


class Snapshot:
    """One repository snapshot folder, read as the fake server would serve it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._entries: list[TreeEntry] | None = None

    @property
    def entries(self) -> list[TreeEntry]:
        if self._entries is None:
            data = json.loads((self.folder / "tree.json").read_bytes())
            self._entries = [TreeEntry(e["path"], e["mode"], e["type"], e["sha"], e.get("size"))
                             for e in data["tree"]]
        return self._entries

    def fetch(self, entry: TreeEntry) -> bytes:
        path = self.folder / "files" / entry.path
        if path.is_file():
            return path.read_bytes()
        return f"placeholder: {entry.path}\n".encode()

    def skill_entries(self, folder: str) -> list[TreeEntry]:
        prefix = folder.strip("/") + "/" if folder.strip("/") else ""
        return [e for e in self.entries if e.path.startswith(prefix)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fixtures", type=Path, default=ROOT.parent / "shared" / "fixtures")
    parser.add_argument("--show", choices=("high", "medium", "low"), default=None)
    parser.add_argument("--rule", default=None, help="with --show: only this rule")
    parser.add_argument("--only", default=None, help="only marketplaces whose folder name contains this")
    parser.add_argument("--app", default=None, metavar="NAME",
                        help="measure app.review.review_listing on one marketplace through the fake server")
    args = parser.parse_args(argv)
    base: Path = args.fixtures
    if args.app:
        return bench_app(base, args.app)
    if not (base / "marketplaces").is_dir():
        print(f"no fixtures at {base}", file=sys.stderr)
        return 0
    snapshots: dict[str, Snapshot] = {}
    for group in ("marketplaces", "external"):
        gdir = base / group
        if gdir.is_dir():
            for folder in sorted(gdir.iterdir()):
                if (folder / "meta.json").is_file():
                    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
                    snapshots.setdefault(f"{meta['owner']}/{meta['repo']}".lower(), Snapshot(folder))

    reviews: dict[tuple[str, str], Review] = {}
    per_market: list[tuple[str, int, Counter[str], float]] = []
    listed = 0
    t_all = time.perf_counter()
    for folder in sorted((base / "marketplaces").iterdir()):
        if args.only and args.only not in folder.name:
            continue
        expected = folder / "expected-external.json"
        if not expected.is_file():
            expected = folder / "expected.json"
        skills = json.loads(expected.read_text(encoding="utf-8"))["skills"]
        risks: Counter[str] = Counter()
        t0 = time.perf_counter()
        for s in skills:
            repo = (s.get("repo") or folder.name.replace("__", "/")).lower()
            key = (repo, s["path"])
            if key not in reviews:
                snap = snapshots.get(repo)
                if snap is None:
                    continue
                reviews[key] = review_skill(files_from_tree(snap.skill_entries(s["path"]), s["path"], snap.fetch))
            risks[reviews[key].risk] += 1
            listed += 1
        per_market.append((folder.name, len(skills), risks, time.perf_counter() - t0))
    elapsed = time.perf_counter() - t_all

    print(f"{'MARKETPLACE':45} {'SKILLS':>6} " + " ".join(f"{r:>6}" for r in RISK_LEVELS) + "  SECONDS")
    for name, n, risks, secs in per_market:
        print(f"{name:45} {n:6d} " + " ".join(f"{risks[r]:6d}" for r in RISK_LEVELS) + f"  {secs:7.2f}")
    files = sum(len(r.files) for r in reviews.values())
    print(f"\n{listed} listed skills, {len(reviews)} unique skill folders, {files} files, "
          f"{elapsed:.2f} s ({1000 * elapsed / max(1, len(reviews)):.1f} ms per folder)\n")

    risk_total = Counter(r.risk for r in reviews.values())
    print("Risk over unique skill folders: " + ", ".join(f"{r} {risk_total[r]}" for r in RISK_LEVELS))
    by_rule: Counter[str] = Counter()
    by_rule_sev: Counter[tuple[str, str]] = Counter()
    skills_with: Counter[str] = Counter()
    for r in reviews.values():
        for f in r.findings:
            by_rule[f.rule] += 1
            by_rule_sev[(f.rule, f.severity)] += 1
        for rule in {f.rule for f in r.findings}:
            skills_with[rule] += 1
    print(f"\n{'RULE':18} {'FINDINGS':>8} {'SKILLS':>6} {'HIGH':>6} {'MEDIUM':>6} {'LOW':>6}")
    for rule in RULES:
        print(f"{rule:18} {by_rule[rule]:8d} {skills_with[rule]:6d} "
              + " ".join(f"{by_rule_sev[(rule, s)]:6d}" for s in ("high", "medium", "low")))

    if args.show:
        print(f"\nFindings of severity {args.show}:")
        for (repo, path), r in sorted(reviews.items()):
            for f in r.findings:
                if f.severity == args.show and (args.rule is None or f.rule == args.rule):
                    print(f"{repo}:{path}/{f.path}:{f.line}: [{f.rule}] {f.message}")
    return 0


def bench_app(base: Path, name: str) -> int:
    """Time the app's catalog review (downloads + review) cold, then warm from the review cache."""
    import os
    import tempfile

    sys.path.insert(0, str(ROOT / "tests"))
    from fake_github import FakeGitHub
    from skill_studio.app import review as rv
    from skill_studio.app.studio import SkillStudio

    folder = next((f for f in sorted((base / "marketplaces").iterdir()) if name in f.name), None)
    if folder is None:
        print(f"no marketplace matching {name!r}", file=sys.stderr)
        return 1
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as home, FakeGitHub() as gh:
        gh.add_fixtures(base)
        os.environ["SKILL_STUDIO_HOME"] = home
        os.environ["SKILL_STUDIO_GITHUB_API"] = gh.base_url
        with SkillStudio() as studio:
            reg = studio.add_registry(f"{meta['owner']}/{meta['repo']}")
            listing = studio.list_registry(reg)
            listing = studio.resolve_external(listing)
            for label in ("cold", "warm (review cache)"):
                gh.reset_counters()
                t0 = time.perf_counter()
                out = rv.review_listing(studio, listing)
                errors = [s.qualified_name for s in listing.skills if s.qualified_name not in out]
                secs = time.perf_counter() - t0
                risks = Counter(r.risk for r in out.values())
                print(f"{folder.name} {label}: {len(out)} skills reviewed ({len(errors)} failed) in {secs:.2f} s, "
                      f"{gh.request_count} requests; " + ", ".join(f"{k} {risks[k]}" for k in RISK_LEVELS))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
