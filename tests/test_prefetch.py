"""Issue 18: read-ahead of raw files (``github.Prefetch``) never makes a reader wait for queued work."""

from __future__ import annotations

import threading

from skill_studio.core.github import Prefetch
from skill_studio.core.hashing import git_blob_sha


class _Client:
    raw_concurrency = 1

    def __init__(self) -> None:
        self.release = threading.Event()
        self.started = threading.Event()
        self.asked: list[str] = []
        self._raw_lock = threading.Lock()
        self._raw_off: set[tuple[str, str]] = set()

    def _raw_url(self, owner: str, repo: str, commit: str, path: str) -> str:
        return path

    def _raw_get(self, url: str, what: str) -> bytes:
        self.asked.append(url)
        self.started.set()
        assert self.release.wait(10)
        return url.encode()


def test_take_waits_for_a_running_download_but_not_for_a_queued_one() -> None:
    client = _Client()
    with Prefetch(client, "o", "r", "c" * 40, ["a", "b"]) as ahead:  # type: ignore[arg-type]
        assert client.started.wait(10)  # "a" runs (one at a time); "b" is queued
        assert ahead.take("b", git_blob_sha(b"b")) is None  # not started: the reader fetches it itself
        client.release.set()
        assert ahead.take("a", git_blob_sha(b"a")) == b"a"
    assert client.asked == ["a"]  # "b" was never requested twice


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
