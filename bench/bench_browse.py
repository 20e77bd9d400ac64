#!/usr/bin/env python3
"""Browse/import benchmark against the fake GitHub server (issue 6, R-NET-1/4, R-DIS-5).

For every marketplace snapshot in ``../shared/fixtures/marketplaces/`` it measures requests and wall
time of

  (a) a cold browse  — empty cache, ``SkillStudio.list_registry``;
  (b) a warm browse  — a new ``SkillStudio`` (an app restart) on the same cache, registry unchanged;
  (c) a cold import  — the registry's largest skill (most files) into an empty Skill Library, right
      after the cold browse;
  (d) the same cold and warm browse with external plugin sources resolved (issue 9; the optimized
      configuration only): the registry's own listing comes from the cache when warm; unpinned
      external refs are resolved again, and trees/files of known commits come from the disk cache
      (``core.external_cache``); targets that do not exist are asked again;

(a)-(c) list the registry's own plugins (``external=False``), as R-NET-4's one-request rule is about
the registry itself;

once with the real configuration (bounded concurrency, raw downloads, listing + ETag cache) and once
with the naive baseline (one request at a time, REST blob endpoint, no cache), then prints a table
and the ratios. Nothing is asserted: this prints figures.

Request counts include everything sent: on a cold browse the plugin.json files are requested from
the raw host while the tree downloads (before anyone knows whether they exist), so a catalog whose
plugins lack plugin.json shows a few more requests than the naive baseline.

The fake server (``tests/fake_github.py``) runs in a child process, as GitHub is a remote machine:
its request handling then does not compete with the client for the interpreter lock. Every request
waits ``--latency`` seconds (50 ms by default) before it is answered. Each fixture is touched once
before timing so the server's lazy snapshot loading is not counted.

Usage::

    python bench/bench_browse.py [--latency 0.05] [--fixtures DIR] [--only NAME] [--in-process]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(TESTS))


def default_fixtures() -> Path:
    return ROOT.parent / "shared" / "fixtures"


# -- the server side (child process) ---------------------------------------------------------------

def serve(latency: float, fixtures: Path) -> None:
    """Child: start the fake server with every fixture, print ``PORT n``, then answer commands on
    stdin: ``count`` → ``COUNT n``, ``reset`` → ``OK``, ``latency X`` → ``OK``, ``quit``."""
    import httpx

    from fake_github import FakeGitHub

    with FakeGitHub() as gh:
        repos = gh.add_fixtures(fixtures)
        with httpx.Client(base_url=gh.base_url, timeout=60) as warm:  # load every snapshot now
            for slug in repos:
                sha = warm.get(f"/repos/{slug}/commits/HEAD", headers={"Accept": "application/vnd.github.sha"}).text
                warm.get(f"/repos/{slug}/git/trees/{sha}", params={"recursive": "1"})
        gh.reset_counters()
        gh.latency = latency
        print(f"PORT {gh.port}", flush=True)
        for line in sys.stdin:
            cmd, _, arg = line.strip().partition(" ")
            if cmd == "count":
                print(f"COUNT {gh.request_count}", flush=True)
            elif cmd == "reset":
                gh.reset_counters()
                print("OK", flush=True)
            elif cmd == "latency":
                gh.latency = float(arg)
                print("OK", flush=True)
            elif cmd == "quit":
                break


class Server:
    """Parent's handle on the fake server: in a child process, or in process with ``--in-process``."""

    def __init__(self, latency: float, fixtures: Path, in_process: bool) -> None:
        self.proc: subprocess.Popen[str] | None = None
        self.gh = None
        if in_process:
            from fake_github import FakeGitHub

            self.gh = FakeGitHub().start()
            self.gh.add_fixtures(fixtures)
            self.gh.latency = latency
            self.base_url = self.gh.base_url
            return
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve", "--latency", str(latency), "--fixtures", str(fixtures)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if not line.startswith("PORT "):
            raise SystemExit("the fake server did not start")
        self.base_url = f"http://127.0.0.1:{int(line.split()[1])}"

    def _ask(self, cmd: str) -> str:
        assert self.proc and self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(cmd + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def count(self) -> int:
        if self.gh is not None:
            return self.gh.request_count
        return int(self._ask("count").split()[1])

    def reset(self) -> None:
        if self.gh is not None:
            self.gh.reset_counters()
        else:
            self._ask("reset")

    def close(self) -> None:
        if self.gh is not None:
            self.gh.stop()
        if self.proc is not None:
            try:
                assert self.proc.stdin
                self.proc.stdin.write("quit\n")
                self.proc.stdin.flush()
                self.proc.wait(10)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()


# -- the client side -------------------------------------------------------------------------------

@dataclass
class Figures:
    skills: int = 0
    cold_req: int = 0
    cold_s: float = 0.0
    warm_req: int = 0
    warm_s: float = 0.0
    warm_offline: bool = False
    import_files: int = 0
    import_req: int = 0
    import_s: float = 0.0
    ext_skills: int = 0
    ext_cold_req: int = 0
    ext_cold_s: float = 0.0
    ext_warm_req: int = 0
    ext_warm_s: float = 0.0


def measure(server: Server, slug: str, naive: bool) -> Figures:
    from skill_studio.app.studio import SkillStudio, skill_files
    from skill_studio.core.github import GitHubClient
    from skill_studio.core.models import Destination, ImportOptions
    from skill_studio.core.paths import AppPaths
    from skill_studio.core.sources import parse_registry_source

    source = parse_registry_source(slug)
    fig = Figures()
    with tempfile.TemporaryDirectory(prefix="bench-browse-") as tmp:
        paths = AppPaths(Path(tmp) / "data", Path(tmp) / "config", Path(tmp) / "cache")

        def open_studio() -> SkillStudio:
            if naive:
                return SkillStudio(paths, lambda host: GitHubClient(server.base_url, concurrency=1, raw_concurrency=1,
                                                                    raw_downloads=False), use_cache=False)
            return SkillStudio(paths)  # default factory: SKILL_STUDIO_GITHUB_API → the fake server

        studio = open_studio()
        try:
            server.reset()
            t = time.perf_counter()
            listing = studio.list_registry(source, external=False)
            fig.cold_s = time.perf_counter() - t
            fig.cold_req = server.count()
            fig.skills = len(listing.skills)
            if listing.skills:
                tree = listing.trees[(listing.skills[0].repo, listing.commit)]
                skill = max(listing.skills, key=lambda s: (len(skill_files(tree, s.path)), s.path))
                fig.import_files = len(skill_files(tree, skill.path))
                server.reset()
                t = time.perf_counter()
                studio.import_skill(listing, skill, Destination.LIBRARY,
                                    ImportOptions(description=skill.description or "benchmark"))
                fig.import_s = time.perf_counter() - t
                fig.import_req = server.count()
        finally:
            studio.close()
        studio = open_studio()  # an app restart: only the disk cache survives
        try:
            server.reset()
            t = time.perf_counter()
            warm = studio.list_registry(source, external=False)
            fig.warm_s = time.perf_counter() - t
            fig.warm_req = server.count()
            fig.warm_offline = warm.offline
        finally:
            studio.close()
        if naive:
            return fig
        # With external plugin sources resolved (issue 9): a cold app, then a restarted one on the
        # same disk cache (the registry's listing and the targets' trees/files by SHA are cached).
        shutil.rmtree(paths.cache, ignore_errors=True)  # cold again
        for attr in ("ext_cold", "ext_warm"):
            studio = open_studio()
            try:
                server.reset()
                t = time.perf_counter()
                full = studio.list_registry(source)
                setattr(fig, f"{attr}_s", time.perf_counter() - t)
                setattr(fig, f"{attr}_req", server.count())
                fig.ext_skills = len(full.skills)
            finally:
                studio.close()
    return fig


def median_figures(runs: list[Figures]) -> Figures:
    """Per-field median over runs (request counts are the same in every run)."""
    out = Figures()
    for name in Figures.__dataclass_fields__:
        values = sorted(getattr(r, name) for r in runs)
        setattr(out, name, values[len(values) // 2])
    return out


def ratio(a: float, b: float) -> str:
    return f"{a / b:.1f}x" if b > 0 else "-"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--latency", type=float, default=0.05, help="seconds added to every request (default 0.05)")
    p.add_argument("--fixtures", type=Path, default=default_fixtures(), help="the shared fixtures folder")
    p.add_argument("--only", action="append", default=[], help="only fixtures whose folder name contains this")
    p.add_argument("--in-process", action="store_true", help="run the fake server in this process")
    p.add_argument("--repeat", type=int, default=3, help="runs of the optimized configuration; the median "
                   "time is shown (default 3; the naive baseline runs once)")
    p.add_argument("--json", action="store_true", help="print the figures as JSON too")
    p.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.serve:
        serve(args.latency, args.fixtures)
        return 0
    market = args.fixtures / "marketplaces"
    if not market.is_dir():
        print(f"no fixtures at {market}", file=sys.stderr)
        return 1
    folders = sorted(d for d in market.iterdir() if (d / "meta.json").is_file()
                     and (not args.only or any(o in d.name for o in args.only)))
    server = Server(args.latency, args.fixtures, args.in_process)
    os.environ["SKILL_STUDIO_GITHUB_API"] = server.base_url
    for var in ("GITHUB_TOKEN", "GITHUB_ENTERPRISE_TOKEN"):
        os.environ.pop(var, None)
    os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")  # never the user's keyring
    from skill_studio.core import auth

    auth.keyring_available()  # load the keyring backend once, as the app does at start-up
    rows = []
    try:
        for folder in folders:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
            slug = f"{meta['owner']}/{meta['repo']}"
            runs = [measure(server, slug, naive=False) for _ in range(max(1, args.repeat))]
            opt = median_figures(runs)
            base = measure(server, slug, naive=True)
            rows.append((folder.name, opt, base))
            print(f"measured {folder.name}", file=sys.stderr, flush=True)
    finally:
        server.close()

    headers = ["fixture", "skills", "cold req", "cold s", "warm req", "warm s", "import files", "import req",
               "import s", "naive cold req", "naive cold s", "naive warm req", "naive warm s", "naive import s",
               "cold speed-up", "warm speed-up", "import speed-up",
               "skills with externals", "ext cold req", "ext cold s", "ext warm req", "ext warm s"]
    table = [[name, str(o.skills), str(o.cold_req), f"{o.cold_s:.2f}", str(o.warm_req), f"{o.warm_s:.3f}",
              str(o.import_files), str(o.import_req), f"{o.import_s:.2f}", str(b.cold_req), f"{b.cold_s:.2f}",
              str(b.warm_req), f"{b.warm_s:.2f}", f"{b.import_s:.2f}", ratio(b.cold_s, o.cold_s),
              ratio(b.warm_s, o.warm_s), ratio(b.import_s, o.import_s),
              str(o.ext_skills), str(o.ext_cold_req), f"{o.ext_cold_s:.2f}", str(o.ext_warm_req),
              f"{o.ext_warm_s:.2f}"] for name, o, b in rows]
    print(f"latency {args.latency * 1000:.0f} ms per request; median of {max(1, args.repeat)} runs; server "
          f"{'in process' if args.in_process else 'in a child process'}; "
          f"{os.cpu_count()} CPUs; Python {sys.version.split()[0]}")
    print("| " + " | ".join(headers) + " |")
    print("|" + "|".join("---" for _ in headers) + "|")
    for r in table:
        print("| " + " | ".join(r) + " |")
    if args.json:
        print(json.dumps([{"fixture": n, "optimized": o.__dict__, "naive": b.__dict__} for n, o, b in rows], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
