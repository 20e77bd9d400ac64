"""Cancelling requests (issue 15, Deliver 5): ``GitHubClient.abort`` and
``SkillStudio.cancel_requests`` abandon a hanging request within 2 s with ``CancelledError``, retry
nothing, and leave the studio usable with fresh clients."""

from __future__ import annotations

import json
import threading
import time

import pytest

from skill_studio.app.studio import SkillStudio
from skill_studio.core.errors import CancelledError, NetworkError
from skill_studio.core.github import GitHubClient
from skill_studio.core.sources import parse_registry_source

pytestmark = pytest.mark.integration

CATALOG = {"name": "acme-skills", "owner": {"name": "Acme"}, "plugins": [{"name": "tools", "source": "./tools"}]}
FILES = {".claude-plugin/marketplace.json": json.dumps(CATALOG),
         "tools/skills/alpha/SKILL.md": "---\nname: alpha\ndescription: First.\n---\n# alpha\n"}


def in_thread(fn) -> tuple[threading.Thread, dict]:
    out: dict = {}

    def run() -> None:
        start = time.monotonic()
        try:
            out["value"] = fn()
        except BaseException as err:  # noqa: BLE001 - recorded for the test
            out["error"] = err
        out["seconds"] = time.monotonic() - start

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, out


def test_abort_wakes_a_request_waiting_for_an_answer(github) -> None:
    github.add_repo_from_dir("acme", "skills", FILES)
    github.hang("/repos/acme/skills", 60)
    client = GitHubClient(github.base_url, retries=3)
    t, out = in_thread(lambda: client.resolve_commit("acme", "skills", None))
    time.sleep(0.5)
    client.abort()
    t.join(2.0)
    assert not t.is_alive(), "the request was still waiting 2 s after abort()"
    assert isinstance(out["error"], CancelledError), out
    assert str(out["error"]) == "Cancelled."
    with pytest.raises(CancelledError):  # later requests fail before they are sent
        client.resolve_commit("acme", "skills", None)
    client.close()


def test_closing_the_client_from_another_thread_is_a_cancellation(github) -> None:
    github.add_repo_from_dir("acme", "skills", FILES)
    client = GitHubClient(github.base_url)
    client.close()
    with pytest.raises(CancelledError):  # not httpx's RuntimeError("client has been closed")
        client.resolve_commit("acme", "skills", None)


def test_a_timeout_is_still_a_network_error(github) -> None:
    github.add_repo_from_dir("acme", "skills", FILES)
    github.hang("/repos/acme/skills", 5)
    client = GitHubClient(github.base_url, timeout=0.3, retries=0)
    with pytest.raises(NetworkError):
        client.resolve_commit("acme", "skills", None)
    client.close()


def test_cancel_requests_abandons_a_listing_and_the_studio_goes_on(github) -> None:
    github.add_repo_from_dir("acme", "skills", FILES)
    studio = SkillStudio(client_factory=lambda host: GitHubClient(github.base_url))
    try:
        source = parse_registry_source("acme/skills")
        github.hang("/repos/acme/skills", 60, times=1)
        t, out = in_thread(lambda: studio.list_registry(source))
        time.sleep(0.5)
        assert studio.cancel_requests() == 1
        t.join(2.0)
        assert not t.is_alive() and isinstance(out.get("error"), CancelledError), out
        listing = studio.list_registry(source)  # a fresh client: works again
        assert [s.name for s in listing.skills] == ["alpha"]
    finally:
        studio.close()
