"""File-system rules used across the core: atomic writes, safe relative paths, tree removal.

* :func:`atomic_write` — readers never see half a file: bytes go to a temporary file beside the
  target, are fsynced, then ``os.replace`` d over it (R-DATA-1).
* :func:`check_relative_path` — a path inside a skill folder, a zip or a cache never escapes it
  (R-DATA-2): no absolute path, drive letter, backslash, control character, ``..`` or empty/``.``
  segment. Callers turn :class:`~skill_studio.core.errors.UnsafePathError` into their own typed
  error and message.
* :func:`rmtree` — remove a file, a symlink (never its target) or a folder; missing is fine.
* :func:`replace_folder` — build a folder (or link) beside its final place, then rename it in, so a
  reader (an agent reading a workspace or a deploy target) never sees half a skill folder.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from skill_studio.core.errors import UnsafePathError

__all__ = ["atomic_write", "check_relative_path", "replace_folder", "rmtree"]

_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # C0, DEL and C1 (0x9b is an 8-bit CSI)


def atomic_write(path: Path, data: bytes, *, tmp_prefix: str = ".", make_parents: bool = False,
                 durable: bool = True) -> None:
    """Write ``data`` to ``path`` atomically: a temporary file beside it, fsync, ``os.replace``.

    A symlinked ``path`` is resolved first (its target is replaced, the link stays); an existing
    file's permission bits are kept. On any failure the temporary file is removed and the old
    file (if any) is untouched.

    Args:
        path: the file to write.
        data: its new bytes.
        tmp_prefix: name prefix of the temporary file (a caller that sweeps leftovers passes its own).
        make_parents: create the missing parent folders first.
        durable: fsync the data before the rename (R-DATA-1). Caches pass False (issue 18): each
            fsync cost 5-15 ms on the request path, and a cache file torn by a power cut reads as
            a miss (every cache reader checks what it reads), never as wrong data.

    Raises:
        OSError: the folder cannot be created or written.
    """
    target = path.resolve() if path.is_symlink() else path
    if make_parents:
        target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f"{tmp_prefix}{uuid.uuid4().hex}-{target.name}.tmp"
    try:
        with open(tmp, "xb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        if target.exists():
            shutil.copymode(target, tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def check_relative_path(path: str, *, allow_dir: bool = False) -> str:
    """Check that ``path`` is a safe relative POSIX path (R-DATA-2: no traversal).

    The checks run in this order, and the first failing one is reported: empty, backslash, control
    character (NUL included), absolute (``/x`` or a drive letter), a ``..`` segment, an empty or
    ``.`` segment.

    Args:
        path: the path as written (``"scripts/run.sh"``).
        allow_dir: accept one trailing ``/`` (a folder entry of a zip) and remove it.

    Returns:
        The path (without its trailing ``/`` when ``allow_dir``).

    Raises:
        UnsafePathError: ``reason`` is one of ``"empty name"``, ``"backslash in the path (paths must
            use '/')"``, ``"control character in the path"``, ``"absolute path"``, ``"'..' in the path
            (path traversal)"``, ``"empty or '.' path segment"``.
    """
    if not path:
        raise UnsafePathError(path, "empty name")
    if "\\" in path:
        raise UnsafePathError(path, "backslash in the path (paths must use '/')")
    if _CONTROL.search(path):
        raise UnsafePathError(path, "control character in the path")
    if path.startswith("/") or _DRIVE.match(path) or PurePosixPath(path).is_absolute():
        raise UnsafePathError(path, "absolute path")
    trimmed = path[:-1] if allow_dir and path.endswith("/") else path
    parts = trimmed.split("/")
    if any(p == ".." for p in parts):
        raise UnsafePathError(path, "'..' in the path (path traversal)")
    if any(p in ("", ".") for p in parts):
        raise UnsafePathError(path, "empty or '.' path segment")
    return trimmed


def rmtree(path: Path) -> None:
    """Remove ``path``: a file or symlink is unlinked (a link's target is never followed), a folder
    is removed with its contents, a missing path is ignored.

    Raises:
        OSError: something could not be removed.
    """
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.exists():
        shutil.rmtree(path)


def _present(path: Path) -> bool:
    return path.exists() or path.is_symlink()


def replace_folder(parent: Path, name: str, make: Callable[[Path], None], *, tmp_prefix: str,
                   sweep: bool = False) -> None:
    """Put a new ``parent/name`` in place atomically (one ``os.rename``), replacing what is there.

    ``make(tmp)`` builds the new entry (a folder, or a symlink) at a temporary path inside
    ``parent`` whose name starts with ``tmp_prefix``; then the old entry is renamed aside, the new
    one renamed in and the old one removed. On any failure the old entry is put back and the
    temporary one removed, so ``parent/name`` is either the old or the new content, never a mix
    (R-DATA-1 for folders). The caller has checked that the old entry may be replaced.

    Args:
        parent: the folder holding the entry; created when missing.
        name: the entry's name (a local skill name, already validated).
        make: builds the new entry at the path it is given (which does not exist yet).
        tmp_prefix: prefix of the temporary names, so that the caller can recognise leftovers.
        sweep: first remove leftovers from an earlier interrupted call (entries of ``parent``
            whose name starts with ``tmp_prefix``).

    Raises:
        OSError: the folder cannot be written or renamed (whatever ``make`` raises is re-raised too).
    """
    parent.mkdir(parents=True, exist_ok=True)
    if sweep:
        for child in parent.iterdir():
            if child.name.startswith(tmp_prefix):
                rmtree(child)
    tmp = parent / f"{tmp_prefix}{uuid.uuid4().hex}"
    final = parent / name
    old: Path | None = None
    try:
        make(tmp)
        if _present(final):
            old = parent / f"{tmp_prefix}{uuid.uuid4().hex}-old"
            os.rename(final, old)
        os.rename(tmp, final)
    except BaseException:
        if old is not None and _present(old) and not _present(final):
            os.rename(old, final)
        rmtree(tmp)
        raise
    if old is not None:
        rmtree(old)
