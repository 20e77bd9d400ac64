"""Issue 18: warm checks of external plugins stay cheap (core.external ref memory).

An unpinned external ref is asked again at most once per interval unless the caller forces it; a
repository or ref that answered 404 is remembered with the time of the check (shown as "not found,
checked N minutes ago"), asked again by a per-plugin retry, after a day, or once a token is there;
the memory survives a restart (``cache/external/refs.json``).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from test_external import MARKET, TOOLS, acme  # noqa: F401 - the acme fixture

from skill_studio.core.external import (
    NOT_FOUND_RECHECK_SECONDS,
    ExternalCache,
    RefCheck,
    describe_unavailable,
    resolve_external,
)
from skill_studio.core.external_cache import DiskExternalCache
from skill_studio.core.github import GitHubClient
from skill_studio.core.models import UnavailablePlugin
from skill_studio.app.studio import SkillStudio

GONE = 4  # catalog index of {"name": "gone", "source": {"source": "github", "repo": "acme/missing"}}


def _commits(server) -> int:
    return server.count("/repos/acme/tools/commits/") + server.count("/repos/acme/missing/commits/")


def _resolve(studio: SkillStudio, local, **kwargs):
    return resolve_external(local, studio.client, cache=studio.external_cache, **kwargs)


def test_interval_force_and_retry(acme) -> None:  # noqa: F811
    t0 = 1_000_000.0
    with SkillStudio() as studio:
        local = studio.list_registry(MARKET, external=False)
        acme.reset_counters()
        first = _resolve(studio, local, clock=lambda: t0)
        assert _commits(acme) == 3  # tools@default, tools@nope, missing@default
        gone = next(u for u in first.unavailable_plugins if u.index == GONE)
        assert gone.checked_at == datetime.fromtimestamp(t0, tz=timezone.utc)

        acme.reset_counters()
        warm = _resolve(studio, local, clock=lambda: t0 + 599)
        assert _commits(acme) == 0 and warm.skills == first.skills
        assert warm.unavailable_plugins == first.unavailable_plugins

        acme.reset_counters()
        _resolve(studio, local, clock=lambda: t0 + 601)  # the interval has passed: found refs only
        assert acme.count("/repos/acme/tools/commits/HEAD") == 1 and _commits(acme) == 1

        acme.reset_counters()
        _resolve(studio, local, clock=lambda: t0 + 602, force=True)  # a reload: found refs again
        assert _commits(acme) == 1

        acme.reset_counters()
        retried = _resolve(studio, local, clock=lambda: t0 + 603, retry=[GONE])  # Retry on "gone"
        assert acme.count("/repos/acme/missing/commits/") == 1 and _commits(acme) == 1
        again = next(u for u in retried.unavailable_plugins if u.index == GONE)
        assert again.checked_at == datetime.fromtimestamp(t0 + 603, tz=timezone.utc)

        acme.reset_counters()
        _resolve(studio, local, clock=lambda: t0 + 603 + NOT_FOUND_RECHECK_SECONDS)  # a day later
        assert acme.count("/repos/acme/missing/commits/") == 1


def test_a_token_asks_remembered_404s_again(acme, monkeypatch) -> None:  # noqa: F811
    with SkillStudio() as studio:
        local = studio.list_registry(MARKET, external=False)
        _resolve(studio, local)
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_test")
    acme.reset_counters()
    with SkillStudio() as studio:  # a restart with a token: anonymous 404s are not trusted
        local = studio.list_registry(MARKET, external=False)
        _resolve(studio, local)
        assert acme.count("/repos/acme/missing/commits/") == 1
        assert acme.count("/repos/acme/tools/commits/nope") == 1
        assert acme.count("/repos/acme/tools/commits/HEAD") == 0  # found refs are still fresh
        acme.reset_counters()
        _resolve(studio, local)  # now seen with the token: remembered again
        assert _commits(acme) == 0


def test_memory_survives_a_restart_and_forget_not_found(acme) -> None:  # noqa: F811
    with SkillStudio() as studio:
        cold = studio.list_registry(MARKET)
        root = studio.paths.cache / "external"
    doc = json.loads((root / "refs.json").read_text())
    assert doc["format"] == 1 and len(doc["refs"]) == 4  # tools@default, and three 404s:
    assert sorted(r[3] is None for r in doc["refs"]) == [False, True, True, True]  # missing, nope, 000…

    acme.reset_counters()
    with SkillStudio() as studio:
        warm = studio.list_registry(MARKET)
        assert acme.request_count == 1  # the registry's own commit check, nothing else
        assert [s.qualified_name for s in warm.skills] == [s.qualified_name for s in cold.skills]
        assert isinstance(studio.external_cache, DiskExternalCache)
        assert studio.external_cache.forget_not_found() == 3
    doc = json.loads((root / "refs.json").read_text())
    assert [r[3] is None for r in doc["refs"]] == [False]


def test_pinned_missing_commit_is_remembered(github, use_github) -> None:
    c1 = github.add_repo_from_dir("acme", "tools", TOOLS)
    market = {".claude-plugin/marketplace.json": json.dumps({"name": "m", "plugins": [
        {"name": "badsha", "source": {"source": "github", "repo": "acme/tools", "sha": "0" * 40}},
        {"name": "ok", "source": {"source": "github", "repo": "acme/tools", "sha": c1}}]})}
    github.add_repo_from_dir("acme", "market", market)
    use_github(github)
    with SkillStudio() as studio:
        local = studio.list_registry(MARKET, external=False)
        first = _resolve(studio, local)
        assert [u.index for u in first.unavailable_plugins] == [0] and first.unavailable_plugins[0].checked_at
        github.reset_counters()
        second = _resolve(studio, local)
        assert github.request_count == 0 and second.unavailable_plugins == first.unavailable_plugins


def test_a_memory_without_refs_still_works(acme) -> None:  # noqa: F811
    """A cache without ref memory (any TreeBlobCache) asks every time, as before."""

    class TreesOnly:
        def __init__(self) -> None:
            self.inner = ExternalCache()

        def get_tree(self, *a):
            return self.inner.get_tree(*a)

        def put_tree(self, *a):
            self.inner.put_tree(*a)

        def get_blob(self, *a):
            return self.inner.get_blob(*a)

        def put_blob(self, *a):
            self.inner.put_blob(*a)

    cache = TreesOnly()
    with SkillStudio() as studio:
        local = studio.list_registry(MARKET, external=False)
        with GitHubClient(acme.base_url) as client:
            resolve_external(local, lambda host: client, cache=cache)
            acme.reset_counters()
            resolve_external(local, lambda host: client, cache=cache)
    assert _commits(acme) == 3


def test_describe_unavailable() -> None:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
    plain = UnavailablePlugin("x", {}, "o/r: GitHub did not answer")
    assert describe_unavailable(plain, now) == "o/r: GitHub did not answer"
    seen = UnavailablePlugin("x", {}, "o/r not found", checked_at=now - timedelta(minutes=5, seconds=3))
    assert describe_unavailable(seen, now) == "o/r not found (not found, checked 5 minutes ago)"
    assert describe_unavailable(UnavailablePlugin("x", {}, "r", checked_at=now), now).endswith(
        "checked less than a minute ago)")
    assert RefCheck(None, 0.0).found is False and RefCheck("a" * 40, 0.0).found


def test_app_reload_retry_and_new_token(acme) -> None:  # noqa: F811
    """The application layer: ``reload`` re-checks found refs, ``retry_external`` one plugin,
    ``invalidate_clients`` (a token saved or forgotten) forgets remembered 404s."""
    with SkillStudio() as studio:
        first = studio.list_registry(MARKET)
        acme.reset_counters()
        studio.list_registry(MARKET, reload=True)
        assert acme.count("/repos/acme/tools/commits/HEAD") == 1 and acme.count("/repos/acme/missing/") == 0

        acme.reset_counters()
        retried = studio.retry_external(first, [GONE])
        assert acme.count("/repos/acme/missing/commits/") == 1 and acme.count("/repos/acme/tools/") == 0
        assert [u.index for u in retried.unavailable_plugins] == [u.index for u in first.unavailable_plugins]
        assert [s.qualified_name for s in retried.skills] == [s.qualified_name for s in first.skills]
        assert studio.retry_external(first, [999]) is first

        studio.invalidate_clients()
        acme.reset_counters()
        studio.list_registry(MARKET)
        assert acme.count("/repos/acme/missing/commits/") == 1  # asked again after the token change
        assert acme.count("/repos/acme/tools/commits/HEAD") == 0  # found refs stay fresh
