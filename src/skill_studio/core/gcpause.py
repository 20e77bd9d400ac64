"""Automatic garbage collection held off while a big answer is parsed and converted (issue 18).

A large git tree parses into ~26,000 dicts that live only until they are turned into tree entries.
CPython's cyclic garbage collector counts every one of them as a new container; a full collection
that happened to run while they were alive walked them all, holding the GIL for ~40 ms, so the GUI
thread (and every other thread) stalled. Held off for the few milliseconds of parsing and
converting, the dicts are freed by reference counting before any collection sees them, and only
the entries that stay are ever walked.

The pause is process-wide (``gc.disable``) and nests across threads: automatic collection resumes
when the last pause ends, and is never turned back on if something else had turned it off.
Never hold a pause across I/O: garbage cycles made meanwhile by other threads wait for it.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_paused"]

_lock = threading.Lock()
_depth = 0
_resume = False
"""Whether the outermost pause turned automatic collection off (and so turns it back on)."""


@contextmanager
def gc_paused() -> Iterator[None]:
    """Hold off automatic garbage collection for the ``with`` block (nested and concurrent
    pauses share one: collection resumes when the last ends; ``gc.collect()`` still works)."""
    global _depth, _resume
    with _lock:
        if _depth == 0:
            _resume = gc.isenabled()
            if _resume:
                gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _resume:
                _resume = False
                gc.enable()
