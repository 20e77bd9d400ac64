"""Opening the database, and rebuilding it when it is damaged (R-DATA-1).

A damaged database (not a database, "malformed", failing ``PRAGMA quick_check``) must never stop the
app or lose what the user installed. :func:`open_store` then:

1. moves the file aside as ``skill-studio.db.corrupt-<UTC stamp>`` (with its ``-wal``/``-shm``), so
   nothing is deleted and the damaged file stays available for inspection;
2. creates a fresh database with the current schema;
3. salvages what is still readable from the damaged file (each table scanned without indexes):
   registries, settings, skill rows and history entries whose folders still exist;
4. re-registers every skill folder on disk that has no salvaged row: the frontmatter of its
   ``SKILL.md`` gives name, description and version, the folder it sits in gives the destination,
   the origin is ``"recovered"`` (the registry it came from is unknown), and the snapshot is the
   folder's current content (so it starts "not customized");
5. returns sentences telling the user what happened (``SkillStudio.startup_messages``; the CLI
   prints them on stderr, the GUI shows them as notifications).

Interrupted installs are repaired afterwards by ``Installer.recover()`` as on every start.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from skill_studio.core.bundled import bundled_skills
from skill_studio.core.clock import utcnow
from skill_studio.core.errors import CorruptDatabaseError, FrontmatterError, SkillStudioError
from skill_studio.core.frontmatter import parse_skill_md
from skill_studio.core.installer import LOCAL_NAME_RE, Installer, read_folder
from skill_studio.core.models import Destination, RegistrySource
from skill_studio.core.paths import AppPaths, data_absolute
from skill_studio.core.store import Store, salvage

log = logging.getLogger(__name__)

RECOVERED_ORIGIN = "recovered"
"""``origin`` of a skill re-registered from its folder after the database was rebuilt."""

DEFAULT_VERSION = "1.0.0"


def open_store(paths: AppPaths) -> tuple[Store, list[str]]:
    """Open the app database, rebuilding it when it is damaged (R-DATA-1).

    Args:
        paths: the app folders (``paths.database`` is the file).

    Returns:
        ``(store, messages)``: the open store, and user-facing sentences (empty unless the database
        had to be rebuilt).

    Raises:
        DatabaseError: the database is newer than this app, locked, or unreadable (not damaged:
            those are never moved aside).
    """
    fresh = _missing_or_empty(paths.database)
    try:
        store = Store(paths.database, paths.skills_dir)
    except CorruptDatabaseError as err:
        log.info("%s", err)  # the user is told by the returned messages, once
    else:
        if not fresh or not _skill_folders(paths):
            return store, []
        # A deleted or emptied database: SQLite silently made a new one. The skills on disk must not
        # vanish from the app (issue 16 item 2): register their folders again and say so.
        try:
            messages = rebuild(paths, store, {})
        except BaseException:
            store.close()
            raise
        messages.insert(0, f"The database {paths.database} was missing or empty; a new one was created and "
                           "the skill folders on disk were registered again.")
        return store, messages
    aside = move_aside(paths.database)
    rows = salvage(aside)
    store = Store(paths.database, paths.skills_dir)
    try:
        messages = rebuild(paths, store, rows)
    except BaseException:
        store.close()
        raise
    messages.insert(0, f"The database was damaged; it was moved aside to {aside} and a new one was created.")
    return store, messages


def _missing_or_empty(database: Path) -> bool:
    """True when ``database`` does not exist or has no bytes (SQLite would start a new one)."""
    try:
        return database.stat().st_size == 0
    except FileNotFoundError:
        return True


def _skill_folders(paths: AppPaths) -> bool:
    """True when any destination folder holds a skill folder (a folder with a SKILL.md)."""
    for dest in Destination:
        root = paths.skills_dir(dest)
        if root.is_dir() and any((f / "SKILL.md").is_file() for f in root.iterdir() if f.is_dir()):
            return True
    return False


def move_aside(database: Path) -> Path:
    """Rename ``database`` (and its ``-wal``/``-shm`` companions) to ``<name>.corrupt-<stamp>``.

    Returns:
        The new path of the database file.
    """
    stamp = utcnow().replace(":", "").replace("-", "")
    target = database.with_name(f"{database.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = database.with_name(f"{database.name}.corrupt-{stamp}-{n}")
    os.replace(database, target)
    for suffix in ("-wal", "-shm"):
        companion = database.with_name(database.name + suffix)
        if companion.exists():
            os.replace(companion, target.with_name(target.name + suffix))
    return target


def rebuild(paths: AppPaths, store: Store, rows: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Fill a fresh ``store`` from salvaged ``rows`` and the skill folders on disk.

    Args:
        paths: the app folders.
        store: an empty database with the current schema.
        rows: what :func:`~skill_studio.core.store.salvage` read from the damaged file.

    Returns:
        Sentences for the user: how many skills were re-registered and how, registries restored,
        folders that could not be registered.
    """
    messages: list[str] = []
    for row in rows.get("settings", []):
        if isinstance(row.get("key"), str) and isinstance(row.get("value"), str):
            store.set_setting(row["key"], row["value"])
    restored_regs = 0
    for row in sorted(rows.get("registries", []), key=lambda r: (r.get("position") or 0, r.get("id") or 0)):
        try:
            src = RegistrySource(str(row["host"]), str(row["owner"]), str(row["repo"]), row.get("ref") or None,
                                 str(row.get("subpath") or ""))
            store.add_registry(str(row["name"]), src, is_default=bool(row.get("is_default")),
                               enabled=bool(row.get("enabled", 1)))
            restored_regs += 1
        except (KeyError, TypeError, ValueError, SkillStudioError) as exc:
            log.info("registry row not restored: %s", exc)

    installer = Installer(paths, store)
    salvaged = {(r.get("destination"), r.get("local_name")): r for r in rows.get("skills", [])}
    kept = recovered = 0
    bundled_names = {b.local_name for b in bundled_skills()}
    for dest in Destination:
        root = paths.skills_dir(dest)
        if not root.is_dir():
            continue
        for folder in sorted(root.iterdir()):
            if folder.is_symlink() or not folder.is_dir() or not LOCAL_NAME_RE.match(folder.name):
                continue
            files = read_folder(folder)
            if "SKILL.md" not in files:
                messages.append(f"{folder} has no SKILL.md; it was left on disk but not registered.")
                continue
            old = salvaged.get((dest.value, folder.name))
            app_owned = dest is Destination.SETTINGS and folder.name in bundled_names  # not counted as the user's
            if old is not None and _restore_row(installer, store, old, files):
                kept += 0 if app_owned else 1
                continue
            messages.extend(_register_recovered(installer, store, dest, folder, files))
            recovered += 0 if app_owned else 1
    history = 0
    for row in sorted(rows.get("history", []), key=lambda r: r.get("id") or 0):
        try:
            dest = Destination(row["destination"])
            backup = data_absolute(str(row["backup_path"]), paths.data)
            if store.skill(dest, row["local_name"]) is None or not backup.is_dir():
                continue
            with store.transaction() as db:
                store.add_history_tx(db, dest, row["local_name"], row["kind"], json.loads(row["row_json"]),
                                     str(backup))
            history += 1
        except (KeyError, TypeError, ValueError) as exc:
            log.info("history row not restored: %s", exc)

    total = kept + recovered
    summary = f"{total} installed skill(s) are listed again"
    if total:
        parts = []
        if kept:
            parts.append(f"{kept} with their import records")
        if recovered:
            parts.append(f"{recovered} re-registered from their folders with origin '{RECOVERED_ORIGIN}'")
        summary += " (" + ", ".join(parts) + ")"
    summary += f"; {restored_regs} registr{'y' if restored_regs == 1 else 'ies'} and {history} previous version(s) restored."
    messages.insert(0, summary)
    return messages


def _restore_row(installer: Installer, store: Store, old: dict[str, Any], files: dict[str, bytes]) -> bool:
    """Put a salvaged skill row back; its snapshot becomes the current content when the old one is gone."""
    values = {k: v for k, v in old.items() if k != "id"}
    snap = values.get("snapshot_hash")
    if not isinstance(snap, str) or not (installer.paths.snapshots / snap).is_dir():
        values["snapshot_hash"] = installer.save_snapshot(files)
    try:
        with store.transaction() as db:
            store.upsert_skill_tx(db, values)
    except Exception as exc:  # noqa: BLE001 - a damaged row: fall back to re-registration
        log.info("salvaged row of %s not usable: %s", old.get("local_name"), exc)
        return False
    return True


def _register_recovered(installer: Installer, store: Store, dest: Destination, folder: Path,
                        files: dict[str, bytes]) -> list[str]:
    """Register one folder from its SKILL.md frontmatter (origin ``recovered``; a bundled skill's
    folder in Settings → Skills stays ``bundled``)."""
    messages: list[str] = []
    rel = f"{dest.value}/{folder.name}/SKILL.md"
    try:
        meta = parse_skill_md(files["SKILL.md"], rel)
        name, description, version = meta.name, meta.description, meta.version
        model, purpose, fields = meta.model, meta.purpose, meta.fields
    except FrontmatterError as err:
        messages.append(f"{err}; {folder.name} was registered under its folder name.")
        name, description, version, model, purpose, fields = folder.name, None, None, None, None, {}
    now = utcnow()
    origin, slot, snapshot = RECOVERED_ORIGIN, None, files
    bundled = {b.local_name: b for b in bundled_skills()} if dest is Destination.SETTINGS else {}
    if folder.name in bundled:
        # A bundled skill's folder: keep it bundled (never deletable), with the shipped content as
        # its snapshot so the user's edits still show as customized.
        origin, slot, snapshot = "bundled", bundled[folder.name].slot, bundled[folder.name].files
    values = {
        "local_name": folder.name, "destination": dest.value, "name": name, "description": description,
        "version": version or DEFAULT_VERSION, "origin": origin, "slot": slot,
        "snapshot_hash": installer.save_snapshot(snapshot),
        "purpose": "skill-builder" if dest is Destination.SETTINGS else (purpose if purpose != "skill-builder" else None),
        "model": model, "active": 1, "metadata_json": json.dumps(fields, default=str),
        "installed_at": now, "updated_at": now,
    }
    with store.transaction() as db:
        store.upsert_skill_tx(db, values)
    return messages
