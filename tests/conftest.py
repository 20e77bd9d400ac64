"""Shared fixtures: an isolated SKILL_STUDIO_HOME per test, the shared fixtures folder, a fake GitHub;
the GUI fixtures of ``tests/ui/uitools.py`` (a plugin); markers that match what a test starts."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.core
import pytest
from fake_github import SHARED, FakeGitHub, activity
from memory_keyring import MemoryKeyring

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# The GUI fixtures (studio, window, make_window, …) live in tests/ui/uitools.py, loaded as a plugin so
# test modules import only the helpers they use (no star imports). Not a second conftest.py: one
# outside a package would shadow this one for the ``from conftest import …`` of other test modules.
sys.path.insert(0, str(Path(__file__).resolve().parent / "ui"))
pytest_plugins = ["uitools"]

GUI_FIXTURES = frozenset({"qapp", "qtbot"})
FAKE_GITHUB_FIXTURES = frozenset({"github", "fixture_github"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Markers that match what a test starts: ``gui`` for every test that uses a Qt application
    (``qapp``/``qtbot``, directly or through another fixture), ``integration`` for every test that
    uses a fake GitHub fixture. So ``-m "not gui and not integration"`` is the fast unit subset.
    (A test that builds its own ``FakeGitHub`` is marked by hand; ``_markers_match`` checks it.)"""
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if names & GUI_FIXTURES and item.get_closest_marker("gui") is None:
            item.add_marker(pytest.mark.gui)
        if names & FAKE_GITHUB_FIXTURES and item.get_closest_marker("integration") is None:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(autouse=True)
def _markers_match(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fails a test that starts or talks to a fake GitHub server without the ``integration`` marker."""
    before = activity()
    yield
    if activity() != before and request.node.get_closest_marker("integration") is None:
        pytest.fail("this test starts or uses a fake GitHub server: mark it `integration`", pytrace=False)

MARKETPLACES = SHARED / "fixtures" / "marketplaces"
EXTERNAL = SHARED / "fixtures" / "external"


def marketplace_fixtures() -> list[Path]:
    """Folders of ../shared/fixtures/marketplaces (empty when ../shared is absent)."""
    return sorted(p for p in MARKETPLACES.iterdir() if p.is_dir()) if MARKETPLACES.is_dir() else []


def require_shared() -> None:
    """Skip the calling test when ../shared/fixtures is absent."""
    if not MARKETPLACES.is_dir():
        pytest.skip("../shared/fixtures/marketplaces is absent")


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own SKILL_STUDIO_HOME and no GitHub token or API override from the machine."""
    home = tmp_path / "home"
    monkeypatch.setenv("SKILL_STUDIO_HOME", str(home))
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.delenv("GITHUB_ENTERPRISE_TOKEN", raising=False)
    monkeypatch.delenv("SKILL_STUDIO_GITHUB_API", raising=False)
    monkeypatch.delenv("SKILL_STUDIO_DEBUG", raising=False)
    monkeypatch.setenv("SKILL_STUDIO_NO_BACKGROUND_REVIEW", "1")  # tests that count requests (issue 14)
    return home


@pytest.fixture(scope="session")
def fixture_github():
    """A fake GitHub serving every shared marketplace and external fixture (session-wide, read-only).

    Tests must not push to it or inject faults; use ``github`` for that.
    """
    require_shared()
    with FakeGitHub() as gh:
        gh.add_fixtures(SHARED / "fixtures")
        yield gh


@pytest.fixture(scope="session")
def _github_pool() -> Iterator[list[FakeGitHub]]:
    """The idle fake GitHub servers ``github`` hands out (at most one; stopped at session end)."""
    idle: list[FakeGitHub] = []
    yield idle
    for gh in idle:
        gh.stop()


@pytest.fixture
def github(_github_pool: list[FakeGitHub]) -> Iterator[FakeGitHub]:
    """An empty fake GitHub for one test (push repos, inject faults freely): as new as a fresh
    server — repositories, faults, tokens, records and settings are reset after each test — but
    reused across tests unless a test stopped it, left a request in flight or used latency/hang
    (then it is stopped, which wakes sleeping handlers, and the next test gets a new one)."""
    gh = _github_pool.pop() if _github_pool else FakeGitHub().start()
    try:
        yield gh
    finally:
        if gh.reset():
            _github_pool.append(gh)
        else:
            gh.stop()


@pytest.fixture
def use_github(monkeypatch: pytest.MonkeyPatch):
    """``use_github(server)`` points SKILL_STUDIO_GITHUB_API at a fake server for this test."""

    def point(server) -> str:
        monkeypatch.setenv("SKILL_STUDIO_GITHUB_API", server.base_url)
        return server.base_url

    return point


@pytest.fixture(autouse=True)
def memory_keyring(monkeypatch: pytest.MonkeyPatch):
    """Every test gets an empty in-memory keyring, so the user's real keyring is never read or
    written; subprocesses get the null backend. The previous backend is restored afterwards."""
    previous = getattr(keyring.core, "_keyring_backend", None)
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    yield backend
    keyring.core._keyring_backend = previous
