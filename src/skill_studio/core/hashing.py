"""Content hashes used to verify downloads: git's blob object id."""

from __future__ import annotations

import hashlib

__all__ = ["git_blob_sha"]


def git_blob_sha(data: bytes) -> str:
    """Git object SHA-1 of a blob: ``sha1(b"blob <len>\\0" + data)`` (40 hex, git's object format).

    Args:
        data: the file's bytes.

    Returns:
        40 lower-case hex digits, equal to ``git hash-object`` of the same bytes.
    """
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()  # noqa: S324 - git's format
