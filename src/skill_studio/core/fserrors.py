"""One clear sentence for each way the file system refuses a write (issue 16 item 11).

A full disk, a file name too long for the file system, a folder that cannot be written and a file
where a folder should be are the user's to fix; they must read as such, never as
``internal error: OSError …``. :func:`describe_os_error` words them; callers wrap the sentence in
:class:`~skill_studio.core.errors.StorageError` (or their own typed error).
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from skill_studio.core.errors import StorageError

__all__ = ["MAX_NAME_BYTES", "describe_os_error", "storage_error"]

MAX_NAME_BYTES = 255
"""Longest file or folder name (one path component) most file systems accept, in UTF-8 bytes
(ext4, APFS, NTFS's 255 UTF-16 units are at least as many)."""


def _shown(path: object) -> str:
    text = os.fspath(path) if isinstance(path, (str, os.PathLike)) else str(path)
    return text if len(text) <= 160 else text[:100] + "…" + text[-40:]


def describe_os_error(exc: OSError, path: str | os.PathLike[str] | None = None) -> str:
    """A sentence for the user saying what the file system refused and what to do.

    Args:
        exc: the error (its ``errno`` and ``filename`` are used).
        path: the path to name when ``exc`` carries none.

    Returns:
        e.g. ``"The disk holding /home/me/.local/share/skill-studio is full; free some space and try
        again."``; for an unknown error, ``"<path>: <strerror>."``.
    """
    where = exc.filename if exc.filename is not None else path
    shown = _shown(where) if where is not None else "a file"
    code = exc.errno
    if code == errno.ENOSPC or code == getattr(errno, "EDQUOT", None):
        return f"The disk holding {shown} is full (or over its quota); free some space and try again."
    if code == errno.ENAMETOOLONG:
        longest = max((len(p.encode("utf-8", "surrogateescape")) for p in Path(os.fspath(where)).parts),
                      default=0) if where is not None else 0
        detail = (f"a name of {longest} bytes; most file systems allow {MAX_NAME_BYTES}"
                  if longest > MAX_NAME_BYTES else "the whole path is too long")
        return f"The file name {shown} is too long for this file system ({detail})."
    if code in (errno.EACCES, errno.EPERM):
        return f"{shown} cannot be written: permission denied. Check the folder's owner and permissions."
    if code == errno.EROFS:
        return f"{shown} cannot be written: the file system is read-only."
    blocker = _a_file_in_the_way(Path(os.fspath(where))) if where is not None else None
    if code in (errno.EEXIST, errno.ENOTDIR) and blocker is not None:
        return (f"{_shown(blocker)} is a file, but Skill Studio needs a folder there; move the file away "
                "(or set SKILL_STUDIO_HOME to another folder).")
    reason = exc.strerror or str(exc) or type(exc).__name__
    return f"{shown}: {reason}."


def _a_file_in_the_way(path: Path) -> Path | None:
    """``path`` or its nearest existing ancestor, when that is not a folder."""
    for p in (path, *path.parents):
        if p.exists() or p.is_symlink():
            return None if p.is_dir() else p
    return None


def storage_error(exc: OSError, path: str | os.PathLike[str] | None = None, prefix: str = "") -> StorageError:
    """:class:`~skill_studio.core.errors.StorageError` worded by :func:`describe_os_error`,
    optionally prefixed (e.g. ``"pdf: "``)."""
    return StorageError(prefix + describe_os_error(exc, path))
