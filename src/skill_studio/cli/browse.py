"""``skill-studio browse``, ``import``, ``list`` and ``remove``: listings with install states, imports, installed skills, uninstalls."""

from __future__ import annotations

import argparse
import difflib
import json
from typing import Any

from skill_studio.app import SkillStudio, clean, format_age
from skill_studio.app.browse import describe_unavailable, install_states
from skill_studio.app.catalogue import SORT_FIELDS, catalogue_json, filter_rows, folder_sizes, sort_rows
from skill_studio.cli.output import EXIT_OK, EXIT_REMOTE, error, json_out, out, short, table
from skill_studio.core.errors import RemoteError, UserError
from skill_studio.core.models import LIBRARY_PURPOSES, Destination, FacetFilter, ImportOptions, Listing


def listing_json(studio: SkillStudio, listing: Listing, facet: FacetFilter | None = None,
                 sort: str | None = None) -> dict[str, Any]:
    """The ``browse --json`` shape of one registry listing.

    Args:
        studio: the facade.
        listing: the registry's listing.
        facet: keep only the skills whose plugin passes it (issue 19; ``app.catalogue``); None keeps all.
        sort: a field of ``app.catalogue.SORT_FIELDS``; None keeps the catalog order.

    Returns:
        ``{"name", "source", "commit", "skills": [...], ...}``; each skill carries ``plugin_info``
        and ``spec`` (issue 19); ``"total"`` is the number of skills before the facet filter.
    """
    states = install_states(studio, listing)
    index = {id(s): n for n, s in enumerate(listing.skills)}
    chosen = filter_rows(listing.skills, facet) if facet is not None else list(listing.skills)
    if sort:
        sizes = folder_sizes(listing) if sort == "size" else {}
        chosen = sort_rows(chosen, sort, lambda _s: listing.name,
                           size_of=lambda s: sizes.get((s.repo, s.commit, s.path)))
    skills = []
    for s in chosen:
        n = index[id(s)]
        rows = {d: states[d][n] for d in Destination}
        skills.append({
            "qualified_name": s.qualified_name, "name": s.name, "local_name": s.local_name,
            "plugin": s.plugin, "path": s.path, "repo": s.repo, "commit": s.commit, "version": s.version,
            "description": s.description, "name_valid": s.name_valid, "warnings": list(s.warnings),
            "state": {d.value: rows[d].state.value for d in Destination},
            "name_taken": {d.value: rows[d].name_taken for d in Destination},
            "installed_as": {d.value: [c.local_name for c in rows[d].copies] for d in Destination},
            **catalogue_json(s),
        })
    return {
        "name": listing.name, "source": listing.source.url, "commit": listing.commit, "skills": skills,
        "total": len(listing.skills),
        "excluded": [{"path": e.path, "reason": e.reason} for e in listing.excluded],
        "skipped_plugins": [{"name": p.name, "source": p.source, "reason": p.reason} for p in listing.skipped_plugins],
        "unavailable_plugins": [{"name": p.name, "source": p.source, "reason": describe_unavailable(p),
                                 "checked_at": p.checked_at.isoformat() if p.checked_at else None}
                                for p in listing.unavailable_plugins],
        "warnings": list(listing.warnings), "errors": [],
        "offline": listing.offline,
        "cached_at": listing.fetched_at.isoformat() if listing.fetched_at else None,
        "offline_reason": listing.offline_reason,
    }


def _state_text(skill: dict[str, Any], destination: str) -> str:
    """The table cell of a skill's state: ``not installed``, ``not installed (name taken)``, …"""
    text = str(skill["state"][destination]).replace("_", " ")
    return f"{text} (name taken)" if skill["name_taken"][destination] else text


def closest(wanted: str, names: list[str], n: int = 5) -> list[str]:
    """The listed names closest to a mistyped one, best first (``difflib``), e.g. for ``pdf`` among
    ``document-skills:pdf``, … (issue 16: not merely the first five). Whole names and the part after
    ``plugin:`` are both compared."""
    scored: dict[str, float] = {}
    w = wanted.lower()
    for name in names:
        low = name.lower()
        tail = low.split(":")[-1]
        score = max(difflib.SequenceMatcher(None, w, low).ratio(), difflib.SequenceMatcher(None, w.split(":")[-1], tail).ratio())
        if w.split(":")[-1] in low:
            score = max(score, 0.6)
        scored[name] = max(score, scored.get(name, 0.0))
    good = sorted((name for name, score in scored.items() if score >= 0.5), key=lambda k: (-scored[k], k))
    return good[:n]


def cmd_browse(args: argparse.Namespace, studio: SkillStudio) -> int:
    """``browse [REGISTRY] [facet options] [--details] [--json]``: the skills of every enabled registry (or one) with install states.

    A ``cli.output.Handler``: returns the exit code (R-CLI-1); typed errors propagate to ``main``.
    """
    regs = [studio.find_registry(args.registry)] if args.registry else studio.registries(enabled_only=True)
    if args.registry and not regs[0].enabled:  # issue 16: say so, then list it anyway (asked by name)
        error(f"{regs[0].name} is disabled (enable it with 'skill-studio registry enable {regs[0].name}'); "
              "listing it because it was named.")
    if not regs:
        raise UserError("No enabled registry; add one with 'skill-studio registry add URL' or enable one.")
    facet = FacetFilter(categories=tuple(args.category or ()), keywords=tuple(args.keyword or ()),
                        authors=tuple(args.author or ()), plugins=tuple(args.plugin or ()))
    results: list[dict[str, Any]] = []
    failed = False
    for reg in regs:
        try:
            listing = studio.list_registry(reg, external=not args.no_external, reload=args.reload)
        except RemoteError as err:
            failed = True
            error(f"{reg.name}: {err}")
            results.append({"name": reg.name, "source": reg.source.url, "commit": None, "skills": [], "excluded": [],
                            "skipped_plugins": [], "unavailable_plugins": [], "warnings": [], "errors": [str(err)],
                            "offline": False, "cached_at": None, "offline_reason": None})
            continue
        if listing.offline:
            error(f"{reg.name}: offline, showing the catalog cached "
                  f"{format_age(listing.age_seconds())} ago: {listing.offline_reason}")
        entry = listing_json(studio, listing, facet, args.sort)
        entry["age_seconds"] = listing.age_seconds()
        results.append(entry)
    if args.json:
        for r in results:
            r.pop("age_seconds", None)
        json_out({"registries": results})
    else:
        for i, r in enumerate(results):
            if i:
                out()
            head = f"{clean(r['name'], 120)} — {r['source']}"
            if r["commit"]:
                head += f" @ {r['commit'][:12]}"
            out(head)
            if r.get("offline"):
                out(f"  offline — cached {format_age(r.get('age_seconds'))} ago")
            if r["errors"]:
                out("  could not be listed (see the error above)")
                continue
            if r["skills"]:
                rows = [[s["qualified_name"], s["local_name"], s["version"] or "-",
                         _state_text(s, "library"), _state_text(s, "settings"),
                         ("! " if s["warnings"] else "") + short(s["description"], 60)] for s in r["skills"]]
                table(rows, ["SKILL", "LOCAL NAME", "VERSION", "LIBRARY", "SETTINGS", "DESCRIPTION"])
            summary = f"{len(r['skills'])} skills"
            if not facet.is_empty:
                summary = f"{len(r['skills'])} of {r['total']} skills match the filters"
            if r["excluded"]:
                summary += f", {len(r['excluded'])} excluded"
            if r["skipped_plugins"]:
                summary += f", {len(r['skipped_plugins'])} plugins skipped"
            if r["unavailable_plugins"]:
                summary += f", {len(r['unavailable_plugins'])} plugins unavailable"
            reasons = r["excluded"] or r["skipped_plugins"] or r["unavailable_plugins"]
            out(summary + (" (--details for reasons)" if reasons and not args.details else ""))
            if args.details:
                for e in r["excluded"]:
                    out(f"  excluded {clean(e['path'])}: {clean(e['reason'], 500)}")
                for p in r["skipped_plugins"]:
                    out(f"  skipped {clean(p['name'] or json.dumps(p['source']))}: {clean(p['reason'], 500)}")
                for p in r["unavailable_plugins"]:
                    out(f"  unavailable {clean(p['name'] or json.dumps(p['source']))}: {clean(p['reason'], 500)}")
                for w in r["warnings"]:
                    out(f"  warning: {clean(w, 500)}")
                for sk in r["skills"]:  # per-skill warnings (issue 16)
                    for w in sk["warnings"]:
                        out(f"  warning: {clean(sk['qualified_name'])}: {clean(w, 500)}")
    return EXIT_REMOTE if failed else EXIT_OK


# -- import / list -----------------------------------------------------------------------------

def cmd_import(args: argparse.Namespace, studio: SkillStudio) -> int:
    """``import REGISTRY QUALIFIED --to DEST [--as NAME] [--replace] [metadata options]``: import one catalog skill.

    A ``cli.output.Handler``: returns the exit code (R-CLI-1); typed errors propagate to ``main``.
    """
    reg = studio.find_registry(args.registry)
    listing = studio.list_registry(reg)
    wanted = args.qualified_name
    matches = [s for s in listing.skills if s.qualified_name == wanted]
    if not matches:
        matches = [s for s in listing.skills if s.qualified_name.lower() == wanted.lower()]
    if not matches:
        near = closest(wanted, [s.qualified_name for s in listing.skills])
        hint = f" Did you mean: {', '.join(near)}?" if near else " Run 'skill-studio browse' to see the names."
        raise UserError(f"{reg.name} lists no skill {wanted!r}.{hint}")
    if len(matches) > 1:
        paths = ", ".join(f"{s.repo}@{s.commit[:12]}:{s.path or '/'}" for s in matches)
        raise UserError(f"{wanted!r} is listed more than once ({paths}); this is ambiguous.")
    skill = matches[0]
    dest = Destination(args.to)
    if args.purpose and dest is not Destination.LIBRARY:
        raise UserError("--purpose is for the Skill Library (--to library); Settings skills take --slot.")
    opts = ImportOptions(local_name=args.as_name, description=args.description, version=args.skill_version,
                         slot=args.slot, replace=args.replace, force=args.force, purpose=args.purpose,
                         model=args.model, argument_hint=args.argument_hint,
                         disable_model_invocation=True if args.disable_model_invocation else None,
                         activate=args.activate)
    installed = studio.import_skill(listing, skill, dest, opts)
    if args.json:
        json_out(_installed_json(studio, installed))
    else:
        out(f"Imported {skill.qualified_name} {installed.version} into {dest.label} as "
             f"{installed.local_name!r} ({installed.path}).")
    return EXIT_OK


def _installed_json(studio: SkillStudio, s: Any) -> dict[str, Any]:
    return {"local_name": s.local_name, "destination": s.destination.value, "version": s.version,
            "registry": s.registry, "qualified_name": s.qualified_name, "path": s.path,
            "customized": studio.is_customized(s), "origin": s.origin, "active": s.active, "slot": s.slot,
            "commit": s.commit, "repo": s.repo}


def cmd_list(args: argparse.Namespace, studio: SkillStudio) -> int:
    """``list [--json]``: the installed skills of both destinations.

    A ``cli.output.Handler``: returns the exit code (R-CLI-1); typed errors propagate to ``main``.
    """
    dest = Destination(args.to) if args.to else None
    skills = studio.installed(dest)
    if args.json:
        json_out([_installed_json(studio, s) for s in skills])
        return EXIT_OK
    if not skills:
        out("No skills installed" + (f" in {dest.label}." if dest else "."))
        return EXIT_OK
    table([[s.local_name, s.destination.value, s.version, s.registry or s.origin, s.qualified_name or "-",
             "customized" if studio.is_customized(s) else ""] for s in skills],
           ["LOCAL NAME", "DESTINATION", "VERSION", "REGISTRY", "SKILL", "STATE"])
    return EXIT_OK


def cmd_remove(args: argparse.Namespace, studio: SkillStudio) -> int:
    """``remove NAME --to DEST``: uninstall a skill, keeping its folder as a backup (issue 15)."""
    removal = studio.remove_skill(Destination(args.to), args.name)
    if args.json:
        json_out({"removed": removal.skill.local_name, "destination": removal.skill.destination.value,
                  "backup": str(removal.backup) if removal.backup is not None else None,
                  "messages": list(removal.messages)})
    else:
        for msg in removal.messages:
            out(msg)
    return EXIT_OK


def register(sub: Any) -> None:
    """Add ``browse``, ``import``, ``list`` and ``remove`` to ``sub`` (an argparse subparsers action)."""
    b = sub.add_parser("browse", help="list the skills of every enabled registry (or one)")
    b.add_argument("registry", nargs="?", metavar="REGISTRY", help="display name or owner/repo")
    b.add_argument("--json", action="store_true")
    b.add_argument("--details", action="store_true", help="print excluded skills and skipped plugins with reasons")
    b.add_argument("--no-external", action="store_true",
                   help="list only plugins inside the registry's repository; plugins whose source is "
                        "another repository are skipped instead of resolved")
    b.add_argument("--reload", action="store_true",
                   help="ask GitHub again about every external plugin's branch, even within the re-check interval "
                        "('config set external_recheck_minutes'); repositories remembered as not found are asked "
                        "again after a day or when a token is added")
    for flag, what in (("category", "plugin category"), ("keyword", "plugin keyword (keywords or tags)"),
                       ("author", "plugin author (name or email)"), ("plugin", "plugin name or display name")):
        b.add_argument(f"--{flag}", action="append", metavar=flag.upper(),
                       help=f"only skills whose {what} is this (case-insensitive; repeat for any of "
                            f"several; different options must all match)")
    b.add_argument("--sort", choices=SORT_FIELDS, help="order of the skills (default: catalog order)")
    b.set_defaults(func=cmd_browse)

    i = sub.add_parser("import", help="import a skill into Settings → Skills or the Skill Library")
    i.add_argument("registry", metavar="REGISTRY", help="display name or owner/repo")
    i.add_argument("qualified_name", metavar="QUALIFIED_NAME", help="plugin:skill as shown by browse")
    i.add_argument("--to", required=True, choices=[d.value for d in Destination])
    i.add_argument("--as", dest="as_name", metavar="NAME", help="local name to install under")
    i.add_argument("--replace", action="store_true", help="replace an installed skill of the same local name")
    i.add_argument("--force", action="store_true", help="also replace it when it has local edits (kept as backup)")
    i.add_argument("--description", help="description to write into the installed SKILL.md (required when "
                                          "the skill has none); the rest of the file stays upstream's")
    i.add_argument("--skill-version", help="version to write instead of the catalog's")
    i.add_argument("--model", help="model to write into the installed SKILL.md")
    i.add_argument("--argument-hint", help="argument-hint to write into the installed SKILL.md")
    i.add_argument("--disable-model-invocation", action="store_true",
                   help="write disable-model-invocation: true (the skill runs only when invoked by name)")
    i.add_argument("--slot", help="purpose slot (settings destination)")
    i.add_argument("--activate", action="store_true",
                   help="settings destination: arrive active even when another skill holds the slot "
                        "(that one is deactivated)")
    i.add_argument("--purpose", choices=LIBRARY_PURPOSES,
                   help="purpose in the Skill Library (default: domain); never read from the file")
    i.add_argument("--json", action="store_true")
    i.set_defaults(func=cmd_import)

    ls = sub.add_parser("list", help="list installed skills")
    ls.add_argument("--to", choices=[d.value for d in Destination], help="only this destination")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_list)

    rm = sub.add_parser("remove", help="uninstall a skill (its folder is kept as a backup)")
    rm.add_argument("name", metavar="NAME", help="local name, as shown by list")
    rm.add_argument("--to", required=True, choices=[d.value for d in Destination],
                    help="the destination it is installed in")
    rm.add_argument("--json", action="store_true")
    rm.set_defaults(func=cmd_remove)
