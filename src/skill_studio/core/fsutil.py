"""File-system rules used across the core: atomic writes, safe relative paths, tree removal.

* :func:`atomic_write` — readers never see half a file: bytes go to a temporary file beside the
  target, are fsynced, then ``os.replace`` d over it (R-DATA-1).
* :func:`check_relative_path` — a path inside a skill folder, a zip or a cache never escapes it
  (R-DATA-2): no absolute path, drive letter, backslash, control character, ``..`` or empty/``.``
  segment. Callers turn :class:`~skill_studio.core.errors.UnsafePathError` into their own typed
  error and message.
* :func:`rmtree` — remove a file, a symlink (never its target) or a folder; missing is fine.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from pathlib import Path, PurePosixPath

from skill_studio.core.errors import UnsafePathError

__all__ = ["atomic_write", "check_relative_path", "rmtree"]

_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # C0, DEL and C1 (0x9b is an 8-bit CSI)


def atomic_write(path: Path, data: bytes, *, tmp_prefix: str = ".", make_parents: bool = False) -> None:
    """Write ``data`` to ``path`` atomically: a temporary file beside it, fsync, ``os.replace``.

    A symlinked ``path`` is resolved first (its target is replaced, the link stays); an existing
    file's permission bits are kept. On any failure the temporary file is removed and the old
    file (if any) is untouched.

    Args:
        path: the file to write.
        data: its new bytes.
        tmp_prefix: name prefix of the temporary file (a caller that sweeps leftovers passes its own).
        make_parents: create the missing parent folders first.

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
