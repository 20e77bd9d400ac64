"""CLI command ``review`` (issue 14): the security review of a catalog skill or an installed one.

::

    skill-studio review REGISTRY QUALIFIED [--json]              before import: the listed folder
    skill-studio review --installed NAME [--to DEST] [--json]    an installed skill's folder

JSON: ``{"skill", "risk", "files": [{"path", "size", "mode", "kind"}], "findings": [{"rule",
"severity", "path", "line", "message"}]}``. Exit 0 whatever the risk (1 unknown name, 2 remote).
The update preview is ``skill-studio update NAME --preview`` (``cli.updates``).
"""

from __future__ import annotations

import argparse
from typing import Any

from skill_studio.app import SkillStudio
from skill_studio.app import review as rv
from skill_studio.cli.output import EXIT_OK, json_out, out, short, table
from skill_studio.core.errors import UserError
from skill_studio.core.models import Destination

DESTS = [d.value for d in Destination]


def _resolve_dest(studio: SkillStudio, name: str, to: str | None) -> Destination:
    if to:
        return Destination(to)
    found = [d for d in Destination if studio.installed_skill(d, name) is not None]
    if not found:
        raise UserError(f"No skill named {name!r} is installed; 'skill-studio list' shows the local names.")
    if len(found) > 1:
        raise UserError(f"{name!r} is installed in both destinations; choose one with --to settings|library.")
    return found[0]


def print_findings(findings: Any, indent: str = "") -> None:
    """The findings as an aligned table (severity, rule, where, message)."""
    rows = [[f"{indent}{f.severity}", f.rule, rv.escape_hidden(f"{f.path}:{f.line}" if f.line else f.path),
             short(f.message, 100)] for f in findings]
    table(rows, [f"{indent}SEVERITY", "RULE", "WHERE", "MESSAGE"])


def cmd_review(args: argparse.Namespace, studio: SkillStudio) -> int:
    """``review REGISTRY QUALIFIED`` or ``review --installed NAME``: print the review (exit 0
    whatever the risk; 1 for an unknown name, 2 for a remote failure)."""
    if args.installed:
        if args.registry or args.qualified:
            raise UserError("review --installed NAME takes no REGISTRY or QUALIFIED name.")
        dest = _resolve_dest(studio, args.installed, args.to)
        result = rv.review_installed(studio, dest, args.installed)
        where = f"{args.installed} in {dest.label}"
    else:
        if not args.registry or not args.qualified:
            raise UserError("review needs REGISTRY and QUALIFIED (plugin:skill), or --installed NAME.")
        reg = studio.find_registry(args.registry)
        listing = studio.list_registry(reg)
        skill = rv.find_listed_skill(listing, args.qualified)
        result = rv.review_catalog_skill(studio, listing, skill)
        where = f"{skill.qualified_name} ({skill.repo}@{skill.commit[:12]}, {skill.path or '/'})"
    if args.json:
        json_out(result.to_json())
        return EXIT_OK
    n = len(result.findings)
    out(f"{where}: risk {result.risk} — {n} finding{'s' if n != 1 else ''} in {len(result.files)} "
        f"file{'s' if len(result.files) != 1 else ''}.")
    if result.findings:
        print_findings(result.findings)
    if args.files:
        out("")
        table([[rv.escape_hidden(f.path), str(f.size), f.mode, f.kind] for f in result.files],
              ["FILE", "SIZE", "MODE", "KIND"])
    return EXIT_OK


def register(sub: Any) -> None:
    """Add ``review`` to the subcommands."""
    r = sub.add_parser("review", help="security review of a skill (catalog or installed)",
                       description="Security review of a skill's folder: files, findings and risk "
                                   "(none/low/medium/high). Exit 0 whatever the risk.")
    r.add_argument("registry", nargs="?", metavar="REGISTRY", help="registry name (as in 'registry list')")
    r.add_argument("qualified", nargs="?", metavar="QUALIFIED", help="plugin:skill as shown by browse")
    r.add_argument("--installed", metavar="NAME", help="review an installed skill (its local name) instead")
    r.add_argument("--to", choices=DESTS, help="destination of --installed NAME (needed when in both)")
    r.add_argument("--files", action="store_true", help="also list every file (path, size, mode, kind)")
    r.add_argument("--json", action="store_true", help="print JSON")
    r.set_defaults(func=cmd_review)


def cmd_update_preview(args: argparse.Namespace, studio: SkillStudio) -> int:
    """``update NAME [--to DEST] --preview [--json]``: what the update changes and adds; nothing is
    written (issue 14)."""
    if len(args.names) != 1 or args.all or args.check or args.force:
        raise UserError("update --preview takes exactly one NAME (and no --all, --check or --force).")
    name = args.names[0]
    dest = _resolve_dest(studio, name, args.to)
    p = rv.preview_update(studio, dest, name)
    if args.json:
        json_out(p.to_json())
        return EXIT_OK
    out(f"{name} ({dest.label}): {p.qualified_name} {(p.from_commit or '?')[:12]} → {p.to_commit[:12]}, "
        f"new version risk {p.risk}.")
    if p.commits_error:
        out(f"Commits: unavailable ({p.commits_error})")
    else:
        out(f"Commits touching the skill's folder ({len(p.commits)}):")
        for c in p.commits:
            first = c.message.strip().splitlines()[0] if c.message.strip() else ""
            out(f"  {c.sha[:12]}  {c.date}  {first}")
    if p.files:
        out(f"Files ({len(p.files)}):")
        for f in p.files:
            out(f"  {f.status:<8}  {rv.escape_hidden(f.path)}")
    else:
        out("Files: no change.")
    if p.new_findings:
        out(f"New findings ({len(p.new_findings)}):")
        print_findings(p.new_findings, indent="  ")
    else:
        out("New findings: none.")
    for f in p.files:
        out("")
        out(f.diff.rstrip("\n"))
    out("")
    out(f"Nothing was changed (--preview); apply with 'skill-studio update {name} --to {dest.value}'.")
    return EXIT_OK
