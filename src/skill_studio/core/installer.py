"""Atomic installs, content snapshots, backups and rollback (R-IMP-1, R-UPD-2, R-UPD-4).

A *snapshot* is the content of a skill folder: every regular file, keyed by its relative POSIX path.
Its hash (``content_hash``) is SHA-256 over the sorted ``(path, bytes)`` pairs, so any added, removed
or changed file changes it. Snapshots are stored content-addressed under ``snapshots/<hash>/`` so a
diff against the installed folder and a byte-exact restore are always possible.

Install protocol (crash-safe at every step; see ``recover``)::

    1. write the new files to  .staging/<op>/new/            (nothing visible changed yet)
    2. write .staging/<op>/intent.json                        (what is about to be swapped)
    3. rename skills/<dest>/<name>  -> backups/<dest>/<name>/<stamp>   (only when replacing)
    4. rename .staging/<op>/new     -> skills/<dest>/<name>
    5. one SQLite transaction: the skill row + a history row pointing at the backup
    6. delete .staging/<op>/

A crash before 5 commits is rolled back by ``recover()`` at the next start (the previous folder is
moved back); a crash after it is rolled forward (only the staging folder is removed).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from skill_studio.core.errors import CollisionError, InstallError
from skill_studio.core.models import Destination, InstalledSkill
from skill_studio.core.paths import AppPaths
from skill_studio.core.store import Store, utcnow

log = logging.getLogger(__name__)

LOCAL_NAME_RE = re.compile(r"^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$")
"""A local name is a safe folder name on every OS: lower-case letters, digits, ``.``, ``_``, ``-``."""

Files = Mapping[str, bytes]


def check_local_name(name: str) -> str:
    """Validate a local name (R-FM-1: the folder name on disk and the database key).

    Returns:
        The name unchanged.

    Raises:
        InstallError: not 1–64 chars of ``a-z 0-9 . _ -`` starting and ending with a letter/digit.
    """
    if not isinstance(name, str) or not LOCAL_NAME_RE.match(name) or ".." in name:
        raise InstallError(
            f"{name!r} cannot be a local name: use 1-64 characters a-z, 0-9, '-', '_' or '.', "
            "starting and ending with a letter or digit.")
    return name


def check_relative_path(rel: str) -> str:
    """Validate a file path inside a skill folder (R-DATA-2: no traversal).

    Raises:
        InstallError: absolute, empty, with ``..``/``.`` segments, backslashes or NUL.
    """
    p = PurePosixPath(rel)
    if (not rel or rel.startswith("/") or "\\" in rel or "\0" in rel or p.is_absolute()
            or any(part in ("..", ".", "") for part in rel.split("/")) or re.match(r"^[A-Za-z]:", rel)):
        raise InstallError(f"Refusing unsafe file path {rel!r} in a skill folder.")
    return rel


def content_hash(files: Files) -> str:
    """SHA-256 hex over sorted relative paths and bytes (the snapshot identity, R-UPD-2).

    Args:
        files: ``{relative POSIX path: bytes}``.
    """
    h = hashlib.sha256()
    for rel in sorted(files):
        data = files[rel]
        h.update(rel.encode("utf-8") + b"\0" + str(len(data)).encode() + b"\0")
        h.update(data)
    return h.hexdigest()


def read_folder(folder: Path) -> dict[str, bytes]:
    """Every regular file below ``folder`` as ``{relative POSIX path: bytes}``; symlinks are skipped."""
    out: dict[str, bytes] = {}
    if not folder.is_dir():
        return out
    for root, dirs, names in os.walk(folder, followlinks=False):
        dirs[:] = [d for d in dirs if not (Path(root) / d).is_symlink()]
        for n in names:
            f = Path(root) / n
            if f.is_symlink() or not f.is_file():
                continue
            out[f.relative_to(folder).as_posix()] = f.read_bytes()
    return out


def write_folder(folder: Path, files: Files) -> None:
    """Create ``folder`` (must not exist) holding ``files``; paths are validated first."""
    for rel in files:
        check_relative_path(rel)
    folder.mkdir(parents=True)
    for rel, data in files.items():
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())


def _rmtree(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.exists():
        shutil.rmtree(path)


class Installer:
    """Writes skill folders, snapshots and backups, and keeps the database in step.

    Args:
        paths: the app folders.
        store: the database.
    """

    def __init__(self, paths: AppPaths, store: Store) -> None:
        self.paths = paths
        self.store = store
        self.on_change: list[Callable[[Destination, str], None]] = []
        """Listeners called as ``listener(destination, local_name)`` after every committed install,
        removal or rollback (e.g. the agent-workspace sync, R-IMP-6). A listener's exception is
        logged and never undoes the committed change."""

    def _changed(self, destination: Destination, local_name: str) -> None:
        for listener in list(self.on_change):
            try:
                listener(destination, local_name)
            except Exception:  # the change is committed; a listener must not turn it into a failure
                log.exception("change listener failed after %s/%s", destination.value, local_name)

    # -- snapshots -----------------------------------------------------------------------------

    def save_snapshot(self, files: Files) -> str:
        """Store ``files`` content-addressed; returns the hash (idempotent)."""
        digest = content_hash(files)
        target = self.paths.snapshots / digest
        if target.is_dir():
            return digest
        tmp = self.paths.staging / f"snap-{uuid.uuid4().hex}"
        write_folder(tmp, files)
        try:
            os.rename(tmp, target)
        except OSError:
            _rmtree(tmp)
            if not target.is_dir():
                raise
        return digest

    def snapshot_files(self, digest: str) -> dict[str, bytes]:
        """The files of a stored snapshot (``{}`` when it is missing)."""
        return read_folder(self.paths.snapshots / digest)

    def folder_of(self, destination: Destination, local_name: str) -> Path:
        """Installed folder of a skill."""
        return self.paths.skills_dir(destination) / local_name

    def current_hash(self, skill: InstalledSkill) -> str:
        """Content hash of the skill's folder as it is on disk now."""
        return content_hash(read_folder(Path(skill.path)))

    def is_customized(self, skill: InstalledSkill) -> bool:
        """True when the folder differs from the import snapshot in any file (R-UPD-2)."""
        return self.current_hash(skill) != skill.snapshot_hash

    # -- install -------------------------------------------------------------------------------

    def install(self, files: Files, destination: Destination, local_name: str, row: dict[str, Any], *,
                replace: bool = False, force: bool = False, kind: str = "import",
                upstream_files: Files | None = None) -> InstalledSkill:
        """Install ``files`` as ``destination/local_name`` atomically and record it.

        Args:
            files: the complete skill folder, ``{relative path: bytes}``; must contain ``SKILL.md``.
            destination: where to install.
            local_name: folder name and key (validated by ``check_local_name``).
            row: column values for the skills table (name, version, registry, …); the installer
                fills local_name, destination, snapshot_hash, timestamps.
            replace: allow replacing an installed skill of that name (R-IMP-2).
            force: allow replacing a customized installed skill (R-UPD-4); its folder is kept as a
                restorable backup either way.
            kind: history label of the replaced version (``"import"``, ``"update"``).
            upstream_files: the upstream content when ``files`` differs from it (defaults to ``files``);
                ignored when ``row`` carries ``upstream_hash`` already.

        Returns:
            The installed skill.

        Raises:
            CollisionError: the name is taken and ``replace`` is False.
            InstallError: the installed copy is customized and ``force`` is False; bad paths; no SKILL.md.
        """
        check_local_name(local_name)
        if "SKILL.md" not in files:
            raise InstallError(f"{local_name}: the skill folder has no SKILL.md.")
        for rel in files:
            check_relative_path(rel)
        self.paths.ensure()
        final = self.folder_of(destination, local_name)
        existing = self.store.skill(destination, local_name)
        if (existing is not None or final.exists()) and not replace:
            raise CollisionError(
                f"A skill named {local_name!r} is already installed in {destination.label}; "
                "choose another local name (--as NAME) or replace it (--replace).",
                local_name, destination.value)
        if existing is not None and not force and final.exists() and self.is_customized(existing):
            raise InstallError(
                f"{local_name!r} in {destination.label} has local edits (customized); replacing it needs "
                "explicit confirmation (--force). Your version will be kept as a backup.")

        snapshot = self.save_snapshot(files)
        upstream = content_hash(upstream_files) if upstream_files is not None else snapshot
        op = self.paths.staging / f"op-{uuid.uuid4().hex}"
        new = op / "new"
        write_folder(new, files)
        backup: Path | None = None
        if final.exists():
            backup = self.paths.backups / destination.value / local_name / f"{utcnow().replace(':', '')}-{uuid.uuid4().hex[:6]}"
        intent = {"destination": destination.value, "local_name": local_name, "final": str(final),
                  "backup": str(backup) if backup else None, "snapshot_hash": snapshot}
        (op / "intent.json").write_text(json.dumps(intent))
        previous_row = self.store.skill_row(destination, local_name)
        now = utcnow()
        values = dict(row)
        values.update(local_name=local_name, destination=destination.value, snapshot_hash=snapshot, updated_at=now)
        values.setdefault("upstream_hash", upstream)
        values.setdefault("installed_at", now)
        if previous_row is not None and kind == "update":
            values["installed_at"] = previous_row["installed_at"]
        try:
            if backup is not None:
                backup.parent.mkdir(parents=True, exist_ok=True)
                os.rename(final, backup)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.rename(new, final)
            with self.store.transaction() as db:
                if backup is not None:
                    hist_row = previous_row or {"local_name": local_name, "destination": destination.value}
                    self.store.add_history_tx(db, destination, local_name, kind, hist_row, str(backup))
                self.store.upsert_skill_tx(db, values)
        except BaseException:
            self._roll_back(final, backup)
            _rmtree(op)
            raise
        _rmtree(op)
        result = self.store.skill(destination, local_name)
        assert result is not None
        self._changed(destination, local_name)
        return result

    @staticmethod
    def _roll_back(final: Path, backup: Path | None) -> None:
        if backup is not None and backup.exists():
            _rmtree(final)
            os.rename(backup, final)

    def recover(self) -> list[str]:
        """Finish or undo installs interrupted by a crash, and delete leftover temporary folders.

        Returns:
            One sentence per repaired install (empty when there was nothing to do).
        """
        messages: list[str] = []
        staging = self.paths.staging
        if not staging.is_dir():
            return messages
        for op in sorted(staging.iterdir()):
            intent_file = op / "intent.json"
            if intent_file.is_file():
                try:
                    intent = json.loads(intent_file.read_text())
                    dest = Destination(intent["destination"])
                    row = self.store.skill(dest, intent["local_name"])
                    committed = row is not None and row.snapshot_hash == intent["snapshot_hash"] and (
                        intent["backup"] is None or any(h["backup_path"] == intent["backup"]
                                                        for h in self.store.history(dest, intent["local_name"])))
                    if not committed:
                        final = Path(intent["final"])
                        backup = Path(intent["backup"]) if intent["backup"] else None
                        if backup is not None and backup.exists():
                            self._roll_back(final, backup)
                        elif row is None and final.exists():
                            _rmtree(final)
                        messages.append(f"An interrupted install of {intent['local_name']} was undone.")
                except (OSError, ValueError, KeyError) as exc:
                    log.warning("could not read interrupted install %s: %s", op, exc)
            _rmtree(op)
        return messages

    # -- remove / rollback ---------------------------------------------------------------------

    def remove(self, destination: Destination, local_name: str) -> None:
        """Uninstall: delete the row and the folder (folder moved away first, so a crash leaves no half).

        Raises:
            InstallError: not installed, or a bundled skill (those can be deactivated, never removed,
                R-IMP-4).
        """
        existing = self.store.skill(destination, local_name)
        if existing is None:
            raise InstallError(f"No skill named {local_name!r} is installed in {destination.label}.")
        if existing.bundled:
            raise InstallError(f"{local_name!r} is a bundled skill and cannot be removed; deactivate it instead.")
        final = Path(existing.path)
        trash = self.paths.staging / f"rm-{uuid.uuid4().hex}"
        if final.exists():
            os.rename(final, trash)
        try:
            with self.store.transaction() as db:
                self.store.delete_skill_tx(db, destination, local_name)
        except BaseException:
            if trash.exists():
                os.rename(trash, final)
            raise
        _rmtree(trash)
        self._changed(destination, local_name)

    def rollback(self, destination: Destination, local_name: str) -> InstalledSkill:
        """Restore the previous version (files and database row) in one step (R-UPD-4).

        The current folder becomes a history entry itself, so a rollback can be undone by another.

        Raises:
            InstallError: nothing to roll back to.
        """
        history = self.store.history(destination, local_name)
        if not history:
            raise InstallError(f"{local_name!r} in {destination.label} has no previous version to roll back to.")
        entry = history[0]
        backup = Path(entry["backup_path"])
        if not backup.is_dir():
            raise InstallError(f"The backup of {local_name!r} at {backup} is missing; cannot roll back.")
        final = self.folder_of(destination, local_name)
        current_row = self.store.skill_row(destination, local_name)
        swap = self.paths.backups / destination.value / local_name / f"{utcnow().replace(':', '')}-{uuid.uuid4().hex[:6]}"
        swap.parent.mkdir(parents=True, exist_ok=True)
        moved_current = False
        try:
            if final.exists():
                os.rename(final, swap)
                moved_current = True
            os.rename(backup, final)
            with self.store.transaction() as db:
                self.store.delete_history_tx(db, entry["id"])
                if current_row is not None:
                    self.store.add_history_tx(db, destination, local_name, "rollback", current_row, str(swap))
                restored = dict(entry["row"])
                restored.pop("id", None)
                if "snapshot_hash" in restored:
                    self.store.upsert_skill_tx(db, restored)
                else:
                    self.store.delete_skill_tx(db, destination, local_name)
        except BaseException:
            if final.exists() and not backup.exists():
                os.rename(final, backup)
            if moved_current and swap.exists():
                os.rename(swap, final)
            raise
        self._changed(destination, local_name)
        result = self.store.skill(destination, local_name)
        if result is None:
            raise InstallError(f"The previous version of {local_name!r} could not be restored.")
        return result
