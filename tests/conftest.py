"""Shared fixtures: an isolated SKILL_STUDIO_HOME per test, the shared fixtures folder, a fake GitHub."""

from __future__ import annotations

import os
from pathlib import Path

import keyring
import keyring.core
import pytest
from memory_keyring import MemoryKeyring

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SHARED = Path(__file__).resolve().parents[2] / "shared"
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
    from fake_github import FakeGitHub

    require_shared()
    with FakeGitHub() as gh:
        gh.add_fixtures(SHARED / "fixtures")
        yield gh


@pytest.fixture
def github():
    """A fresh, empty fake GitHub for one test (push repos, inject faults freely)."""
    from fake_github import FakeGitHub

    with FakeGitHub() as gh:
        yield gh


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
