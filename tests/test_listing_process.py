"""Cold listings in a child process (issue 18, ``app.listing_process``): the same listing as in this
process, typed errors with their attributes, progress on the calling thread, Cancel, and a child that
dies."""

from __future__ import annotations

import dataclasses
import json
import logging
import multiprocessing
import queue
import threading
import time
from datetime import datetime, timezone

import pytest

import skill_studio.app.studio as studio_module
from skill_studio.app.listing_process import ListingProcess, _pack_error, _unpack_error
from skill_studio.app.studio import SkillStudio
from skill_studio.core.cache import ListingCache, pruned
from skill_studio.core.errors import (
    CancelledError,
    CatalogError,
    GitHubError,
    ListingProcessError,
    RateLimitError,
)
from skill_studio.core.github import NOTICE_AFTER_S
from skill_studio.core.models import Listing
from skill_studio.core.sources import parse_registry_source

pytestmark = pytest.mark.integration

CATALOG = {"name": "acme-skills", "owner": {"name": "Acme"},
           "plugins": [{"name": "tools", "source": "./tools"}, {"name": "docs", "source": "./docs"}]}
FILES = {
    ".claude-plugin/marketplace.json": json.dumps(CATALOG),
    "tools/.claude-plugin/plugin.json": json.dumps({"name": "tools"}),
    "tools/skills/alpha/SKILL.md": "---\nname: alpha\ndescription: First.\nversion: 1.0.0\n---\n# alpha\n",
    "tools/skills/alpha/scripts/run.py": "print('alpha')\n",
    "tools/skills/beta/SKILL.md": "---\nname: beta\ndescription: Second.\n---\n# beta\n",
    "docs/skills/gamma/SKILL.md": "---\nname: gamma\ndescription: Third.\n---\n# gamma\n",
    "docs/README.md": "not a skill\n",
}


def comparable(listing: Listing) -> Listing:
    return dataclasses.replace(listing, fetched_at=None)


@pytest.fixture
def child_studio(github, use_github):
    """A studio listing in a child process, over a fake GitHub holding acme/skills."""
    github.add_repo_from_dir("acme", "skills", FILES)
    use_github(github)
    studio = SkillStudio()
    studio.use_listing_process()
    assert studio._listing_process is not None, "the listing process did not start"
    yield studio
    studio.close()


def refuse_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """Listing in this process fails: a listing that succeeds was made by the child."""
    def here(*args, **kwargs):
        raise AssertionError("listed in the GUI's process")

    monkeypatch.setattr(studio_module, "list_at_commit", here)


def test_the_child_lists_what_this_process_lists(child_studio, monkeypatch) -> None:
    here = SkillStudio(use_cache=False)
    try:
        expected = pruned(here.list_registry(parse_registry_source("acme/skills"), external=False))
    finally:
        here.close()
    refuse_here(monkeypatch)
    calls: list[tuple[int, int, int]] = []
    listing = child_studio.list_registry(child_studio.add_registry("acme/skills"),
                                         lambda d, t: calls.append((d, t, threading.get_ident())), external=False)
    assert comparable(listing) == comparable(expected)
    assert sorted(s.name for s in listing.skills) == ["alpha", "beta", "gamma"]
    tree = next(iter(listing.trees.values()))
    assert "tools/skills/alpha/scripts/run.py" in {e.path for e in tree.entries}
    assert "docs/README.md" not in {e.path for e in tree.entries}, "the tree crossed the pipe unpruned"
    assert calls and calls[-1][:2] == (calls[-1][1], calls[-1][1]), calls
    assert {c[2] for c in calls} == {threading.get_ident()}, "progress must be called on the listing's thread"
    assert child_studio.listing_cache is not None
    stored = ListingCache(child_studio.listing_cache.root).load(  # a new reader: from disk, not memory
        listing.source, child_studio.client(listing.source.host).api_base, listing.commit)
    assert stored is not None and comparable(stored) == comparable(listing), "the child did not store the listing"


def test_a_catalog_error_in_the_child_is_the_same_error(github, use_github, monkeypatch) -> None:
    github.add_repo_from_dir("acme", "skills", {"README.md": "no marketplace here\n"})
    use_github(github)
    here = SkillStudio(use_cache=False)
    with pytest.raises(CatalogError) as expected:
        here.list_registry(here.add_registry("acme/skills"), external=False)
    here.close()
    studio = SkillStudio()
    studio.use_listing_process()
    refuse_here(monkeypatch)
    try:
        with pytest.raises(CatalogError) as raised:
            studio.list_registry(studio.add_registry("acme/skills"), external=False)
    finally:
        studio.close()
    assert str(raised.value) == str(expected.value)


def test_errors_cross_the_pipe_with_their_class_and_attributes() -> None:
    reset = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
    err = _unpack_error(_pack_error(RateLimitError("GitHub's rate limit is used up.", 429, "/x", reset_at=reset)))
    assert type(err) is RateLimitError
    assert (str(err), err.status, err.url, err.reset_at) == ("GitHub's rate limit is used up.", 429, "/x", reset)
    err = _unpack_error(_pack_error(GitHubError("GitHub answered 502.", 502, "/y")))
    assert (type(err), err.status, err.url) == (GitHubError, 502, "/y")
    bug = _unpack_error(_pack_error(KeyError("name")))
    assert type(bug) is RuntimeError and "KeyError" in str(bug)


def test_a_progress_callback_that_raises_cancels_its_listing_only(child_studio, monkeypatch) -> None:
    refuse_here(monkeypatch)
    reg = child_studio.add_registry("acme/skills")

    def stop(done: int, total: int) -> None:
        raise CancelledError()

    with pytest.raises(CancelledError):
        child_studio.list_registry(reg, stop, external=False)
    listing = child_studio.list_registry(reg, external=False)  # the child serves the next one
    assert len(listing.skills) == 3


def test_cancel_requests_abandons_a_listing_in_the_child(child_studio, github) -> None:
    reg = child_studio.add_registry("acme/skills")
    github.hang("/git/trees/", 60)
    out: dict = {}

    def run() -> None:
        try:
            child_studio.list_registry(reg, external=False)
        except BaseException as err:  # noqa: BLE001 - recorded for the test
            out["error"] = err

    t = threading.Thread(target=run, daemon=True)
    t.start()
    github.wait_for_request("/git/trees/", timeout=10)
    start = time.monotonic()
    child_studio.cancel_requests()
    t.join(5)
    assert not t.is_alive(), "the listing still waited 5 s after Cancel"
    assert isinstance(out.get("error"), CancelledError), out
    assert time.monotonic() - start < 3


def test_a_child_that_dies_mid_listing_fails_that_listing_and_is_replaced(child_studio, github,
                                                                          monkeypatch) -> None:
    """What ended the child (a crash, memory exhausted, killed) is not run again in this process:
    the listing fails with ListingProcessError; the next one goes to a new child."""
    reg = child_studio.add_registry("acme/skills")
    lister = child_studio._listing_process
    assert lister is not None
    first = lister.pid
    github.hang("/git/trees/", 60, times=1)
    refuse_here(monkeypatch)
    out: dict = {}

    def run() -> None:
        try:
            out["listing"] = child_studio.list_registry(reg, external=False)
        except BaseException as err:  # noqa: BLE001 - recorded for the test
            out["error"] = err

    t = threading.Thread(target=run, daemon=True)
    t.start()
    github.wait_for_request("/git/trees/", timeout=10)
    lister._process.kill()
    t.join(15)
    assert not t.is_alive()
    err = out.get("error")
    assert isinstance(err, ListingProcessError), out
    assert "acme/skills" in str(err) and "Retry" in str(err), str(err)
    again = child_studio.list_registry(reg, external=False)  # Retry: a new child lists it
    assert len(again.skills) == 3
    assert lister.pid not in (None, first), "no new child after the first died"


def test_closing_under_a_waiting_listing_cancels_it(child_studio, github) -> None:
    """The app quits while a tab loads: the listing is cancelled, not reported as a failure."""
    reg = child_studio.add_registry("acme/skills")
    github.hang("/git/trees/", 60)
    out: dict = {}

    def run() -> None:
        try:
            child_studio.list_registry(reg, external=False)
        except BaseException as err:  # noqa: BLE001 - recorded for the test
            out["error"] = err

    t = threading.Thread(target=run, daemon=True)
    t.start()
    github.wait_for_request("/git/trees/", timeout=10)
    child_studio.use_listing_process(False)
    t.join(10)
    assert not t.is_alive()
    assert type(out.get("error")) is CancelledError, out


def test_close_stops_the_child_and_later_listings_run_here(github, use_github, caplog) -> None:
    github.add_repo_from_dir("acme", "skills", FILES)
    use_github(github)
    lister = ListingProcess()
    lister.start()
    process = lister._process
    assert process.is_alive()
    lister.close()
    assert not process.is_alive()
    studio = SkillStudio()
    try:
        studio._listing_process = lister  # a closed lister: the studio lists here, and says so
        with caplog.at_level(logging.WARNING, logger="skill_studio.app.studio"):
            assert len(studio.list_registry(studio.add_registry("acme/skills"), external=False).skills) == 3
        assert any("listing acme/skills in this process" in r.getMessage() for r in caplog.records)
    finally:
        studio._listing_process = None
        studio.close()


def test_a_child_that_ends_fails_only_the_listings_sent_to_it() -> None:
    """A new child may start before the old one's reader hears the end of its pipe: that reader
    must not fail the listings waiting on the new child."""
    lister = ListingProcess()
    old_end, old_child = multiprocessing.Pipe()
    new_end, new_child = multiprocessing.Pipe()
    old, new = queue.SimpleQueue(), queue.SimpleQueue()
    lister._jobs = {1: (old_end, old), 2: (new_end, new)}
    old_child.close()  # the old child is gone
    lister._read(old_end)
    assert old.get_nowait()[0] == "lost"
    assert new.empty(), "a listing of the new child was failed by the old child's end"
    for conn in (old_end, new_end, new_child):
        conn.close()


def test_a_slow_request_in_the_child_reaches_the_studios_notice(child_studio, github) -> None:
    """The child's "waiting for GitHub…" notices (issue 16 item 7) reach ``on_network_wait``."""
    notices: list[str] = []
    child_studio.on_network_wait = notices.append
    github.hang("/git/trees/", NOTICE_AFTER_S + 1.0, times=1)
    listing = child_studio.list_registry(child_studio.add_registry("acme/skills"), external=False)
    assert len(listing.skills) == 3
    assert any(n.startswith("waiting for GitHub") for n in notices), notices
