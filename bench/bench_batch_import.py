#!/usr/bin/env python3
"""Batch import wall time, one skill after another vs in parallel (issue 18 §3; prints, asserts nothing).

A synthetic marketplace of ``--skills`` skills (each a SKILL.md plus ``--files`` - 1 small files)
is served by the fake GitHub of ``tests/fake_github.py`` with ``--latency`` seconds added to every
request. The registry is listed once; then ``app.browse.import_all`` imports every skill into the
Skill Library of a fresh home:

* ``sequential`` — ``limit=1``: one skill after another, as ``main`` did before issue 18 (each
  skill's files still download concurrently within the skill);
* ``parallel`` — ``limit=IMPORT_CONCURRENCY``: the downloads of several skills overlap; installs
  stay one at a time in plan order.

The median of ``--repeat`` runs is printed for each, with the request count (the same for both)
and the ratio. Wall times move with the machine's load; the load average is printed too.

Usage::

    python bench/bench_batch_import.py [--skills 20] [--files 3] [--latency 0.05] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")  # never the user's keyring
os.environ["SKILL_STUDIO_NO_BACKGROUND_REVIEW"] = "1"
os.environ.pop("GITHUB_TOKEN", None)

from fake_github import FakeGitHub  # noqa: E402
from skill_studio.app.browse import IMPORT_CONCURRENCY, import_all  # noqa: E402
from skill_studio.app.studio import SkillStudio  # noqa: E402
from skill_studio.core.models import Destination, ImportOptions  # noqa: E402


def market(n: int, files: int) -> dict[str, str]:
    """A marketplace of ``n`` skills with ``files`` files each."""
    out = {".claude-plugin/marketplace.json": json.dumps(
        {"name": "bench-batch", "owner": {"name": "Bench"}, "plugins": [{"name": "kit", "source": "./kit"}]})}
    for i in range(n):
        name = f"skill-{i:03d}"
        out[f"kit/skills/{name}/SKILL.md"] = (f"---\nname: {name}\ndescription: Benchmark skill {i}.\n---\n"
                                              f"# {name}\n\n" + "Body text.\n" * 40)
        for j in range(files - 1):
            out[f"kit/skills/{name}/references/ref-{j}.md"] = f"reference {j} of {name}\n" * 20
    return out


def one_run(server: FakeGitHub, limit: int) -> tuple[float, int]:
    """Seconds and requests of importing every skill with ``limit`` skills at once (fresh home)."""
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as home:
        os.environ["SKILL_STUDIO_HOME"] = home
        with SkillStudio.open() as studio:
            for reg in studio.registries():
                studio.set_registry_enabled(reg.source.url, False)
            studio.add_registry("bench/market")
            listing = studio.list_registry(studio.find_registry("bench-batch"))
            plans = [(s, ImportOptions()) for s in listing.skills]
            server.reset_counters()
            start = time.perf_counter()
            results = import_all(studio, listing, Destination.LIBRARY, plans, lambda d, t: None, limit=limit)
            seconds = time.perf_counter() - start
            failed = [r for r in results if r.error]
            if failed:
                raise SystemExit(f"{len(failed)} imports failed: {failed[0].error}")
            return seconds, server.request_count


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--skills", type=int, default=20)
    p.add_argument("--files", type=int, default=3, help="files per skill, SKILL.md included (default 3)")
    p.add_argument("--latency", type=float, default=0.05, help="seconds added to every request (default 0.05)")
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args(argv)
    server = FakeGitHub().start()
    try:
        server.add_repo_from_dir("bench", "market", market(args.skills, args.files))
        os.environ["SKILL_STUDIO_GITHUB_API"] = server.base_url
        server.latency = args.latency
        rows = {}
        for label, limit in (("sequential (limit 1, as main)", 1), (f"parallel (limit {IMPORT_CONCURRENCY})",
                                                                    IMPORT_CONCURRENCY)):
            runs = [one_run(server, limit) for _ in range(args.repeat)]
            rows[label] = (statistics.median(s for s, _ in runs), runs[0][1])
    finally:
        server.latency = 0
        server.stop()
    print(f"batch import of {args.skills} skills × {args.files} files at {args.latency * 1000:.0f} ms per request; "
          f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}; median of {args.repeat}")
    for label, (seconds, requests) in rows.items():
        print(f"  {label:34s} {seconds:6.2f} s  {requests:4d} requests")
    (seq, _), (par, _) = rows.values()
    print(f"  parallel is {seq / par:.1f}× faster")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
