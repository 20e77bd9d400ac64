"""CLI for deploy targets, skill sets and context cost (issue 17, R-CLI-1).

Commands::

    skill-studio targets add KIND [PATH] [--name NAME] [--json]
    skill-studio targets list [--json] [--no-match]
    skill-studio targets remove NAME [--keep-files] [--json]
    skill-studio targets kinds [--json]
    skill-studio targets adopt TARGET FOLDER [--to DEST] [--json]
    skill-studio targets merge TARGET NAME [--prefer ours|theirs] [--json]
    skill-studio targets use TARGET [SET] [--json]          (no SET: undeploy everything the app put there)
    skill-studio sets list [--json]
    skill-studio sets define NAME [SKILL…] [--to DEST] [--json]   (no SKILL deletes the set)
    skill-studio deploy NAME [--to DEST] --target T [--symlink] [--force] [--json]
    skill-studio undeploy NAME --target T [--json]
    skill-studio cost [--target T] [--budget TOKENS | --default-budget] [--json]

KIND is ``claude-user``, ``claude-project``, ``custom`` or one of the other agents' kinds
(``targets kinds`` lists them with the documentation each path comes from).
"""

from __future__ import annotations

import argparse
from typing import Any

from skill_studio.app import SkillStudio
from skill_studio.app import targets as app_targets
from skill_studio.app.targets import KINDS, SyncReport
from skill_studio.cli.output import EXIT_OK, EXIT_USER, error, json_out, out, table
from skill_studio.core.models import Destination

DESTS = [d.value for d in Destination]


def _report_json(r: SyncReport) -> dict[str, Any]:
    return {"written": [{"target": t, "local_name": n} for t, n in r.written],
            "removed": [{"target": t, "local_name": n} for t, n in r.removed],
            "needs_merge": [{"target": d.target, "local_name": d.local_name} for d in r.needs_merge],
            "messages": list(r.messages)}


def _print_report(args: argparse.Namespace, r: SyncReport, extra: dict[str, Any] | None = None) -> int:
    if args.json:
        json_out({**(extra or {}), **_report_json(r)})
        return EXIT_OK
    for t, n in r.written:
        out(f"deployed {n} to {t}")
    for t, n in r.removed:
        out(f"removed {n} from {t}")
    for m in r.messages:
        out(m)
    return EXIT_OK


def cmd_targets_add(args: argparse.Namespace, studio: SkillStudio) -> int:
    t = app_targets.add_target(studio, args.kind, args.path, args.name)
    if args.json:
        json_out({"name": t.name, "kind": t.kind, "path": t.path, "agent": t.agent})
    else:
        out(f"added target {t.name} ({t.agent}): {t.path}")
    return EXIT_OK


def cmd_targets_list(args: argparse.Namespace, studio: SkillStudio) -> int:
    views = app_targets.list_targets(studio, match=not args.no_match, warn=None if args.json else error)
    if args.json:
        json_out({"targets": [v.to_json() for v in views]})
        return EXIT_OK
    if not views:
        out("no targets; add one with: skill-studio targets add claude-project PATH")
        return EXIT_OK
    for v in views:
        t = v.target
        out(f"{t.name}  ({t.kind}, {t.agent})  {t.path}" + (f"  set: {t.skill_set}" if t.skill_set else ""))
        rows = [[d.local_name, d.destination.value, d.state.value + (" (merge available)" if d.merge_available else ""),
                 d.mode.value] for d in v.deployments]
        rows += [[u.name, "-", "unmanaged" + (f", matches {u.match.registry} {u.match.qualified_name}" if u.match else ""),
                  "-"] for u in v.unmanaged]
        if rows:
            table([["  " + r[0], *r[1:]] for r in rows], ["  SKILL", "FROM", "STATE", "MODE"])
        out()
    return EXIT_OK


def cmd_targets_remove(args: argparse.Namespace, studio: SkillStudio) -> int:
    r = app_targets.remove_target(studio, args.name, keep_files=args.keep_files)
    if not args.json:
        out(f"removed target {args.name}")
    return _print_report(args, r, {"removed_target": args.name})


def cmd_targets_kinds(args: argparse.Namespace, studio: SkillStudio) -> int:
    rows = [{"kind": k.kind, "agent": k.agent, "scope": k.scope.value, "folder": k.describe(), "doc": k.doc_url}
            for k in KINDS.values()]
    if args.json:
        json_out({"kinds": rows})
    else:
        table([[r["kind"], r["agent"], r["folder"], r["doc"]] for r in rows], ["KIND", "AGENT", "FOLDER", "DOCUMENTED AT"])
    return EXIT_OK


def cmd_targets_adopt(args: argparse.Namespace, studio: SkillStudio) -> int:
    skill, dep = app_targets.adopt(studio, args.target, args.folder, destination=Destination(args.to))
    if args.json:
        json_out({"installed": {"local_name": skill.local_name, "destination": skill.destination.value,
                                "registry": skill.registry, "qualified_name": skill.qualified_name},
                  "deployment": dep.to_json()})
    else:
        out(f"adopted {dep.path}: installed as {skill.local_name} from {skill.registry} ({skill.qualified_name}); "
            f"state {dep.state.value}")
    return EXIT_OK


def cmd_targets_merge(args: argparse.Namespace, studio: SkillStudio) -> int:
    res = app_targets.merge_deployment(studio, args.target, args.name, prefer=args.prefer)
    if args.json:
        json_out({"merged": res.merged, "deployment": res.deployment.to_json(), "conflicts": list(res.conflicts)})
    elif res.merged:
        out(f"merged {args.name} in {args.target}: {res.deployment.path}")
    else:
        out(f"{args.name} in {args.target} has conflicts; nothing was written. Choose a side with --prefer ours|theirs:")
        for c in res.conflicts:
            out(f"  {c}")
    return EXIT_OK if res.merged else EXIT_USER


def cmd_targets_use(args: argparse.Namespace, studio: SkillStudio) -> int:
    r = app_targets.apply_set(studio, args.target, args.set)
    return _print_report(args, r, {"target": args.target, "skill_set": args.set})


def cmd_sets_list(args: argparse.Namespace, studio: SkillStudio) -> int:
    sets = app_targets.skill_sets(studio)
    if args.json:
        json_out({"sets": [{"name": k, "skills": [{"local_name": n, "destination": d.value} for d, n in v]}
                           for k, v in sets.items()]})
    else:
        for k, v in sets.items():
            out(f"{k}: {', '.join(n for _, n in v)}")
    return EXIT_OK


def cmd_sets_define(args: argparse.Namespace, studio: SkillStudio) -> int:
    members = [(app_targets.resolve_destination(studio, n, args.to), n) for n in args.skills]
    app_targets.define_set(studio, args.name, members)
    if args.json:
        json_out({"name": args.name, "skills": [{"local_name": n, "destination": d.value} for d, n in members]})
    else:
        out(f"set {args.name}: {', '.join(n for _, n in members)}" if members else f"deleted set {args.name}")
    return EXIT_OK


def cmd_deploy(args: argparse.Namespace, studio: SkillStudio) -> int:
    dep = app_targets.deploy(studio, args.name, args.target, destination=args.to,
                             mode="symlink" if args.symlink else "copy", force=args.force)
    if args.json:
        json_out({"target": dep.target, "path": dep.path, **dep.to_json()})
    else:
        out(f"deployed {dep.local_name} to {dep.target}: {dep.path}")
    return EXIT_OK


def cmd_undeploy(args: argparse.Namespace, studio: SkillStudio) -> int:
    return _print_report(args, app_targets.undeploy(studio, args.name, args.target))


def cmd_cost(args: argparse.Namespace, studio: SkillStudio) -> int:
    if args.budget is not None or args.default_budget:
        app_targets.set_budget(studio, None if args.default_budget else args.budget)
    report = app_targets.cost(studio, args.target)
    if args.json:
        json_out(report.to_json())
        return EXIT_OK
    out(f"Context cost ({report.method}).")
    for t in report.targets:
        out(f"{t.name}: ~{t.always_loaded_tokens:,} tokens always loaded (budget {t.budget_tokens:,}), "
            f"~{t.on_use_tokens:,} more if every skill is used")
        if t.skills:
            table([["  " + s.local_name, f"{s.always_loaded_tokens:,}", f"{s.on_use_tokens:,}", f"{s.other_bytes:,}"]
                   for s in t.skills], ["  SKILL", "ALWAYS", "ON USE", "OTHER BYTES"])
        for s in t.skills:
            if s.warning:
                out(f"note: {s.warning} (counted as plain text)")
        warning = t.warning()
        if warning:
            out(f"warning: {warning}")
    return EXIT_OK


def register(sub: Any) -> None:
    """Add the ``targets``, ``sets``, ``deploy``, ``undeploy`` and ``cost`` commands."""
    tg = sub.add_parser("targets", help="folders agents read skills from: add, list, remove, adopt, use a set")
    tsub = tg.add_subparsers(dest="targets_command", metavar="ACTION", required=True)
    a = tsub.add_parser("add", help="add a target (KIND: " + ", ".join(KINDS) + ")")
    a.add_argument("kind", metavar="KIND", choices=list(KINDS))
    a.add_argument("path", metavar="PATH", nargs="?", default=None,
                   help="project folder (project kinds, default: the current folder) or the folder (custom)")
    a.add_argument("--name", help="the target's name (default: the folder's name)")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_targets_add)
    a = tsub.add_parser("list", help="targets, what is deployed there and its state, unmanaged skills")
    a.add_argument("--json", action="store_true")
    a.add_argument("--no-match", action="store_true", help="do not match unmanaged skills against the catalogs")
    a.set_defaults(func=cmd_targets_list)
    a = tsub.add_parser("remove", help="forget a target (undeploys what Skill Studio wrote there)")
    a.add_argument("name", metavar="NAME")
    a.add_argument("--keep-files", action="store_true", help="leave the deployed folders in place")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_targets_remove)
    a = tsub.add_parser("kinds", help="the kinds of target and the documentation of each folder")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_targets_kinds)
    a = tsub.add_parser("adopt", help="install the catalog skill an unmanaged folder matches and manage the folder")
    a.add_argument("target", metavar="TARGET")
    a.add_argument("folder", metavar="FOLDER", help="the unmanaged folder's name (see 'targets list')")
    a.add_argument("--to", choices=DESTS, default=Destination.LIBRARY.value, help="where to install it (default: library)")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_targets_adopt)
    a = tsub.add_parser("merge", help="merge a deployed copy edited in place with the installed skill")
    a.add_argument("target", metavar="TARGET")
    a.add_argument("name", metavar="NAME")
    a.add_argument("--prefer", choices=["ours", "theirs"], help="resolve conflicts with this side (ours = the copy)")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_targets_merge)
    a = tsub.add_parser("use", help="switch a target to a skill set (re-syncs its folder in one step)")
    a.add_argument("target", metavar="TARGET")
    a.add_argument("set", metavar="SET", nargs="?", default=None)
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_targets_use)

    st = sub.add_parser("sets", help="named skill sets to deploy per project or agent")
    ssub = st.add_subparsers(dest="sets_command", metavar="ACTION", required=True)
    a = ssub.add_parser("list", help="list skill sets")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_sets_list)
    a = ssub.add_parser("define", help="create or replace a set (no SKILL deletes it)")
    a.add_argument("name", metavar="NAME")
    a.add_argument("skills", metavar="SKILL", nargs="*")
    a.add_argument("--to", choices=DESTS, help="destination of the skills (needed when installed in both)")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_sets_define)

    d = sub.add_parser("deploy", help="deploy an installed skill to a target (a copy; --symlink on request)")
    d.add_argument("name", metavar="NAME")
    d.add_argument("--to", choices=DESTS, help="destination of the installed skill (needed when in both)")
    d.add_argument("--target", required=True, metavar="T")
    d.add_argument("--symlink", action="store_true", help="link to the installed folder instead of copying")
    d.add_argument("--force", action="store_true", help="replace a copy edited in place (kept in the backups)")
    d.add_argument("--json", action="store_true")
    d.set_defaults(func=cmd_deploy)
    u = sub.add_parser("undeploy", help="remove a deployed skill from a target (only what Skill Studio wrote)")
    u.add_argument("name", metavar="NAME")
    u.add_argument("--target", required=True, metavar="T")
    u.add_argument("--json", action="store_true")
    u.set_defaults(func=cmd_undeploy)
    c = sub.add_parser("cost", help="estimated context cost of the deployed skills, per target")
    c.add_argument("--target", metavar="T")
    c.add_argument("--budget", type=int, metavar="TOKENS", help="set the always-loaded budget per target")
    c.add_argument("--default-budget", action="store_true", help="restore the default budget")
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=cmd_cost)
