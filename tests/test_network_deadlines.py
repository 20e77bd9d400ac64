"""Hostile servers (issue 16 items 7 and 8): a total deadline per request, notices while waiting, and a
cap on the bytes actually read whatever the tree says.

The deadlines are shortened here (``REQUEST_DEADLINE_S`` 2 s instead of 20 s) so the tests stay
fast; ``bench/hostile_servers.py`` runs the same commands with the real values and prints the time
each takes.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fake_github import FakeGitHub, git_blob_sha

from skill_studio.cli import main
from skill_studio.core import github as github_module
from skill_studio.core.errors import GitHubError, NetworkError
from skill_studio.core.github import GitHubClient

pytestmark = pytest.mark.integration

CATALOG = {"name": "slow-market", "owner": {"name": "T"},
           "plugins": [{"name": "tools", "source": "./tools", "skills": ["./skills/alpha"]}]}
FILES = {".claude-plugin/marketplace.json": json.dumps(CATALOG),
         "tools/skills/alpha/SKILL.md": "---\nname: alpha\ndescription: First.\n---\n# Alpha\n",
         "tools/skills/alpha/big.bin": b"B" * 300_000}


@pytest.fixture
def short(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(github_module, "REQUEST_DEADLINE_S", 2.0)
    monkeypatch.setattr(github_module, "NOTICE_AFTER_S", 0.5)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str, float]:
    start = time.monotonic()
    code = main(list(args))
    took = time.monotonic() - start
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "internal error" not in err
    return code, out, err, took


# ---------------------------------------------------------------- the client


def test_a_trickling_answer_is_cut_at_the_deadline(github: FakeGitHub, short: None) -> None:
    github.add_repo_from_dir("o", "r", {"a.md": "x" * 200})
    sha = git_blob_sha(b"x" * 200)
    github.trickle("/git/blobs/", 0.2)  # one byte every 0.2 s: no read ever times out
    with GitHubClient(github.base_url, retries=3, sleep=lambda s: None) as gh:
        start = time.monotonic()
        with pytest.raises(NetworkError) as info:
            gh.blob("o", "r", sha)
        took = time.monotonic() - start
    assert took < 2.0 + 1.0
    assert f"{github.base_url}/repos/o/r/git/blobs/{sha}" in str(info.value)
    assert "within 2 s" in str(info.value)


def test_a_hanging_server_costs_one_deadline_not_four_timeouts(github: FakeGitHub, short: None) -> None:
    github.add_repo_from_dir("o", "r", {"a.md": "x"})
    github.hang("/commits/", 30)
    notices: list[str] = []
    with GitHubClient(github.base_url, retries=3, on_wait=notices.append) as gh:
        start = time.monotonic()
        with pytest.raises(NetworkError, match=r"/repos/o/r/commits/HEAD"):
            gh.resolve_commit("o", "r", None)
        took = time.monotonic() - start
    assert took < 2.0 + 1.0
    assert notices and notices[0] == "waiting for GitHub… (attempt 1 of 4: o/r@default branch)"
    github.clear_faults()


def test_a_retry_is_announced(short: None) -> None:
    calls = []

    def handler(req: httpx.Request) -> httpx.Response:
        calls.append(req.url.path)
        return httpx.Response(502 if len(calls) == 1 else 200, content=b"a" * 40)

    notices: list[str] = []
    with GitHubClient("https://api.test", transport=httpx.MockTransport(handler), sleep=lambda s: None,
                      on_wait=notices.append) as gh:
        assert gh.resolve_commit("o", "r", "main") == "a" * 40
    assert notices == ["waiting for GitHub… (attempt 2 of 4: o/r@main)"]


def test_large_downloads_at_a_fair_speed_are_not_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    """The deadline grows with the bytes received: only a trickle is cut."""
    monkeypatch.setattr(github_module, "REQUEST_DEADLINE_S", 0.3)
    monkeypatch.setattr(github_module, "MIN_RATE_BYTES_PER_S", 1024 * 1024)
    body = b"z" * (4 * 1024 * 1024)

    def slow_chunks() -> Iterator[bytes]:
        for i in range(0, len(body), 256 * 1024):
            time.sleep(0.03)  # ~8 MB/s, 0.5 s in all: past the bare 0.3 s deadline
            yield body[i:i + 256 * 1024]

    def handler(req: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=_Stream(slow_chunks()))

    with GitHubClient("https://api.test", transport=httpx.MockTransport(handler)) as gh:
        assert gh.blob("o", "r", git_blob_sha(body)) == body


class _Stream(httpx.SyncByteStream):
    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks = chunks
        self.read = 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.chunks:
            self.read += len(chunk)
            yield chunk


def test_the_bytes_read_are_capped_whatever_the_tree_says() -> None:
    """Item 8: an endless body stops being read at the cap."""
    def endless() -> Iterator[bytes]:
        while True:
            yield b"\0" * 65536

    streams: list[_Stream] = []

    def handler(req: httpx.Request) -> httpx.Response:
        streams.append(_Stream(endless()))
        return httpx.Response(200, stream=streams[-1])

    with GitHubClient("https://api.test", transport=httpx.MockTransport(handler)) as gh, \
            pytest.raises(GitHubError, match="is over 750000 bytes; refusing to read more"):
        gh.blob("o", "r", "f" * 40, max_bytes=750_000)
    assert len(streams) == 1 and streams[0].read < 1_200_000  # the endless body was abandoned


# ---------------------------------------------------------------- whole commands


@pytest.mark.parametrize("fault", ["trickle", "hang"])
def test_a_command_against_a_slow_server_ends_with_exit_2_naming_the_endpoint(
        github: FakeGitHub, use_github, capsys, short: None, fault: str) -> None:
    github.add_repo_from_dir("acme", "slow", FILES)
    use_github(github)
    assert run(capsys, "registry", "add", "acme/slow")[0] == 0
    if fault == "trickle":
        github.trickle("/git/trees/", 0.3)
    else:
        github.hang("/git/trees/", 60)
    code, _, err, took = run(capsys, "browse", "slow-market")
    github.clear_faults()
    assert code == 2
    lines = err.strip().splitlines()
    assert lines[-1].startswith("skill-studio: slow-market: GitHub did not answer in time while fetching the "
                                "file tree of acme/slow@")
    assert f"{github.base_url}/repos/acme/slow/git/trees/" in lines[-1]
    assert any(line.startswith("skill-studio: waiting for GitHub… (attempt 1 of 4: the file tree of acme/slow@")
               for line in lines[:-1])
    assert took < 2.0 * 2 + 2  # one deadline for the tree (and one for the cache check at most)


def test_an_import_of_a_file_bigger_than_the_tree_says_is_refused(
        github: FakeGitHub, use_github, capsys, monkeypatch: pytest.MonkeyPatch, isolated_home: Path) -> None:
    """Item 8 end to end: the tree calls big.bin 10 bytes (then gives no size): the import stops
    reading at the cap and installs nothing."""
    from skill_studio.app import studio as studio_module
    github.add_repo_from_dir("acme", "slow", FILES)
    use_github(github)
    assert run(capsys, "registry", "add", "acme/slow")[0] == 0
    monkeypatch.setattr(studio_module, "MAX_IMPORT_FILE_BYTES", 100_000)
    snapshots = set((isolated_home / "data" / "snapshots").iterdir())
    big_sha = git_blob_sha(FILES["tools/skills/alpha/big.bin"])
    for size in (10, None):
        github.misreport_size(big_sha, size)
        github.reset_counters()
        code, _, err, _ = run(capsys, "import", "slow-market", "tools:alpha", "--to", "library")
        # asked for once (raw host or blob endpoint): after the raw host refused it as too large,
        # the blob endpoint would be just as large
        assert github.count("big.bin") + github.count(f"/git/blobs/{big_sha}") == 1
        assert code == 1, err
        assert "big.bin in acme/slow is over 100000 bytes" in err
        assert "Files over 100000 bytes are not imported (R-DATA-2)." in err
        assert not (isolated_home / "data" / "skills" / "library" / "alpha").exists()
        assert set((isolated_home / "data" / "snapshots").iterdir()) == snapshots


def test_a_skill_md_over_the_listing_cap_that_the_tree_calls_small_is_one_excluded_skill(
        github: FakeGitHub, use_github, capsys) -> None:
    """Issue 16 leftover (R-FM-2, R-DIS-4): a SKILL.md the tree calls 10 bytes but that is over the
    1 MiB listing cap excludes that one skill with its reason; the rest of the catalog is listed (it
    used to fail the registry's whole listing, exit 2)."""
    from skill_studio.core.frontmatter import MAX_SKILL_MD_BYTES
    catalog = {"name": "big-market", "owner": {"name": "T"},
               "plugins": [{"name": "tools", "source": "./tools", "skills": ["./skills/alpha", "./skills/huge"]}]}
    huge = "---\nname: huge\ndescription: Huge.\n---\n" + "x" * (MAX_SKILL_MD_BYTES + 10)
    github.add_repo_from_dir("acme", "big", {".claude-plugin/marketplace.json": json.dumps(catalog),
                                             "tools/skills/alpha/SKILL.md": FILES["tools/skills/alpha/SKILL.md"],
                                             "tools/skills/huge/SKILL.md": huge})
    github.misreport_size(git_blob_sha(huge.encode()), 10)
    use_github(github)
    assert run(capsys, "registry", "add", "acme/big")[0] == 0
    code, out, err, _ = run(capsys, "browse", "big-market", "--json")
    assert code == 0, err
    doc = json.loads(out)
    result = doc["registries"][0] if "registries" in doc else doc
    assert [s["qualified_name"] for s in result["skills"]] == ["tools:alpha"]
    assert [(e["path"], e["reason"]) for e in result["excluded"]] == [
        ("tools/skills/huge", f"tools/skills/huge/SKILL.md: too large to list (over the limit of "
                              f"{MAX_SKILL_MD_BYTES} bytes)")]
