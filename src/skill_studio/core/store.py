"""The SQLite store: the one module that owns all SQL (R-DATA-1).

Schema version lives in ``PRAGMA user_version``; ``MIGRATIONS[i]`` upgrades version ``i`` to
``i + 1``. A database newer than this code is refused rather than damaged. WAL journal mode and a
busy timeout let the CLI and the GUI write at the same time; every write runs in a transaction.

A damaged file (not a database, "malformed", failing ``PRAGMA quick_check`` at open) raises
``CorruptDatabaseError``; ``recovery.open_store`` then moves it aside and rebuilds, using ``salvage``
to read what is still readable. A locked, newer or migration-failing database is never treated as
damaged.

Thread-safety: a ``Store`` holds one connection guarded by a lock; share it between threads or open
one per process.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import EllipsisType
from typing import Any

from skill_studio.core.clock import utcnow
from skill_studio.core.errors import CorruptDatabaseError, DatabaseError, RegistryError, TargetError
from skill_studio.core.models import Destination, InstalledSkill, Registry, RegistrySource
from skill_studio.core.paths import data_absolute, data_relative

BUSY_TIMEOUT_MS = 10_000

MIGRATIONS: list[str] = [
    # 0 -> 1: first schema
    """
    CREATE TABLE registries (
        id          INTEGER PRIMARY KEY,
        name        TEXT NOT NULL,
        url         TEXT NOT NULL,
        host        TEXT NOT NULL,
        owner       TEXT NOT NULL,
        repo        TEXT NOT NULL,
        ref         TEXT,
        subpath     TEXT NOT NULL DEFAULT '',
        enabled     INTEGER NOT NULL DEFAULT 1,
        is_default  INTEGER NOT NULL DEFAULT 0,
        position    INTEGER NOT NULL DEFAULT 0,
        added_at    TEXT NOT NULL,
        UNIQUE (host, owner, repo, subpath)
    );
    CREATE TABLE skills (
        id              INTEGER PRIMARY KEY,
        local_name      TEXT NOT NULL,
        destination     TEXT NOT NULL CHECK (destination IN ('settings', 'library')),
        name            TEXT NOT NULL,
        description     TEXT,
        version         TEXT NOT NULL,
        registry        TEXT,
        registry_source TEXT,
        qualified_name  TEXT,
        plugin          TEXT,
        repo            TEXT,
        source_path     TEXT,
        commit_sha      TEXT,
        origin          TEXT NOT NULL DEFAULT 'marketplace',
        snapshot_hash   TEXT NOT NULL,
        upstream_hash   TEXT,
        purpose         TEXT,
        slot            TEXT,
        model           TEXT,
        active          INTEGER NOT NULL DEFAULT 1,
        metadata_json   TEXT NOT NULL DEFAULT '{}',
        installed_at    TEXT NOT NULL,
        updated_at      TEXT NOT NULL,
        UNIQUE (destination, local_name)
    );
    CREATE TABLE history (
        id             INTEGER PRIMARY KEY,
        destination    TEXT NOT NULL,
        local_name     TEXT NOT NULL,
        kind           TEXT NOT NULL,
        row_json       TEXT NOT NULL,
        backup_path    TEXT NOT NULL,
        created_at     TEXT NOT NULL
    );
    CREATE INDEX history_skill ON history (destination, local_name, id);
    CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    # 1 -> 2: deploy targets, deployments and skill sets (issue 17)
    """
    CREATE TABLE targets (
        id         INTEGER PRIMARY KEY,
        name       TEXT NOT NULL UNIQUE,
        kind       TEXT NOT NULL,
        path       TEXT NOT NULL UNIQUE,
        skill_set  TEXT,
        added_at   TEXT NOT NULL
    );
    CREATE TABLE deployments (
        id           INTEGER PRIMARY KEY,
        target_id    INTEGER NOT NULL REFERENCES targets (id) ON DELETE CASCADE,
        destination  TEXT NOT NULL,
        local_name   TEXT NOT NULL,
        mode         TEXT NOT NULL DEFAULT 'copy',
        source_hash  TEXT NOT NULL,
        written_hash TEXT NOT NULL,
        deployed_at  TEXT NOT NULL,
        updated_at   TEXT NOT NULL,
        UNIQUE (target_id, local_name)
    );
    CREATE TABLE skill_set_members (
        set_name    TEXT NOT NULL,
        destination TEXT NOT NULL,
        local_name  TEXT NOT NULL,
        PRIMARY KEY (set_name, destination, local_name)
    );
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)

_SKILL_COLUMNS = (
    "local_name", "destination", "name", "description", "version", "registry", "registry_source",
    "qualified_name", "plugin", "repo", "source_path", "commit_sha", "origin", "snapshot_hash",
    "upstream_hash", "purpose", "slot", "model", "active", "metadata_json", "installed_at", "updated_at",
)


_TABLES = ("registries", "skills", "settings", "history", "targets", "deployments", "skill_set_members")


def _is_corruption(exc: sqlite3.DatabaseError) -> bool:
    """True for errors meaning a damaged file (not for locks, full disks or a failing migration)."""
    text = str(exc).lower()
    return type(exc) is sqlite3.DatabaseError or "malformed" in text or "not a database" in text


class Store:
    """Access to the app database.

    Args:
        path: database file; created with the current schema when absent.
        skills_root: function mapping a destination to its skills folder, used to fill
            ``InstalledSkill.path``.

    Raises:
        CorruptDatabaseError: the file is damaged (not a database, malformed, fails ``quick_check``).
        DatabaseError: the file is newer than this code, or cannot be opened (locked, unreadable).
    """

    def __init__(self, path: Path, skills_root: Any) -> None:
        self.path = Path(path)
        self._skills_root = skills_root
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(str(self.path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                                       check_same_thread=False)
        except sqlite3.Error as exc:
            raise DatabaseError(f"Cannot open the database {self.path}: {exc}.") from exc
        try:
            self._db.row_factory = sqlite3.Row
            self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA foreign_keys = ON")
            self._migrate()
            problems = [r[0] for r in self._db.execute("PRAGMA quick_check").fetchall()]
            if problems != ["ok"]:
                raise sqlite3.DatabaseError("database disk image is malformed: " + "; ".join(problems[:3]))
            self._check_text()
            self._relativize_backup_paths()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            if _is_corruption(exc):
                raise CorruptDatabaseError(f"The database {self.path} is damaged: {exc}.") from exc
            raise DatabaseError(f"Cannot open the database {self.path}: {exc}.") from exc
        except DatabaseError:
            self._db.close()
            raise

    def _check_text(self) -> None:
        """Read every row once so that text SQLite accepts but Python cannot decode (a non-UTF-8
        byte in a TEXT column passes ``quick_check`` and ``integrity_check``) counts as damage
        (issue 16 item 3), instead of failing every later read.

        Raises:
            sqlite3.DatabaseError: "malformed: ..." naming the table, so the caller treats it as damage.
        """
        for table in _TABLES:
            try:
                self._db.execute(f"SELECT * FROM {table}").fetchall()  # noqa: S608 - fixed names
            except sqlite3.OperationalError as exc:
                if "decode" not in str(exc).lower():
                    raise
                raise sqlite3.DatabaseError(f"database disk image is malformed: text that is not UTF-8 in "
                                            f"table {table}") from exc

    @property
    def data_dir(self) -> Path:
        """The data folder (the database file's folder); stored backup paths are relative to it."""
        return self.path.parent

    def _relativize_backup_paths(self) -> None:
        """Migrate history rows written with absolute backup paths (before issue 16) to paths
        relative to the data folder, rebasing those of a data folder that was moved or copied."""
        rows = self._db.execute("SELECT id, backup_path FROM history").fetchall()
        changes = [(data_relative(r["backup_path"], self.data_dir), r["id"]) for r in rows]
        changes = [(new, rid) for (new, rid), r in zip(changes, rows) if new != r["backup_path"]]
        if changes:
            with self.transaction() as db:
                db.executemany("UPDATE history SET backup_path = ? WHERE id = ?", changes)

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._db.close()

    # -- schema --------------------------------------------------------------------------------

    def _migrate(self) -> None:
        """Apply ``MIGRATIONS[v:]`` one transaction each. The version is re-read inside the write
        transaction, so two processes opening a new database at once do not both migrate it."""
        while True:
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise DatabaseError(
                    f"The database {self.path} was written by a newer Skill Studio (schema {version} > "
                    f"{SCHEMA_VERSION}); update the app.")
            if version == SCHEMA_VERSION:
                return
            with self.transaction() as db:
                version = db.execute("PRAGMA user_version").fetchone()[0]
                if version >= SCHEMA_VERSION:
                    continue
                for statement in _split_sql(MIGRATIONS[version]):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {version + 1}")

    @property
    def schema_version(self) -> int:
        """``PRAGMA user_version`` of the open database."""
        with self._lock:
            return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT`` (``ROLLBACK`` on error); serialises writers across processes."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                raise DatabaseError(
                    f"The database {self.path} stayed locked for {BUSY_TIMEOUT_MS // 1000} s by another Skill Studio "
                    "process; try again.") from exc
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                self._db.execute("COMMIT")

    def _query(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # -- settings ------------------------------------------------------------------------------

    def get_setting(self, key: str, default: str | None = None) -> str | None:
        """A setting's value or ``default``."""
        rows = self._query("SELECT value FROM settings WHERE key = ?", (key,))
        return rows[0]["value"] if rows else default

    def set_setting(self, key: str, value: str) -> None:
        """Store a setting (upsert)."""
        with self.transaction() as db:
            db.execute("INSERT INTO settings (key, value) VALUES (?, ?) "
                       "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, value))

    # -- registries ----------------------------------------------------------------------------

    @staticmethod
    def _registry(row: sqlite3.Row) -> Registry:
        src = RegistrySource(row["host"], row["owner"], row["repo"], row["ref"], row["subpath"])
        return Registry(row["id"], row["name"], src, bool(row["enabled"]), bool(row["is_default"]))

    def registries(self) -> list[Registry]:
        """Every configured registry, default first, then in the order added."""
        rows = self._query("SELECT * FROM registries ORDER BY is_default DESC, position, id")
        return [self._registry(r) for r in rows]

    def registry_count(self) -> int:
        """Number of configured registries."""
        return int(self._query("SELECT COUNT(*) AS n FROM registries")[0]["n"])

    def add_registry(self, name: str, source: RegistrySource, *, is_default: bool = False, enabled: bool = True) -> Registry:
        """Insert a registry.

        Raises:
            RegistryError: the same host/owner/repo/subpath is already configured (R-REG-2).
        """
        try:
            with self.transaction() as db:
                pos = db.execute("SELECT COALESCE(MAX(position), 0) + 1 FROM registries").fetchone()[0]
                cur = db.execute(
                    "INSERT INTO registries (name, url, host, owner, repo, ref, subpath, enabled, is_default, position, added_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (name, source.url, source.host, source.owner, source.repo, source.ref, source.subpath,
                     int(enabled), int(is_default), pos, utcnow()))
                rid = cur.lastrowid
        except sqlite3.IntegrityError:
            raise RegistryError(f"The registry {source.url} is already configured.") from None
        return self._registry(self._query("SELECT * FROM registries WHERE id = ?", (rid,))[0])

    def update_registry(self, registry_id: int, *, name: str | None = None, enabled: bool | None = None) -> None:
        """Change a registry's display name and/or enabled flag."""
        with self.transaction() as db:
            if name is not None:
                db.execute("UPDATE registries SET name = ? WHERE id = ?", (name, registry_id))
            if enabled is not None:
                db.execute("UPDATE registries SET enabled = ? WHERE id = ?", (int(enabled), registry_id))

    def remove_registry(self, registry_id: int) -> None:
        """Delete a registry row.

        Raises:
            RegistryError: it is the default registry (R-REG-3).
        """
        with self.transaction() as db:
            row = db.execute("SELECT is_default, name FROM registries WHERE id = ?", (registry_id,)).fetchone()
            if row is None:
                raise RegistryError("No such registry.")
            if row["is_default"]:
                raise RegistryError(f"{row['name']} is the default registry and cannot be removed; disable it instead.")
            db.execute("DELETE FROM registries WHERE id = ?", (registry_id,))

    # -- skills --------------------------------------------------------------------------------

    def _skill(self, row: sqlite3.Row) -> InstalledSkill:
        dest = Destination(row["destination"])
        return InstalledSkill(
            id=row["id"], local_name=row["local_name"], destination=dest,
            path=str(Path(self._skills_root(dest)) / row["local_name"]),
            name=row["name"], description=row["description"], version=row["version"],
            registry=row["registry"], registry_source=row["registry_source"],
            qualified_name=row["qualified_name"], plugin=row["plugin"], repo=row["repo"],
            source_path=row["source_path"], commit=row["commit_sha"], origin=row["origin"],
            snapshot_hash=row["snapshot_hash"], upstream_hash=row["upstream_hash"],
            purpose=row["purpose"], slot=row["slot"], model=row["model"], active=bool(row["active"]),
            installed_at=row["installed_at"], updated_at=row["updated_at"],
        )

    def skills(self, destination: Destination | None = None) -> list[InstalledSkill]:
        """Installed skills, optionally of one destination, ordered by destination and local name."""
        if destination is None:
            rows = self._query("SELECT * FROM skills ORDER BY destination, local_name")
        else:
            rows = self._query("SELECT * FROM skills WHERE destination = ? ORDER BY local_name", (destination.value,))
        return [self._skill(r) for r in rows]

    def skill(self, destination: Destination, local_name: str) -> InstalledSkill | None:
        """The installed skill with that local name in that destination, or None."""
        rows = self._query("SELECT * FROM skills WHERE destination = ? AND local_name = ?",
                           (destination.value, local_name))
        return self._skill(rows[0]) if rows else None

    def skill_row(self, destination: Destination, local_name: str) -> dict[str, Any] | None:
        """The raw row as a dict (used for history and rollback)."""
        rows = self._query("SELECT * FROM skills WHERE destination = ? AND local_name = ?",
                           (destination.value, local_name))
        return dict(rows[0]) if rows else None

    def skill_metadata(self, destination: Destination, local_name: str) -> dict[str, Any]:
        """The frontmatter fields recorded at import (``{}`` when none)."""
        row = self.skill_row(destination, local_name)
        return json.loads(row["metadata_json"]) if row else {}

    @staticmethod
    def upsert_skill_tx(db: sqlite3.Connection, values: dict[str, Any]) -> None:
        """Insert or replace the row keyed by (destination, local_name) inside a transaction."""
        cols = [c for c in _SKILL_COLUMNS if c in values]
        placeholders = ", ".join("?" for _ in cols)
        updates = ", ".join(f"{c} = excluded.{c}" for c in cols if c not in ("destination", "local_name", "installed_at"))
        db.execute(
            f"INSERT INTO skills ({', '.join(cols)}) VALUES ({placeholders}) "
            f"ON CONFLICT (destination, local_name) DO UPDATE SET {updates}",
            tuple(values[c] for c in cols))

    def delete_skill_tx(self, db: sqlite3.Connection, destination: Destination, local_name: str) -> None:
        """Delete a skill row inside a transaction."""
        db.execute("DELETE FROM skills WHERE destination = ? AND local_name = ?", (destination.value, local_name))

    def set_skill_fields(self, destination: Destination, local_name: str, **fields: Any) -> None:
        """Update some columns of one skill row (e.g. ``active=1``)."""
        if not fields:
            return
        bad = set(fields) - set(_SKILL_COLUMNS)
        if bad:
            raise ValueError(f"unknown skill columns: {sorted(bad)}")
        sets = ", ".join(f"{k} = ?" for k in fields)
        with self.transaction() as db:
            db.execute(f"UPDATE skills SET {sets} WHERE destination = ? AND local_name = ?",
                       (*fields.values(), destination.value, local_name))

    def set_skill_activation(self, destination: Destination, local_name: str, *, active: bool | None = None,
                             slot: str | None | EllipsisType = ...) -> list[str]:
        """Change a skill's ``active`` flag and/or ``slot`` in one transaction, keeping at most one
        active skill per slot (R-IMP-4).

        Args:
            destination, local_name: the skill.
            active: new flag, or None to keep it.
            slot: new slot (None clears it), or ``...`` to keep it.

        Returns:
            Local names of the other skills of that destination that were deactivated because the
            skill is (now) active in their slot; ``[]`` when none.

        Raises:
            KeyError: no such skill.
        """
        with self.transaction() as db:
            row = db.execute("SELECT active, slot FROM skills WHERE destination = ? AND local_name = ?",
                             (destination.value, local_name)).fetchone()
            if row is None:
                raise KeyError(local_name)
            new_active = bool(row["active"]) if active is None else bool(active)
            new_slot = row["slot"] if slot is ... else slot
            db.execute("UPDATE skills SET active = ?, slot = ? WHERE destination = ? AND local_name = ?",
                       (int(new_active), new_slot, destination.value, local_name))
            if not (new_active and new_slot):
                return []
            others = [r["local_name"] for r in db.execute(
                "SELECT local_name FROM skills WHERE destination = ? AND slot = ? AND active = 1 AND local_name <> ? "
                "ORDER BY local_name", (destination.value, new_slot, local_name))]
            db.execute("UPDATE skills SET active = 0 WHERE destination = ? AND slot = ? AND local_name <> ?",
                       (destination.value, new_slot, local_name))
            return others

    # -- history -------------------------------------------------------------------------------

    def add_history_tx(self, db: sqlite3.Connection, destination: Destination, local_name: str, kind: str,
                       row: dict[str, Any], backup_path: str) -> int:
        """Record a previous version (row + backup folder) inside a transaction; returns its id.

        ``backup_path`` (absolute, inside the data folder) is stored relative to the data folder, so a
        moved or copied data folder keeps working (issue 16 item 4)."""
        cur = db.execute(
            "INSERT INTO history (destination, local_name, kind, row_json, backup_path, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (destination.value, local_name, kind, json.dumps(row), data_relative(backup_path, self.data_dir),
             utcnow()))
        return int(cur.lastrowid or 0)

    def history(self, destination: Destination, local_name: str) -> list[dict[str, Any]]:
        """Previous versions of a skill, newest first: ``[{id, kind, row, backup_path, created_at}]``;
        ``backup_path`` is absolute (resolved against this data folder)."""
        rows = self._query("SELECT * FROM history WHERE destination = ? AND local_name = ? ORDER BY id DESC",
                           (destination.value, local_name))
        return [{"id": r["id"], "kind": r["kind"], "row": json.loads(r["row_json"]),
                 "backup_path": str(data_absolute(r["backup_path"], self.data_dir)), "created_at": r["created_at"]}
                for r in rows]

    def history_snapshot_hashes(self) -> set[str]:
        """Every ``snapshot_hash`` the history entries would restore (snapshots still needed)."""
        out: set[str] = set()
        for r in self._query("SELECT row_json FROM history"):
            try:
                value = json.loads(r["row_json"]).get("snapshot_hash")
            except (ValueError, AttributeError):
                continue
            if isinstance(value, str):
                out.add(value)
        return out

    @staticmethod
    def delete_history_tx(db: sqlite3.Connection, history_id: int) -> None:
        """Remove one history entry inside a transaction."""
        db.execute("DELETE FROM history WHERE id = ?", (history_id,))


    # -- deploy targets (issue 17) -----------------------------------------------------------------

    def add_target(self, name: str, kind: str, path: str) -> dict[str, Any]:
        """Insert a target; returns its row. Raises ``TargetError`` when the name or folder is taken."""
        try:
            with self.transaction() as db:
                db.execute("INSERT INTO targets (name, kind, path, added_at) VALUES (?, ?, ?, ?)",
                           (name, kind, path, utcnow()))
        except sqlite3.IntegrityError:
            raise TargetError(f"A target named {name!r} or for the folder {path} already exists; "
                              "choose another name (--name).") from None
        return self.targets(name)[0]

    def targets(self, name: str | None = None) -> list[dict[str, Any]]:
        """Target rows ``{id, name, kind, path, skill_set, added_at}`` by name (one, or all when None)."""
        if name is None:
            return [dict(r) for r in self._query("SELECT * FROM targets ORDER BY name")]
        return [dict(r) for r in self._query("SELECT * FROM targets WHERE name = ?", (name,))]

    def remove_target(self, target_id: int) -> None:
        """Delete a target row and its deployment rows."""
        with self.transaction() as db:
            db.execute("DELETE FROM deployments WHERE target_id = ?", (target_id,))
            db.execute("DELETE FROM targets WHERE id = ?", (target_id,))

    def set_target_skill_set(self, target_id: int, skill_set: str | None) -> None:
        """Record which skill set a target follows (None: none)."""
        with self.transaction() as db:
            db.execute("UPDATE targets SET skill_set = ? WHERE id = ?", (skill_set, target_id))

    def deployments(self, *, target_id: int | None = None, destination: Destination | None = None,
                    local_name: str | None = None) -> list[dict[str, Any]]:
        """Deployment rows ``{id, target_id, destination, local_name, mode, source_hash, written_hash,
        deployed_at, updated_at}``, filtered by target and/or installed skill."""
        where, args = [], []
        for col, val in (("target_id", target_id), ("destination", destination.value if destination else None),
                         ("local_name", local_name)):
            if val is not None:
                where.append(f"{col} = ?")
                args.append(val)
        sql = "SELECT * FROM deployments" + (" WHERE " + " AND ".join(where) if where else "")
        return [dict(r) for r in self._query(sql + " ORDER BY target_id, local_name", tuple(args))]

    def upsert_deployment(self, target_id: int, destination: Destination, local_name: str, *, mode: str,
                          source_hash: str, written_hash: str) -> None:
        """Record what was written for ``local_name`` in a target (insert or replace)."""
        now = utcnow()
        with self.transaction() as db:
            db.execute(
                "INSERT INTO deployments (target_id, destination, local_name, mode, source_hash, written_hash, "
                "deployed_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (target_id, local_name) DO "
                "UPDATE SET destination = excluded.destination, mode = excluded.mode, source_hash = "
                "excluded.source_hash, written_hash = excluded.written_hash, updated_at = excluded.updated_at",
                (target_id, destination.value, local_name, mode, source_hash, written_hash, now, now))

    def delete_deployment(self, target_id: int, local_name: str) -> None:
        """Forget the deployment of ``local_name`` in a target."""
        with self.transaction() as db:
            db.execute("DELETE FROM deployments WHERE target_id = ? AND local_name = ?", (target_id, local_name))

    def skill_sets(self) -> dict[str, list[tuple[str, str]]]:
        """Every skill set: ``{set name: [(destination, local_name), ...]}`` sorted."""
        out: dict[str, list[tuple[str, str]]] = {}
        for r in self._query("SELECT * FROM skill_set_members ORDER BY set_name, destination, local_name"):
            out.setdefault(r["set_name"], []).append((r["destination"], r["local_name"]))
        return out

    def replace_skill_set(self, set_name: str, members: list[tuple[str, str]]) -> None:
        """Make ``set_name`` hold exactly ``members`` (``[(destination, local_name)]``; empty deletes it)."""
        with self.transaction() as db:
            db.execute("DELETE FROM skill_set_members WHERE set_name = ?", (set_name,))
            db.executemany("INSERT OR IGNORE INTO skill_set_members (set_name, destination, local_name) VALUES (?, ?, ?)",
                           [(set_name, d, n) for d, n in members])


def salvage(path: Path) -> dict[str, list[dict[str, Any]]]:
    """Best effort: the rows still readable in a damaged database file (R-DATA-1).

    Opens ``path`` read-only and reads each table with a full scan (damaged indexes are bypassed);
    a table that cannot be read is left out. Never raises.

    Returns:
        ``{"registries": [...], "skills": [...], "settings": [...], "history": [...]}``: lists of
        column dicts.
    """
    out: dict[str, list[dict[str, Any]]] = {}
    try:
        db = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, timeout=1)
    except sqlite3.Error:
        return out
    try:
        db.row_factory = sqlite3.Row
        # text that is not UTF-8 (issue 16 item 3) is read with U+FFFD rather than losing the table
        db.text_factory = lambda raw: raw.decode("utf-8", "replace")
        for table in _TABLES:
            try:
                rows = db.execute(f"SELECT * FROM {table} NOT INDEXED").fetchall()  # noqa: S608 - fixed names
            except sqlite3.Error:
                continue
            out[table] = [dict(r) for r in rows]
    finally:
        db.close()
    return out


def _split_sql(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]
