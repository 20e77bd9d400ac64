"""``skill-studio registry …``: add, list, enable, disable, remove registries (R-REG-1..3)."""

from __future__ import annotations

import argparse
from typing import Any

from skill_studio.app import SkillStudio
from skill_studio.cli.output import EXIT_OK, json_out, out, table


def cmd_registry_add(args: argparse.Namespace, studio: SkillStudio) -> int:
    reg = studio.add_registry(args.url)
    if args.json:
        json_out(registry_json(reg))
    else:
        out(f"Added registry {reg.name!r} ({reg.source.url}).")
    return EXIT_OK


def registry_json(reg: Any) -> dict[str, Any]:
    return {"name": reg.name, "source": reg.source.url, "repo": reg.source.slug, "ref": reg.source.ref,
            "subpath": reg.source.subpath, "enabled": reg.enabled, "default": reg.is_default}


def cmd_registry_list(args: argparse.Namespace, studio: SkillStudio) -> int:
    regs = studio.registries()
    if args.json:
        json_out([registry_json(r) for r in regs])
        return EXIT_OK
    table([[r.name, "yes" if r.enabled else "no", "yes" if r.is_default else "", r.source.url] for r in regs],
           ["NAME", "ENABLED", "DEFAULT", "SOURCE"])
    return EXIT_OK


def cmd_registry_enable(args: argparse.Namespace, studio: SkillStudio) -> int:
    reg = studio.set_registry_enabled(args.registry, True)
    out(f"Enabled {reg.name!r}.")
    return EXIT_OK


def cmd_registry_disable(args: argparse.Namespace, studio: SkillStudio) -> int:
    reg = studio.set_registry_enabled(args.registry, False)
    out(f"Disabled {reg.name!r}; it stays in the list.")
    return EXIT_OK


def cmd_registry_remove(args: argparse.Namespace, studio: SkillStudio) -> int:
    reg = studio.remove_registry(args.registry)
    out(f"Removed registry {reg.name!r}.")
    return EXIT_OK


def register(sub: Any) -> None:
    """Add the ``registry`` subcommands to ``sub`` (an argparse subparsers action)."""
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
