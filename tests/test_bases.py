"""Pristine upstream copies of installed skills (core/bases.py, issue 13): the base of a merge."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from skill_studio.core.installer import Installer
from skill_studio.core.models import Destination
from skill_studio.core.paths import AppPaths
from skill_studio.core.store import Store

UPSTREAM = {"SKILL.md": b"---\nname: notes\ndescription: Upstream words.\n---\n# Notes\n", "ref.md": b"r\n"}
WRITTEN = {**UPSTREAM, "SKILL.md": b"---\nname: notes\ndescription: My words.\n---\n# Notes\n"}
ROW = {"name": "notes", "description": "My words.", "version": "1.0.0", "origin": "marketplace"}


@pytest.fixture
def installer(tmp_path: Path) -> Installer:
    paths = AppPaths(tmp_path / "data", tmp_path / "config", tmp_path / "cache").ensure()
    store = Store(paths.database, paths.skills_dir)
    yield Installer(paths, store)
    store.close()


def test_the_base_is_the_upstream_copy_not_what_was_written(installer: Installer) -> None:
    skill = installer.install(WRITTEN, Destination.LIBRARY, "notes", ROW, upstream_files=UPSTREAM)
    assert installer.bases.files(skill) == UPSTREAM
    assert installer.snapshot_files(skill.snapshot_hash) == WRITTEN
    assert not installer.is_customized(skill)  # the snapshot is what was written


def test_the_base_follows_updates_and_rollbacks(installer: Installer) -> None:
    installer.install(WRITTEN, Destination.LIBRARY, "notes", ROW, upstream_files=UPSTREAM)
    v2 = {**UPSTREAM, "ref.md": b"r2\n"}
    updated = installer.install(v2, Destination.LIBRARY, "notes", {**ROW, "version": "2.0.0"}, replace=True,
                                kind="update")
    assert installer.bases.files(updated) == v2
    restored = installer.rollback(Destination.LIBRARY, "notes")
    assert installer.bases.files(restored) == UPSTREAM


def test_a_snapshot_apart_from_the_written_files(installer: Installer) -> None:
    merged = {**WRITTEN, "mine.md": b"my notes\n"}
    skill = installer.install(merged, Destination.LIBRARY, "notes", ROW, upstream_files=UPSTREAM,
                              snapshot_files=WRITTEN)
    assert installer.snapshot_files(skill.snapshot_hash) == WRITTEN
    assert installer.is_customized(skill)  # the extra file is a local edit
    assert installer.bases.files(skill) == UPSTREAM


def test_skills_installed_before_bases_existed_fall_back_to_their_snapshot(installer: Installer) -> None:
    skill = installer.install(UPSTREAM, Destination.SETTINGS, "notes", ROW)
    shutil.rmtree(installer.bases.root)
    assert installer.bases.base_hash(skill) is None
    assert installer.bases.files(skill) == UPSTREAM
    shutil.rmtree(installer.paths.snapshots / skill.snapshot_hash)
    assert installer.bases.files(skill) is None


def test_bad_hashes_are_refused(installer: Installer) -> None:
    with pytest.raises(ValueError):
        installer.bases.record(Destination.LIBRARY, "notes", "../../x", "0" * 64)
