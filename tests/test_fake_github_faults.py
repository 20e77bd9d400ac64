"""The fake GitHub's switches added for the robustness tests: ``corrupt_blob`` and request arrivals."""

from __future__ import annotations

import threading

import httpx
from fake_github import FakeGitHub, git_blob_sha

RAW = {"Accept": "application/vnd.github.raw"}


def test_corrupt_blob_serves_other_bytes_under_the_same_sha(github: FakeGitHub) -> None:
    github.add_repo_from_dir("o", "r", {"a.md": "real\n", "b.md": "other\n"})
    sha = git_blob_sha(b"real\n")
    github.corrupt_blob(sha, b"fake\n")
    with httpx.Client(base_url=github.base_url) as c:
        tree = c.get("/repos/o/r/git/trees/HEAD", params={"recursive": "1"}).json()["tree"]
        assert {e["path"]: e["sha"] for e in tree}["a.md"] == sha  # the tree still lists the real SHA
        assert c.get(f"/repos/o/r/git/blobs/{sha}", headers=RAW).content == b"fake\n"
        assert c.get(f"/repos/o/r/git/blobs/{git_blob_sha(b'other' + bytes([10]))}", headers=RAW).content == b"other\n"
        github.clear_faults()
        assert c.get(f"/repos/o/r/git/blobs/{sha}", headers=RAW).content == b"real\n"


def test_a_hung_request_is_visible_on_arrival(github: FakeGitHub) -> None:
    github.add_repo_from_dir("o", "r", {"a.md": "x"})
    github.hang("/commits/", 30)
    assert github.arrived("/commits/") == 0
    assert not github.wait_for_request("/commits/", timeout=0.05)
    result: list[int] = []

    def call() -> None:
        with httpx.Client(base_url=github.base_url, timeout=5) as c:
            try:
                result.append(c.get("/repos/o/r/commits/HEAD").status_code)
            except httpx.HTTPError:
                result.append(0)

    t = threading.Thread(target=call)
    t.start()
    assert github.wait_for_request("/commits/", timeout=10)
    assert github.arrived("/commits/") == 1
    assert github.count("/commits/") == 0  # recorded only once answered
    github.stop()  # wakes the sleeping handler; the client sees a dropped connection
    t.join(10)
    assert result == [0]


def test_trickle_sends_the_body_slowly_but_completely(github: FakeGitHub) -> None:
    """Issue 16 item 7: a server that never stays quiet long enough for a read timeout."""
    import time
    github.add_repo_from_dir("o", "r", {"a.md": "0123456789\n"})
    sha = git_blob_sha(b"0123456789\n")
    github.trickle("/git/blobs/", 0.05, chunk=2, times=1)
    with httpx.Client(base_url=github.base_url, timeout=httpx.Timeout(0.5)) as c:
        start = time.monotonic()
        body = c.get(f"/repos/o/r/git/blobs/{sha}", headers=RAW).content
        took = time.monotonic() - start
        assert body == b"0123456789\n"
        assert took >= 0.25  # six chunks, 0.05 s apart; never silent for the 0.5 s read timeout
        start = time.monotonic()
        assert c.get(f"/repos/o/r/git/blobs/{sha}", headers=RAW).content == b"0123456789\n"  # times=1
        assert time.monotonic() - start < 0.25


def test_misreport_size_makes_trees_lie(github: FakeGitHub) -> None:
    """Issue 16 item 8: a tree's declared size is not the blob's."""
    github.add_repo_from_dir("o", "r", {"big.bin": b"x" * 1000, "b.md": "b\n"})
    sha = git_blob_sha(b"x" * 1000)
    with httpx.Client(base_url=github.base_url) as c:
        def sizes() -> dict:
            tree = c.get("/repos/o/r/git/trees/HEAD", params={"recursive": "1"}).json()["tree"]
            return {e["path"]: e.get("size", "absent") for e in tree}
        assert sizes()["big.bin"] == 1000
        github.misreport_size(sha, 10)
        assert sizes()["big.bin"] == 10
        github.misreport_size(sha, None)
        assert sizes()["big.bin"] == "absent"
        github.clear_faults()
        assert sizes()["big.bin"] == 1000
