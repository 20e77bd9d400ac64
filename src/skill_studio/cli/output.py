"""Output of the command line: plain lines, aligned tables, JSON, and errors → exit codes (R-CLI-1).

Exit codes: 0 success, 1 user error (bad input, collision, unknown name), 2 network or remote error.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from typing import Any

from skill_studio.app import SkillStudio, clean
from skill_studio.core.errors import RemoteError, SkillStudioError, UserError

EXIT_OK, EXIT_USER, EXIT_REMOTE = 0, 1, 2

Handler = Callable[[argparse.Namespace, SkillStudio], int]
"""A subcommand: ``handler(parsed arguments, studio) → exit code``."""


def out(text: str = "") -> None:
    """Print one line on stdout. Everything printed is made safe first (issue 16 item 10): escape
    sequences removed, control characters shown as ``?``, and a line break inside ``text`` (a
    marketplace string forging a line) becomes a space."""
    sys.stdout.write(clean(text, None) + "\n")


def block(text: str) -> None:
    """Print several lines on stdout (a diff). On a terminal each line is made safe as :func:`out`
    does (line breaks kept); into a pipe or file the text goes byte for byte, so that ``patch``
    gets the exact content (a diff's header lines are quoted by the app, never forgeable)."""
    isatty = getattr(sys.stdout, "isatty", None)
    sys.stdout.write(clean(text, None, multiline=True) if isatty is not None and isatty() else text)


_JSON_UNSAFE = re.compile("[\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def json_out(data: Any) -> None:
    """Print ``data`` as indented JSON (UTF-8 kept) on stdout. Control characters are escaped by
    JSON; DEL, C1 controls and bidi/zero-width marks are escaped too (``\\u009b``), so no
    marketplace string reaches the terminal raw (issue 16 item 10)."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    sys.stdout.write(_JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n")


def short(text: str | None, width: int) -> str:
    """``text`` on one line, cut to ``width`` characters with an ellipsis."""
    t = " ".join((text or "").split())
    return t if len(t) <= width else t[: width - 1] + "…"


def table(rows: list[list[str]], headers: list[str]) -> None:
    """Print an aligned table (columns padded to their widest cell, trailing spaces stripped)."""
    rows = [[clean(c, 120) for c in r] for r in rows]  # marketplace text: one safe line per cell
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    out("  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip())
    for r in rows:
        out("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())


def exit_code(err: SkillStudioError) -> int:
    """The exit code of a typed error: ``EXIT_REMOTE`` for remote errors, else ``EXIT_USER``."""
    if isinstance(err, UserError):
        return EXIT_USER
    if isinstance(err, RemoteError):
        return EXIT_REMOTE
    return EXIT_USER


def error(message: object) -> None:
    """Print an error line on stderr: ``skill-studio: message`` — always one line, made safe as
    :func:`out` does (an error quoting a marketplace string cannot forge output)."""
    sys.stderr.write(f"skill-studio: {clean(message, 2000)}\n")
