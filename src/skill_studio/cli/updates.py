"""CLI commands for updates (R-UPD-1..5, R-CLI-1): ``update``, ``rollback``, ``diff``, ``config``.

::

    skill-studio update --check [--to DEST] [--json]     report what is available; install nothing
    skill-studio update NAME… [--to DEST] [--force]      update these skills (both destinations
                                                         unless --to); customized ones need --force
    skill-studio update --all [--to DEST] [--force]      update everything; customized skills are
                                                         skipped (reported) unless --force
    skill-studio update NAME --merge [--prefer ours|theirs]
                                                         update a customized skill keeping your edits
                                                         (three-way merge; conflicts: exit 1, nothing
                                                         changed, each file and line range named)
    skill-studio update [--to DEST]                      follow the update mode: auto applies the
                                                         updates of non-customized skills, manual
                                                         (the default) only reports, like --check
    skill-studio rollback NAME [--to DEST]               restore the previous version (files + row)
    skill-studio diff NAME [--to DEST]                   unified diff of local edits vs the snapshot
    skill-studio config get update_mode
    skill-studio config set update_mode auto|manual
    skill-studio config set merge_customized on|off      auto mode also merges customized skills
                                                         when the merge is clean

Exit codes: 0 done (updates being available is not an error), 1 a named skill cannot be updated as
asked (not installed, customized without --force/--merge, merge conflicts, removed upstream, not
checked), 2 a registry could
not be checked or a download failed. Every check's outcome is recorded for the GUI (R-UPD-5).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from skill_studio.app import SkillStudio
from skill_studio.app import updates as upd
from skill_studio.app.merge import get_merge_customized, set_merge_customized
from skill_studio.cli import review
from skill_studio.cli.output import EXIT_OK, EXIT_REMOTE, EXIT_USER, block, error, error_lines, json_out, out, table
from skill_studio.core.errors import UserError
from skill_studio.core.models import Destination

DESTS = [d.value for d in Destination]


def _err(text: str) -> None:
    error(text)


def _destinations(args: argparse.Namespace) -> list[Destination]:
    return [Destination(args.to)] if args.to else list(Destination)


# -- update ------------------------------------------------------------------------------------

_STATUS_TEXT = {
    "applied": "updated",
    "failed": "update failed",
    "customized": "update available — customized",
    "removed_upstream": "removed upstream",
    "conflicts": "update available — customized, merge has conflicts",
}


def _print_report(report: upd.UpdateReport, dests: list[Destination]) -> None:
    regs = ", ".join(report.registries) or "none"
    out(f"Checked {report.checked} skill{'s' if report.checked != 1 else ''} against "
         f"{len(report.registries)} registr{'ies' if len(report.registries) != 1 else 'y'} ({regs}).")
    if report.errors:
        names = ", ".join(e.registry for e in report.errors)
        out(f"Could not check {names} (see the error above); their skills are not included.")
    failures = {f.item.key: f.message for f in report.failed}
    if not any(report.items_by_destination[d] for d in dests):
        where = f" in {dests[0].label}" if len(dests) == 1 else ""
        # a failed check is not "no updates" (issue 16): say what the answer covers
        out(f"No updates{where} among the skills that could be checked." if report.errors else f"No updates{where}.")
    for dest in dests:
        items = report.items_by_destination[dest]
        if not items:
            continue
        out(f"{dest.label}:")
        rows = []
        for i in items:
            st = report.status_of(i)
            text = _STATUS_TEXT.get(st) or ("update available" if i.kind is upd.UpdateKind.VERSION else "changed upstream")
            merged = report.merges.get(i.key)
            if st == "applied" and merged is not None and merged.applied:
                text = "merged (your edits kept)"
            elif st == "customized" and merged is not None:
                text += {"clean": " (merges cleanly)", "conflicts": f" (merge conflicts: {', '.join(merged.files)})",
                         "unavailable": " (cannot merge)"}[merged.state]
            if st == "failed":
                text += f": {failures[i.key]}"
            available = i.available_version or "-"
            if i.kind is upd.UpdateKind.CHANGED_UPSTREAM:
                available += " (changed)"
            rows.append([f"  {i.local_name}", i.qualified_name, i.registry, i.installed_version, available, text])
        table(rows, ["  LOCAL NAME", "SKILL", "REGISTRY", "INSTALLED", "AVAILABLE", "STATUS"])
    for u in report.unchecked:
        if u.destination in dests:
            out(f"not checked: {u.local_name} ({u.destination.label}): {u.reason}.")


def cmd_update(args: argparse.Namespace, studio: SkillStudio) -> int:
    """``update [NAME…] [--check] [--all] [--force] [--merge [--prefer S]] [--preview] [--to DEST] [--json]``: check and apply updates (R-UPD-1..3, issue 13).

    A ``cli.output.Handler``: returns the exit code (R-CLI-1); typed errors propagate to ``main``.
    """
    if args.preview:  # issue 14: what the update changes and adds, nothing written
        return review.cmd_update_preview(args, studio)
    dests = _destinations(args)
    run = upd.run_update(studio, names=args.names or [], destinations=dests, only_destination=bool(args.to),
                         check=args.check, apply_all=args.all, force=args.force, merge=args.merge,
                         prefer=args.prefer)
    report, apply, names = run.report, run.applied, run.names
    for e in report.errors:
        _err(f"{e.registry}: {e.message}")
    code = EXIT_REMOTE if report.errors else EXIT_OK
    for problem, sentence in run.notes:
        if problem:
            error_lines(sentence)
        else:
            out(sentence)
    if run.refused and code == EXIT_OK:
        code = EXIT_USER
    if report.failed:
        for f in report.failed:
            _err(f"{f.item.local_name} ({f.item.destination.label}): {f.message}")
        code = EXIT_REMOTE if any(f.remote for f in report.failed) else max(code, EXIT_USER)
    if args.json:
        data = report.to_json()
        data["action"] = "apply" if apply else "check"
        json_out(data)
        return code
    _print_report(report, dests)
    for copy in report.edited_copies:  # issue 17: an update never overwrites a copy edited in its target
        out(copy.cli_text)
    pending = [i for i in report.pending if i.destination in dests and i.key not in {f.item.key for f in report.failed}]
    if not apply and pending:
        how = "the update mode is manual" if not args.check else "--check"
        out(f"Nothing was changed ({how}); apply with 'skill-studio update NAME…' or 'skill-studio update --all'"
             " (customized skills need --merge to keep your edits, or --force to replace them).")
    elif apply and report.skipped_customized and not names:
        out("Customized skills were left untouched; update them by name with --merge (keeps your edits) or "
             "--force (your version is kept as a backup).")
    return code


# -- rollback / diff ---------------------------------------------------------------------------

def cmd_rollback(args: argparse.Namespace, studio: SkillStudio) -> int:
    """``rollback NAME [--to DEST]``: restore the skill's previous version from its backup (files and metadata).

    A ``cli.output.Handler``: returns the exit code (R-CLI-1); typed errors propagate to ``main``.
    """
    dest = studio.destination_of(args.name, args.to)
    before = studio.installed_skill(dest, args.name)
    restored = upd.rollback_skill(studio, dest, args.name)
    if args.json:
        json_out({"local_name": restored.local_name, "destination": dest.value, "version": restored.version,
               "previous_version": before.version if before else None, "commit": restored.commit,
               "customized": studio.is_customized(restored)})
    else:
        out(f"Rolled back {restored.local_name} in {dest.label} to {restored.version}"
             + (" (with your local edits)" if studio.is_customized(restored) else "") + ".")
    return EXIT_OK


def cmd_diff(args: argparse.Namespace, studio: SkillStudio) -> int:
    """``diff NAME [--to DEST] [-U N]``: the skill's local edits as a unified diff against its import snapshot (R-UPD-2).

    A ``cli.output.Handler``: returns the exit code (R-CLI-1); typed errors propagate to ``main``.
    """
    dest = studio.destination_of(args.name, args.to)
    text = upd.diff_skill(studio, dest, args.name, context=args.context)
    if text:
        block(text)
    else:
        out(f"{args.name} ({dest.label}) has no local edits.")
    return EXIT_OK


# -- config ------------------------------------------------------------------------------------

CONFIG_KEYS: dict[str, tuple[Callable[[SkillStudio], str], Callable[[SkillStudio, str], str], str]] = {
    "update_mode": (lambda s: upd.get_update_mode(s).value,
                    lambda s, v: upd.set_update_mode(s, v).value,
                    "manual (report updates) or auto (apply updates to non-customized skills)"),
    "merge_customized": (lambda s: "on" if get_merge_customized(s) else "off",
                         lambda s, v: "on" if set_merge_customized(s, v) else "off",
                         "on: auto mode also updates customized skills when the merge with your edits is clean"),
    "external_recheck_minutes": (lambda s: f"{s.external_recheck_minutes():g}",
                                 lambda s, v: f"{s.set_external_recheck_minutes(v):g}",
                                 "minutes before an external plugin's branch is asked again (0: every time; "
                                 "'browse --reload' always asks)"),
}
"""``key → (get, set, help)``; other command modules may add keys."""


def _config_key(key: str) -> tuple[Any, Any, str]:
    k = key.replace("-", "_")
    if k not in CONFIG_KEYS:
        raise UserError(f"Unknown setting {key!r}; known: {', '.join(sorted(CONFIG_KEYS))}.")
    return CONFIG_KEYS[k]


def cmd_config_get(args: argparse.Namespace, studio: SkillStudio) -> int:
    """``config get KEY``: print a setting.

    A ``cli.output.Handler``: returns the exit code (R-CLI-1); typed errors propagate to ``main``.
    """
    get, _, _ = _config_key(args.key)
    out(get(studio))
    return EXIT_OK


def cmd_config_set(args: argparse.Namespace, studio: SkillStudio) -> int:
    """``config set KEY VALUE``: change a setting (values checked; e.g. ``update_mode`` manual|auto).

    A ``cli.output.Handler``: returns the exit code (R-CLI-1); typed errors propagate to ``main``.
    """
    _, put, _ = _config_key(args.key)
    value = put(studio, args.value)
    out(f"{args.key.replace('-', '_')} = {value}")
    return EXIT_OK


def cmd_config_list(args: argparse.Namespace, studio: SkillStudio) -> int:
    """``config list``: print every setting.

    A ``cli.output.Handler``: returns the exit code (R-CLI-1); typed errors propagate to ``main``.
    """
    values = {k: get(studio) for k, (get, _, _) in sorted(CONFIG_KEYS.items())}
    if args.json:
        json_out(values)
    else:
        table([[k, v, CONFIG_KEYS[k][2]] for k, v in values.items()], ["KEY", "VALUE", "MEANING"])
    return EXIT_OK


# -- registration ------------------------------------------------------------------------------

def register(sub: Any) -> None:
    """Add ``update``, ``rollback``, ``diff`` and ``config`` to the ``skill-studio`` parser."""
    u = sub.add_parser(
        "update", help="check for and apply skill updates",
        description="Check installed skills against their registries and update them. Without NAME, "
                    "--all or --check it follows the update mode ('skill-studio config get update_mode'): "
                    "auto applies the updates of non-customized skills, manual only reports.")
    u.add_argument("names", nargs="*", metavar="NAME", help="local names of the skills to update")
    u.add_argument("--all", action="store_true", help="update every skill with an update (customized ones need --force)")
    u.add_argument("--check", action="store_true", help="only report what is available")
    u.add_argument("--to", choices=DESTS, help="only this destination")
    u.add_argument("--force", action="store_true",
                   help="also update customized skills, replacing your edits (your version is kept as a backup)")
    u.add_argument("--merge", action="store_true",
                   help="update customized skills by merging upstream's changes with your edits; with conflicts "
                        "nothing changes and each file and line range is named (exit 1)")
    u.add_argument("--prefer", choices=("ours", "theirs"),
                   help="with --merge: settle conflicting lines with your version (ours) or upstream's (theirs)")
    u.add_argument("--preview", action="store_true",
                   help="show what the update of NAME changes and adds (files, diff, commits, new findings); "
                        "change nothing")
    u.add_argument("--json", action="store_true")
    u.set_defaults(func=cmd_update)

    r = sub.add_parser("rollback", help="restore a skill's previous version (files and metadata)")
    r.add_argument("name", metavar="NAME")
    r.add_argument("--to", choices=DESTS, help="destination (needed when installed in both)")
    r.add_argument("--json", action="store_true")
    r.set_defaults(func=cmd_rollback)

    d = sub.add_parser("diff", help="show local edits of a skill as a unified diff against its import snapshot")
    d.add_argument("name", metavar="NAME")
    d.add_argument("--to", choices=DESTS, help="destination (needed when installed in both)")
    d.add_argument("-U", "--context", type=int, default=3, metavar="N", help="lines of context (default 3)")
    d.set_defaults(func=cmd_diff)

    c = sub.add_parser("config", help="get or set settings (update_mode)")
    csub = c.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    g = csub.add_parser("get", help="print a setting")
    g.add_argument("key", metavar="KEY", help=f"one of: {', '.join(sorted(CONFIG_KEYS))}")
    g.set_defaults(func=cmd_config_get)
    keys = "; ".join(f"{k}: {meaning}" for k, (_, _, meaning) in sorted(CONFIG_KEYS.items()))
    s = csub.add_parser("set", help="change a setting", description=f"Change a setting. Keys — {keys}.")
    s.add_argument("key", metavar="KEY", help=f"one of: {', '.join(sorted(CONFIG_KEYS))}")
    s.add_argument("value", metavar="VALUE", help="the new value (see the keys above)")
    s.set_defaults(func=cmd_config_set)
    ls = csub.add_parser("list", help="print every setting")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_config_list)
