"""Helpers for robustness tests: a fingerprint of everything Skill Studio stores, and a consistency check.

``fingerprint(home)`` captures the database rows (every table, ids included), the bytes of every file
under the installed-skill, snapshot and backup folders, and what sits in the staging folder. Two equal
fingerprints mean nothing the user could see or lose has changed. ``assert_consistent(home)`` checks
the invariants a crash must never break.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path
from typing import Any

TABLES = ("registries", "skills", "history", "settings")


def _db(home: Path) -> sqlite3.Connection:
    return sqlite3.connect(home / "data" / "skill-studio.db", timeout=30)


def rows(home: Path, table: str) -> list[dict[str, Any]]:
    """Every row of ``table`` as dicts, in id/key order."""
    db = _db(home)
    try:
        db.row_factory = sqlite3.Row
        order = "key" if table == "settings" else "id"
        return [dict(r) for r in db.execute(f"SELECT * FROM {table} ORDER BY {order}")]  # noqa: S608
    finally:
        db.close()


def _files(root: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    if not root.exists():
        return out
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in sorted(filenames + [d for d in dirnames if Path(dirpath, d).is_symlink()]):
            p = Path(dirpath, name)
            rel = p.relative_to(root).as_posix()
            if p.is_symlink():
                out[rel] = "symlink -> " + os.readlink(p)
            else:
                out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
        if not dirnames and not filenames and Path(dirpath) != root:
            out[Path(dirpath).relative_to(root).as_posix() + "/"] = "empty folder"
    return out


def fingerprint(home: Path) -> dict[str, Any]:
    """Database rows + file hashes of skills/, snapshots/, backups/ + staging entries of ``home``."""
    data = home / "data"
    out: dict[str, Any] = {t: rows(home, t) for t in TABLES}
    for sub in ("skills", "snapshots", "backups"):
        out[sub] = _files(data / sub)
    staging = data / ".staging"
    out["staging"] = sorted(os.listdir(staging)) if staging.is_dir() else []
    return out


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Human-readable differences between two fingerprints (empty when equal)."""
    out = []
    for key in before.keys() | after.keys():
        a, b = before.get(key), after.get(key)
        if a == b:
            continue
        if isinstance(a, dict) and isinstance(b, dict):
            for k in sorted(a.keys() | b.keys()):
                if a.get(k) != b.get(k):
                    out.append(f"{key}/{k}: {a.get(k)!r} -> {b.get(k)!r}")
        else:
            out.append(f"{key}: {a!r} -> {b!r}")
    return out


def integrity(home: Path) -> str:
    """``PRAGMA integrity_check`` of the database (``"ok"`` when sound)."""
    db = _db(home)
    try:
        return "; ".join(r[0] for r in db.execute("PRAGMA integrity_check"))
    finally:
        db.close()


def assert_consistent(home: Path, *, staging_empty: bool = True) -> None:
    """The invariants no crash may break: a sound database, every skill row backed by its folder (with
    a SKILL.md) and by its snapshot, every history entry by its backup folder, nothing left in staging."""
    data = home / "data"
    assert integrity(home) == "ok"
    for row in rows(home, "skills"):
        folder = data / "skills" / row["destination"] / row["local_name"]
        assert (folder / "SKILL.md").is_file(), f"{folder} is missing for a registered skill"
        assert (data / "snapshots" / row["snapshot_hash"]).is_dir(), f"snapshot of {row['local_name']} missing"
    for row in rows(home, "history"):
        assert not Path(row["backup_path"]).is_absolute(), f"absolute backup path {row['backup_path']}"
        assert (data / row["backup_path"]).is_dir(), f"backup {row['backup_path']} missing"
    for dest in ("settings", "library"):
        root = data / "skills" / dest
        names = {r["local_name"] for r in rows(home, "skills") if r["destination"] == dest}
        on_disk = {p.name for p in root.iterdir()} if root.is_dir() else set()
        assert on_disk == names, f"{dest}: folders {sorted(on_disk)} vs rows {sorted(names)}"
    if staging_empty:
        staging = data / ".staging"
        assert not staging.is_dir() or os.listdir(staging) == [], os.listdir(staging)
