"""Unified diffs of one skill file, as ``git diff`` shows them (R-UPD-2 ``diff``; issue 14's update
review; issue 16 item 10 for hostile file names).

One home for the rule used by ``skill-studio diff`` (local edits against the import snapshot) and by
the update review (the installed upstream copy against the new one): ``a/path`` → ``b/path``,
``/dev/null`` for an absent side, ``\\ No newline at end of file`` after a last line without one,
one ``Binary files … differ`` line for content that is not UTF-8 text, a one-line note for an empty
file added or removed, and header paths quoted as git quotes them so a file name can never forge
``---``/``+++`` lines.

Pure functions, no I/O.
"""

from __future__ import annotations

import difflib

__all__ = ["diff_label", "text_or_none", "unified_diff"]


def text_or_none(data: bytes | None) -> str | None:
    """``data`` decoded as UTF-8 text; ``""`` for None (an absent side); None when it is binary
    (holds a NUL byte or is not valid UTF-8)."""
    if data is None:
        return ""
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _split(text: str) -> list[str]:
    """Lines split on ``\\n`` only (``str.splitlines`` also splits on form feeds and the like)."""
    parts = text.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def _unsafe(ch: str) -> bool:
    return ch in '"\\' or ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0


def diff_label(prefix: str, rel: str) -> str:
    """A diff header path ``prefix + rel`` (``"a/"`` or ``"b/"``), quoted as git does
    (``"a/evil\\nname"``, octal escapes) when it holds a control character, a quote or a backslash."""
    path = prefix + rel
    if not any(_unsafe(ch) for ch in path):
        return path
    named = {"\n": "\\n", "\t": "\\t", "\r": "\\r", '"': '\\"', "\\": "\\\\"}
    body = "".join(named.get(ch) or (f"\\{ord(ch):03o}" if _unsafe(ch) else ch) for ch in path)
    return f'"{body}"'


def unified_diff(path: str, old: bytes | None, new: bytes | None, context: int = 3) -> str:
    """Unified diff of one file, ``a/path`` (``old``) → ``b/path`` (``new``).

    Args:
        path: the file's path relative to the skill folder (POSIX).
        old, new: the two contents; None for an absent side (added or removed file).
        context: lines of context around each change.

    Returns:
        The diff text ending with a newline; ``""`` when both sides are equal.
    """
    if old == new:
        return ""
    a_label = "/dev/null" if old is None else diff_label("a/", path)
    b_label = "/dev/null" if new is None else diff_label("b/", path)
    ta, tb = text_or_none(old), text_or_none(new)
    if ta is None or tb is None:
        return f"Binary files {a_label} and {b_label} differ\n"
    out: list[str] = []
    for line in difflib.unified_diff(_split(ta), _split(tb), a_label, b_label, n=context):
        if line.endswith("\n"):
            out.append(line)
        else:  # like git and GNU diff: mark a last line without a newline
            out.append(line + "\n")
            if line[:1] in (" ", "-", "+"):
                out.append("\\ No newline at end of file\n")
    if not out:  # an empty file added or removed: no hunk to show
        return f"Empty file {b_label} added\n" if old is None else f"Empty file {a_label} removed\n"
    return "".join(out)
