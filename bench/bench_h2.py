#!/usr/bin/env python3
"""HTTP/2 or HTTP/1.1 to the raw file host? (issue 18, Deliver §1; prints, asserts nothing.)

A cold browse of the 307-skill catalog (jeremylongshore/claude-code-plugins-plus) downloads ~577
small raw files (SKILL.md, plugin.json). This bench downloads exactly those files, side by side in
one run, with several clients, against one raw file host that speaks both protocols:

* the host is Hypercorn (an ASGI server on the ``h2``/``h11`` libraries) in a child process, over
  TLS with a throw-away certificate authority (``trustme``) and ALPN offering ``h2`` and
  ``http/1.1`` (as raw.githubusercontent.com does), at most 100 concurrent streams per HTTP/2
  connection (as GitHub's raw host advertises); every answer waits ``latency`` seconds first
  (50 ms and 0 ms are measured). It serves the same bytes as ``tests/fake_github.py`` serves for
  ``/_raw/{owner}/{repo}/{sha}/{path}``: the list of files is what a cold listing through the
  app (``SkillStudio.list_registry``) asked the fake GitHub for, read from its request log;
* clients (each one fresh per run, so connection set-up and TLS handshakes are counted):

  - ``app raw path``: :meth:`GitHubClient._raw_get` as a cold browse calls it (urllib3, HTTP/1.1,
    ``RAW_CONCURRENCY`` threads and connections, the retry loop, deadlines and size cap included);
  - ``urllib3 h1 xN``: a bare urllib3 pool of N connections, N threads (today's transport alone);
  - ``httpx h1 xN``: httpx over HTTP/1.1, N connections, N threads (reference);
  - ``httpx h2 1 conn, N threads``: one ``httpx.Client(http2=True)`` shared by N threads: one
    connection, up to min(N, 100) streams in flight;
  - ``httpx h2 K conns, N threads``: K such clients, the threads spread over them.

Figures per client, median of ``--repeat`` runs after one warm-up run: wall seconds for all files,
client CPU seconds (``time.process_time``: every thread of this process; the host runs in another),
connections the host saw opened (distinct client ports) and the protocol it saw. Connection
set-up latency is not modelled (the host adds latency per request): on a real network every
HTTP/1.1 connection pays its TCP + TLS round trips once, in parallel, as the one HTTP/2 connection
does, so the wall figures compare fairly; the CPU of every handshake is measured.

CPU figures are stable on a loaded machine; wall figures at 0 ms are bounded by the host's own
CPU (a Python server on the same 2 cores) and are the noisier ones.

Needs the ``bench`` extra: ``pip install -e '.[bench]'`` (hypercorn, trustme, httpx[http2]).

Usage::

    python bench/bench_h2.py [--latency 0.05 0] [--repeat 3] [--fixtures DIR] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

BIG = "jeremylongshore/claude-code-plugins-plus"
MAX_STREAMS = 100
"""Concurrent streams per HTTP/2 connection the host allows (GitHub's raw host: 100)."""


def default_fixtures() -> Path:
    return ROOT.parent / "shared" / "fixtures"


# -- the host (child process) ----------------------------------------------------------------------

def raw_files(fixtures: Path) -> dict[str, bytes]:
    """``{raw request path: body}`` of every raw file a cold listing of :data:`BIG` asks for, as
    the fake GitHub serves them (one cold ``list_registry`` through the app, read from its log)."""
    from fake_github import FakeGitHub

    from skill_studio.app.studio import SkillStudio
    from skill_studio.core.github import GitHubClient
    from skill_studio.core.paths import AppPaths
    from skill_studio.core.sources import parse_registry_source

    with FakeGitHub() as gh, tempfile.TemporaryDirectory(prefix="bench-h2-") as tmp:
        gh.add_fixtures(fixtures)
        paths = AppPaths(Path(tmp) / "data", Path(tmp) / "config", Path(tmp) / "cache")
        studio = SkillStudio(paths, lambda host: GitHubClient(gh.base_url), use_cache=False)
        try:
            studio.list_registry(parse_registry_source(BIG), external=False)
        finally:
            studio.close()
        files: dict[str, bytes] = {}
        for rec in gh.requests:
            if rec.path.startswith("/_raw/") and rec.status == 200:
                files[rec.path] = gh._raw_download(rec.path.partition("?")[0], None).body
    return files


def serve(fixtures: Path, files_out: Path, cert_dir: Path) -> None:
    """Child: build the file list, write it to ``files_out`` (JSON list of paths) and the CA to
    ``cert_dir/ca.pem``, start Hypercorn on 127.0.0.1 (TLS + ALPN h2/http1.1), print ``PORT n``,
    then answer stdin commands: ``latency X`` → ``OK``; ``reset`` → ``OK`` (forget counters);
    ``stats`` → ``STATS {"requests": n, "connections": n, "protocols": {...}}``; ``quit``."""
    import trustme
    from hypercorn.asyncio import serve as hc_serve
    from hypercorn.config import Config

    files = raw_files(fixtures)
    files_out.write_text(json.dumps(sorted(files)))
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    ca.cert_pem.write_to_path(str(cert_dir / "ca.pem"))
    cert.private_key_pem.write_to_path(str(cert_dir / "key.pem"))
    cert.cert_chain_pems[0].write_to_path(str(cert_dir / "cert.pem"))

    state = {"latency": 0.0, "requests": 0, "conns": set(), "protocols": {}}

    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] == "lifespan":
            while True:
                msg = await receive()
                if msg["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif msg["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        state["requests"] += 1
        state["conns"].add(tuple(scope.get("client") or ()))
        proto = scope.get("http_version", "?")
        state["protocols"][proto] = state["protocols"].get(proto, 0) + 1
        if state["latency"]:
            await asyncio.sleep(state["latency"])
        body = files.get(scope["raw_path"].decode())
        if body is None:
            await send({"type": "http.response.start", "status": 404, "headers": [(b"content-length", b"0")]})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    async def main() -> None:
        config = Config()
        config.bind = ["127.0.0.1:0"]
        config.certfile = str(cert_dir / "cert.pem")
        config.keyfile = str(cert_dir / "key.pem")
        config.alpn_protocols = ["h2", "http/1.1"]
        config.h2_max_concurrent_streams = MAX_STREAMS
        config.keep_alive_timeout = 60
        config.backlog = 512
        config.accesslog = None
        config.errorlog = "-" if os.environ.get("BENCH_H2_DEBUG") else None
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        # A free port, then Hypercorn binds it (it does not report the port of a ":0" bind).
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        config.bind = [f"127.0.0.1:{port}"]

        def commands() -> None:
            for line in sys.stdin:
                cmd, _, arg = line.strip().partition(" ")
                if cmd == "latency":
                    state["latency"] = float(arg)
                    print("OK", flush=True)
                elif cmd == "reset":
                    state.update(requests=0, conns=set(), protocols={})
                    print("OK", flush=True)
                elif cmd == "stats":
                    print("STATS " + json.dumps({"requests": state["requests"], "connections": len(state["conns"]),
                                                 "protocols": state["protocols"]}), flush=True)
                elif cmd == "quit":
                    break
            loop.call_soon_threadsafe(stop.set)

        server = asyncio.ensure_future(hc_serve(app, config, shutdown_trigger=stop.wait))  # type: ignore[arg-type]
        for _ in range(100):  # until it listens
            await asyncio.sleep(0.05)
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                continue
        print(f"PORT {port}", flush=True)
        threading.Thread(target=commands, daemon=True).start()
        await server

    asyncio.run(main())


class Host:
    """The parent's handle on the raw host child."""

    def __init__(self, fixtures: Path, tmp: Path) -> None:
        self.files_path = tmp / "files.json"
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(fixtures), str(self.files_path), str(tmp)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if not line.startswith("PORT "):
            raise SystemExit("the raw host did not start")
        self.origin = f"https://127.0.0.1:{int(line.split()[1])}"
        self.ca = str(tmp / "ca.pem")
        self.paths: list[str] = json.loads(self.files_path.read_text())

    def ask(self, cmd: str) -> str:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(cmd + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def stats(self) -> dict:
        return json.loads(self.ask("stats").partition(" ")[2])

    def close(self) -> None:
        try:
            assert self.proc.stdin
            self.proc.stdin.write("quit\n")
            self.proc.stdin.flush()
            self.proc.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()


# -- the clients -----------------------------------------------------------------------------------

Getter = Callable[[str], bytes]


class Client:
    """One client configuration: ``open()`` → (getter, closer), fresh connections each time."""

    def __init__(self, name: str, threads: int, open_: Callable[[], tuple[list[Getter], Callable[[], None]]]) -> None:
        self.name, self.threads, self._open = name, threads, open_

    def run(self, urls: list[str]) -> dict[str, float]:
        """Download every URL with ``threads`` threads (getters spread round-robin); wall, CPU."""
        getters, close = self._open()
        errors: list[str] = []

        def one(i: int, url: str) -> bytes:
            for _ in range(3):  # a failed request is retried (as the app does) and counted
                try:
                    return getters[i % len(getters)](url)
                except Exception as exc:  # noqa: BLE001 - a bench counts failures, whatever they are
                    errors.append(f"{type(exc).__name__}: {exc}")
            return b""

        pool = ThreadPoolExecutor(self.threads)
        try:
            list(pool.map(lambda _: None, range(self.threads * 2)))  # threads started before timing
            c0, t0 = time.process_time(), time.perf_counter()
            bodies = list(pool.map(one, range(len(urls)), urls))
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        finally:
            pool.shutdown()
            close()
        if errors:
            print(f"{self.name}: {len(errors)} failed requests, e.g. {errors[0]}", file=sys.stderr, flush=True)
        return {"wall": wall, "cpu": cpu, "bytes": sum(len(b) for b in bodies), "errors": len(errors),
                "missing": sum(1 for b in bodies if not b)}


def clients(ca: str) -> list[Client]:
    import ssl

    import httpx
    import urllib3

    from skill_studio.core import github

    ctx = ssl.create_default_context(cafile=ca)
    github._ssl_context().load_verify_locations(ca)  # the app's shared context trusts the bench's CA

    def app_raw(n: int) -> Client:
        def open_() -> tuple[list[Getter], Callable[[], None]]:
            gh = github.GitHubClient("https://127.0.0.1:1/api/v3", raw_concurrency=n)
            return [lambda url: gh._raw_get(url, "a raw file")], gh.close
        return Client(f"app raw path (urllib3 h1, {n} conns)", n, open_)

    def urllib3_h1(n: int) -> Client:
        def open_() -> tuple[list[Getter], Callable[[], None]]:
            pm = urllib3.PoolManager(maxsize=n, ssl_context=ctx, retries=False,
                                     headers={"Accept-Encoding": "gzip, deflate"})
            return [lambda url: pm.request("GET", url).data], pm.clear
        return Client(f"urllib3 h1, {n} conns", n, open_)

    def httpx_client(http2: bool, conns: int, threads: int) -> Client:
        def open_() -> tuple[list[Getter], Callable[[], None]]:
            per = max(1, threads // conns) if not http2 else 1
            cs = [httpx.Client(http2=http2, http1=True, verify=ctx,
                               limits=httpx.Limits(max_connections=per, max_keepalive_connections=per))
                  for _ in range(conns)]

            def getter(c: httpx.Client) -> Getter:
                return lambda url: c.get(url).content

            def close() -> None:
                for c in cs:
                    c.close()
            return [getter(c) for c in cs], close
        if http2:
            name = f"httpx h2, {conns} conn{'s' if conns > 1 else ''}, {threads} threads"
        else:
            name = f"httpx h1, {threads} conns"
        return Client(name, threads, open_)

    return [
        app_raw(github.RAW_CONCURRENCY),
        urllib3_h1(48), urllib3_h1(64), urllib3_h1(96),
        httpx_client(False, 1, 48),
        httpx_client(True, 1, 48), httpx_client(True, 1, 100), httpx_client(True, 1, 200),
        httpx_client(True, 2, 200), httpx_client(True, 4, 200),
    ]


def measure(host: Host, latencies: list[float], repeat: int) -> dict[str, dict[str, dict[str, float]]]:
    urls = [host.origin + p for p in host.paths]
    results: dict[str, dict[str, dict[str, float]]] = {}
    for client in clients(host.ca):
        results[client.name] = {}
        for lat in latencies:
            host.ask(f"latency {lat}")
            client.run(urls)  # warm-up: imports, code paths
            runs = []
            for _ in range(repeat):
                host.ask("reset")
                fig = client.run(urls)
                st = host.stats()
                fig.update(connections=st["connections"], requests=st["requests"])
                fig["protocol"] = ",".join(sorted(st["protocols"]))  # type: ignore[assignment]
                runs.append(fig)
            key = f"{lat * 1000:.0f} ms"
            results[client.name][key] = {
                k: (statistics.median(r[k] for r in runs) if k != "protocol" else runs[0][k]) for k in runs[0]}
            print(f"{client.name} @ {key}: {results[client.name][key]}", file=sys.stderr, flush=True)
    return results


def print_table(results: dict[str, dict[str, dict[str, float]]], latencies: list[float], n_files: int,
                repeat: int, load: tuple[float, float]) -> None:
    print(f"{n_files} raw files of {BIG} over TLS from a loopback Hypercorn host; medians of {repeat} runs; "
          f"{os.cpu_count()} CPUs, load average {load[0]:.1f} → {load[1]:.1f}; Python {sys.version.split()[0]}")
    keys = [f"{lat * 1000:.0f} ms" for lat in latencies]
    head = "| client | protocol | connections | " + " | ".join(f"wall s @{k} | CPU s @{k}" for k in keys) + " |"
    print(head)
    print("|---|---|---|" + "---|---|" * len(keys))
    for name, per in results.items():
        first = per[keys[0]]
        cells = " | ".join(f"{per[k]['wall']:.2f} | {per[k]['cpu']:.2f}" for k in keys)
        print(f"| {name} | {first['protocol']} | {first['connections']:.0f} | {cells} |")


def main(argv: list[str] | None = None) -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        serve(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))
        return 0
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--latency", type=float, nargs="+", default=[0.05, 0.0],
                   help="seconds added to every answer; several are measured side by side (default 0.05 0)")
    p.add_argument("--repeat", type=int, default=3, help="timed runs per client and latency (median shown)")
    p.add_argument("--fixtures", type=Path, default=default_fixtures(), help="the shared fixtures folder")
    p.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = p.parse_args(argv)
    if not (args.fixtures / "marketplaces" / BIG.replace("/", "__")).is_dir():
        print(f"no fixture of {BIG} under {args.fixtures}", file=sys.stderr)
        return 1
    load0 = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-h2-") as tmp:
        host = Host(args.fixtures, Path(tmp))
        try:
            results = measure(host, args.latency, args.repeat)
        finally:
            host.close()
    print_table(results, args.latency, len(host.paths), args.repeat, (load0, os.getloadavg()[0]))
    if args.json:
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
