#!/usr/bin/env python3
"""HTTP/2 or HTTP/1.1 to the raw file host? (issue 18, Deliver §1; prints, asserts nothing.)

A cold browse of the 307-skill catalog (jeremylongshore/claude-code-plugins-plus) downloads ~577
small raw files (SKILL.md, plugin.json; 574 of them from the raw host). This bench downloads exactly
those files, side by side in one run, with several clients, from raw file hosts that speak both
protocols, over TLS with a throw-away certificate authority (``trustme``) and ALPN offering ``h2``
and ``http/1.1`` (as raw.githubusercontent.com does), at most 100 concurrent streams per HTTP/2
connection; every answer waits ``latency`` seconds first (50 ms and 0 ms are measured). The files
are those a cold listing through the app (``SkillStudio.list_registry``) asked the fake GitHub
(``tests/fake_github.py``) for, with the bytes it serves for ``/_raw/{owner}/{repo}/{sha}/{path}``.

Hosts:

* **Hypercorn** (Python, asyncio, the ``h2``/``h11`` libraries) in a child process — always;
* **nginx** (C; Debian's ``nginx-light`` and ``libnginx-mod-http-echo``, whose ``echo_sleep`` adds
  the latency before the static file is sent) when installed: its CPU is a fraction of the
  clients', so its figures show the clients' own limits. Both hosts' CPU per run is printed.

Clients (each one fresh per run, so connection set-up and TLS handshakes are counted):

* ``app raw path``: :meth:`GitHubClient._raw_get` as a cold browse calls it (urllib3, HTTP/1.1, one
  connection per thread, the retry loop, deadline and size cap included), with ``RAW_CONCURRENCY``
  threads (a distant host) and ``FAST_RAW_CONCURRENCY`` (a near one, ``raw_parallelism``);
* ``app raw path over httpx h2``: the same calls through ``GitHubClient``'s httpx path
  (``_request``: same retry loop, deadline and size cap) on an ``HTTPTransport(http2=True)``;
* ``urllib3 h1, N conns``: a bare urllib3 pool of N connections, N threads (today's transport alone);
* ``httpx h1, N conns``: httpx over HTTP/1.1 (reference);
* ``httpx h2, K conn(s), N threads``: K ``httpx.Client(http2=True)`` shared by N threads.

Figures per client, median of ``--repeat`` runs after one warm-up run: wall seconds for all files,
client CPU seconds (``time.process_time``: every thread of this process; the host runs in another),
host CPU seconds, the most connections the host saw in a run (more than one for one HTTP/2 client
means it reconnected after a failure) and the failed requests of all runs (each is retried up to
twice, as the app would; the app's own path retries inside ``_raw_get`` and shows only as extra
connections). Connection set-up latency is not modelled (the host adds latency per request): on a
real network every HTTP/1.1 connection pays its TCP + TLS round trips once, in parallel, as the
one HTTP/2 connection does, so the wall figures compare fairly; the CPU of every handshake is
measured. CPU figures are stable on a loaded machine; wall figures are the noisier ones.

What it showed (issue 18, 2 CPUs): HTTP/2 through httpx (``h2``, pure Python) costs more client CPU
per file than urllib3 over HTTP/1.1 and, the client being bound by the interpreter lock, more wall
time too; httpcore's synchronous HTTP/2 connection shared by many threads also lost requests
("Server disconnected", PROTOCOL_ERROR from nginx). See the README's performance section.

Needs the ``bench`` extra: ``pip install -e '.[bench]'`` (hypercorn, trustme, httpx[http2]).

Usage::

    python bench/bench_h2.py [--latency 0.05 0] [--repeat 3] [--fixtures DIR] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
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
from typing import Any
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

BIG = "jeremylongshore/claude-code-plugins-plus"
MAX_STREAMS = 100
"""Concurrent streams per HTTP/2 connection the host allows (GitHub's raw host: 100)."""


def default_fixtures() -> Path:
    return ROOT.parent / "shared" / "fixtures"


# -- the files and the hosts -----------------------------------------------------------------------

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


def lay_out(files: dict[str, bytes], tmp: Path) -> tuple[Path, list[str]]:
    """Write the files under ``tmp/www`` at their decoded URL paths, and a TLS certificate for
    127.0.0.1 from a throw-away CA (``tmp/ca.pem``, ``cert.pem``, ``key.pem``). Returns the
    document root and the request paths."""
    import trustme

    www = tmp / "www"
    for path, body in files.items():
        dest = www / unquote(path).lstrip("/")
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(body)
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    ca.cert_pem.write_to_path(str(tmp / "ca.pem"))
    cert.private_key_pem.write_to_path(str(tmp / "key.pem"))
    cert.cert_chain_pems[0].write_to_path(str(tmp / "cert.pem"))
    return www, sorted(files)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_listening(port: int) -> None:
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listens on port {port}")


def serve_hypercorn(tmp: Path, port: int) -> None:
    """Child: Hypercorn on 127.0.0.1:``port`` (TLS, ALPN h2 + http/1.1) serving ``tmp/www``; prints
    ``READY`` once listening, then answers stdin commands: ``latency X`` → ``OK``; ``reset`` →
    ``OK`` (forget counters); ``stats`` → ``STATS {json}``; ``quit``."""
    from hypercorn.asyncio import serve as hc_serve
    from hypercorn.config import Config

    www = tmp / "www"
    files = {"/" + p.relative_to(www).as_posix(): p.read_bytes() for p in www.rglob("*") if p.is_file()}
    state: dict[str, Any] = {"latency": 0.0, "requests": 0, "conns": set(), "protocols": {},
                             "cpu0": time.process_time()}

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
        body = files.get(scope["path"])
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
        config.bind = [f"127.0.0.1:{port}"]
        config.certfile = str(tmp / "cert.pem")
        config.keyfile = str(tmp / "key.pem")
        config.alpn_protocols = ["h2", "http/1.1"]
        config.h2_max_concurrent_streams = MAX_STREAMS
        config.keep_alive_timeout = 60
        config.backlog = 512
        config.accesslog = None
        config.errorlog = "-" if os.environ.get("BENCH_H2_DEBUG") else None
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()

        def commands() -> None:
            for line in sys.stdin:
                cmd, _, arg = line.strip().partition(" ")
                if cmd == "latency":
                    state["latency"] = float(arg)
                    print("OK", flush=True)
                elif cmd == "reset":
                    state.update(requests=0, conns=set(), protocols={}, cpu0=time.process_time())
                    print("OK", flush=True)
                elif cmd == "stats":
                    print("STATS " + json.dumps({"requests": state["requests"], "connections": len(state["conns"]),
                                                 "protocols": state["protocols"],
                                                 "cpu": time.process_time() - state["cpu0"]}), flush=True)
                elif cmd == "quit":
                    break
            loop.call_soon_threadsafe(stop.set)

        server = asyncio.ensure_future(hc_serve(app, config, shutdown_trigger=stop.wait))  # type: ignore[arg-type]
        await loop.run_in_executor(None, _wait_listening, port)
        print("READY", flush=True)
        threading.Thread(target=commands, daemon=True).start()
        await server

    asyncio.run(main())


class HypercornHost:
    """Hypercorn (Python, asyncio, the ``h2``/``h11`` libraries) in a child process."""

    name = "Hypercorn"

    def __init__(self, tmp: Path) -> None:
        port = _free_port()
        self.proc = subprocess.Popen([sys.executable, __file__, "--serve", str(tmp), str(port)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        if not (self.proc.stdout and self.proc.stdout.readline().startswith("READY")):
            raise SystemExit("the Hypercorn raw host did not start")
        self.origins = {None: f"https://127.0.0.1:{port}"}

    def origin(self, latency: float) -> str:
        self.ask(f"latency {latency}")
        return self.origins[None]

    def ask(self, cmd: str) -> str:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(cmd + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def reset(self) -> None:
        self.ask("reset")

    def stats(self) -> dict[str, Any]:
        return dict(json.loads(self.ask("stats").partition(" ")[2]))

    def close(self) -> None:
        try:
            assert self.proc.stdin
            self.proc.stdin.write("quit\n")
            self.proc.stdin.flush()
            self.proc.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()


class NginxHost:
    """nginx (C; Debian's ``nginx-light`` + ``libnginx-mod-http-echo`` for the latency) serving the
    same tree: one worker, one TLS port per latency (``echo_sleep`` then the static file), ALPN
    h2 + http/1.1, 100 streams per connection. Its CPU is not the bottleneck, so its wall figures
    show the clients' own limits. Connections and protocols are read from its access log."""

    name = "nginx"
    ECHO_MODULE = Path("/usr/lib/nginx/modules/ngx_http_echo_module.so")

    @classmethod
    def available(cls) -> bool:
        return shutil.which("nginx") is not None and cls.ECHO_MODULE.is_file()

    def __init__(self, tmp: Path, latencies: list[float]) -> None:
        self.tmp = tmp
        self.log = tmp / "nginx-access.log"
        self.origins: dict[float, str] = {}
        servers = []
        for lat in latencies:
            port = _free_port()
            self.origins[lat] = f"https://127.0.0.1:{port}"
            delay = f"echo_sleep {lat:.3f}; echo_exec @file;" if lat else "try_files $uri =404;"
            servers.append(f"""
    server {{
        listen 127.0.0.1:{port} ssl http2 backlog=512;
        ssl_certificate {tmp / "cert.pem"};
        ssl_certificate_key {tmp / "key.pem"};
        root {tmp / "www"};
        location /_raw/ {{ {delay} }}
        location @file {{ try_files $uri =404; }}
    }}""")
        conf = tmp / "nginx.conf"
        conf.write_text(f"""load_module {self.ECHO_MODULE};
worker_processes 1;
daemon off;
master_process on;
pid {tmp / "nginx.pid"};
error_log {tmp / "nginx-error.log"} warn;
events {{ worker_connections 4096; }}
http {{
    default_type text/plain;
    log_format bench '$connection $server_protocol $status';
    access_log {self.log} bench;
    client_body_temp_path {tmp};
    proxy_temp_path {tmp};
    fastcgi_temp_path {tmp};
    uwsgi_temp_path {tmp};
    scgi_temp_path {tmp};
    keepalive_requests 100000;
    keepalive_timeout 60s;
    http2_max_concurrent_streams {MAX_STREAMS};
    ssl_protocols TLSv1.2 TLSv1.3;
{"".join(servers)}
}}
""")
        self.proc = subprocess.Popen(["nginx", "-p", str(tmp), "-c", str(conf)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        for origin in self.origins.values():
            _wait_listening(int(origin.rsplit(":", 1)[1]))
        self._offset = 0
        self._cpu0 = 0.0

    def origin(self, latency: float) -> str:
        return self.origins[latency]

    def _cpu(self) -> float:
        """CPU seconds of the master and its workers (``/proc``)."""
        total = 0.0
        pids = [self.proc.pid]
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        except OSError:
            children = []
        for pid in pids + children:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            except (OSError, IndexError, ValueError):
                pass
        return total

    def reset(self) -> None:
        time.sleep(0.05)  # nginx writes its log line after the answer
        self._offset = self.log.stat().st_size if self.log.exists() else 0
        self._cpu0 = self._cpu()

    def stats(self) -> dict[str, Any]:
        time.sleep(0.05)
        with self.log.open("rb") as f:
            f.seek(self._offset)
            lines = f.read().decode().splitlines()
        conns, protocols = set(), {}  # type: ignore[var-annotated]
        for line in lines:
            conn, proto, _status = line.split()
            conns.add(conn)
            key = proto.removeprefix("HTTP/").removesuffix(".0")
            protocols[key] = protocols.get(key, 0) + 1
        return {"requests": len(lines), "connections": len(conns), "protocols": protocols, "cpu": self._cpu() - self._cpu0}

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
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

    def app_h2(n: int) -> Client:
        def open_() -> tuple[list[Getter], Callable[[], None]]:
            # An injected transport: raw downloads take the httpx path of GitHubClient._request
            # (same retry loop, deadline and size cap), here over one HTTP/2 connection.
            transport = httpx.HTTPTransport(http2=True, verify=ctx,
                                            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1))
            gh = github.GitHubClient("https://127.0.0.1:1/api/v3", raw_concurrency=n, transport=transport)
            return [lambda url: gh._raw_get(url, "a raw file")], gh.close
        return Client(f"app raw path over httpx h2, 1 conn, {n} threads", n, open_)

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
        # the app keeps RAW_CONCURRENCY downloads in flight for a distant host, FAST_RAW_CONCURRENCY
        # for a near one (GitHubClient.raw_parallelism): both are shown
        app_raw(github.RAW_CONCURRENCY), app_raw(getattr(github, "FAST_RAW_CONCURRENCY", 8)),
        app_h2(github.RAW_CONCURRENCY), app_h2(MAX_STREAMS),
        urllib3_h1(48), urllib3_h1(64), urllib3_h1(96),
        httpx_client(False, 1, 48),
        httpx_client(True, 1, 8), httpx_client(True, 1, 48), httpx_client(True, 1, 100), httpx_client(True, 1, 200),
        httpx_client(True, 4, 200),
    ]


Results = dict[str, dict[str, dict[str, Any]]]
"""client name → latency label → figures."""


def measure(host: HypercornHost | NginxHost, paths: list[str], ca: str, latencies: list[float],
            repeat: int) -> Results:
    results: Results = {}
    for client in clients(ca):
        results[client.name] = {}
        for lat in latencies:
            urls = [host.origin(lat) + p for p in paths]
            client.run(urls)  # warm-up: imports, code paths
            runs = []
            for _ in range(repeat):
                host.reset()
                fig: dict[str, Any] = client.run(urls)
                st = host.stats()
                fig.update(connections=st["connections"], requests=st["requests"], server_cpu=st["cpu"],
                           protocol=",".join(sorted(st["protocols"])))
                runs.append(fig)
            key = f"{lat * 1000:.0f} ms"
            results[client.name][key] = {k: statistics.median(r[k] for r in runs) for k in runs[0]
                                         if k not in ("protocol", "errors", "connections")}
            # failures and connections (reconnections after a failure) over every run, not the median
            results[client.name][key].update(protocol=runs[0]["protocol"], errors=sum(r["errors"] for r in runs),
                                             connections=max(r["connections"] for r in runs))
            print(f"[{host.name}] {client.name} @ {key}: {results[client.name][key]}", file=sys.stderr, flush=True)
    return results


def print_table(host: str, results: Results, latencies: list[float]) -> None:
    keys = [f"{lat * 1000:.0f} ms" for lat in latencies]
    print(f"\nhost: {host}")
    print("| client | protocol | most connections in a run | failed requests, all runs | "
          + " | ".join(f"wall s @{k} | client CPU s @{k} | host CPU s @{k}" for k in keys) + " |")
    print("|---|---|---|---|" + "---|---|---|" * len(keys))
    for name, per in results.items():
        first = per[keys[0]]
        conns = max(per[k]["connections"] for k in keys)
        cells = " | ".join(f"{per[k]['wall']:.2f} | {per[k]['cpu']:.2f} | {per[k]['server_cpu']:.2f}" for k in keys)
        failed = sum(per[k]["errors"] for k in keys)
        print(f"| {name} | {first['protocol']} | {conns:.0f} | {failed:.0f} | {cells} |")


def main(argv: list[str] | None = None) -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        serve_hypercorn(Path(sys.argv[2]), int(sys.argv[3]))
        return 0
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--latency", type=float, nargs="+", default=[0.05, 0.0],
                   help="seconds added to every answer; several are measured side by side (default 0.05 0)")
    p.add_argument("--repeat", type=int, default=3, help="timed runs per client and latency (median shown)")
    p.add_argument("--host", choices=["hypercorn", "nginx", "both"], default="both",
                   help="the raw host(s) to measure against (default both; nginx only where it is installed)")
    p.add_argument("--fixtures", type=Path, default=default_fixtures(), help="the shared fixtures folder")
    p.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = p.parse_args(argv)
    if not (args.fixtures / "marketplaces" / BIG.replace("/", "__")).is_dir():
        print(f"no fixture of {BIG} under {args.fixtures}", file=sys.stderr)
        return 1
    load0 = os.getloadavg()[0]
    all_results: dict[str, Results] = {}
    with tempfile.TemporaryDirectory(prefix="bench-h2-") as tmp_name:
        tmp = Path(tmp_name)
        _www, paths = lay_out(raw_files(args.fixtures), tmp)
        ca = str(tmp / "ca.pem")
        if args.host in ("hypercorn", "both"):
            hyper = HypercornHost(tmp)
            try:
                all_results[hyper.name] = measure(hyper, paths, ca, args.latency, args.repeat)
            finally:
                hyper.close()
        if args.host in ("nginx", "both"):
            if NginxHost.available():
                ngx = NginxHost(tmp, args.latency)
                try:
                    all_results[ngx.name] = measure(ngx, paths, ca, args.latency, args.repeat)
                finally:
                    ngx.close()
            else:
                print("nginx with the echo module is not installed (apt-get install nginx-light "
                      "libnginx-mod-http-echo): measured against Hypercorn only", file=sys.stderr)
    print(f"{len(paths)} raw files of {BIG} (what a cold listing downloads), over TLS from a loopback host; "
          f"medians of {args.repeat} runs; {os.cpu_count()} CPUs, load average {load0:.1f} → "
          f"{os.getloadavg()[0]:.1f}; Python {sys.version.split()[0]}")
    for name, results in all_results.items():
        print_table(name, results, args.latency)
    if args.json:
        print(json.dumps(all_results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
