"""Output of the command line: plain lines, aligned tables, JSON, and errors → exit codes (R-CLI-1).

Exit codes: 0 success, 1 user error (bad input, collision, unknown name), 2 network or remote error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from skill_studio.app import SkillStudio
from skill_studio.core.errors import RemoteError, SkillStudioError, UserError

EXIT_OK, EXIT_USER, EXIT_REMOTE = 0, 1, 2

Handler = Callable[[argparse.Namespace, SkillStudio], int]
"""A subcommand: ``handler(parsed arguments, studio) → exit code``."""


def out(text: str = "") -> None:
    """Print one line on stdout."""
    sys.stdout.write(text + "\n")


def json_out(data: Any) -> None:
    """Print ``data`` as indented JSON (UTF-8 kept) on stdout."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def short(text: str | None, width: int) -> str:
    """``text`` on one line, cut to ``width`` characters with an ellipsis."""
    t = " ".join((text or "").split())
    return t if len(t) <= width else t[: width - 1] + "…"


def table(rows: list[list[str]], headers: list[str]) -> None:
    """Print an aligned table (columns padded to their widest cell, trailing spaces stripped)."""
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
    """Print an error line on stderr: ``skill-studio: message``."""
    sys.stderr.write(f"skill-studio: {message}\n")
