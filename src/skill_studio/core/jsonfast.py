"""JSON for the big documents (issue 18): git trees of thousands of entries, cached listings.

``json.loads`` / ``json.dumps`` run as one C call that holds the GIL for its whole length: 21 ms to
parse a 5 MB tree, 36 ms to write it back, during which the GUI thread cannot run. ``orjson`` (a
dependency) does the same work in 16 ms and 2 ms. Either function falls back to the standard
module whenever orjson refuses a document (NaN, integers beyond 64 bits, non-string keys…), so the
results and the errors raised are the standard module's.
"""

from __future__ import annotations

import json
import re
from types import ModuleType
from typing import Any

_orjson: ModuleType | None
try:
    import orjson as _orjson
except ImportError:  # pragma: no cover - the dependency is missing: the standard module does it all
    _orjson = None

__all__ = ["dumps", "loads", "loads_tree"]


def loads(data: bytes | bytearray | memoryview | str) -> Any:
    """Parse a JSON document (UTF-8 bytes or text).

    Raises:
        ValueError: not JSON (``json.JSONDecodeError``, as ``json.loads`` raises it).
    """
    if _orjson is not None:
        try:
            return _orjson.loads(data)
        except (ValueError, TypeError):
            pass  # the standard module decides (and words the error)
    return json.loads(data if not isinstance(data, memoryview) else bytes(data))


def dumps(value: Any) -> bytes:
    """``value`` as compact UTF-8 JSON bytes (non-ASCII characters kept as they are), the same
    document as ``json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()``.

    Raises:
        TypeError, ValueError: ``value`` holds something JSON cannot represent.
        UnicodeEncodeError: a string holds a lone surrogate.
    """
    if _orjson is not None:
        try:
            return _orjson.dumps(value)
        except TypeError:  # orjson.JSONEncodeError is a TypeError
            pass
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


TREE_SLICE_BYTES = 256 * 1024
"""Bytes of a tree answer's ``tree`` array parsed per call by :func:`loads_tree` (~1–2 ms each)."""
_TREE_KEY = re.compile(rb'"tree"\s*:\s*\[')
_ENTRY_START = re.compile(rb'\}\s*,\s*\{\s*"path"\s*:')


def loads_tree(data: bytes) -> Any:
    """Parse a git tree answer (``{"sha": …, "tree": [{"path": …}, …], "truncated": …}``, per
    GitHub's REST API "Get a tree") in slices of about :data:`TREE_SLICE_BYTES`, with the same
    result as :func:`loads`.

    One C call parsing a 5 MB tree held the GIL for 26–39 ms (issue 18: the GUI thread stalled
    that long). The ``tree`` array is cut where one entry ends and the next begins — a
    ``}``, ``,``, ``{"path":`` sequence, which in valid JSON can only be structure (a quote inside a
    string is always escaped) — and each slice is parsed as an array of its own, so other threads
    can run between slices. Anything unexpected (no single ``"tree": [`` key, a slice that does not
    parse as a list of objects, the rest of the document not an object) falls back to one
    :func:`loads` of the whole document, which also words any error.

    Raises:
        ValueError: not JSON (as :func:`loads`).
    """
    if len(data) <= 2 * TREE_SLICE_BYTES:
        return loads(data)
    keys = list(_TREE_KEY.finditer(data, 0, 4096))  # GitHub writes "tree" after "sha" and "url"
    end = data.rfind(b"]")
    if len(keys) != 1 or end < keys[0].end():
        return loads(data)
    start = keys[0]
    try:
        outer = loads(data[:start.end() - 1] + b"[]" + data[end + 1:])
        if not isinstance(outer, dict) or outer.get("tree") != []:
            return loads(data)
        entries: list[Any] = []
        at = start.end()
        while True:
            cut = _ENTRY_START.search(data, min(at + TREE_SLICE_BYTES, end), end)
            stop = end if cut is None else cut.start() + 1  # just after the entry's closing brace
            part = loads(b"[" + data[at:stop] + b"]")
            if not isinstance(part, list) or not all(type(e) is dict for e in part):
                return loads(data)
            entries += part
            if cut is None:
                break
            at = data.index(b"{", cut.start() + 1)  # the next entry's opening brace
        outer["tree"] = entries
        return outer
    except ValueError:
        return loads(data)  # the whole document decides (and words the error)
