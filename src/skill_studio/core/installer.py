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
moved back); a crash after it is rolled forward (only the staging folder is removed). Removals
(``.staging/rm-*``) and rollbacks (``.staging/rb-*``) follow the same pattern: an ``intent.json``
first, then renames, then one transaction; ``recover()`` undoes them unless the transaction committed.

Several processes (the GUI and a CLI) may share the data folder. Every operation that has folders in
``.staging`` holds a *shared* ``flock`` on ``.staging.lock`` for its duration; ``recover()`` only runs
when it can take the lock *exclusively*, so it never touches the temporary folders of an operation
still running in another process (the OS drops the lock of a killed process). On platforms without
``fcntl`` (Windows) the lock is a no-op.

Test-only fault injection: when the environment variable ``SKILL_STUDIO_TEST_CRASH_AT`` names one of
``CRASH_POINTS``, the process kills itself with SIGKILL at that step (see ``_crash_point``). It exists
for the crash-safety tests and is never set by the app.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import signal
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from skill_studio.core.bases import BaseStore
from skill_studio.core.clock import utcnow
from skill_studio.core.errors import CollisionError, InstallError, UnsafePathError
from skill_studio.core.fserrors import MAX_NAME_BYTES, storage_error
from skill_studio.core.fsutil import check_relative_path as _check_path
from skill_studio.core.fsutil import rmtree
from skill_studio.core.models import Destination, InstalledSkill
from skill_studio.core.paths import AppPaths, data_absolute, data_relative
from skill_studio.core.store import Store

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows: no cross-process staging lock
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

CRASH_ENV = "SKILL_STUDIO_TEST_CRASH_AT"
"""TEST-ONLY: name of a crash point at which the process SIGKILLs itself (never set by the app)."""

CRASH_POINTS = (
    "snapshot-after-write",      # snapshot files written to .staging/snap-*, not yet renamed
    "install-after-staging",     # new folder + intent.json written; nothing visible changed
    "install-after-backup",      # installed folder moved to backups/; final place empty
    "install-after-swap",        # new folder in place; database not yet updated
    "install-after-commit",      # database committed; .staging/op-* not yet deleted
    "remove-after-move",         # folder moved to .staging/rm-*; row not yet deleted
    "rollback-after-move-current",  # current folder moved aside; backup not yet restored
    "rollback-after-restore",    # backup restored in place; database not yet updated
)
"""Steps named by ``SKILL_STUDIO_TEST_CRASH_AT`` (test-only, see ``_crash_point``)."""


def _crash_point(name: str) -> None:
    """TEST-ONLY fault injection: SIGKILL this process when ``SKILL_STUDIO_TEST_CRASH_AT == name``.

    Used by the crash-safety tests to die between two steps of the install protocol exactly as a
    power cut or ``kill -9`` would (no ``finally`` blocks, no atexit). A no-op unless the variable
    is set; the app never sets it.
    """
    if name in CRASH_POINTS and os.environ.get(CRASH_ENV) == name:
        sig = getattr(signal, "SIGKILL", None)
        if sig is None:  # pragma: no cover - Windows
            os._exit(137)
        os.kill(os.getpid(), sig)


def _write_durably(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` and fsync it (an intent must exist before the renames it describes)."""
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())

LOCAL_NAME_RE = re.compile(r"[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?\Z")
"""A local name is a safe folder name on every OS: lower-case letters, digits, ``.``, ``_``, ``-``.

Anchored with ``\\Z`` (``$`` would accept a final newline, issue 16 item 5); use with ``.match``.
:func:`check_local_name` adds the rules a pattern cannot say well (``--``, Windows device names)."""

WINDOWS_DEVICE_NAMES = frozenset(
    ["con", "prn", "aux", "nul", "conin$", "conout$"]
    + [f"{dev}{n}" for dev in ("com", "lpt") for n in [*"123456789", "\u00b9", "\u00b2", "\u00b3"]])
"""Names Windows reserves for devices, with or without an extension (``nul``, ``con.txt``...)."""


Files = Mapping[str, bytes]


class ExecutableFile(bytes):
    """The bytes of a file to be installed with its executable bits set (git mode ``100755``).

    A ``bytes`` subclass so that it travels through every ``{path: bytes}`` mapping unchanged and
    hashes, compares and diffs as its bytes; :func:`write_folder` gives it mode ``0o755`` (issue 16:
    an executable script upstream stays executable once installed)."""

    __slots__ = ()


SWAP_LOCK_TIMEOUT_S = 60.0
"""How long an install, removal or rollback waits for another one (any process) to finish."""


def check_local_name(name: str) -> str:
    """Validate a local name (R-FM-1: the folder name on disk and the database key).

    Returns:
        The name unchanged.

    Raises:
        InstallError: not 1-64 chars of ``a-z 0-9 . _ -`` starting and ending with a letter/digit
            (a trailing newline included), with ``--`` or ``..`` (the Agent Skills rule forbids
            ``--``), or a Windows device name such as ``con`` or ``nul.md`` (issue 16 item 5).
    """
    if not isinstance(name, str) or not LOCAL_NAME_RE.match(name) or ".." in name or "--" in name:
        raise InstallError(
            f"{name!r} cannot be a local name: use 1-64 characters a-z, 0-9, '-', '_' or '.', "
            "starting and ending with a letter or digit, without '--' or '..'.")
    if name.split(".", 1)[0] in WINDOWS_DEVICE_NAMES:
        raise InstallError(f"{name!r} cannot be a local name: Windows reserves it for a device; choose another.")
    return name


def check_relative_path(rel: str) -> str:
    """Validate a file path inside a skill folder (R-DATA-2: no traversal).

    Raises:
        InstallError: absolute, empty, with ``..``/``.``/empty segments, backslashes or control
            characters (the rule of :func:`skill_studio.core.fsutil.check_relative_path`; control
            characters such as a newline or ESC would forge terminal output, issue 16 item 10), or a
            name longer than :data:`~skill_studio.core.fserrors.MAX_NAME_BYTES` bytes (issue 16 item 11).
    """
    try:
        _check_path(rel)
    except UnsafePathError as err:
        if "control character" in err.reason:
            raise InstallError(f"Refusing file path {rel!r} in a skill folder: it contains a control character.") from None
        raise InstallError(f"Refusing unsafe file path {rel!r} in a skill folder.") from None
    for part in rel.split("/"):
        size = len(part.encode("utf-8", "surrogateescape"))
        if size > MAX_NAME_BYTES:
            raise InstallError(f"Refusing file path {part[:40]!r}… in a skill folder: a name of {size} bytes is too "
                               f"long for the file system (most allow {MAX_NAME_BYTES}).")
    return rel


def check_portable_paths(paths: Iterable[str]) -> None:
    """Refuse file paths that would collide on macOS or Windows (issue 16 item 5): two paths equal
    once Unicode-normalised (NFC/NFD) and case-folded, e.g. ``README.md`` and ``readme.md``.

    Raises:
        InstallError: naming both paths.
    """
    seen: dict[str, str] = {}
    for rel in sorted(paths):
        key = unicodedata.normalize("NFC", rel).casefold()
        other = seen.get(key)
        if other is not None:
            raise InstallError(
                f"Refusing {other!r} and {rel!r} in one skill folder: they differ only in letter case or "
                "Unicode normalisation and would be one file on macOS and Windows.")
        seen[key] = rel


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
        if isinstance(data, ExecutableFile):
            target.chmod(target.stat().st_mode | 0o111 & ~_umask())


def _umask() -> int:
    """The process umask (read without changing it for long)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


class Installer:
    """Writes skill folders, snapshots and backups, and keeps the database in step.

    Args:
        paths: the app folders.
        store: the database.
    """

    def __init__(self, paths: AppPaths, store: Store) -> None:
        self.paths = paths
        self.store = store
        self._swap_lock = FileLock(str(paths.data / ".swap.lock"), timeout=SWAP_LOCK_TIMEOUT_S)
        """Held around every check-and-swap (install, removal, rollback) so that the collision
        check, the renames and the database write are one step across processes and threads
        (issue 16 item 6). Reentrant within one thread."""
        self.bases = BaseStore(paths.data, paths.snapshots, read_folder)
        """The pristine upstream copy of each installed skill (issue 13: three-way merge on update)."""
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

    # -- cross-process locks -------------------------------------------------------------------

    @contextmanager
    def swap_lock(self) -> Iterator[None]:
        """Hold the data folder's swap lock (a :class:`filelock.FileLock` on ``.swap.lock``).

        Raises:
            InstallError: another Skill Studio process held it for :data:`SWAP_LOCK_TIMEOUT_S`.
        """
        self.paths.data.mkdir(parents=True, exist_ok=True)
        try:
            self._swap_lock.acquire()
        except Timeout:
            raise InstallError(f"Another Skill Studio process kept the skill folders busy for "
                               f"{SWAP_LOCK_TIMEOUT_S:.0f} s; try again.") from None
        try:
            yield
        finally:
            self._swap_lock.release()

    @property
    def _lock_path(self) -> Path:
        return self.paths.staging.with_name(".staging.lock")

    @contextmanager
    def _staging_guard(self) -> Iterator[None]:
        """Hold a shared lock on the staging folder while this operation has folders in it, so that
        ``recover()`` in another process leaves them alone. Blocks while a recovery runs."""
        if fcntl is None:  # pragma: no cover - Windows
            yield
            return
        self.paths.staging.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
            yield
        finally:
            os.close(fd)  # releases the lock

    # -- snapshots -----------------------------------------------------------------------------

    def save_snapshot(self, files: Files) -> str:
        """Store ``files`` content-addressed; returns the hash (idempotent)."""
        digest = content_hash(files)
        target = self.paths.snapshots / digest
        if target.is_dir():
            return digest
        with self._staging_guard():
            tmp = self.paths.staging / f"snap-{uuid.uuid4().hex}"
            try:
                write_folder(tmp, files)
                _crash_point("snapshot-after-write")
                os.rename(tmp, target)
            except OSError:
                rmtree(tmp)
                if not target.is_dir():  # another process stored the same snapshot first: fine
                    raise
        return digest

    def collect_snapshots(self, min_age_s: float = 3600.0) -> list[str]:
        """Delete stored snapshots no skill row and no history entry refers to (left by a crash
        between writing a snapshot and committing its row, or by older releases; issue 16 item 11).

        Runs only when the swap lock is free at once (no install in flight anywhere), and spares
        snapshots younger than ``min_age_s`` seconds. Never raises.

        Returns:
            The hashes deleted.
        """
        root = self.paths.snapshots
        if not root.is_dir():
            return []
        try:
            self._swap_lock.acquire(timeout=0)
        except Timeout:
            return []
        except OSError as exc:
            log.info("snapshots not collected: %s", exc)
            return []
        try:
            rows = self.store.skills()
            used = ({s.snapshot_hash for s in rows} | {s.upstream_hash for s in rows if s.upstream_hash}
                    | self.store.history_snapshot_hashes() | self._base_hashes())
            now = time.time()
            deleted = []
            for folder in root.iterdir():
                try:
                    if folder.name in used or now - folder.stat().st_mtime < min_age_s:
                        continue
                    rmtree(folder)
                    deleted.append(folder.name)
                except OSError as exc:
                    log.info("snapshot %s not collected: %s", folder.name, exc)
            return deleted
        finally:
            self._swap_lock.release()

    def _base_hashes(self) -> set[str]:
        """Every snapshot a base pointer names (``bases/<dest>/<name>/<hash>``, issue 13): kept."""
        out: set[str] = set()
        root = self.bases.root
        if root.is_dir():
            for pointer in root.rglob("*"):
                try:
                    if pointer.is_file():
                        out.add(pointer.read_text("ascii").strip())
                        out.add(pointer.name)
                except (OSError, UnicodeDecodeError):
                    continue
        return out

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
                upstream_files: Files | None = None, snapshot_files: Files | None = None) -> InstalledSkill:
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
            upstream_files: the upstream content when ``files`` differs from it (defaults to ``files``):
                kept as the skill's *base* for later merges (:mod:`.bases`); its hash is the
                ``upstream_hash`` unless ``row`` carries one already.
            snapshot_files: the content to record as the snapshot when it is not ``files`` (a merge
                records upstream plus the import-time choices, so the user's edits still count as
                customized, R-UPD-2); defaults to ``files``.

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
        check_portable_paths(files)
        self.paths.ensure()
        try:
            with self.swap_lock():  # the collision check and the swap are one step (issue 16 item 6)
                result = self._install_locked(files, destination, local_name, row, replace=replace, force=force,
                                              kind=kind, upstream_files=upstream_files,
                                              snapshot_files=snapshot_files)
        except OSError as exc:  # disk full, name too long, not writable: one sentence (issue 16 item 11)
            raise storage_error(exc, self.folder_of(destination, local_name),
                                prefix=f"{local_name} was not installed, nothing changed: ") from None
        self._changed(destination, local_name)
        return result

    def _install_locked(self, files: Files, destination: Destination, local_name: str, row: dict[str, Any], *,
                        replace: bool, force: bool, kind: str, upstream_files: Files | None,
                        snapshot_files: Files | None) -> InstalledSkill:
        """:meth:`install` under the swap lock (arguments as there; listeners not called)."""
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

        recorded = files if snapshot_files is None else snapshot_files
        fresh = {h for h in (content_hash(recorded), content_hash(upstream_files) if upstream_files is not None else None)
                 if h is not None and not (self.paths.snapshots / h).is_dir()}
        snapshot = self.save_snapshot(recorded)
        try:
            upstream = self.save_snapshot(upstream_files) if upstream_files is not None else content_hash(files)
            self.bases.record(destination, local_name, snapshot, upstream)
            return self._swap(files, destination, local_name, row, kind=kind, upstream=upstream,
                              existing=existing, final=final, snapshot=snapshot)
        except BaseException:
            for digest in fresh:  # a failed install leaves no orphan snapshot (issue 16 item 11)
                rmtree(self.paths.snapshots / digest)
            raise

    def _swap(self, files: Files, destination: Destination, local_name: str, row: dict[str, Any], *, kind: str,
              upstream: str, existing: InstalledSkill | None, final: Path, snapshot: str) -> InstalledSkill:
        """The staging → rename → commit steps of :meth:`install` (under the swap lock)."""
        previous_row = self.store.skill_row(destination, local_name)
        now = utcnow()
        values = dict(row)
        values.update(local_name=local_name, destination=destination.value, snapshot_hash=snapshot, updated_at=now)
        values.setdefault("upstream_hash", upstream)
        values.setdefault("installed_at", now)
        if previous_row is not None and kind == "update":
            values["installed_at"] = previous_row["installed_at"]
        if (kind == "update" and existing is not None and previous_row is not None and final.exists()
                and existing.snapshot_hash == snapshot and self.current_hash(existing) == snapshot):
            # The folder already holds this content (another process applied this very update a moment
            # ago): refresh the row, but record no second history entry — it would make the first
            # rollback restore the new version again (issue 16 item 6).
            with self.store.transaction() as db:
                self.store.upsert_skill_tx(db, values)
            result = self.store.skill(destination, local_name)
            assert result is not None
            return result
        with self._staging_guard():
            op = self.paths.staging / f"op-{uuid.uuid4().hex}"
            new = op / "new"
            backup: Path | None = self._backup_path(destination, local_name) if final.exists() else None
            moved_in = False
            try:
                write_folder(new, files)
                intent = {"kind": "install", "destination": destination.value, "local_name": local_name,
                          "final": self._rel(final), "backup": self._rel(backup) if backup else None,
                          "snapshot_hash": snapshot}
                _write_durably(op / "intent.json", json.dumps(intent))
                _crash_point("install-after-staging")
                if backup is not None:
                    backup.parent.mkdir(parents=True, exist_ok=True)
                    os.rename(final, backup)
                    _crash_point("install-after-backup")
                final.parent.mkdir(parents=True, exist_ok=True)
                os.rename(new, final)
                moved_in = True
                _crash_point("install-after-swap")
                with self.store.transaction() as db:
                    if backup is not None:
                        hist_row = previous_row or {"local_name": local_name, "destination": destination.value}
                        self.store.add_history_tx(db, destination, local_name, kind, hist_row, str(backup))
                    self.store.upsert_skill_tx(db, values)
            except BaseException:
                if backup is None and moved_in:
                    rmtree(final)  # a fresh install whose row was never written
                self._roll_back(final, backup)
                rmtree(op)
                raise
            _crash_point("install-after-commit")
            rmtree(op)
        result = self.store.skill(destination, local_name)
        assert result is not None
        return result

    def _rel(self, path: Path) -> str:
        """``path`` as stored in an ``intent.json``: relative to the data folder (issue 16 item 4)."""
        return data_relative(path, self.paths.data)

    def _abs(self, stored: str) -> Path:
        """A path read from an ``intent.json`` (relative, or absolute from an older release)."""
        return data_absolute(stored, self.paths.data)

    def _backup_path(self, destination: Destination, local_name: str) -> Path:
        """A new, unique folder path under ``backups/<dest>/<name>/`` (not created)."""
        return self.paths.backups / destination.value / local_name / f"{utcnow().replace(':', '')}-{uuid.uuid4().hex[:6]}"

    @staticmethod
    def _roll_back(final: Path, backup: Path | None) -> None:
        if backup is not None and backup.exists():
            rmtree(final)
            os.rename(backup, final)

    def recover(self) -> list[str]:
        """Finish or undo operations interrupted by a crash, and delete leftover temporary folders.

        Each ``.staging/<op>/intent.json`` is judged against the database: an install whose
        transaction did not commit has its previous folder moved back (or its new folder removed when
        there was none); an uncommitted removal has its folder moved back; an uncommitted rollback has
        both folders moved back. Committed operations only lose their staging folder. Folders without
        an intent (half-written snapshots, staging copies) are deleted.

        Does nothing while another process has an operation in flight (it holds the staging lock):
        that process's folders are not leftovers; a later start cleans up whatever remains.

        Returns:
            One sentence per repaired operation (empty when there was nothing to do).
        """
        messages: list[str] = []
        self.collect_snapshots()
        staging = self.paths.staging
        if not staging.is_dir():
            return messages
        fd = None
        if fcntl is not None:
            fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                log.info("another Skill Studio process is installing; leaving %s alone", staging)
                return messages
        try:
            for op in sorted(staging.iterdir()):
                intent_file = op / "intent.json"
                if intent_file.is_file():
                    try:
                        intent = json.loads(intent_file.read_text(encoding="utf-8"))
                        dest = Destination(intent["destination"])
                        name = str(intent["local_name"])
                        final = self._abs(intent["final"])
                    except (OSError, ValueError, KeyError, TypeError) as exc:
                        # Written before any rename: an unreadable intent means nothing was moved yet.
                        log.warning("ignoring unreadable intent %s: %s", intent_file, exc)
                    else:
                        try:
                            message = self._recover_one(op, intent, dest, name, final)
                        except OSError as exc:
                            log.warning("could not repair interrupted operation %s: %s", op, exc)
                            messages.append(f"An interrupted change to {name} could not be repaired yet "
                                            f"({exc}); it will be retried at the next start.")
                            continue
                        if message:
                            messages.append(message)
                rmtree(op)
        finally:
            if fd is not None:
                os.close(fd)
        return messages

    def _recover_one(self, op: Path, intent: dict[str, Any], dest: Destination, name: str, final: Path) -> str | None:
        """Repair one interrupted operation; returns a sentence for the user, or None if it had committed."""
        kind = intent.get("kind", "install")
        row = self.store.skill(dest, name)
        if kind == "remove":
            old = op / "old"
            if row is None:  # the row was deleted: the removal committed; keep the folder as its backup
                self._keep_removed(old, dest, name)
                return None
            if old.exists() and not final.exists():
                final.parent.mkdir(parents=True, exist_ok=True)
                os.rename(old, final)
            return f"An interrupted removal of {name} was undone."
        if kind == "rollback":
            backup, swap = self._abs(intent["backup"]), self._abs(intent["swap"])
            # The commit deletes the history entry (its id may be reused by the new one, so match the path).
            if not any(h["id"] == intent.get("history_id") and h["backup_path"] == str(backup)
                       for h in self.store.history(dest, name)):
                return None
            if final.exists() and not backup.exists():
                os.rename(final, backup)
            if swap.exists() and not final.exists():
                os.rename(swap, final)
            return f"An interrupted rollback of {name} was undone."
        earlier = self._abs(intent["backup"]) if intent.get("backup") else None
        committed = row is not None and row.snapshot_hash == intent["snapshot_hash"] and (
            earlier is None or any(h["backup_path"] == str(earlier) for h in self.store.history(dest, name)))
        if committed:
            return None
        if earlier is not None and earlier.exists():
            self._roll_back(final, earlier)
        elif row is None and final.exists():
            rmtree(final)
        return f"An interrupted install of {name} was undone."

    # -- remove / rollback ---------------------------------------------------------------------

    def remove(self, destination: Destination, local_name: str) -> Path | None:
        """Uninstall: delete the row; the folder is kept as a backup under
        ``backups/<dest>/<name>/<stamp>`` (issue 15: an uninstall can be undone by hand). The folder
        is moved away first, so a crash leaves no half.

        Returns:
            The backup folder, or None when the skill's folder was already missing.

        Raises:
            InstallError: not installed, or a bundled skill (those can be deactivated, never removed,
                R-IMP-4).
        """
        with self.swap_lock():  # one step with other installs (issue 16 item 6)
            existing = self.store.skill(destination, local_name)
            if existing is None:
                raise InstallError(f"No skill named {local_name!r} is installed in {destination.label}.")
            if existing.bundled:
                raise InstallError(f"{local_name!r} is a bundled skill and cannot be removed; deactivate it instead.")
            final = Path(existing.path)
            with self._staging_guard():
                op = self.paths.staging / f"rm-{uuid.uuid4().hex}"
                op.mkdir(parents=True)
                _write_durably(op / "intent.json", json.dumps(
                    {"kind": "remove", "destination": destination.value, "local_name": local_name,
                     "final": self._rel(final)}))
                trash = op / "old"
                if final.exists():
                    os.rename(final, trash)
                    _crash_point("remove-after-move")
                try:
                    with self.store.transaction() as db:
                        self.store.delete_skill_tx(db, destination, local_name)
                except BaseException:
                    if trash.exists():
                        os.rename(trash, final)
                    rmtree(op)
                    raise
                backup = self._keep_removed(trash, destination, local_name)
                rmtree(op)
            self._changed(destination, local_name)
            return backup

    def _keep_removed(self, trash: Path, destination: Destination, local_name: str) -> Path | None:
        """Move an uninstalled skill's folder to a new backup folder; returns it (None: nothing to keep)."""
        if not trash.exists():
            return None
        backup = self._backup_path(destination, local_name)
        backup.parent.mkdir(parents=True, exist_ok=True)
        os.rename(trash, backup)
        return backup

    def rollback(self, destination: Destination, local_name: str) -> InstalledSkill:
        """Restore the previous version (files and database row) in one step (R-UPD-4).

        The current folder becomes a history entry itself, so a rollback can be undone by another.

        Raises:
            InstallError: nothing to roll back to.
        """
        with self.swap_lock():  # one step with other installs (issue 16 item 6)
            history = self.store.history(destination, local_name)
            if not history:
                raise InstallError(f"{local_name!r} in {destination.label} has no previous version to roll back to.")
            entry = history[0]
            backup = Path(entry["backup_path"])
            if not backup.is_dir():
                raise InstallError(f"The backup of {local_name!r} at {backup} is missing; cannot roll back.")
            final = self.folder_of(destination, local_name)
            current_row = self.store.skill_row(destination, local_name)
            swap = self._backup_path(destination, local_name)
            swap.parent.mkdir(parents=True, exist_ok=True)
            moved_current = False
            with self._staging_guard():
                op = self.paths.staging / f"rb-{uuid.uuid4().hex}"
                op.mkdir(parents=True)
                _write_durably(op / "intent.json", json.dumps(
                    {"kind": "rollback", "destination": destination.value, "local_name": local_name,
                     "final": self._rel(final), "backup": self._rel(backup), "swap": self._rel(swap),
                     "history_id": entry["id"]}))
                try:
                    if final.exists():
                        os.rename(final, swap)
                        moved_current = True
                        _crash_point("rollback-after-move-current")
                    os.rename(backup, final)
                    _crash_point("rollback-after-restore")
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
                    rmtree(op)
                    raise
                rmtree(op)
            self._changed(destination, local_name)
            result = self.store.skill(destination, local_name)
            if result is None:
                raise InstallError(f"The previous version of {local_name!r} could not be restored.")
            return result
