"""Issue 18: read-ahead of raw files (``github.Prefetch``) never makes a reader wait for queued work."""

from __future__ import annotations

import threading

from skill_studio.core.github import Prefetch
from skill_studio.core.hashing import git_blob_sha


class _Client:
    raw_concurrency = 1

    def raw_parallelism(self) -> int:
        return self.raw_concurrency

    def __init__(self) -> None:
        self.release = threading.Event()
        self.started = threading.Event()
        self.asked: list[str] = []
        self._raw_lock = threading.Lock()
        self._raw_off: set[tuple[str, str]] = set()

    def _raw_url(self, owner: str, repo: str, commit: str, path: str) -> str:
        return path

    def _raw_get(self, url: str, what: str, max_bytes: int | None = None) -> bytes:
        self.asked.append(url)
        self.started.set()
        assert self.release.wait(10)
        return url.encode()


def test_take_waits_for_a_running_download_and_makes_a_queued_one_itself() -> None:
    client = _Client()
    with Prefetch(client, "o", "r", "c" * 40, ["a", "b"]) as ahead:  # type: ignore[arg-type]
        assert client.started.wait(10)  # "a" runs (one at a time); "b" is queued behind it
        reader, got = threading.Thread(target=lambda: got.append(ahead.take("b", git_blob_sha(b"b")))), []
        reader.start()
        reader.join(0.5)  # "b" is fetched by the reader itself, not after "a"
        assert client.asked == ["a", "b"]
        client.release.set()
        reader.join(10)
        assert got == [b"b"] and ahead.take("a", git_blob_sha(b"a")) == b"a"
    assert client.asked == ["a", "b"]  # each requested once


def test_known_files_are_read_ahead_after_guesses_stop() -> None:
    client = _Client()
    client.release.set()
    with Prefetch(client, "o", "r", "c" * 40, []) as ahead:  # type: ignore[arg-type]
        ahead._guesses_stopped = True
        ahead.add(["x"])  # a guess: skipped
        ahead.add(["y"], known=True)  # listed in the tree: read
        assert client.started.wait(10)
        assert ahead.take("y", git_blob_sha(b"y")) == b"y"
        assert ahead.take("x", git_blob_sha(b"x")) is None
    assert "x" not in client.asked


def test_abort_wakes_a_raw_download_waiting_for_an_answer(github) -> None:
    """Issue 15's rule holds for the urllib3 raw downloads of issue 18."""
    import time

    from test_cancel import FILES, in_thread

    from skill_studio.core.errors import CancelledError
    from skill_studio.core.github import GitHubClient

    sha = github.add_repo_from_dir("acme", "skills", FILES)
    github.hang("/_raw/", 60)
    client = GitHubClient(github.base_url, retries=3)
    assert client._raw_pool is not None
    url = f"{github.origin}/_raw/acme/skills/{sha}/tools/skills/alpha/SKILL.md"
    t, out = in_thread(lambda: client._raw_get(url, "SKILL.md"))
    time.sleep(0.5)
    client.abort()
    t.join(2.0)
    assert not t.is_alive(), "the download was still waiting 2 s after abort()"
    assert isinstance(out["error"], CancelledError), out
    client.close()
