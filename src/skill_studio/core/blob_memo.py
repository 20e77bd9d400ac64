"""Files downloaded moments ago, kept in memory by git blob SHA so that the next step of the same
flow does not download them again (issue 14: a review before an import, then the import).

A blob SHA names its bytes (git's content address), so a hit is always the right content whatever
repository or commit asks for it; only bytes already verified against their SHA are put here. The
memo is bounded by total bytes (least recently used first out) and safe to share between threads.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

__all__ = ["DEFAULT_MAX_BYTES", "BlobMemo"]

DEFAULT_MAX_BYTES = 32 * 1024 * 1024
"""Most bytes kept (32 MiB: a few skills' files; an import takes at most a few MiB per skill)."""


class BlobMemo:
    """A bounded in-memory ``{blob SHA: bytes}`` with least-recently-used eviction.

    Args:
        max_bytes: most bytes held in total; a single blob larger than this is never kept.
    """

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def put(self, sha: str, data: bytes) -> None:
        """Remember ``data`` (already verified to hash to ``sha``)."""
        if len(data) > self.max_bytes:
            return
        with self._lock:
            old = self._items.pop(sha, None)
            if old is not None:
                self._size -= len(old)
            self._items[sha] = bytes(data)
            self._size += len(data)
            while self._size > self.max_bytes:
                _, dropped = self._items.popitem(last=False)
                self._size -= len(dropped)

    def get(self, sha: str) -> bytes | None:
        """The bytes of blob ``sha`` when remembered, else None."""
        with self._lock:
            data = self._items.get(sha)
            if data is not None:
                self._items.move_to_end(sha)
            return data

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)
