"""``skill-studio`` command line (R-CLI-1): the same core the GUI uses, for scripts and CI.

Exit codes: 0 success, 1 user error (bad input, collision, unknown name), 2 network or remote error
(GitHub unreachable, rate limited, bad catalog). Errors print one line on stderr, never a traceback
(set ``SKILL_STUDIO_DEBUG=1`` to see one). Commands that print data accept ``--json``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import sys
import textwrap
from collections.abc import Callable, Sequence
from typing import Any

from skill_studio import __version__
from skill_studio.core.cache import format_age
from skill_studio.core.errors import RemoteError, SkillStudioError, UserError
from skill_studio.core.models import Destination, ImportOptions, Listing
from skill_studio.core.service import SkillStudio

EXIT_OK, EXIT_USER, EXIT_REMOTE = 0, 1, 2

Handler = Callable[[argparse.Namespace, SkillStudio], int]

EXTENSIONS: tuple[str, ...] = ("skill_studio.cli_updates", "skill_studio.cli_skills", "skill_studio.cli_auth")
"""Modules that add subcommands: each has ``register(subparsers)`` adding parsers whose ``func``
is a ``Handler``. Keeps each area's commands (updates, skills, auth, …) in its own module."""


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def _json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _short(text: str | None, width: int) -> str:
    t = " ".join((text or "").split())
    return t if len(t) <= width else t[: width - 1] + "…"


def _table(rows: list[list[str]], headers: list[str]) -> None:
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    _out("  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip())
    for r in rows:
        _out("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())


# -- registry ----------------------------------------------------------------------------------

def cmd_registry_add(args: argparse.Namespace, studio: SkillStudio) -> int:
    reg = studio.add_registry(args.url)
    if args.json:
        _json(_registry_json(reg))
    else:
        _out(f"Added registry {reg.name!r} ({reg.source.url}).")
    return EXIT_OK


def _registry_json(reg: Any) -> dict[str, Any]:
    return {"name": reg.name, "source": reg.source.url, "repo": reg.source.slug, "ref": reg.source.ref,
            "subpath": reg.source.subpath, "enabled": reg.enabled, "default": reg.is_default}


def cmd_registry_list(args: argparse.Namespace, studio: SkillStudio) -> int:
    regs = studio.registries()
    if args.json:
        _json([_registry_json(r) for r in regs])
        return EXIT_OK
    _table([[r.name, "yes" if r.enabled else "no", "yes" if r.is_default else "", r.source.url] for r in regs],
           ["NAME", "ENABLED", "DEFAULT", "SOURCE"])
    return EXIT_OK


def cmd_registry_enable(args: argparse.Namespace, studio: SkillStudio) -> int:
    reg = studio.set_registry_enabled(args.registry, True)
    _out(f"Enabled {reg.name!r}.")
    return EXIT_OK


def cmd_registry_disable(args: argparse.Namespace, studio: SkillStudio) -> int:
    reg = studio.set_registry_enabled(args.registry, False)
    _out(f"Disabled {reg.name!r}; it stays in the list.")
    return EXIT_OK


def cmd_registry_remove(args: argparse.Namespace, studio: SkillStudio) -> int:
    reg = studio.remove_registry(args.registry)
    _out(f"Removed registry {reg.name!r}.")
    return EXIT_OK


# -- browse ------------------------------------------------------------------------------------

def listing_json(studio: SkillStudio, listing: Listing) -> dict[str, Any]:
    """The ``browse --json`` shape of one registry listing."""
    states = studio.states(listing)
    skills = []
    for s in listing.skills:
        st = states[(s.qualified_name, s.path)]
        skills.append({
            "qualified_name": s.qualified_name, "name": s.name, "local_name": s.local_name,
            "plugin": s.plugin, "path": s.path, "repo": s.repo, "commit": s.commit, "version": s.version,
            "description": s.description, "name_valid": s.name_valid, "warnings": list(s.warnings),
            "state": {d.value: st[d].state.value for d in Destination},
        })
    return {
        "name": listing.name, "source": listing.source.url, "commit": listing.commit, "skills": skills,
        "excluded": [{"path": e.path, "reason": e.reason} for e in listing.excluded],
        "skipped_plugins": [{"name": p.name, "source": p.source, "reason": p.reason} for p in listing.skipped_plugins],
        "unavailable_plugins": [{"name": p.name, "source": p.source, "reason": p.reason}
                                for p in listing.unavailable_plugins],
        "warnings": list(listing.warnings), "errors": [],
        "offline": listing.offline,
        "cached_at": listing.fetched_at.isoformat() if listing.fetched_at else None,
        "offline_reason": listing.offline_reason,
    }


def cmd_browse(args: argparse.Namespace, studio: SkillStudio) -> int:
    regs = [studio.find_registry(args.registry)] if args.registry else studio.registries(enabled_only=True)
    if not regs:
        raise UserError("No enabled registry; add one with 'skill-studio registry add URL' or enable one.")
    results: list[dict[str, Any]] = []
    failed = False
    for reg in regs:
        try:
            listing = studio.list_registry(reg, external=not args.no_external)
        except RemoteError as err:
            failed = True
            sys.stderr.write(f"skill-studio: {reg.name}: {err}\n")
            results.append({"name": reg.name, "source": reg.source.url, "commit": None, "skills": [], "excluded": [],
                            "skipped_plugins": [], "unavailable_plugins": [], "warnings": [], "errors": [str(err)],
                            "offline": False, "cached_at": None, "offline_reason": None})
            continue
        if listing.offline:
            sys.stderr.write(f"skill-studio: {reg.name}: offline, showing the catalog cached "
                             f"{format_age(listing.age_seconds())} ago: {listing.offline_reason}\n")
        entry = listing_json(studio, listing)
        entry["age_seconds"] = listing.age_seconds()
        results.append(entry)
    if args.json:
        for r in results:
            r.pop("age_seconds", None)
        _json({"registries": results})
    else:
        for i, r in enumerate(results):
            if i:
                _out()
            head = f"{r['name']} — {r['source']}"
            if r["commit"]:
                head += f" @ {r['commit'][:12]}"
            _out(head)
            if r.get("offline"):
                _out(f"  offline — cached {format_age(r.get('age_seconds'))} ago")
            if r["errors"]:
                _out("  could not be listed (see the error above)")
                continue
            if r["skills"]:
                rows = [[s["qualified_name"], s["local_name"], s["version"] or "-",
                         s["state"]["library"].replace("_", " "), s["state"]["settings"].replace("_", " "),
                         ("! " if s["warnings"] else "") + _short(s["description"], 60)] for s in r["skills"]]
                _table(rows, ["SKILL", "LOCAL NAME", "VERSION", "LIBRARY", "SETTINGS", "DESCRIPTION"])
            summary = f"{len(r['skills'])} skills"
            if r["excluded"]:
                summary += f", {len(r['excluded'])} excluded"
            if r["skipped_plugins"]:
                summary += f", {len(r['skipped_plugins'])} plugins skipped"
            if r["unavailable_plugins"]:
                summary += f", {len(r['unavailable_plugins'])} plugins unavailable"
            _out(summary + ("" if args.details or summary.endswith("skills") else " (--details for reasons)"))
            if args.details:
                for e in r["excluded"]:
                    _out(f"  excluded {e['path']}: {e['reason']}")
                for p in r["skipped_plugins"]:
                    _out(f"  skipped {p['name'] or json.dumps(p['source'])}: {p['reason']}")
                for p in r["unavailable_plugins"]:
                    _out(f"  unavailable {p['name'] or json.dumps(p['source'])}: {p['reason']}")
                for w in r["warnings"]:
                    _out(f"  warning: {w}")
    return EXIT_REMOTE if failed else EXIT_OK


# -- import / list -----------------------------------------------------------------------------

def cmd_import(args: argparse.Namespace, studio: SkillStudio) -> int:
    reg = studio.find_registry(args.registry)
    listing = studio.list_registry(reg)
    wanted = args.qualified_name
    matches = [s for s in listing.skills if s.qualified_name == wanted]
    if not matches:
        matches = [s for s in listing.skills if s.qualified_name.lower() == wanted.lower()]
    if not matches:
        near = [s.qualified_name for s in listing.skills if wanted.split(":")[-1].lower() in s.qualified_name.lower()]
        hint = f" Did you mean: {', '.join(near[:5])}?" if near else " Run 'skill-studio browse' to see the names."
        raise UserError(f"{reg.name} lists no skill {wanted!r}.{hint}")
    if len(matches) > 1:
        paths = ", ".join(f"{s.repo}@{s.commit[:12]}:{s.path or '/'}" for s in matches)
        raise UserError(f"{wanted!r} is listed more than once ({paths}); this is ambiguous.")
    skill = matches[0]
    dest = Destination(args.to)
    opts = ImportOptions(local_name=args.as_name, description=args.description, version=args.skill_version,
                         slot=args.slot, replace=args.replace, force=args.force)
    installed = studio.import_skill(listing, skill, dest, opts)
    if args.json:
        _json(_installed_json(studio, installed))
    else:
        _out(f"Imported {skill.qualified_name} {installed.version} into {dest.label} as "
             f"{installed.local_name!r} ({installed.path}).")
    return EXIT_OK


def _installed_json(studio: SkillStudio, s: Any) -> dict[str, Any]:
    return {"local_name": s.local_name, "destination": s.destination.value, "version": s.version,
            "registry": s.registry, "qualified_name": s.qualified_name, "path": s.path,
            "customized": studio.is_customized(s), "origin": s.origin, "active": s.active, "slot": s.slot,
            "commit": s.commit, "repo": s.repo}


def cmd_list(args: argparse.Namespace, studio: SkillStudio) -> int:
    dest = Destination(args.to) if args.to else None
    skills = studio.installed(dest)
    if args.json:
        _json([_installed_json(studio, s) for s in skills])
        return EXIT_OK
    if not skills:
        _out("No skills installed" + (f" in {dest.label}." if dest else "."))
        return EXIT_OK
    _table([[s.local_name, s.destination.value, s.version, s.registry or s.origin, s.qualified_name or "-",
             "customized" if studio.is_customized(s) else ""] for s in skills],
           ["LOCAL NAME", "DESTINATION", "VERSION", "REGISTRY", "SKILL", "STATE"])
    return EXIT_OK


# -- parser ------------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    """The argument parser (subcommands carry their handler in ``func``)."""
    p = argparse.ArgumentParser(
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

    reg = sub.add_parser("registry", help="add, list, enable, disable or remove registries")
    rsub = reg.add_subparsers(dest="registry_command", metavar="ACTION", required=True)
    a = rsub.add_parser("add", help="add a registry by URL (owner/repo, owner/repo@ref, https://…)")
    a.add_argument("url")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_registry_add)
    a = rsub.add_parser("list", help="list configured registries")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_registry_list)
    for name, func, hlp in (("enable", cmd_registry_enable, "enable a registry"),
                            ("disable", cmd_registry_disable, "disable a registry (kept in the list)"),
                            ("remove", cmd_registry_remove, "remove a registry (not the default)")):
        a = rsub.add_parser(name, help=hlp)
        a.add_argument("registry", metavar="NAME_OR_URL")
        a.set_defaults(func=func)

    b = sub.add_parser("browse", help="list the skills of every enabled registry (or one)")
    b.add_argument("registry", nargs="?", metavar="REGISTRY", help="display name or owner/repo")
    b.add_argument("--json", action="store_true")
    b.add_argument("--details", action="store_true", help="print excluded skills and skipped plugins with reasons")
    b.add_argument("--no-external", action="store_true",
                   help="list only plugins inside the registry's repository; plugins whose source is "
                        "another repository are skipped instead of resolved")
    b.set_defaults(func=cmd_browse)

    i = sub.add_parser("import", help="import a skill into Settings → Skills or the Skill Library")
    i.add_argument("registry", metavar="REGISTRY", help="display name or owner/repo")
    i.add_argument("qualified_name", metavar="QUALIFIED_NAME", help="plugin:skill as shown by browse")
    i.add_argument("--to", required=True, choices=[d.value for d in Destination])
    i.add_argument("--as", dest="as_name", metavar="NAME", help="local name to install under")
    i.add_argument("--replace", action="store_true", help="replace an installed skill of the same local name")
    i.add_argument("--force", action="store_true", help="also replace it when it has local edits (kept as backup)")
    i.add_argument("--description", help="description to record (required when the skill has none)")
    i.add_argument("--skill-version", help="version to record instead of the catalog's")
    i.add_argument("--slot", help="purpose slot (settings destination)")
    i.add_argument("--json", action="store_true")
    i.set_defaults(func=cmd_import)

    ls = sub.add_parser("list", help="list installed skills")
    ls.add_argument("--to", choices=[d.value for d in Destination], help="only this destination")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_list)

    for module_name in EXTENSIONS:
        importlib.import_module(module_name).register(sub)
    return p


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
    args = parser.parse_args(args_list)
    func: Handler | None = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return EXIT_OK
    try:
        with SkillStudio.open() as studio:
            for msg in studio.startup_messages:
                sys.stderr.write(f"skill-studio: {msg}\n")
            return func(args, studio)
    except UserError as err:
        sys.stderr.write(f"skill-studio: {err}\n")
        return EXIT_USER
    except RemoteError as err:
        sys.stderr.write(f"skill-studio: {err}\n")
        return EXIT_REMOTE
    except SkillStudioError as err:
        sys.stderr.write(f"skill-studio: {err}\n")
        return EXIT_USER
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
        sys.stderr.write(f"skill-studio: internal error: {err.__class__.__name__}: {err} "
                         "(set SKILL_STUDIO_DEBUG=1 for details)\n")
        return EXIT_USER


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
