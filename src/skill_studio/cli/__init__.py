"""``skill-studio`` command line (R-CLI-1): the same core the GUI uses, for scripts and CI.

Exit codes: 0 success, 1 user error (bad input, collision, unknown name), 2 network or remote error
(GitHub unreachable, rate limited, bad catalog). Errors print one line on stderr, never a traceback
(set ``SKILL_STUDIO_DEBUG=1`` to see one). Commands that print data accept ``--json``.
"""

from __future__ import annotations

import argparse
import difflib
import logging
import os
import re
import sys
import textwrap
from collections.abc import Sequence
from typing import Any, NoReturn

from skill_studio import __version__
from skill_studio.app import SkillStudio, clean
from skill_studio.cli import auth, browse, registry, review, skills, targets, updates
from skill_studio.cli.output import EXIT_OK, EXIT_REMOTE, EXIT_USER, Handler, error, exit_code
from skill_studio.core.errors import SkillStudioError

__all__ = ["EXIT_OK", "EXIT_REMOTE", "EXIT_USER", "build_parser", "main"]

COMMAND_GROUPS = (registry, browse, review, updates, skills, targets, auth)
"""Modules that add subcommands, in help order: each has ``register(subparsers)`` adding parsers
whose ``func`` is a ``Handler``."""


class UsageError(Exception):
    """A command line argparse refuses; ``main`` prints it as one line and exits 1 (issue 16: exit 2
    is for network errors)."""


_INVALID_CHOICE = re.compile(r"argument (?P<arg>[^:]+): invalid choice: '(?P<got>[^']*)' \(choose from (?P<opts>.*)\)")


class _Parser(argparse.ArgumentParser):
    """``argparse`` with one-line usage errors and "did you mean" (``difflib``) for a mistyped
    choice; subparsers are of this class too."""

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:  # noqa: D102 - argparse API
        if "--json" in args and not kwargs.get("help"):
            kwargs["help"] = "print the result as JSON (for scripts) instead of text"
        return super().add_argument(*args, **kwargs)

    def error(self, message: str) -> NoReturn:  # noqa: D102 - argparse hook
        m = _INVALID_CHOICE.fullmatch(message)
        if m:
            options = [o.strip().strip("'") for o in m["opts"].split(",")]
            what = "command" if m["arg"] in ("COMMAND", "ACTION") else m["arg"]
            near = difflib.get_close_matches(m["got"], options, n=3, cutoff=0.5)
            hint = f"did you mean {' or '.join(repr(n) for n in near)}?" if near else \
                f"choose from {', '.join(options)}"
            message = f"unknown {what} {m['got']!r}; {hint}"
        elif message.startswith("unrecognized arguments: "):
            extra = message[len("unrecognized arguments: "):].split()
            shown = [a for a in extra if a.startswith("-")]
            hidden = len(extra) - len(shown)
            # a stray value may be a secret (a token pasted after 'auth login'): never echo it
            message = "unrecognized arguments: " + ", ".join(
                [*shown, *([f"{hidden} more value{'s' if hidden > 1 else ''} (not shown)"] if hidden else [])])
        elif message.startswith("the following arguments are required: "):
            message = "missing " + message[len("the following arguments are required: "):]
        where = self.prog.removeprefix("skill-studio").strip()
        raise UsageError(f"{where + ': ' if where else ''}{message} (see '{self.prog} --help')")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (subcommands carry their handler in ``func``)."""
    p = _Parser(
        prog="skill-studio",
        description="Browse Claude skill marketplaces on GitHub, import skills, keep them current.",
        epilog=textwrap.dedent("""\
            examples:
              skill-studio registry add anthropics/skills
              skill-studio browse anthropic-agent-skills
              skill-studio import anthropic-agent-skills document-skills:pdf --to library
              skill-studio list --json

            environment: SKILL_STUDIO_HOME relocates all data; SKILL_STUDIO_GITHUB_API sets the
            GitHub API base URL (GitHub Enterprise: https://HOST/api/v3); GITHUB_TOKEN (github.com)
            or GITHUB_ENTERPRISE_TOKEN (other hosts) is sent as a bearer token and wins over a
            token stored with 'skill-studio auth login'."""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"skill-studio {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    for group in COMMAND_GROUPS:
        group.register(sub)
    return p


def _say_waiting(text: str) -> None:
    """Print a slow-request notice on stderr (called from network threads)."""
    try:
        sys.stderr.write(f"skill-studio: {clean(text, 300)}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI.

    With no arguments at all, opens the desktop app instead (``skill_studio.ui.app.run_gui``).

    Args:
        argv: arguments without the program name (default ``sys.argv[1:]``).

    Returns:
        The exit code: 0 success, 1 user error, 2 network/remote error.
    """
    logging.basicConfig(level=logging.DEBUG if os.environ.get("SKILL_STUDIO_DEBUG") else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list:  # no arguments: the desktop app (Qt is imported only here)
        from skill_studio.ui.app import run_gui

        return run_gui(sys.argv[:1] or ["skill-studio"])
    parser = build_parser()
    try:
        args = parser.parse_args(args_list)
    except UsageError as err:  # one line, exit 1 (exit 2 is for network errors)
        error(err)
        return EXIT_USER
    func: Handler | None = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return EXIT_OK
    try:
        with SkillStudio.open() as studio:
            for msg in studio.startup_messages:
                error(msg)
            studio.on_network_wait = _say_waiting  # "waiting for GitHub… (attempt 2 of 4)" (issue 16)
            return func(args, studio)
    except SkillStudioError as err:
        error(err)
        return exit_code(err)
    except KeyboardInterrupt:
        sys.stderr.write("skill-studio: interrupted\n")
        return 130
    except BrokenPipeError:  # output piped into `head` and closed early: not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except Exception as err:  # a bug: one line, and the traceback only on request
        if os.environ.get("SKILL_STUDIO_DEBUG"):
            raise
        error(f"internal error: {err.__class__.__name__}: {err} (set SKILL_STUDIO_DEBUG=1 for details)")
        return EXIT_USER


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
