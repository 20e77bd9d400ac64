"""GitHub access under real-world conditions (R-NET-1, R-NET-3, R-NET-4, R-DIS-5): conditional
requests and the listing cache (one request per unchanged registry), offline listings, rate limits,
retries, hung servers, truncated trees, raw downloads and deterministic concurrent fetches."""

from __future__ import annotations

import gzip
import json
import random
import re
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
from conftest import MARKETPLACES, marketplace_fixtures

from skill_studio.cli import main
from skill_studio.core.cache import ListingCache, encode
from skill_studio.core.errors import GitHubError, NetworkError, NotFoundError, RateLimitError
from skill_studio.core.github import GitHubClient, format_reset, git_blob_sha
from skill_studio.core.models import Destination, ImportOptions, RepoTree, TreeEntry
from skill_studio.app.studio import SkillStudio, skill_files
from skill_studio.core.sources import parse_registry_source

pytestmark = pytest.mark.integration

CATALOG = {"name": "acme-skills", "owner": {"name": "Acme"}, "plugins": [{"name": "tools", "source": "./tools"}]}


def skill_md(name: str, description: str = "Does things.") -> str:
    return f"---\nname: {name}\ndescription: {description}\n---\n# {name}\n"


def acme_files(**skills: str) -> dict[str, str]:
    files = {".claude-plugin/marketplace.json": json.dumps(CATALOG)}
    for name, desc in (skills or {"alpha": "First."}).items():
        files[f"tools/skills/{name}/SKILL.md"] = skill_md(name, desc)
        files[f"tools/skills/{name}/ref.md"] = f"reference of {name}\n"
    return files


def open_studio(server, **client_kw) -> SkillStudio:
    """A studio on the isolated home whose clients talk to ``server`` (no backoff sleeps)."""
    holder: dict[str, SkillStudio] = {}
    kw = {"sleep": lambda s: None, **client_kw}
    studio = SkillStudio(client_factory=lambda host: GitHubClient(server.base_url, etags=holder["s"].etag_cache, **kw))
    holder["s"] = studio
    return studio


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# -- conditional requests and the cache (R-NET-4) --------------------------------------------------

@pytest.mark.parametrize("folder", marketplace_fixtures(), ids=lambda p: p.name)
def test_warm_browse_is_one_request_and_the_cache_round_trips(folder: Path, fixture_github) -> None:
    """The registry's own listing (external=False): external plugin targets are other repositories,
    resolved after the cache on every listing so that unpinned refs follow upstream (issue 9)."""
    meta = json.loads((folder / "meta.json").read_text())
    source = parse_registry_source(f"{meta['owner']}/{meta['repo']}")
    with open_studio(fixture_github) as studio:
        before = fixture_github.request_count
        cold = studio.list_registry(source, external=False)
        assert fixture_github.request_count - before > 1
        before = fixture_github.request_count
        warm = studio.list_registry(source, external=False)
        assert fixture_github.request_count - before == 1
        (last,) = fixture_github.requests[-1:]
        assert "/commits/" in last.path and last.status == 304 and last.headers.get("if-none-match")
        assert warm == cold and not warm.offline and warm.fetched_at is not None
    with open_studio(fixture_github) as studio:  # an app restart: only the disk cache is left
        before = fixture_github.request_count
        again = studio.list_registry(source, external=False)
        assert fixture_github.request_count - before == 1
        states = studio.states(again)
    assert again == cold and again.commit == meta["commit"]
    assert [encode(s.metadata) for s in again.skills] == [encode(s.metadata) for s in cold.skills]
    assert [s.skill_md for s in again.skills] == [s.skill_md for s in cold.skills]
    assert again.catalog.raw == cold.catalog.raw
    key = (source.slug, cold.commit)
    for s in cold.skills:  # the pruned tree still has every file an import or update check needs
        assert skill_files(again.trees[key], s.path) == skill_files(cold.trees[key], s.path)
    assert all(st[d].state.value == "not_installed" for st in states.values() for d in Destination)


def test_changed_registry_is_listed_again_then_warm(github) -> None:
    github.add_repo_from_dir("acme", "skills", acme_files(alpha="First."))
    source = parse_registry_source("acme/skills")
    with open_studio(github) as studio:
        first = studio.list_registry(source)
        github.push("acme", "skills", acme_files(alpha="First.", beta="Second."))
        github.reset_counters()
        second = studio.list_registry(source)
        assert github.count("/commits/") == 1 and github.request_count > 1
        assert second.commit != first.commit and [s.name for s in second.skills] == ["alpha", "beta"]
        github.reset_counters()
        assert studio.list_registry(source).commit == second.commit and github.request_count == 1


def test_import_from_a_cached_listing(github, isolated_home: Path) -> None:
    github.add_repo_from_dir("acme", "skills", acme_files(alpha="First."))
    source = parse_registry_source("acme/skills")
    with open_studio(github) as studio:
        studio.list_registry(source)
    with open_studio(github) as studio:
        listing = studio.list_registry(source)
        installed = studio.import_skill(listing, listing.skills[0], Destination.LIBRARY, ImportOptions())
    folder = Path(installed.path)
    assert (folder / "ref.md").read_text() == "reference of alpha\n"
    assert (folder / "SKILL.md").read_text() == skill_md("alpha", "First.")


@pytest.mark.parametrize("torn", [b'{"format": 1, "listing": {"source": 3}', b""],
                         ids=["garbage", "emptied by a power cut (cache files are not fsynced)"])
def test_corrupt_cache_entries_are_ignored(github, isolated_home: Path, torn: bytes) -> None:
    github.add_repo_from_dir("acme", "skills", acme_files(alpha="First."))
    source = parse_registry_source("acme/skills")
    with open_studio(github) as studio:
        good = studio.list_registry(source)
    files = [*(isolated_home / "cache").rglob("*.json"), *(isolated_home / "cache").rglob("*.json.gz")]
    assert len(files) >= 3  # an ETag, the listing, the check time
    for p in files:
        p.write_bytes(torn)
    with open_studio(github) as studio:
        github.reset_counters()
        again = studio.list_registry(source)
        assert again == good and github.request_count > 1
        assert github.requests[0].headers.get("if-none-match") is None


def test_cache_files_are_not_fsynced_installs_are(github, isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 18: an fsync cost 5-15 ms on the request path (the ETag of the commit check, the
    check time); caches tolerate a torn file (above), installs stay durable (R-DATA-1)."""
    import os

    github.add_repo_from_dir("acme", "skills", acme_files(alpha="First."))
    synced: list[int] = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real(fd))[1])
    with open_studio(github) as studio:
        synced.clear()  # opening installs the bundled skills (durably)
        listing = studio.list_registry(parse_registry_source("acme/skills"))
        studio.close()  # waits for the background listing-cache write
        assert synced == [] and list((isolated_home / "cache").rglob("*.json.gz"))
    with open_studio(github) as studio:
        synced.clear()
        studio.import_skill(listing, listing.skills[0], Destination.LIBRARY, ImportOptions())
        assert synced


def test_a_stored_commit_answer_that_is_unusable_is_asked_again(github) -> None:
    github.add_repo_from_dir("acme", "skills", acme_files(alpha="First."))
    with open_studio(github) as studio:
        gh = studio.client("github.com")
        sha = gh.resolve_commit("acme", "skills", None)
        ((key, (etag, _body)),) = [(k, studio.etag_cache.get(k)) for k in [
            f"GET {github.base_url}/repos/acme/skills/commits/HEAD accept=application/vnd.github.sha"]]
        studio.etag_cache.put(key, etag, b"garbage")
        github.reset_counters()
        assert gh.resolve_commit("acme", "skills", None) == sha
        assert [r.status for r in github.requests] == [304, 200]


def test_listing_cache_ignores_other_versions_and_shapes(tmp_path: Path, github) -> None:
    github.add_repo_from_dir("acme", "skills", acme_files(alpha="First."))
    source = parse_registry_source("acme/skills")
    with open_studio(github) as studio:
        listing = studio.list_registry(source)
    cache = ListingCache(tmp_path)
    cache.save(listing, "https://api.test")
    assert cache.load(source, "https://api.test", listing.commit) == listing
    assert cache.load(source, "https://other.test", listing.commit) is None
    (path,) = list((tmp_path / cache.key(source, "https://api.test")).glob("*.json.gz"))
    doc = json.loads(gzip.decompress(path.read_bytes()))
    path.write_bytes(gzip.compress(json.dumps({**doc, "version": "0.0.0-old"}).encode()))
    assert cache.load(source, "https://api.test", listing.commit) is None
    del doc["listing"]["skills"][0]["qualified_name"]  # a field the model requires
    path.write_bytes(gzip.compress(json.dumps(doc).encode()))
    assert cache.load(source, "https://api.test", listing.commit) is None
    doc["listing"]["skills"] = []
    doc["listing"]["trees"][0][4][0][4] = "big"  # a tree entry's size that is not a number
    path.write_bytes(gzip.compress(json.dumps(doc).encode()))
    assert cache.load(source, "https://api.test", listing.commit) is None
    path.write_bytes(b"not gzip")
    assert cache.load(source, "https://api.test", listing.commit) is None


# -- offline (R-NET-4) -----------------------------------------------------------------------------

def test_unplugged_server_shows_the_cached_catalog_offline(github, use_github, capsys, isolated_home) -> None:
    github.add_repo_from_dir("acme", "skills", acme_files(alpha="First."))
    use_github(github)
    assert run(capsys, "registry", "add", "acme/skills")[0] == 0
    code, out, err = run(capsys, "browse", "acme-skills")
    assert code == 0 and "offline" not in out
    (state,) = (isolated_home / "cache" / "listings").glob("*/state.json")
    doc = json.loads(state.read_text())
    doc["checked_at"] = (datetime.now(timezone.utc) - timedelta(minutes=5, seconds=10)).isoformat()
    state.write_text(json.dumps(doc))
    github.stop()

    code, out, err = run(capsys, "browse", "acme-skills")
    assert code == 0, err
    assert "offline — cached 5 minutes ago" in out and "tools:alpha" in out
    assert "offline, showing the catalog cached 5 minutes ago: Cannot reach GitHub" in err
    code, out, err = run(capsys, "browse", "acme-skills", "--json")
    (reg,) = json.loads(out)["registries"]
    assert reg["offline"] is True and reg["errors"] == []
    assert datetime.fromisoformat(reg["cached_at"]) == datetime.fromisoformat(doc["checked_at"])
    assert [s["qualified_name"] for s in reg["skills"]] == ["tools:alpha"]
    assert "Cannot reach GitHub" in reg["offline_reason"]


def test_offline_without_cache_is_an_error_and_not_found_is_never_hidden(github) -> None:
    github.add_repo_from_dir("acme", "skills", acme_files(alpha="First."))
    source = parse_registry_source("acme/skills")
    with open_studio(github) as studio:
        studio.list_registry(source)
        github.delete_repo("acme", "skills")
        with pytest.raises(NotFoundError, match="not found or private — add a token"):
            studio.list_registry(source)
        github.drop_connections()
        offline = studio.list_registry(source)
        assert offline.offline and offline.skills and offline.age_seconds() is not None
        with pytest.raises(NetworkError, match="Cannot reach GitHub"):
            studio.list_registry(parse_registry_source("acme/never-listed"))


# -- rate limits (R-NET-3) -------------------------------------------------------------------------

def test_rate_limit_reads_as_a_sentence_with_the_local_reset_time(github, use_github, capsys,
                                                                  memory_keyring) -> None:
    github.add_repo_from_dir("acme", "skills", acme_files(alpha="First."))
    use_github(github)
    reset = int(time.time()) + 25 * 60
    github.ratelimit_limit = 60  # GitHub's anonymous limit
    github.rate_limit(reset)
    code, out, err = run(capsys, "registry", "add", "acme/skills")
    clock = datetime.fromtimestamp(reset).astimezone().strftime("%H:%M")
    assert code == 2 and "Traceback" not in err
    line = err.strip().splitlines()[-1]
    zone = datetime.fromtimestamp(reset).astimezone().strftime("%Z") or "local time"
    assert re.search(r"GitHub's API rate limit \(60 requests an hour\) is used up; it resets at "
                     + re.escape(f"{clock} {zone}") + r" \(in 2[45] minutes\)\. Add a GitHub token", line), line
    assert line.endswith("to raise the limit to 5,000 requests an hour.")

    github.ratelimit_limit = 5000  # already the authenticated limit: a token would not raise it (issue 16)
    code, out, err = run(capsys, "registry", "add", "acme/skills")
    line = err.strip().splitlines()[-1]
    assert "(5,000 requests an hour) is used up" in line and "raise the limit" not in line, line

    memory_keyring.secrets[("skill-studio", "github.com")] = "tok"
    code, out, err = run(capsys, "registry", "add", "acme/skills")
    assert code == 2 and "resets at " + clock in err and "Add a GitHub token" not in err and "Try again" in err


def test_secondary_rate_limit_and_cached_listing(github) -> None:
    github.add_repo_from_dir("acme", "skills", acme_files(alpha="First."))
    source = parse_registry_source("acme/skills")
    with open_studio(github) as studio:
        github.throttle(90, times=1)
        with pytest.raises(RateLimitError, match=r"slow down \(secondary rate limit\); it resets at .*in 2 minutes"):
            studio.list_registry(source)
        studio.list_registry(source)
        github.rate_limit(int(time.time()) + 600)
        limited = studio.list_registry(source)
    assert limited.offline and "rate limit" in (limited.offline_reason or "")


def test_format_reset() -> None:
    now = datetime(2030, 1, 2, 10, 0, tzinfo=timezone.utc)
    text = format_reset(now + timedelta(minutes=9, seconds=30), now)
    local = (now + timedelta(minutes=9, seconds=30)).astimezone()
    assert text == f"at {local.strftime('%H:%M')} {local.strftime('%Z') or 'local time'} (in 10 minutes)"
    assert format_reset(now + timedelta(seconds=20), now).endswith("(in less than a minute)")
    assert format_reset(now + timedelta(days=2), now).startswith(f"at {(now + timedelta(days=2)).astimezone():%Y-%m-%d}")
    assert format_reset(None) == "later (GitHub did not say when)"


# -- faults (R-NET-1) ------------------------------------------------------------------------------

def test_5xx_and_dropped_connections_are_retried(github) -> None:
    github.add_repo_from_dir("acme", "skills", acme_files(alpha="First."))
    github.fail("/commits/", 502, times=2)
    github.drop_connections("/git/trees/", times=1)
    github.fail("/_raw/", 503, times=1)
    with open_studio(github) as studio:
        listing = studio.list_registry(parse_registry_source("acme/skills"))
    assert [s.name for s in listing.skills] == ["alpha"]
    assert github.count("/commits/") == 3 and github.count("/git/trees/") == 2


def test_a_hung_server_never_hangs_the_app(github) -> None:
    github.add_repo_from_dir("acme", "skills", acme_files(alpha="First."))
    source = parse_registry_source("acme/skills")
    with open_studio(github, timeout=0.3, retries=1) as studio:
        github.hang("/commits/", 30)
        started = time.monotonic()
        with pytest.raises(NetworkError, match="did not answer in time"):
            studio.list_registry(source)
        assert time.monotonic() - started < 5
        github.clear_faults()
        studio.list_registry(source)
        github.push("acme", "skills", acme_files(alpha="First.", beta="Second."))
        github.hang("/git/trees/", 30)
        started = time.monotonic()
        stale = studio.list_registry(source)  # new commit, but its tree never comes: the cache answers
        assert time.monotonic() - started < 5
    assert stale.offline and [s.name for s in stale.skills] == ["alpha"]
    assert "did not answer in time" in (stale.offline_reason or "")


# -- truncated trees (R-DIS-5) ---------------------------------------------------------------------

def test_truncated_tree_of_the_largest_fixture_loses_no_skill(github) -> None:
    folder = MARKETPLACES / "jeremylongshore__claude-code-plugins-plus"
    if not folder.is_dir():
        pytest.skip("fixture absent")
    github.add_fixture(folder)
    full = json.loads((folder / "tree.json").read_text())["tree"]
    expected = json.loads((folder / "expected.json").read_text())
    github.truncate_trees = 5000  # a fifth of the 25,950 entries
    with open_studio(github) as studio:
        listing = studio.list_registry(parse_registry_source("jeremylongshore/claude-code-plugins-plus"))
    tree = next(iter(listing.trees.values()))
    assert sorted(e.path for e in tree.entries) == sorted(e["path"] for e in full)
    assert sorted((s.qualified_name, s.path) for s in listing.skills) == sorted(
        (s["qualified"], s["path"]) for s in expected["skills"])
    trees = [r for r in github.requests if "/git/trees/" in r.path]
    folders = sum(e["type"] == "tree" for e in full)
    assert sum("recursive" in r.path for r in trees) >= 2  # it was split
    assert len(trees) <= 100 < folders / 10  # the truncated answer was used, not every folder walked


def test_tree_walk_splits_again_when_a_subtree_is_still_truncated() -> None:
    tree = {
        "root": [{"path": "a", "mode": "040000", "type": "tree", "sha": "t-a"},
                 {"path": "top.md", "mode": "100644", "type": "blob", "sha": "1", "size": 1}],
        "t-a": [{"path": "b", "mode": "040000", "type": "tree", "sha": "t-b"},
                {"path": "x.md", "mode": "100644", "type": "blob", "sha": "2", "size": 1}],
        "t-b": [{"path": "SKILL.md", "mode": "100644", "type": "blob", "sha": "3", "size": 1},
                {"path": "link", "mode": "120000", "type": "blob", "sha": "4", "size": 1},
                {"path": "sub", "mode": "160000", "type": "commit", "sha": "5"}],
    }

    def recursive(sha: str, prefix: str = "") -> list[dict]:
        out = []
        for e in tree[sha]:
            out.append({**e, "path": f"{prefix}{e['path']}"})
            if e["type"] == "tree":
                out += recursive(e["sha"], f"{prefix}{e['path']}/")
        return out

    seen = []

    def handler(req: httpx.Request) -> httpx.Response:
        sha = req.url.path.rsplit("/", 1)[1]
        rec = bool(req.url.params.get("recursive"))
        seen.append((sha, rec))
        items = recursive(sha) if rec else tree[sha]
        truncated = rec and len(items) > 3
        if truncated and breadth_first:
            items = sorted(items, key=lambda e: e["path"].count("/"))
        return httpx.Response(200, json={"sha": sha, "truncated": truncated, "tree": items[:3]})

    want = ["a", "a/b", "a/b/SKILL.md", "a/b/link", "a/b/sub", "a/x.md", "top.md"]
    for breadth_first in (False, True):  # a listing that is not depth first is not trusted  # noqa: B007 - read by handler
        seen.clear()
        with GitHubClient("https://api.test", transport=httpx.MockTransport(handler)) as gh:
            got = gh.tree("acme", "skills", "root")
        assert [e.path for e in got.entries] == want
        assert not any(sha in ("4", "5") for sha, _ in seen)  # links and submodules are never walked
    assert ("t-a", False) in seen and ("t-b", True) in seen


# -- concurrency and raw downloads -----------------------------------------------------------------

def _blob_tree(n: int) -> tuple[RepoTree, dict[str, bytes]]:
    content = {f"s/{i:03d}/SKILL.md": f"file {i}\n".encode() for i in range(n)}
    entries = tuple(TreeEntry(p, "100644", "blob", git_blob_sha(b), len(b)) for p, b in content.items())
    return RepoTree("acme", "skills", "c" * 40, entries), content


def _in_flight_handler(content: dict[str, bytes], delay: Callable[[], float]
                       ) -> tuple[Callable[[httpx.Request], httpx.Response], dict[str, int]]:
    """A handler serving ``content`` (raw host ``raw.test`` by path, else the blob endpoint by SHA)
    after ``delay()`` seconds, and its ``{"now", "max"}`` count of requests in flight."""
    by_sha = {git_blob_sha(b): b for b in content.values()}
    lock = threading.Lock()
    state = {"now": 0, "max": 0}

    def handler(req: httpx.Request) -> httpx.Response:
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
            pause = delay()
        time.sleep(pause)
        with lock:
            state["now"] -= 1
        if req.url.host == "raw.test":
            return httpx.Response(200, content=content[req.url.path.split("/", 5)[5]])
        return httpx.Response(200, content=by_sha[req.url.path.rsplit("/", 1)[1]])

    return handler, state


@pytest.mark.parametrize("raw", [False, True])
def test_fetch_blobs_is_bounded_and_deterministic(raw: bool) -> None:
    tree, content = _blob_tree(80)
    rng = random.Random(7)
    handler, state = _in_flight_handler(content, lambda: rng.random() / 200)

    with GitHubClient("https://api.test", transport=httpx.MockTransport(handler), concurrency=4, raw_concurrency=6,
                      raw_downloads=raw) as gh:
        gh._raw_root = "https://raw.test/_raw/"
        order = list(reversed(list(content)))
        done = []
        got = gh.fetch_blobs(tree, order, progress=lambda d, t: done.append((d, t)))
    assert list(got) == order and got == {p: content[p] for p in order}
    assert done[-1] == (80, 80) and sorted(d for d, _ in done) == list(range(1, 81))
    assert 1 < state["max"] <= (6 if raw else 4)


@pytest.mark.parametrize("near", [False, True])
def test_fewer_raw_downloads_in_flight_for_a_near_host(near: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 18: more downloads in flight only pay when a round trip is long; for a host that
    answers within FAST_RTT_S a listing keeps FAST_RAW_CONCURRENCY in flight (here every answer
    takes 20 ms: "near" is made to mean under 5 s, "far" under 1 ms)."""
    from skill_studio.core import github as gh_module

    monkeypatch.setattr(gh_module, "FAST_RTT_S", 5.0 if near else 0.001)
    tree, content = _blob_tree(120)
    handler, state = _in_flight_handler(content, lambda: 0.02)

    with GitHubClient("https://api.test", transport=httpx.MockTransport(handler), raw_concurrency=48) as gh:
        gh._raw_root = "https://raw.test/_raw/"
        assert gh.round_trip() is None and gh.raw_parallelism() == 48  # nothing measured yet: the full bound
        first = tree.entries[0].path
        assert gh.fetch_blobs(tree, [first]) == {first: content[first]}
        assert gh.round_trip() is not None and gh.round_trip() >= 0.02
        state["max"] = 0
        got = gh.fetch_blobs(tree, [e.path for e in tree.entries])
    assert got == content
    if near:
        assert gh.raw_parallelism() == gh_module.FAST_RAW_CONCURRENCY and state["max"] <= gh_module.FAST_RAW_CONCURRENCY
    else:
        assert gh.raw_parallelism() == 48 and state["max"] > gh_module.FAST_RAW_CONCURRENCY


def test_raw_failures_fall_back_to_the_blob_endpoint(github) -> None:
    github.add_repo_from_dir("acme", "skills", acme_files(**{f"s{i}": "x" for i in range(30)}))
    github.fail("/_raw/", 404)
    with open_studio(github, raw_concurrency=4) as studio:
        listing = studio.list_registry(parse_registry_source("acme/skills"))
    assert len(listing.skills) == 30
    # raw is turned off at the first refusal: at most the plugin.json guess, one wave of the
    # SKILL.md read-ahead (raw_concurrency, 4; issue 18) and one wave of workers (8) asked it
    assert 1 <= github.count("/_raw/") <= 13 and github.count("/git/blobs/") >= 30


def test_raw_downloads_used_on_enterprise_hosts(github) -> None:
    from fake_github import FakeGitHub

    with FakeGitHub(api_prefix="/api/v3") as ghe:
        ghe.add_repo_from_dir("acme", "skills", acme_files(alpha="First.", beta="Second."))
        with open_studio(ghe) as studio:
            listing = studio.list_registry(parse_registry_source("https://ghe.example.com/acme/skills"))
        assert [s.name for s in listing.skills] == ["alpha", "beta"]
        assert ghe.count(re.compile(r"^/_raw/acme/skills/.*/SKILL\.md$")) == 2 and ghe.count("/git/blobs/") == 0


def test_raw_root_is_only_learned_on_the_api_host() -> None:
    data = b'{"name": "x", "plugins": []}'
    asked = []

    def handler(req: httpx.Request) -> httpx.Response:
        asked.append(req.url.host)
        return httpx.Response(200, json={
            "type": "file", "sha": git_blob_sha(data), "encoding": "base64",
            "content": __import__("base64").b64encode(data).decode(),
            "download_url": f"https://evil.example/acme/skills/{'c' * 40}/.claude-plugin/marketplace.json?token=T"})

    with GitHubClient("https://ghe.test/api/v3", transport=httpx.MockTransport(handler)) as gh:
        assert gh.file_at("acme", "skills", "c" * 40, ".claude-plugin/marketplace.json") == data
        assert gh._raw_root is None
    with GitHubClient("https://ghe.test/api/v3", transport=httpx.MockTransport(lambda r: httpx.Response(200, json={
            "type": "file", "sha": git_blob_sha(data), "encoding": "base64",
            "content": __import__("base64").b64encode(data).decode(),
            "download_url": f"https://ghe.test/raw/acme/skills/{'c' * 40}/.claude-plugin/marketplace.json?token=T"}))) as gh:
        gh.file_at("acme", "skills", "c" * 40, ".claude-plugin/marketplace.json")
        assert gh._raw_root == "https://ghe.test/raw/"
    assert asked == ["ghe.test"]


def test_an_endlessly_truncating_server_cannot_loop_forever() -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        sha = req.url.path.rsplit("/", 1)[1]
        return httpx.Response(200, json={"sha": sha, "truncated": bool(req.url.params.get("recursive")),
                                         "tree": [{"path": "a", "mode": "040000", "type": "tree", "sha": "t"}]})

    with GitHubClient("https://api.test", transport=httpx.MockTransport(handler)) as gh, \
            pytest.raises(GitHubError, match="cannot be completed"):
        gh.tree("acme", "skills", "root")


def test_format_age() -> None:
    from skill_studio.core.cache import format_age

    assert [format_age(s) for s in (None, 30, 60, 5 * 60 + 59, 2 * 3600, 3 * 86400)] == [
        "some time", "less than a minute", "1 minute", "5 minutes", "2 hours", "3 days"]


@pytest.mark.parametrize(("api", "download_root", "learned"), [
    ("https://ghe.test/api/v3", "https://ghe.test/raw/", True),
    ("https://ghe.test/api/v3", "https://ghe.test:8443/raw/", False),   # same host, another port
    ("https://ghe.test/api/v3", "http://ghe.test/raw/", False),         # plain http
    ("http://127.0.0.1:5000", "http://127.0.0.1:5001/_raw/", False),    # the audit's case
    ("http://127.0.0.1:5000", "http://127.0.0.1:5000/_raw/", True),
    ("https://api.github.com", "https://raw.githubusercontent.com/", True),
    ("https://api.github.com", "http://raw.githubusercontent.com/", False),
    ("https://api.github.com", "https://raw.githubusercontent.com:444/", False),
    ("https://ghe.test/api/v3", "https://raw.githubusercontent.com/", False),
])
def test_the_token_only_goes_to_the_apis_exact_origin(api: str, download_root: str, learned: bool) -> None:
    """Issue 16 item 9: a download_url on another port or scheme must not receive the token."""
    data = b'{"name": "x", "plugins": []}'
    from skill_studio.core import hosts
    seen: list[tuple[tuple | None, str | None]] = []

    def handler(req: httpx.Request) -> httpx.Response:
        seen.append((hosts.origin(str(req.url)), req.headers.get("Authorization")))
        if "/contents/" in req.url.path:
            return httpx.Response(200, json={
                "type": "file", "sha": git_blob_sha(data), "encoding": "base64",
                "content": __import__("base64").b64encode(data).decode(),
                "download_url": f"{download_root}acme/skills/{'c' * 40}/.claude-plugin/marketplace.json"})
        return httpx.Response(200, content=data)

    with GitHubClient(api, "secret-token", transport=httpx.MockTransport(handler)) as gh:
        gh._raw_root = hosts.raw_root_for(api) if api != "https://api.github.com" else None
        gh.file_at("acme", "skills", "c" * 40, ".claude-plugin/marketplace.json")
        assert (gh._raw_root is not None) == learned
        if learned:
            gh.blob("acme", "skills", git_blob_sha(data), path="x.json", commit="c" * 40)
    allowed = {hosts.origin(api)} | ({hosts.origin(download_root)} if learned else set())
    assert seen and all(where in allowed for where, auth in seen if auth is not None), seen


@pytest.mark.parametrize("raw", [False, True])
def test_fetch_blobs_max_workers_bounds_files_in_flight(raw: bool) -> None:
    """Issue 18: background work (security reviews) asks for fewer downloads at once than the client allows."""
    tree, content = _blob_tree(40)
    handler, state = _in_flight_handler(content, lambda: 0.005)

    with GitHubClient("https://api.test", transport=httpx.MockTransport(handler), concurrency=16, raw_concurrency=16,
                      raw_downloads=raw) as gh:
        gh._raw_root = "https://raw.test/_raw/"
        got = gh.fetch_blobs(tree, list(content), max_workers=3)
        assert got == content and 1 < state["max"] <= 3
        state["max"] = 0
        assert gh.fetch_blobs(tree, list(content)) == content
        assert state["max"] > 3  # without the bound the client's own parallelism applies


@pytest.mark.parametrize("raw", [False, True])
def test_files_are_handled_a_few_at_a_time_while_many_download(raw: bool) -> None:
    """Issue 18: ``on_file`` (parsing a SKILL.md: Python, holding the interpreter lock) runs for
    at most HANDLING_PERMITS files at once, so the GUI thread competes with few threads for the
    lock, while downloads stay in flight as the client allows."""
    import threading
    import time

    from skill_studio.core import github as gh_module

    tree, content = _blob_tree(40)
    handler, state = _in_flight_handler(content, lambda: 0.005)
    lock, handling = threading.Lock(), {"now": 0, "max": 0}
    seen: dict[str, bytes] = {}

    def on_file(path: str, data: bytes) -> None:
        with lock:
            handling["now"] += 1
            handling["max"] = max(handling["max"], handling["now"])
        time.sleep(0.003)  # long enough for others to arrive meanwhile
        seen[path] = data
        with lock:
            handling["now"] -= 1

    with GitHubClient("https://api.test", transport=httpx.MockTransport(handler), concurrency=12, raw_concurrency=12,
                      raw_downloads=raw) as gh:
        gh._raw_root = "https://raw.test/_raw/"
        got = gh.fetch_blobs(tree, list(content), on_file=on_file)
    assert got == content and seen == content
    assert handling["max"] == gh_module.HANDLING_PERMITS
    assert state["max"] > gh_module.HANDLING_PERMITS  # the downloads themselves were not held back
