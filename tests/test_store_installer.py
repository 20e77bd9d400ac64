"""SQLite store and the atomic installer: snapshots, collisions, customized detection, rollback, recovery."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from skill_studio.core.errors import CollisionError, InstallError, RegistryError
from skill_studio.core.installer import Installer, check_relative_path, content_hash, read_folder
from skill_studio.core.models import Destination, RegistrySource
from skill_studio.core.paths import AppPaths
from skill_studio.core.store import SCHEMA_VERSION, DatabaseError, Store

SKILL = b"---\nname: tidy-notes\ndescription: Tidy meeting notes into decisions and actions.\n---\n# Tidy notes\n"


@pytest.fixture
def env(tmp_path: Path) -> tuple[AppPaths, Store, Installer]:
    paths = AppPaths(tmp_path / "data", tmp_path / "config", tmp_path / "cache").ensure()
    store = Store(paths.database, paths.skills_dir)
    yield paths, store, Installer(paths, store)
    store.close()


def row(version: str = "1.0.0") -> dict:
    return {"name": "tidy-notes", "description": "Tidy notes.", "version": version, "origin": "marketplace",
            "repo": "acme/skills", "source_path": "skills/tidy-notes", "qualified_name": "notes:tidy-notes"}


def test_schema_version_wal_and_busy_timeout(env) -> None:
    paths, store, _ = env
    assert store.schema_version == SCHEMA_VERSION
    assert store._query("PRAGMA journal_mode")[0][0] == "wal"
    assert store._query("PRAGMA busy_timeout")[0][0] >= 5000


def test_newer_database_is_refused(env, tmp_path: Path) -> None:
    paths, store, _ = env
    store._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    store.close()
    with pytest.raises(DatabaseError, match="newer Skill Studio"):
        Store(paths.database, paths.skills_dir)


def test_registries_unique_and_default_protected(env) -> None:
    _, store, _ = env
    src = RegistrySource("github.com", "acme", "skills")
    d = store.add_registry("acme", src, is_default=True)
    with pytest.raises(RegistryError, match="already configured"):
        store.add_registry("again", src)
    other = store.add_registry("other", RegistrySource("github.com", "acme", "more"))
    with pytest.raises(RegistryError, match="cannot be removed"):
        store.remove_registry(d.id)
    store.update_registry(other.id, enabled=False)
    assert [r.enabled for r in store.registries()] == [True, False]
    store.remove_registry(other.id)
    assert [r.name for r in store.registries()] == ["acme"]


def test_content_hash_sees_every_change() -> None:
    base = {"SKILL.md": SKILL, "references/a.md": b"a"}
    h = content_hash(base)
    assert content_hash(dict(reversed(list(base.items())))) == h
    assert content_hash({**base, "references/a.md": b"b"}) != h
    assert content_hash({**base, "new.txt": b""}) != h
    assert content_hash({"SKILL.md": SKILL}) != h
    assert content_hash({"SKILL.md": SKILL, "references/b.md": b"a"}) != h


@pytest.mark.parametrize("bad", ["", "/etc/passwd", "../x", "a/../../x", "a\\b", "C:/x", "./a", "a//b"])
def test_unsafe_relative_paths_refused(bad: str) -> None:
    with pytest.raises(InstallError):
        check_relative_path(bad)


def test_install_writes_folder_snapshot_and_row(env) -> None:
    paths, store, inst = env
    files = {"SKILL.md": SKILL, "references/guide.md": b"guide", "scripts/run.sh": b"echo hi\n"}
    s = inst.install(files, Destination.LIBRARY, "tidy-notes", row())
    assert Path(s.path) == paths.skills_dir(Destination.LIBRARY) / "tidy-notes"
    assert read_folder(Path(s.path)) == files
    assert s.snapshot_hash == content_hash(files)
    assert inst.snapshot_files(s.snapshot_hash) == files
    assert not inst.is_customized(s)
    assert list(paths.staging.iterdir()) == []


def test_collision_refused_and_nothing_changes(env) -> None:
    paths, store, inst = env
    first = inst.install({"SKILL.md": SKILL}, Destination.LIBRARY, "tidy-notes", row())
    before = read_folder(Path(first.path))
    with pytest.raises(CollisionError, match="already installed"):
        inst.install({"SKILL.md": b"other"}, Destination.LIBRARY, "tidy-notes", row("2.0.0"))
    assert read_folder(Path(first.path)) == before
    assert store.skill(Destination.LIBRARY, "tidy-notes").version == "1.0.0"
    # the other destination is independent
    inst.install({"SKILL.md": SKILL}, Destination.SETTINGS, "tidy-notes", row())
    assert len(store.skills()) == 2


def test_customized_needs_force_and_backup_restores_edit(env) -> None:
    paths, store, inst = env
    s = inst.install({"SKILL.md": SKILL}, Destination.LIBRARY, "tidy-notes", row())
    edited = SKILL + b"\nMy own rule.\n"
    Path(s.path, "SKILL.md").write_bytes(edited)
    Path(s.path, "notes.md").write_bytes(b"mine")
    assert inst.is_customized(store.skill(Destination.LIBRARY, "tidy-notes"))
    new = {"SKILL.md": SKILL.replace(b"# Tidy", b"# Tidier")}
    with pytest.raises(InstallError, match="customized"):
        inst.install(new, Destination.LIBRARY, "tidy-notes", row("2.0.0"), replace=True)
    assert Path(s.path, "SKILL.md").read_bytes() == edited
    upgraded = inst.install(new, Destination.LIBRARY, "tidy-notes", row("2.0.0"), replace=True, force=True, kind="update")
    assert read_folder(Path(upgraded.path)) == new
    assert upgraded.version == "2.0.0"
    back = inst.rollback(Destination.LIBRARY, "tidy-notes")
    assert back.version == "1.0.0"
    assert read_folder(Path(back.path)) == {"SKILL.md": edited, "notes.md": b"mine"}
    # a rollback can itself be rolled back
    again = inst.rollback(Destination.LIBRARY, "tidy-notes")
    assert again.version == "2.0.0"
    assert read_folder(Path(again.path)) == new


def test_failed_database_write_restores_previous_folder(env, monkeypatch: pytest.MonkeyPatch) -> None:
    paths, store, inst = env
    s = inst.install({"SKILL.md": SKILL}, Destination.LIBRARY, "tidy-notes", row())

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Store, "upsert_skill_tx", staticmethod(boom))
    with pytest.raises(RuntimeError):
        inst.install({"SKILL.md": b"new"}, Destination.LIBRARY, "tidy-notes", row("2.0.0"), replace=True)
    assert read_folder(Path(s.path)) == {"SKILL.md": SKILL}
    assert store.skill(Destination.LIBRARY, "tidy-notes").version == "1.0.0"
    assert list(paths.staging.iterdir()) == []


def test_recover_undoes_an_interrupted_swap(env) -> None:
    paths, store, inst = env
    s = inst.install({"SKILL.md": SKILL}, Destination.LIBRARY, "tidy-notes", row())
    # Simulate a crash after step 3 (old folder moved to backup) and before the database commit.
    op = paths.staging / "op-crashed"
    (op / "new").mkdir(parents=True)
    backup = paths.backups / "library" / "tidy-notes" / "crash"
    backup.parent.mkdir(parents=True)
    os.rename(s.path, backup)
    (op / "intent.json").write_text(json.dumps({
        "destination": "library", "local_name": "tidy-notes", "final": s.path, "backup": str(backup),
        "snapshot_hash": "0" * 64}))
    (paths.staging / "snap-leftover").mkdir()
    messages = inst.recover()
    assert messages and "undone" in messages[0]
    assert read_folder(Path(s.path)) == {"SKILL.md": SKILL}
    assert list(paths.staging.iterdir()) == []


def test_remove(env) -> None:
    paths, store, inst = env
    s = inst.install({"SKILL.md": SKILL}, Destination.LIBRARY, "tidy-notes", row())
    backup = inst.remove(Destination.LIBRARY, "tidy-notes")
    assert not Path(s.path).exists()
    assert store.skill(Destination.LIBRARY, "tidy-notes") is None
    # the folder is kept as a backup (issue 15), outside the skills folder
    assert backup is not None and backup.parent == paths.backups / "library" / "tidy-notes"
    assert read_folder(backup) == {"SKILL.md": SKILL}
    with pytest.raises(InstallError, match="No skill named"):
        inst.remove(Destination.LIBRARY, "tidy-notes")


@pytest.mark.parametrize("name", ["Tidy", "-x", "x-", "a/b", "..", "a" * 65, ""])
def test_bad_local_names_refused(env, name: str) -> None:
    _, _, inst = env
    with pytest.raises(InstallError):
        inst.install({"SKILL.md": SKILL}, Destination.LIBRARY, name, row())
