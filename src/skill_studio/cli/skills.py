"""CLI for Settings → Skills and the agent workspace (R-IMP-4, R-IMP-6, R-CLI-1).

Commands::

    skill-studio skills list [--json]
    skill-studio skills activate NAME [--json]
    skill-studio skills deactivate NAME [--json]
    skill-studio skills slot NAME [SLOT] [--new] [--json] (no SLOT clears it; --new starts a slot)
    skill-studio skills remove NAME [--json]
    skill-studio skills upload ZIP [--slot SLOT] [--as NAME] [--description TEXT]
                                   [--activate] [--replace] [--force] [--json]
    skill-studio workspace path [--json]
    skill-studio workspace sync [--json]
    skill-studio workspace set PATH [--json]

Every command calls ``SkillStudio.settings_skills`` (:class:`skill_studio.app.settings.SettingsSkillsApi`); messages (e.g. which
skill a slot change deactivated) are printed on stdout, errors as one line on stderr (exit 1).
"""

from __future__ import annotations

import argparse
import difflib
from typing import Any

from skill_studio.app import SkillStudio
from skill_studio.app.settings import SkillChange, SyncReport
from skill_studio.cli.output import EXIT_OK, json_out, out, short, table
from skill_studio.core.errors import UserError
from skill_studio.core.models import InstalledSkill


def skill_json(studio: SkillStudio, s: InstalledSkill) -> dict[str, Any]:
    """The ``skills list --json`` shape of one Settings skill."""
    return {"local_name": s.local_name, "name": s.name, "description": s.description, "version": s.version,
            "origin": s.origin, "bundled": s.bundled, "active": s.active, "slot": s.slot, "purpose": s.purpose,
            "model": s.model, "registry": s.registry, "qualified_name": s.qualified_name, "path": s.path,
            "customized": studio.is_customized(s)}


def sync_json(r: SyncReport | None) -> dict[str, Any] | None:
    """The JSON shape of a workspace sync report."""
    if r is None:
        return None
    return {"workspace": str(r.workspace), "skills": list(r.skills), "written": list(r.written),
            "removed": list(r.removed), "claude_md_changed": r.claude_md_changed, "changed": r.changed,
            "messages": list(r.messages)}


def _print_change(args: argparse.Namespace, studio: SkillStudio, change: SkillChange) -> int:
    if args.json:
        json_out({"skill": skill_json(studio, change.skill),
               "deactivated": [s.local_name for s in change.deactivated],
               "messages": list(change.messages), "workspace": sync_json(change.sync)})
    else:
        for m in change.messages:
            out(m)
    return EXIT_OK


def cmd_skills_list(args: argparse.Namespace, studio: SkillStudio) -> int:
    skills = [studio.from_files(s) for s in studio.settings_skills.list()]  # the files are the truth (issue 13)
    if args.json:
        json_out([skill_json(studio, s) for s in skills])
        return EXIT_OK
    if not skills:
        out("No skills in Settings → Skills.")
        return EXIT_OK
    table([[s.local_name, "active" if s.active else "inactive", s.slot or "-", s.origin, s.version,
             "customized" if studio.is_customized(s) else "", short(s.description, 50)] for s in skills],
           ["NAME", "STATE", "SLOT", "ORIGIN", "VERSION", "EDITS", "DESCRIPTION"])
    return EXIT_OK


def cmd_skills_activate(args: argparse.Namespace, studio: SkillStudio) -> int:
    return _print_change(args, studio, studio.settings_skills.activate(args.name))


def cmd_skills_deactivate(args: argparse.Namespace, studio: SkillStudio) -> int:
    return _print_change(args, studio, studio.settings_skills.deactivate(args.name))


def cmd_skills_slot(args: argparse.Namespace, studio: SkillStudio) -> int:
    wanted = (args.slot or "").strip().lower()
    if wanted and not args.new:  # a typo must not create a slot (issue 16)
        known = sorted({s.slot for s in studio.settings_skills.list() if s.slot})
        if wanted not in known:
            near = difflib.get_close_matches(wanted, known, n=3, cutoff=0.5)
            hint = f"did you mean {' or '.join(repr(n) for n in near)}? " if near else ""
            raise UserError(f"No skill uses the slot {args.slot!r} yet; {hint}Slots in use: "
                            f"{', '.join(known) or 'none'}. To start a new slot, add --new.")
    return _print_change(args, studio, studio.settings_skills.set_slot(args.name, args.slot))


def cmd_skills_remove(args: argparse.Namespace, studio: SkillStudio) -> int:
    return _print_change(args, studio, studio.settings_skills.remove(args.name))


def cmd_skills_upload(args: argparse.Namespace, studio: SkillStudio) -> int:
    s = studio.settings_skills.upload(args.zip, slot=args.slot, local_name=args.as_name,
                                      description=args.description, replace=args.replace, force=args.force,
                                      activate=args.activate)
    if args.json:
        json_out({**skill_json(studio, s), "messages": list(s.messages)})
    else:
        state = "active" if s.active else "inactive"
        out(f"Uploaded {s.name} {s.version} into Settings → Skills as {s.local_name!r} ({state}"
             + (f", slot {s.slot}" if s.slot else "") + f"): {s.path}")
        for m in s.messages:
            out(m)
    return EXIT_OK


def _print_sync(args: argparse.Namespace, report: SyncReport) -> int:
    if args.json:
        json_out(sync_json(report))
        return EXIT_OK
    out(f"Workspace {report.workspace}: {len(report.skills)} active skill(s)"
         + (f" ({', '.join(report.skills)})" if report.skills else "") + ".")
    if report.written:
        out(f"Wrote {', '.join(report.written)}.")
    if report.removed:
        out(f"Removed {', '.join(report.removed)}.")
    if report.claude_md_changed:
        out("Updated CLAUDE.md.")
    if not report.changed:
        out("Already up to date.")
    for m in report.messages:
        out(m)
    return EXIT_OK


def cmd_workspace_path(args: argparse.Namespace, studio: SkillStudio) -> int:
    path = studio.settings_skills.workspace_path()
    if args.json:
        json_out({"workspace": str(path)})
    else:
        out(str(path))
    return EXIT_OK


def cmd_workspace_sync(args: argparse.Namespace, studio: SkillStudio) -> int:
    return _print_sync(args, studio.settings_skills.sync_workspace())


def cmd_workspace_set(args: argparse.Namespace, studio: SkillStudio) -> int:
    return _print_sync(args, studio.settings_skills.set_workspace_path(args.path))


def register(sub: Any) -> None:
    """Add the ``skills`` and ``workspace`` command groups to the top-level subparsers."""
    sk = sub.add_parser("skills", help="Settings → Skills: list, activate, deactivate, upload, remove")
    ssub = sk.add_subparsers(dest="skills_command", metavar="ACTION", required=True)
    a = ssub.add_parser("list", help="list Settings skills with origin, version, slot and state")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_skills_list)
    for name, func, hlp in (
            ("activate", cmd_skills_activate, "activate a skill (deactivates the holder of its slot)"),
            ("deactivate", cmd_skills_deactivate, "deactivate a skill (stays installed)"),
            ("remove", cmd_skills_remove, "uninstall a skill (bundled skills cannot be removed)")):
        a = ssub.add_parser(name, help=hlp)
        a.add_argument("name", metavar="NAME", help="local name (see 'skills list')")
        a.add_argument("--json", action="store_true")
        a.set_defaults(func=func)
    a = ssub.add_parser("slot", help="put a skill in a purpose slot (no SLOT clears it)")
    a.add_argument("name", metavar="NAME")
    a.add_argument("slot", metavar="SLOT", nargs="?", default=None)
    a.add_argument("--new", action="store_true", help="start a slot no skill uses yet (else SLOT must exist)")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_skills_slot)
    a = ssub.add_parser("upload", help="install a zipped skill (SKILL.md at the root or in one top folder)")
    a.add_argument("zip", metavar="ZIP")
    a.add_argument("--slot", help="purpose slot (default: the frontmatter 'slot')")
    a.add_argument("--as", dest="as_name", metavar="NAME", help="local name to install under")
    a.add_argument("--description", help="description to record (required when SKILL.md has none)")
    a.add_argument("--activate", action="store_true",
                   help="take the slot even when another skill holds it (that one is deactivated)")
    a.add_argument("--replace", action="store_true", help="replace an installed skill of the same name")
    a.add_argument("--force", action="store_true", help="also replace it when it has local edits (kept as backup)")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_skills_upload)

    ws = sub.add_parser("workspace", help="the agent workspace where active Settings skills are wired in")
    wsub = ws.add_subparsers(dest="workspace_command", metavar="ACTION", required=True)
    a = wsub.add_parser("path", help="print the workspace folder")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_workspace_path)
    a = wsub.add_parser("sync", help="write the active skills and the CLAUDE.md block now")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_workspace_sync)
    a = wsub.add_parser("set", help="move the workspace to PATH (cleans what Skill Studio wrote in the old one)")
    a.add_argument("path", metavar="PATH")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_workspace_set)
