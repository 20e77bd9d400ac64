"""core.gcpause (issue 18): automatic garbage collection is held off while a big answer is parsed
and converted, and comes back exactly as it was."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import httpx
import pytest

from skill_studio.core.gcpause import gc_paused
from skill_studio.core.github import GitHubClient


@pytest.fixture(autouse=True)
def _collection_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_a_pause_holds_collection_off_and_nested_pauses_share_it() -> None:
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled(), "the inner pause ended; the outer one still holds"
    assert gc.isenabled()


def test_collection_turned_off_elsewhere_stays_off() -> None:
    gc.disable()
    with gc_paused():
        assert not gc.isenabled()
    assert not gc.isenabled(), "the pause never turns on what it did not turn off"


def test_an_error_inside_ends_the_pause() -> None:
    with pytest.raises(ValueError), gc_paused():
        raise ValueError("boom")
    assert gc.isenabled()


def test_pauses_in_two_threads_end_when_the_last_does() -> None:
    inside, release = threading.Event(), threading.Event()

    def other() -> None:
        with gc_paused():
            inside.set()
            release.wait(5)

    t = threading.Thread(target=other)
    t.start()
    assert inside.wait(5)
    with gc_paused():
        pass
    assert not gc.isenabled(), "the other thread's pause still holds"
    release.set()
    t.join(5)
    assert gc.isenabled()


def test_a_tree_is_parsed_and_converted_with_collection_held_off(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    real_entries = GitHubClient._entries

    def entries(items, prefix):  # type: ignore[no-untyped-def]
        seen.append(gc.isenabled())
        return real_entries(items, prefix)

    monkeypatch.setattr(GitHubClient, "_entries", staticmethod(entries))

    def handler(req: httpx.Request) -> httpx.Response:
        seen.append(gc.isenabled())  # the request itself: not paused
        return httpx.Response(200, json={"sha": "t" * 40, "truncated": False, "tree": [
            {"path": "skills/pdf/SKILL.md", "mode": "100644", "type": "blob", "sha": "a" * 40, "size": 3}]})

    with GitHubClient("https://api.test", transport=httpx.MockTransport(handler), sleep=lambda s: None) as gh:
        tree = gh.tree("acme", "skills", "c" * 40)
    assert [e.path for e in tree.entries] == ["skills/pdf/SKILL.md"]
    assert seen == [True, False]
    assert gc.isenabled()
