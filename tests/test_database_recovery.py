"""The database: WAL, busy timeout, migrations from the first schema, and a damaged file rebuilt with the
user's skills still listed (issue 7; R-DATA-1)."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import pytest
from storecheck import assert_consistent, rows

from skill_studio.cli import main
from skill_studio.core import store as store_module
from skill_studio.core.installer import content_hash, read_folder
from skill_studio.core.models import Destination, RegistrySource
from skill_studio.core.paths import AppPaths
from skill_studio.core.recovery import RECOVERED_ORIGIN
from skill_studio.app.studio import SkillStudio
from skill_studio.core.store import MIGRATIONS, SCHEMA_VERSION, CorruptDatabaseError, DatabaseError, Store

TIDY = {"SKILL.md": b"---\nname: tidy-notes\ndescription: Tidy meeting notes.\nversion: 1.2.0\n---\n# Tidy\n",
        "references/guide.md": b"Decisions first.\n"}
RESEARCH = {"SKILL.md": b"---\nname: Deep Research\ndescription: Research a topic.\nmodel: opus\n---\n# R\n"}


def marketplace_row(name: str, version: str) -> dict:
    return {"name": name, "description": "From a marketplace.", "version": version, "registry": "acme-market",
            "registry_source": "https://github.com/acme/skills", "qualified_name": f"notes:{name}",
            "plugin": "notes", "repo": "acme/skills", "source_path": f"skills/{name}", "commit_sha": "c" * 40,
            "origin": "marketplace"}


def populate(home: Path) -> None:
    """A realistic store: a user registry, a setting, a library skill with a previous version and a
    local edit, and a Settings skill."""
    with SkillStudio() as studio:
        studio.store.add_registry("acme-market", RegistrySource("github.com", "acme", "skills"))
        studio.store.set_setting("auto_update", "manual")
        studio.installer.install({**TIDY, "SKILL.md": TIDY["SKILL.md"].replace(b"1.2.0", b"1.0.0")},
                                 Destination.LIBRARY, "tidy-notes", marketplace_row("tidy-notes", "1.0.0"))
        studio.installer.install(TIDY, Destination.LIBRARY, "tidy-notes", marketplace_row("tidy-notes", "1.2.0"),
                                 replace=True, kind="update")
        studio.installer.install(RESEARCH, Destination.SETTINGS, "deep-research",
                                 {**marketplace_row("Deep Research", "1.0.0"), "purpose": "skill-builder"})
    (home / "data" / "skills" / "library" / "tidy-notes" / "my-notes.md").write_bytes(b"my own addition\n")


# ---------------------------------------------------------------- WAL and busy timeout


def test_wal_and_a_writer_waits_for_another_process_lock(tmp_path: Path) -> None:
    paths = AppPaths(tmp_path / "d", tmp_path / "c", tmp_path / "k").ensure()
    store = Store(paths.database, paths.skills_dir)
    assert store._query("PRAGMA journal_mode")[0][0] == "wal"
    assert store._query("PRAGMA busy_timeout")[0][0] == store_module.BUSY_TIMEOUT_MS
    other = sqlite3.connect(paths.database, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO settings VALUES ('holder', 'x')")
    released = threading.Event()

    def release() -> None:
        released.wait(5)
        other.execute("COMMIT")

    t = threading.Thread(target=release)
    t.start()
    assert store.get_setting("holder") is None  # WAL: readers are not blocked by the writer
    threading.Timer(0.2, released.set).start()
    store.set_setting("mine", "1")  # waits for the other writer, then succeeds
    t.join()
    assert (store.get_setting("holder"), store.get_setting("mine")) == ("x", "1")
    other.close()
    store.close()


def test_a_lock_held_past_the_busy_timeout_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 200)
    paths = AppPaths(tmp_path / "d", tmp_path / "c", tmp_path / "k").ensure()
    store = Store(paths.database, paths.skills_dir)
    other = sqlite3.connect(paths.database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    with pytest.raises(DatabaseError, match=r"stayed locked for 0 s by another Skill Studio process; try again"):
        store.set_setting("k", "v")
    other.execute("ROLLBACK")
    store.set_setting("k", "v")
    assert store.get_setting("k") == "v"
    other.close()
    store.close()


# ---------------------------------------------------------------- migrations


def build_v1(path: Path) -> None:
    """A database exactly as the first release wrote it: MIGRATIONS[0] applied by hand, rows inserted."""
    db = sqlite3.connect(path, isolation_level=None)
    db.executescript(MIGRATIONS[0])
    db.execute("PRAGMA user_version = 1")
    db.execute("INSERT INTO registries (name, url, host, owner, repo, ref, subpath, enabled, is_default, position, "
               "added_at) VALUES ('acme-market', 'https://github.com/acme/skills', 'github.com', 'acme', 'skills', "
               "NULL, '', 0, 0, 1, '2025-01-01T00:00:00Z')")
    db.execute("INSERT INTO skills (local_name, destination, name, description, version, origin, snapshot_hash, "
               "active, metadata_json, installed_at, updated_at) VALUES ('tidy-notes', 'library', 'tidy-notes', "
               "'Tidy.', '1.0.0', 'marketplace', ?, 1, '{\"name\": \"tidy-notes\"}', '2025-01-01T00:00:00Z', "
               "'2025-01-02T00:00:00Z')", (content_hash(TIDY),))
    db.execute("INSERT INTO history (destination, local_name, kind, row_json, backup_path, created_at) VALUES "
               "('library', 'tidy-notes', 'update', '{}', '/nowhere', '2025-01-02T00:00:00Z')")
    db.execute("INSERT INTO settings VALUES ('auto_update', 'manual')")
    db.close()


def test_first_schema_is_migrated_and_every_row_survives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = AppPaths(tmp_path / "d", tmp_path / "c", tmp_path / "k").ensure()
    build_v1(paths.database)
    extra = ("ALTER TABLE skills ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;"
             "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
    monkeypatch.setattr(store_module, "MIGRATIONS", [*MIGRATIONS, extra])
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", len(MIGRATIONS) + 1)
    store = Store(paths.database, paths.skills_dir)
    assert store.schema_version == len(MIGRATIONS) + 1
    (reg,) = store.registries()
    assert (reg.name, reg.source.slug, reg.enabled) == ("acme-market", "acme/skills", False)
    (skill,) = store.skills()
    assert (skill.local_name, skill.destination, skill.version, skill.snapshot_hash) == (
        "tidy-notes", Destination.LIBRARY, "1.0.0", content_hash(TIDY))
    assert store.skill_metadata(Destination.LIBRARY, "tidy-notes") == {"name": "tidy-notes"}
    assert [h["backup_path"] for h in store.history(Destination.LIBRARY, "tidy-notes")] == ["/nowhere"]
    assert store.get_setting("auto_update") == "manual"
    assert store.skill_row(Destination.LIBRARY, "tidy-notes")["pinned"] == 0
    store.close()
    # opening again is a no-op; the current code (without the extra migration) refuses the newer file
    assert Store(paths.database, paths.skills_dir).schema_version == len(MIGRATIONS) + 1
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", SCHEMA_VERSION)
    with pytest.raises(DatabaseError, match="newer Skill Studio") as info:
        Store(paths.database, paths.skills_dir)
    assert not isinstance(info.value, CorruptDatabaseError)


def test_current_code_opens_a_first_schema_database_with_its_data(isolated_home: Path) -> None:
    paths = AppPaths.from_env().ensure()
    build_v1(paths.database)
    with SkillStudio() as studio:
        assert studio.startup_messages == []
        assert studio.store.schema_version == SCHEMA_VERSION
        assert [r.name for r in studio.registries()] == ["anthropic-agent-skills", "acme-market"]
        assert [(s.local_name, s.version) for s in studio.installed(Destination.LIBRARY)] == [("tidy-notes", "1.0.0")]


def test_a_failing_migration_changes_nothing_and_is_not_mistaken_for_corruption(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = AppPaths(tmp_path / "d", tmp_path / "c", tmp_path / "k").ensure()
    build_v1(paths.database)
    monkeypatch.setattr(store_module, "MIGRATIONS", [*MIGRATIONS, "CREATE TABLE ok_so_far (x); ALTER TABLE nope ADD y"])
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", len(MIGRATIONS) + 1)
    with pytest.raises(DatabaseError, match="no such table: nope") as info:
        Store(paths.database, paths.skills_dir)
    assert not isinstance(info.value, CorruptDatabaseError)
    db = sqlite3.connect(paths.database)
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)  # the real migrations committed, the failing one did not
    assert db.execute("SELECT name FROM sqlite_master WHERE name = 'ok_so_far'").fetchall() == []
    assert db.execute("SELECT COUNT(*) FROM skills").fetchone()[0] == 1
    db.close()
    assert sorted(p.name for p in paths.data.iterdir() if "corrupt" in p.name) == []


# ---------------------------------------------------------------- a damaged database


def test_garbage_database_is_moved_aside_and_skills_are_listed_again(isolated_home: Path, capsys) -> None:
    populate(isolated_home)
    data = isolated_home / "data"
    garbage = b"This is not an SQLite database. " * 200
    for suffix in ("-wal", "-shm"):
        (data / f"skill-studio.db{suffix}").unlink(missing_ok=True)
    (data / "skill-studio.db").write_bytes(garbage)

    assert main(["list", "--json"]) == 0
    out, err = capsys.readouterr()
    (aside,) = sorted(data.glob("skill-studio.db.corrupt-*"))
    assert aside.read_bytes() == garbage  # kept, not deleted
    assert err.splitlines() == [
        f"skill-studio: The database was damaged; it was moved aside to {aside} and a new one was created.",
        "skill-studio: 2 installed skill(s) are listed again (2 re-registered from their folders with origin "
        "'recovered'); 0 registries and 0 previous version(s) restored.",
    ]
    listed = {(s["destination"], s["local_name"]): s for s in json.loads(out) if s["origin"] != "bundled"}
    assert set(listed) == {("library", "tidy-notes"), ("settings", "deep-research")}
    tidy = listed[("library", "tidy-notes")]
    assert (tidy["version"], tidy["origin"], tidy["customized"], tidy["registry"]) == ("1.2.0", RECOVERED_ORIGIN,
                                                                                        False, None)
    assert listed[("settings", "deep-research")]["version"] == "1.0.0"
    with SkillStudio() as studio:
        assert studio.startup_messages == []  # told once
        research = studio.store.skill(Destination.SETTINGS, "deep-research")
        assert (research.name, research.description, research.model, research.purpose) == (
            "Deep Research", "Research a topic.", "opus", "skill-builder")
        assert studio.store.skill_metadata(Destination.SETTINGS, "deep-research")["model"] == "opus"
        assert [r.name for r in studio.registries()] == ["anthropic-agent-skills"]  # the default is seeded again
        # the user's files are untouched, and are now the baseline
        assert read_folder(data / "skills" / "library" / "tidy-notes") == {**TIDY, "my-notes.md": b"my own addition\n"}
    assert_consistent(isolated_home)


def _damage_index(path: Path) -> None:
    """Overwrite the b-tree page of the skills table's unique index: tables stay readable, the file fails
    ``quick_check`` and any lookup through that index."""
    db = sqlite3.connect(path)
    page_size = db.execute("PRAGMA page_size").fetchone()[0]
    (root,) = db.execute("SELECT rootpage FROM sqlite_master WHERE type = 'index' AND tbl_name = 'skills'").fetchone()
    db.execute("PRAGMA journal_mode = DELETE")
    db.close()
    with open(path, "r+b") as fh:
        fh.seek((root - 1) * page_size)
        fh.write(b"\x0d" + b"\xff" * (page_size - 1))


def test_damaged_index_rows_are_salvaged_with_their_import_records(isolated_home: Path, capsys) -> None:
    populate(isolated_home)
    data = isolated_home / "data"
    before = {(r["destination"], r["local_name"]): r for r in rows(isolated_home, "skills")}
    _damage_index(data / "skill-studio.db")
    with pytest.raises(CorruptDatabaseError):
        Store(data / "skill-studio.db", AppPaths.from_env().skills_dir)

    with SkillStudio() as studio:
        messages = studio.startup_messages
        assert messages[0].startswith("The database was damaged; it was moved aside to ")
        assert messages[1] == ("2 installed skill(s) are listed again (2 with their import records); "
                               "2 registries and 1 previous version(s) restored.")
        assert [r.name for r in studio.registries()] == ["anthropic-agent-skills", "acme-market"]
        assert studio.store.get_setting("auto_update") == "manual"
        tidy = studio.store.skill(Destination.LIBRARY, "tidy-notes")
        old = before[("library", "tidy-notes")]
        assert (tidy.origin, tidy.repo, tidy.qualified_name, tidy.version, tidy.snapshot_hash) == (
            "marketplace", "acme/skills", "notes:tidy-notes", "1.2.0", old["snapshot_hash"])
        assert studio.is_customized(tidy)  # the local edit is still recognised as one
        back = studio.installer.rollback(Destination.LIBRARY, "tidy-notes")  # history survived too
        assert back.version == "1.0.0"
    assert_consistent(isolated_home)


def test_unregistrable_folders_are_reported_not_deleted(isolated_home: Path) -> None:
    populate(isolated_home)
    data = isolated_home / "data"
    lib = data / "skills" / "library"
    (lib / "broken-fm").mkdir()
    (lib / "broken-fm" / "SKILL.md").write_bytes(b"no frontmatter here\n")
    (lib / "not-a-skill").mkdir()
    (lib / "not-a-skill" / "README.md").write_bytes(b"hello\n")
    (data / "skill-studio.db").write_bytes(b"\0" * 4096)
    with SkillStudio() as studio:
        msgs = studio.startup_messages
        assert ("library/broken-fm/SKILL.md: no frontmatter (the file must start with a '---' line); broken-fm was "
                "registered under its folder name.") in msgs
        assert f"{lib / 'not-a-skill'} has no SKILL.md; it was left on disk but not registered." in msgs
        broken = studio.store.skill(Destination.LIBRARY, "broken-fm")
        assert (broken.name, broken.origin, broken.version) == ("broken-fm", RECOVERED_ORIGIN, "1.0.0")
    assert (lib / "not-a-skill" / "README.md").read_bytes() == b"hello\n"


def test_newer_database_is_refused_not_moved_aside(isolated_home: Path, capsys) -> None:
    paths = AppPaths.from_env().ensure()
    Store(paths.database, paths.skills_dir).close()
    db = sqlite3.connect(paths.database)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    assert main(["list"]) == 1
    assert "newer Skill Studio" in capsys.readouterr().err
    assert not list(paths.data.glob("*.corrupt-*"))


# ---------------------------------------------------------------- issue 16: deleted/empty database, bad text


@pytest.mark.parametrize("how", ["deleted", "emptied"])
def test_deleted_or_empty_database_re_registers_the_folders_and_says_so(isolated_home: Path, capsys,
                                                                        how: str) -> None:
    """Item 2: SQLite opens a new database silently; the skills on disk must be listed again."""
    populate(isolated_home)
    data = isolated_home / "data"
    for suffix in ("-wal", "-shm"):
        (data / f"skill-studio.db{suffix}").unlink(missing_ok=True)
    db = data / "skill-studio.db"
    if how == "deleted":
        db.unlink()
    else:
        db.write_bytes(b"")
    assert main(["list", "--json"]) == 0
    out, err = capsys.readouterr()
    assert err.splitlines() == [
        f"skill-studio: The database {db} was missing or empty; a new one was created and the skill folders "
        "on disk were registered again.",
        "skill-studio: 2 installed skill(s) are listed again (2 re-registered from their folders with origin "
        "'recovered'); 0 registries and 0 previous version(s) restored.",
    ]
    listed = {(s["destination"], s["local_name"]) for s in json.loads(out) if s["origin"] != "bundled"}
    assert listed == {("library", "tidy-notes"), ("settings", "deep-research")}
    with SkillStudio() as studio:
        assert studio.startup_messages == []  # told once
        assert studio.store.skill(Destination.SETTINGS, "deep-research").active
    assert_consistent(isolated_home)


def test_first_start_with_no_folders_says_nothing(isolated_home: Path) -> None:
    with SkillStudio() as studio:
        assert studio.startup_messages == []


def test_text_that_is_not_utf8_counts_as_damage(isolated_home: Path, capsys) -> None:
    """Item 3: a non-UTF-8 byte in a TEXT column passes quick_check; it must be rebuilt, not crash."""
    populate(isolated_home)
    data = isolated_home / "data"
    db = sqlite3.connect(data / "skill-studio.db")
    db.execute("UPDATE skills SET description = CAST(X'4142ff43' AS TEXT) WHERE local_name = 'tidy-notes'")
    db.commit()
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
    with pytest.raises(CorruptDatabaseError, match="text that is not UTF-8 in table skills"):
        Store(data / "skill-studio.db", AppPaths.from_env().skills_dir)
    assert main(["list", "--json"]) == 0
    out, err = capsys.readouterr()
    assert "internal error" not in err
    assert err.splitlines()[0].startswith("skill-studio: The database was damaged; it was moved aside to ")
    assert "2 with their import records" in err
    assert "WARNING" not in err  # told once, by the messages (item 12: no raw log line)
    tidy = next(s for s in json.loads(out) if s["local_name"] == "tidy-notes")
    assert tidy["origin"] == "marketplace"
    with SkillStudio() as studio:
        assert studio.store.skill(Destination.LIBRARY, "tidy-notes").description == "AB\ufffdC"
    assert_consistent(isolated_home)
