"""``skill-studio auth login|status|logout [--host HOST]``: GitHub tokens per host (R-NET-2).

The token is read from standard input when it is not a terminal (``gh auth token | skill-studio auth
login``), else from a hidden prompt; never from the command line, where it would land in the shell
history and the process list. ``login`` checks the token with GitHub (``GET /user``) before storing it
in the system keyring, unless ``--no-verify``. Without a keyring backend ``login`` and ``logout`` say
so and exit 1, and ``status`` says that only the environment (``GITHUB_TOKEN``, or
``GITHUB_ENTERPRISE_TOKEN`` for other hosts) can provide a token. No command ever prints the token.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from skill_studio.app import SkillStudio
from skill_studio.app import tokens as auth
from skill_studio.cli.output import EXIT_OK, json_out, out
from skill_studio.core.errors import TokenStoreError, UserError


def _read_token(host: str) -> str:
    """The token from stdin (first non-empty line) when piped, else a hidden prompt."""
    stdin = sys.stdin
    if stdin is None:
        raise UserError("No token given: pipe it on standard input.")
    if not stdin.isatty():
        for line in stdin:
            if line.strip():
                return line.strip()
        return ""
    return getpass.getpass(f"GitHub token for {host} (input hidden): ").strip()


def cmd_auth_login(args: argparse.Namespace, studio: SkillStudio) -> int:
    host = auth.normalize_host(args.host)
    if not auth.keyring_available():
        raise TokenStoreError(auth.no_keyring_message(host))
    token = _read_token(host)
    if not token:
        raise UserError("No token given; nothing was saved.")
    login = None
    if not args.no_verify:
        check = auth.check_token(host, token)
        if not check.ok:
            raise UserError(f"{check.message} Nothing was saved (use --no-verify to save it anyway).")
        login = check.login
    msg = auth.save_token(host, token)
    if login:
        msg += f" Signed in as {login}."
    out(msg)
    return EXIT_OK


def _status_json(st: auth.TokenStatus) -> dict[str, Any]:
    return {"host": st.host, "source": st.source.value, "env_var": st.env_var, "env_set": st.env_set,
            "keyring": {"available": st.keyring_available, "backend": st.keyring_backend, "stored": st.stored},
            "message": st.message}


def cmd_auth_status(args: argparse.Namespace, studio: SkillStudio) -> int:
    st = auth.token_status(args.host)
    check = None
    if args.check and st.source is not auth.TokenSource.NONE:
        token = auth.token_for(st.host)
        check = auth.check_token(st.host, token or "")
    if args.json:
        data = _status_json(st)
        if check is not None:
            data["check"] = {"ok": check.ok, "login": check.login, "message": check.message}
        json_out(data)
    else:
        out(st.message)
        if check is not None:
            out(check.message)
    return EXIT_OK if check is None or check.ok else 1


def cmd_auth_logout(args: argparse.Namespace, studio: SkillStudio) -> int:
    host = auth.normalize_host(args.host)
    removed = auth.forget_token(host)
    msg = f"Removed the token for {host} from the keyring." if removed else f"No token for {host} is stored in the keyring."
    var = auth.env_var_for(host)
    if auth.token_status(host).env_set:
        msg += f" {var} is still set in the environment and is used while it is set."
    out(msg)
    return EXIT_OK


def register(subparsers: Any) -> None:
    """Add ``auth login|status|logout`` to the CLI (listed in ``cli.EXTENSIONS``)."""
    a = subparsers.add_parser("auth", help="store, show or remove the GitHub token of a host (keyring)")
    sub = a.add_subparsers(dest="auth_command", metavar="ACTION", required=True)
    host_help = "web host, e.g. github.com (default) or ghe.example.com"

    p = sub.add_parser("login", help="store a token in the keyring (read from stdin or a hidden prompt)",
                       description="Store a GitHub token for a host in the system keyring. The token is read "
                                   "from standard input when piped, else from a hidden prompt; never from "
                                   "the command line.")
    p.add_argument("--host", default="github.com", help=host_help)
    p.add_argument("--no-verify", action="store_true", help="store the token without asking GitHub first")
    p.set_defaults(func=cmd_auth_login)

    p = sub.add_parser("status", help="say where the token of a host comes from (never prints it)")
    p.add_argument("--host", default="github.com", help=host_help)
    p.add_argument("--check", action="store_true", help="also ask GitHub whether the token works")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_auth_status)

    p = sub.add_parser("logout", help="remove the stored token of a host from the keyring")
    p.add_argument("--host", default="github.com", help=host_help)
    p.set_defaults(func=cmd_auth_logout)
