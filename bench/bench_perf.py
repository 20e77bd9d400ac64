#!/usr/bin/env python3
"""Before/after performance figures of issue 18, side by side (prints; asserts nothing).

Two source trees are measured in one run against one fake GitHub (``tests/fake_github.py``, in a
child process so its work does not share the client's interpreter lock): **before** = ``src/`` of a
git ref (default: :data:`BEFORE`, ``main`` when issue 18 started) exported to a temporary folder,
**after** = this working tree. Every measurement runs in a fresh interpreter (so start-up, keyring
and peak RSS are those of a real command) with ``PYTHONPATH`` pointing at one side's ``src``.

Measured, per side:

* ``cold CLI``: ``skill-studio browse <jeremylongshore, 307 skills> --json`` on an empty cache at
  ``--latency`` (50 ms): wall time of the whole command, its CPU time (user + system, from
  ``wait4``), peak RSS, requests;
* ``cold API at 0 ms``: ``list_registry`` of the same catalog in process, no latency: wall, CPU
  (``time.process_time``: every thread), requests — median of ``--repeat`` runs; and the naive
  client (one request at a time, REST blobs, no cache) for reference, at 0 ms and at ``--latency``;
* ``warm 8``: after one cold ``browse`` of the eight original shared marketplaces (external plugins
  resolved), a second ``browse`` in a new process within the re-check interval: requests and wall;
  the same without external plugins (``--no-external``);
* ``update --check``: one skill of each of those marketplaces installed, then ``update --check``:
  requests and wall;
* ``start-up``: seconds from a fresh interpreter's first import to a ready github.com client
  (imports, opening the app, resolving the token: the keyring's ~120 ms are now read in the
  background while the database opens).

CPU time and request counts are stable on a loaded machine; wall times are not: the load average
is printed with the figures. ``--system-keyring`` lets commands use the machine's keyring
configuration (on a desktop that reads the real keyring); by default they use the null backend.

Usage::

    python bench/bench_perf.py [--before REF] [--latency 0.05] [--repeat 3] [--system-keyring] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

BEFORE = "4874f50"
"""``main`` when issue 18 started (the core one-home modules landed; no issue-18 change)."""
BIG = "jeremylongshore/claude-code-plugins-plus"
EIGHT = ["anthropics/skills", "anthropics/claude-code", "anthropics/claude-plugins-official",
         "anthropics/knowledge-work-plugins", "obra/superpowers-marketplace",
         "netresearch/claude-code-marketplace", BIG, "wshobson/agents"]
"""The eight original shared marketplaces (``../shared/fixtures/README.md``); four list external plugins."""


# -- child: one in-process measurement -------------------------------------------------------------

def _child_api(base_url: str, slug: str, naive: bool, repeat: int) -> None:
    """Child mode: cold ``list_registry`` of ``slug`` ``repeat`` times; prints JSON lines."""
    try:
        from skill_studio.app.studio import SkillStudio
    except ImportError:  # the 'before' tree
        from skill_studio.core.service import SkillStudio  # type: ignore[no-redef]
    from skill_studio.core.github import GitHubClient
    from skill_studio.core.paths import AppPaths
    from skill_studio.core.sources import parse_registry_source

    source = parse_registry_source(slug)
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="bench-perf-") as tmp:
            paths = AppPaths(Path(tmp) / "data", Path(tmp) / "config", Path(tmp) / "cache")
            if naive:
                studio = SkillStudio(paths, lambda host: GitHubClient(base_url, concurrency=1, raw_concurrency=1,
                                                                      raw_downloads=False), use_cache=False)
            else:
                studio = SkillStudio(paths)
            print("GO", flush=True)
            sys.stdin.readline()  # the parent reset the request counter
            c0, t0 = time.process_time(), time.perf_counter()
            listing = studio.list_registry(source, external=False)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            c1 = time.process_time()
            studio.close()  # waits for the background cache write
            close_cpu = time.process_time() - c1
            print(json.dumps({"skills": len(listing.skills), "wall": wall, "cpu": cpu, "close_cpu": close_cpu}),
                  flush=True)
            sys.stdin.readline()


# -- parent ----------------------------------------------------------------------------------------

class Side:
    """One source tree to measure."""

    def __init__(self, name: str, src: Path, python: str = sys.executable) -> None:
        self.name, self.src, self.python = name, src, python

    def env(self, home: Path, base_url: str, system_keyring: bool) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_TOKEN", "GITHUB_ENTERPRISE_TOKEN")}
        env.update(PYTHONPATH=str(self.src), SKILL_STUDIO_HOME=str(home), SKILL_STUDIO_GITHUB_API=base_url)
        if not system_keyring:
            env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
        return env


def export_ref(ref: str, dest: Path) -> Path:
    """``src/`` of git ``ref`` extracted under ``dest``; returns the ``src`` folder."""
    dest.mkdir(parents=True, exist_ok=True)
    archive = dest / "src.tar"
    with archive.open("wb") as out:
        subprocess.run(["git", "-C", str(ROOT), "archive", ref, "src", "resources"], stdout=out, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(dest, filter="data")
    # The package reads resources/ through skill_studio.resources (an editable-install mapping):
    # link it into the package for the exported tree.
    res = dest / "src" / "skill_studio" / "resources"
    if not res.exists():
        res.symlink_to(dest / "resources", target_is_directory=True)
    return dest / "src"


def export_tree(dest: Path) -> Path:
    """``src/`` and ``resources/`` of this working tree (uncommitted changes included) copied under
    ``dest`` the way :func:`export_ref` lays them out; returns the ``src`` folder."""
    shutil.copytree(ROOT / "src", dest / "src", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copytree(ROOT / "resources", dest / "resources")
    (dest / "src" / "skill_studio" / "resources").symlink_to(dest / "resources", target_is_directory=True)
    return dest / "src"


def compile_side(python: str, src: Path) -> None:
    """Byte-compile ``src`` with ``python``, as ``pip install`` does: the commands then start like an
    installed app's (this machine sets PYTHONDONTWRITEBYTECODE, so nothing would be cached)."""
    subprocess.run([python, "-m", "compileall", "-q", str(src)], check=True, stdout=subprocess.DEVNULL)


def run_cmd(side: Side, env: dict[str, str], args: list[str], server) -> dict[str, float]:
    """One CLI command in a fresh interpreter: wall, CPU (user+sys), peak RSS (MiB), requests."""
    server.reset()
    with tempfile.TemporaryFile() as fout, tempfile.TemporaryFile() as ferr:  # files: a full pipe would block
        t0 = time.perf_counter()
        proc = subprocess.Popen([side.python, "-m", "skill_studio", *args], env=env, stdout=fout, stderr=ferr)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        fout.seek(0)
        ferr.seek(0)
        out, err = fout.read(), ferr.read()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        print(f"[{side.name}] {' '.join(args)} exited {proc.returncode}: {err.decode()[-400:]}", file=sys.stderr)
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "sys": usage.ru_stime, "rss_mib": usage.ru_maxrss / 1024,
            "requests": server.count(), "rc": proc.returncode, "out": out.decode(errors="replace")}


def api_runs(side: Side, server, latency: float, naive: bool, repeat: int, system_keyring: bool) -> dict[str, float]:
    """Median of ``repeat`` in-process cold listings of BIG (child interpreter) at ``latency``."""
    server.latency(latency)
    with tempfile.TemporaryDirectory(prefix="bench-perf-home-") as home:
        env = side.env(Path(home), server.base_url, system_keyring)
        proc = subprocess.Popen([sys.executable, __file__, "--child-api", server.base_url, BIG,
                                 "--naive" if naive else "--optimized", str(repeat)],
                                env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert proc.stdin and proc.stdout
        runs = []
        for _ in range(repeat):
            assert proc.stdout.readline().strip() == "GO"
            server.reset()
            proc.stdin.write("\n")
            proc.stdin.flush()
            fig = json.loads(proc.stdout.readline())
            fig["requests"] = server.count()
            runs.append(fig)
            proc.stdin.write("\n")
            proc.stdin.flush()
        proc.wait(60)
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def keyring_cost(side: Side, system_keyring: bool) -> float:
    """Seconds from a fresh interpreter's first import to a ready github.com client: imports,
    opening the app (database, registries) and resolving the token — what every command pays
    before its first request (the keyring part of it is what issue 18 moves off this path)."""
    code = ("import time; t = time.perf_counter()\n"
            "try:\n    from skill_studio.app.studio import SkillStudio\n"
            "except ImportError:\n    from skill_studio.core.service import SkillStudio\n"
            "s = SkillStudio(); s.client('github.com'); print(time.perf_counter() - t); s.close()")
    with tempfile.TemporaryDirectory() as home:
        env = side.env(Path(home), "http://127.0.0.1:9", system_keyring)
        values = [float(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                       check=True).stdout) for _ in range(3)]
    return statistics.median(values)


def measure_side(side: Side, server, args: argparse.Namespace) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    kr = args.system_keyring
    # cold CLI at the configured latency: median of --repeat commands, each on an empty cache
    server.latency(args.latency)
    runs = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="bench-perf-home-") as home:
            env = side.env(Path(home), server.base_url, kr)
            run_cmd(side, env, ["registry", "add", BIG], server)
            run = run_cmd(side, env, ["browse", BIG, "--json"], server)
            run["skills"] = len(json.loads(run.pop("out"))["registries"][0]["skills"])
            runs.append(run)
    out["cold CLI"] = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    print(f"[{side.name}] cold CLI done", file=sys.stderr, flush=True)
    out["cold API 0 ms"] = api_runs(side, server, 0.0, False, args.repeat, kr)
    out[f"cold API {args.latency * 1000:.0f} ms"] = api_runs(side, server, args.latency, False, args.repeat, kr)
    print(f"[{side.name}] cold API done", file=sys.stderr, flush=True)
    # eight marketplaces: cold, then warm, with and without external plugins; then update --check
    server.latency(args.latency)
    with tempfile.TemporaryDirectory(prefix="bench-perf-home-") as home:
        env = side.env(Path(home), server.base_url, kr)
        for slug in EIGHT:
            run_cmd(side, env, ["registry", "add", slug], server)
        cold = run_cmd(side, env, ["browse", "--json"], server)
        out["8 marketplaces cold"] = {k: v for k, v in cold.items() if k != "out"}
        out["8 warm with externals"] = run_cmd(side, env, ["browse", "--json"], server)
        out["8 warm without externals"] = run_cmd(side, env, ["browse", "--json", "--no-external"], server)
        doc = json.loads(cold.pop("out"))
        imported = 0
        for reg in doc["registries"]:
            for skill in reg["skills"][:3]:  # the first that imports (local names may clash)
                done = run_cmd(side, env, ["import", reg["name"], skill["qualified_name"], "--to", "library",
                                           "--description", "benchmark"], server)
                if done["rc"] == 0:
                    imported += 1
                    break
        out["update --check warm"] = run_cmd(side, env, ["update", "--check", "--json"], server)
        out["update --check warm"].pop("out")
        out["update --check warm"]["skills"] = imported
        for key in ("8 warm with externals", "8 warm without externals"):
            out[key].pop("out", None)
    print(f"[{side.name}] warm done", file=sys.stderr, flush=True)
    out["start-up"] = {"wall": keyring_cost(side, kr)}
    return out


class _Server:
    """bench_browse's server handle plus a latency switch."""

    def __init__(self, latency: float, fixtures: Path) -> None:
        from bench_browse import Server
        self.s = Server(latency, fixtures, in_process=False)
        self.base_url = self.s.base_url

    def reset(self) -> None:
        self.s.reset()

    def count(self) -> int:
        return self.s.count()

    def latency(self, value: float) -> None:
        self.s._ask(f"latency {value}")

    def close(self) -> None:
        self.s.close()


def main(argv: list[str] | None = None) -> int:
    if argv is None and len(sys.argv) > 1 and sys.argv[1] == "--child-api":
        _, _, base_url, slug, mode, repeat = sys.argv
        _child_api(base_url, slug, mode == "--naive", int(repeat))
        return 0
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--before", default=BEFORE, help=f"git ref measured as 'before' (default {BEFORE})")
    p.add_argument("--latency", type=float, default=0.05, help="seconds added to every request (default 0.05)")
    p.add_argument("--repeat", type=int, default=3, help="cold commands and in-process cold listings per side "
                   "(median shown)")
    p.add_argument("--fixtures", type=Path, default=ROOT.parent / "shared" / "fixtures",
                   help="the shared fixtures folder (default: ../shared/fixtures)")
    p.add_argument("--system-keyring", action="store_true", help="commands use the machine's keyring configuration")
    p.add_argument("--only", choices=["before", "after"], help="measure one side only")
    p.add_argument("--json", action="store_true", help="print the figures as JSON too")
    p.add_argument("--python", default=sys.executable,
                   help="interpreter that runs the CLI commands (default: this one). A virtual environment "
                        "made with 'pip install .' has only the runtime dependencies, as a user's has; the dev "
                        "one also has import-linter's rich and click, which httpx imports at start-up (~40 ms)")
    args = p.parse_args(argv)
    if not (args.fixtures / "marketplaces").is_dir():
        print(f"no fixtures at {args.fixtures}", file=sys.stderr)
        return 1
    server = _Server(args.latency, args.fixtures)
    results: dict[str, dict[str, dict[str, float]]] = {}
    load0 = os.getloadavg()[0]
    try:
        with tempfile.TemporaryDirectory(prefix="bench-perf-before-") as tmp:
            sides = []
            if args.only != "after":
                sides.append(Side(f"before ({args.before})", export_ref(args.before, Path(tmp) / "before"),
                                  args.python))
            if args.only != "before":
                sides.append(Side("after", export_tree(Path(tmp) / "after"), args.python))
            for side in sides:
                compile_side(side.python, side.src)
            for side in sides:
                results[side.name] = measure_side(side, server, args)
            naive_side = sides[0]
            results["naive"] = {
                "cold API 0 ms": api_runs(naive_side, server, 0.0, True, args.repeat, args.system_keyring),
                f"cold API {args.latency * 1000:.0f} ms": api_runs(naive_side, server, args.latency, True, 1,
                                                                  args.system_keyring)}
    finally:
        server.close()
    print_table(results, args, load0)
    if args.json:
        print(json.dumps(results, indent=2))
    return 0


def print_table(results: dict[str, dict[str, dict[str, float]]], args: argparse.Namespace, load0: float) -> None:
    names = [n for n in results if n != "naive"]
    print(f"latency {args.latency * 1000:.0f} ms per request; {os.cpu_count()} CPUs; load average "
          f"{load0:.1f} → {os.getloadavg()[0]:.1f}; Python {sys.version.split()[0]} ({args.python}); medians of "
          f"{args.repeat} runs (the naive client at {args.latency * 1000:.0f} ms: one); CPU = user+system of the "
          "whole process")
    print("| measurement | figure | " + " | ".join(names) + " |")
    print("|---|---|" + "---|" * len(names))
    lat = f"{args.latency * 1000:.0f} ms"
    rows = [("cold CLI", "wall s", "wall", "{:.2f}"), ("cold CLI", "CPU s", "cpu", "{:.2f}"),
            ("cold CLI", "peak RSS MiB", "rss_mib", "{:.0f}"), ("cold CLI", "requests", "requests", "{:.0f}"),
            ("cold API 0 ms", "wall s", "wall", "{:.2f}"), ("cold API 0 ms", "CPU s", "cpu", "{:.2f}"),
            ("cold API 0 ms", "CPU s of the cache write (close)", "close_cpu", "{:.3f}"),
            (f"cold API {lat}", "wall s", "wall", "{:.2f}"), (f"cold API {lat}", "CPU s", "cpu", "{:.2f}"),
            ("8 marketplaces cold", "requests", "requests", "{:.0f}"), ("8 marketplaces cold", "wall s", "wall", "{:.2f}"),
            ("8 warm with externals", "requests", "requests", "{:.0f}"),
            ("8 warm with externals", "wall s", "wall", "{:.2f}"),
            ("8 warm without externals", "requests", "requests", "{:.0f}"),
            ("update --check warm", "requests", "requests", "{:.0f}"), ("update --check warm", "wall s", "wall", "{:.2f}"),
            ("start-up", "to a ready client s", "wall", "{:.3f}")]
    for what, label, key, fmt in rows:
        cells = []
        for n in names:
            v = results[n].get(what, {}).get(key)
            cells.append(fmt.format(v) if v is not None else "-")
        print(f"| {what} | {label} | " + " | ".join(cells) + " |")
    naive = results.get("naive", {})
    for what in ("cold API 0 ms", f"cold API {lat}"):
        nv = naive.get(what)
        if not nv:
            continue
        ratios = []
        for n in names:
            mine = results[n].get(what, {}).get("wall")
            ratios.append(f"{nv['wall'] / mine:.1f}x" if mine else "-")
        print(f"| {what} | naive client wall s {nv['wall']:.2f} (CPU {nv['cpu']:.2f}, {nv['requests']:.0f} req): "
              "speed-up | " + " | ".join(ratios) + " |")


if __name__ == "__main__":
    raise SystemExit(main())
