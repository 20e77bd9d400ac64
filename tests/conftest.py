"""Shared fixtures: an isolated SKILL_STUDIO_HOME per test, the shared fixtures folder, a fake GitHub."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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
    monkeypatch.delenv("SKILL_STUDIO_GITHUB_API", raising=False)
    monkeypatch.delenv("SKILL_STUDIO_DEBUG", raising=False)
    return home
