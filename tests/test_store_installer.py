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


@pytest.mark.parametrize("name", ["Tidy", "-x", "x-", "a/b", "..", "a" * 65, "",
                                  # issue 16 item 5
                                  "pdf\n", "a--b", "con", "nul", "aux.md", "com1", "lpt9", "prn"])
def test_bad_local_names_refused(env, name: str) -> None:
    _, _, inst = env
    with pytest.raises(InstallError):
        inst.install({"SKILL.md": SKILL}, Destination.LIBRARY, name, row())



# ---------------------------------------------------------------- issue 16 item 4: relative backup paths


def _two_versions(root: Path) -> AppPaths:
    """A data folder under ``root`` holding tidy-notes 2.0.0 with 1.0.0 in its history."""
    paths = AppPaths(root / "data", root / "config", root / "cache").ensure()
    store = Store(paths.database, paths.skills_dir)
    inst = Installer(paths, store)
    inst.install({"SKILL.md": SKILL}, Destination.LIBRARY, "tidy-notes", row("1.0.0"))
    inst.install({"SKILL.md": SKILL + b"v2\n"}, Destination.LIBRARY, "tidy-notes", row("2.0.0"),
                 replace=True, kind="update")
    store.close()
    return paths


def _rollback(paths: AppPaths) -> str:
    store = Store(paths.database, paths.skills_dir)
    try:
        return Installer(paths, store).rollback(Destination.LIBRARY, "tidy-notes").version
    finally:
        store.close()


def _raw_backup_paths(paths: AppPaths) -> list[str]:
    import sqlite3
    db = sqlite3.connect(paths.database)
    try:
        return [r[0] for r in db.execute("SELECT backup_path FROM history")]
    finally:
        db.close()


def test_backup_paths_are_stored_relative_to_the_data_folder(tmp_path: Path) -> None:
    paths = _two_versions(tmp_path / "a")
    (stored,) = _raw_backup_paths(paths)
    assert stored.startswith("backups/library/tidy-notes/") and not Path(stored).is_absolute()


@pytest.mark.parametrize("how", ["moved", "copied"])
def test_rollback_after_moving_or_copying_the_data_folder(tmp_path: Path, how: str) -> None:
    import shutil
    original = _two_versions(tmp_path / "a")
    before = read_folder(original.data)
    if how == "moved":
        shutil.move(tmp_path / "a", tmp_path / "b")
    else:
        shutil.copytree(tmp_path / "a", tmp_path / "b")
    moved = AppPaths(tmp_path / "b" / "data", tmp_path / "b" / "config", tmp_path / "b" / "cache")
    assert _rollback(moved) == "1.0.0"
    assert read_folder(moved.skills_dir(Destination.LIBRARY) / "tidy-notes") == {"SKILL.md": SKILL}
    if how == "copied":  # the copy's rollback left the original alone
        assert read_folder(original.data) == before


def test_absolute_backup_paths_of_older_releases_are_migrated(tmp_path: Path) -> None:
    """History rows written with absolute paths (before issue 16), then the folder was moved."""
    import shutil
    import sqlite3
    paths = _two_versions(tmp_path / "a")
    db = sqlite3.connect(paths.database)
    db.execute("UPDATE history SET backup_path = ? || '/' || backup_path", (str(paths.data),))
    db.commit()
    db.close()
    assert Path(_raw_backup_paths(paths)[0]).is_absolute()
    shutil.move(tmp_path / "a", tmp_path / "b")
    moved = AppPaths(tmp_path / "b" / "data", tmp_path / "b" / "config", tmp_path / "b" / "cache")
    Store(moved.database, moved.skills_dir).close()  # opening migrates
    (stored,) = _raw_backup_paths(moved)
    assert stored.startswith("backups/library/tidy-notes/")
    assert _rollback(moved) == "1.0.0"


def test_intent_paths_are_relative(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = AppPaths(tmp_path / "data", tmp_path / "config", tmp_path / "cache").ensure()
    store = Store(paths.database, paths.skills_dir)
    inst = Installer(paths, store)
    inst.install({"SKILL.md": SKILL}, Destination.LIBRARY, "tidy-notes", row("1.0.0"))
    seen: list[dict] = []
    real = os.rename

    def spy(src, dst):  # noqa: ANN001 - os.rename's signature
        for intent in paths.staging.glob("*/intent.json"):
            seen.append(json.loads(intent.read_text()))
        return real(src, dst)

    monkeypatch.setattr(os, "rename", spy)
    inst.install({"SKILL.md": SKILL + b"v2\n"}, Destination.LIBRARY, "tidy-notes", row("2.0.0"), replace=True)
    inst.rollback(Destination.LIBRARY, "tidy-notes")
    monkeypatch.setattr(os, "rename", real)
    store.close()
    values = [v for intent in seen for k, v in intent.items() if k in ("final", "backup", "swap") and v]
    assert values and all(not Path(v).is_absolute() for v in values), values


@pytest.mark.parametrize("files", [
    {"README.md": b"1", "readme.md": b"2"},
    {"caf\u00e9.md": b"1", "cafe\u0301.md": b"2"},
    {"Docs/a.md": b"1", "docs/a.md": b"2"},
], ids=["case", "nfc-nfd", "folder-case"])
def test_paths_that_collide_on_macos_or_windows_are_refused(env, files: dict) -> None:
    paths, store, inst = env
    with pytest.raises(InstallError, match="differ only in letter case or Unicode normalisation"):
        inst.install({"SKILL.md": SKILL, **files}, Destination.LIBRARY, "tidy-notes", row())
    assert store.skills() == [] and not (paths.skills_dir(Destination.LIBRARY) / "tidy-notes").exists()


@pytest.mark.parametrize("rel", ["a\nb.md", "x\x1b[31m.md", "tab\there", "del\x7f", "c1\x9b"])
def test_control_characters_in_file_names_are_refused(rel: str) -> None:
    with pytest.raises(InstallError, match="control character"):
        check_relative_path(rel)


# ---------------------------------------------------------------- issue 16 item 11: orphan snapshots


def test_a_failed_update_leaves_no_orphan_snapshot(env, monkeypatch: pytest.MonkeyPatch) -> None:
    from skill_studio.core.errors import StorageError
    paths, store, inst = env
    v1 = inst.install({"SKILL.md": SKILL}, Destination.LIBRARY, "tidy-notes", row("1.0.0"))
    real = os.rename
    failed: list[str] = []

    def full(src, dst):  # noqa: ANN001 - os.rename's signature
        if str(dst).endswith("/tidy-notes") and "/.staging/" in str(src) and not failed:
            failed.append(str(dst))  # the new folder cannot move in; the old one moves back
            raise OSError(28, "No space left on device", str(dst))
        return real(src, dst)

    monkeypatch.setattr(os, "rename", full)
    with pytest.raises(StorageError, match="is full"):
        inst.install({"SKILL.md": SKILL + b"v2\n"}, Destination.LIBRARY, "tidy-notes", row("2.0.0"),
                     replace=True, kind="update")
    monkeypatch.setattr(os, "rename", real)
    assert sorted(os.listdir(paths.snapshots)) == [v1.snapshot_hash]
    assert store.skill(Destination.LIBRARY, "tidy-notes").version == "1.0.0"
    assert read_folder(Path(v1.path)) == {"SKILL.md": SKILL}


def test_orphan_snapshots_are_collected_at_start(env) -> None:
    paths, store, inst = env
    inst.install({"SKILL.md": SKILL}, Destination.LIBRARY, "tidy-notes", row("1.0.0"))
    inst.install({"SKILL.md": SKILL + b"v2\n"}, Destination.LIBRARY, "tidy-notes", row("2.0.0"),
                 replace=True, kind="update")
    needed = set(os.listdir(paths.snapshots))
    assert len(needed) == 2  # the installed one and the one the history entry restores
    old_orphan = inst.save_snapshot({"SKILL.md": b"orphan\n"})
    young_orphan = inst.save_snapshot({"SKILL.md": b"just written\n"})
    hour_ago = os.stat(paths.snapshots / old_orphan).st_mtime - 7200
    for digest in [*needed, old_orphan]:
        os.utime(paths.snapshots / digest, (hour_ago, hour_ago))
    inst.recover()
    assert set(os.listdir(paths.snapshots)) == needed | {young_orphan}
    assert inst.rollback(Destination.LIBRARY, "tidy-notes").version == "1.0.0"
