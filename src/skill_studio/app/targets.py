"""Deploy targets, adoption and context cost: the use cases the faces call (issue 17).

The rules live in :mod:`skill_studio.core.targets` (``SkillStudio.targets``, a
:class:`~skill_studio.core.targets.Targets`) and :mod:`skill_studio.core.cost`; this module adds what
needs the rest of the app — catalog listings to match unmanaged skills against, the import that an
adoption makes, the three-way merge of a deployed copy edited in place — and the plain values the
CLI and the GUI render (with their ``--json`` shapes).

Propagation needs no call from the faces: ``SkillStudio`` registers
:meth:`Targets.on_installed_change` as an installer listener, so every committed import, update,
merge, rollback or removal of a skill reaches its deployed copies (copies edited in place are never
overwritten; they show ``merge_available``).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from skill_studio.core.cost import (
    CHARS_PER_TOKEN,
    DEFAULT_BUDGET_TOKENS,
    DEFAULT_LISTING_BUDGET_CHARS,
    METHOD,
    SkillCost,
    TargetCost,
)
from skill_studio.core.errors import RemoteError, TargetError
from skill_studio.core.models import CatalogSkill, Destination, ImportOptions, InstalledSkill, Listing
from skill_studio.core.targets import (
    KINDS,
    CatalogMatch,
    Deployment,
    DeployMode,
    DeployState,
    KindSpec,
    Scope,
    SyncReport,
    Target,
    UnmanagedSkill,
)

if TYPE_CHECKING:
    from skill_studio.app.studio import SkillStudio

log = logging.getLogger(__name__)

__all__ = [
    "CHARS_PER_TOKEN",
    "DEFAULT_BUDGET_TOKENS",
    "DEFAULT_LISTING_BUDGET_CHARS",
    "KINDS",
    "METHOD",
    "CatalogMatch",
    "CostReport",
    "DeployMode",
    "DeployState",
    "Deployment",
    "KindSpec",
    "MergeOutcome",
    "Scope",
    "SkillCost",
    "SyncReport",
    "Target",
    "TargetCost",
    "TargetView",
    "UnmanagedSkill",
    "add_target",
    "adopt",
    "apply_set",
    "catalog_listings",
    "cost",
    "define_set",
    "deploy",
    "list_targets",
    "merge_deployment",
    "pending_merges",
    "remove_target",
    "resolve_destination",
    "set_budget",
    "skill_sets",
    "undeploy",
]


@dataclass(frozen=True)
class TargetView:
    """One target with what is deployed there and what else is there.

    Attributes:
        target: the target.
        deployments: the app's deployments there, with their states.
        unmanaged: skill folders the app did not deploy, with catalog matches when found.
    """

    target: Target
    deployments: tuple[Deployment, ...]
    unmanaged: tuple[UnmanagedSkill, ...]

    def to_json(self) -> dict[str, Any]:
        """``{"name", "kind", "path", "agent", "skill_set", "skills": [...], "unmanaged": [...]}`` (issue 17)."""
        t = self.target
        return {"name": t.name, "kind": t.kind, "path": t.path, "agent": t.agent, "skill_set": t.skill_set,
                "skills": [d.to_json() for d in self.deployments], "unmanaged": [u.to_json() for u in self.unmanaged]}


@dataclass(frozen=True)
class CostReport:
    """Context cost per target, with the estimation method.

    Attributes:
        method: one sentence saying how the figures are estimated.
        targets: per-target totals and per-skill figures.
    """

    method: str
    targets: tuple[TargetCost, ...]

    def to_json(self) -> dict[str, Any]:
        """``{"method", "targets": [{"name", "always_loaded_tokens", "on_use_tokens", "skills": [...]}]}``."""
        return {"method": self.method, "targets": [t.to_json() for t in self.targets]}


@dataclass(frozen=True)
class MergeOutcome:
    """Result of merging a deployed copy edited in place with the installed skill.

    Attributes:
        deployment: the deployment after the merge (unchanged when there were conflicts).
        merged: True when the merge result was written.
        conflicts: ``path: description`` sentences of the conflicts left (nothing is written then;
            choose ``prefer="ours"`` or ``"theirs"`` to resolve them).
    """

    deployment: Deployment
    merged: bool
    conflicts: tuple[str, ...] = ()


def resolve_destination(studio: SkillStudio, local_name: str, destination: Destination | str | None) -> Destination:
    """The destination of an installed skill: the given one, else the only one holding ``local_name``.

    Raises:
        TargetError: not installed, or installed in both and no destination given.
    """
    if destination is not None:
        return Destination(destination)
    found = [d for d in Destination if studio.store.skill(d, local_name) is not None]
    if not found:
        raise TargetError(f"{local_name!r} is not installed.")
    if len(found) > 1:
        raise TargetError(f"{local_name!r} is installed in both destinations; choose one with --to settings|library.")
    return found[0]


def catalog_listings(studio: SkillStudio, *, warn: Callable[[str], None] | None = None) -> list[tuple[str, Listing]]:
    """Listings of the enabled registries (cached ones when offline), to match unmanaged skills.

    A registry that cannot be listed is skipped; ``warn`` gets a sentence for it.
    """
    out: list[tuple[str, Listing]] = []
    for reg in studio.registries(enabled_only=True):
        try:
            out.append((reg.name, studio.list_registry(reg)))
        except RemoteError as exc:
            if warn is not None:
                warn(f"{reg.name}: {exc}")
            log.info("cannot list %s to match unmanaged skills: %s", reg.name, exc)
    return out


def list_targets(studio: SkillStudio, *, match: bool = True, listings: Sequence[tuple[str, Listing]] | None = None,
                 warn: Callable[[str], None] | None = None) -> list[TargetView]:
    """Every target with its deployments and unmanaged skills.

    Args:
        match: match unmanaged skills against the enabled registries' catalogs (network, cached).
        listings: the listings to match against (default: :func:`catalog_listings` when ``match``).
        warn: gets a sentence for each registry that could not be listed.
    """
    manager = studio.targets
    if match and listings is None:
        listings = catalog_listings(studio, warn=warn) if manager.all() else []
    return [TargetView(t, tuple(manager.deployments(t.name)), tuple(manager.unmanaged(t.name, listings or ())))
            for t in manager.all()]


def targets(studio: SkillStudio) -> list[Target]:
    """Every target, sorted by name (no disk or network access)."""
    return studio.targets.all()


def budget(studio: SkillStudio) -> int:
    """The always-loaded budget per target in force (tokens)."""
    return studio.targets.budget_tokens()


def add_target(studio: SkillStudio, kind: str, path: str | None = None, name: str | None = None) -> Target:
    """Add a target (see :meth:`Targets.add`)."""
    return studio.targets.add(kind, path, name)


def remove_target(studio: SkillStudio, name: str, *, keep_files: bool = False) -> SyncReport:
    """Forget a target, undeploying what the app wrote there unless ``keep_files``."""
    return studio.targets.remove(name, keep_files=keep_files)


def deploy(studio: SkillStudio, local_name: str, target: str, *, destination: Destination | str | None = None,
           mode: DeployMode | str = DeployMode.COPY, force: bool = False) -> Deployment:
    """Deploy an installed skill to a target (copy by default)."""
    dest = resolve_destination(studio, local_name, destination)
    return studio.targets.deploy(dest, local_name, target, mode=mode, force=force)


def undeploy(studio: SkillStudio, local_name: str, target: str) -> SyncReport:
    """Remove a deployed skill from a target (only what the app wrote; edits go to the backups)."""
    return studio.targets.undeploy(local_name, target)


def cost(studio: SkillStudio, target: str | None = None) -> CostReport:
    """Estimated context cost per target (all targets, or one)."""
    return CostReport(METHOD, tuple(studio.targets.cost(target)))


def set_budget(studio: SkillStudio, tokens: int | None) -> int:
    """Set the always-loaded budget per target (None: the default); returns the budget in force."""
    return studio.targets.set_budget_tokens(tokens)


def skill_sets(studio: SkillStudio) -> dict[str, list[tuple[Destination, str]]]:
    """Every skill set."""
    return studio.targets.skill_sets()


def define_set(studio: SkillStudio, name: str, members: Sequence[tuple[Destination, str]]) -> list[tuple[Destination, str]]:
    """Create or replace a skill set (empty deletes it)."""
    return studio.targets.define_set(name, members)


def apply_set(studio: SkillStudio, target: str, set_name: str | None) -> SyncReport:
    """Switch a target to a skill set in one step (None: no set, everything the app deployed there goes)."""
    return studio.targets.apply_set(target, set_name)


def pending_merges(studio: SkillStudio) -> list[Deployment]:
    """Deployed copies edited in place whose installed skill moved on (a merge is offered)."""
    return [d for d in studio.targets.deployments() if d.merge_available]


def _catalog_skill(listings: Sequence[tuple[str, Listing]], match: CatalogMatch) -> tuple[Listing, CatalogSkill]:
    for _, listing in listings:
        if listing.source.url != match.registry_url:
            continue
        for skill in listing.skills:
            if skill.qualified_name == match.qualified_name and skill.path == match.skill_path:
                return listing, skill
    raise TargetError(f"{match.qualified_name} is no longer listed by {match.registry}.")


def adopt(studio: SkillStudio, target: str, folder_name: str, *, destination: Destination = Destination.LIBRARY,
          listings: Sequence[tuple[str, Listing]] | None = None) -> tuple[InstalledSkill, Deployment]:
    """Adopt an unmanaged skill that matches a catalog skill: import that catalog skill (under the
    folder's name) so it is installed from that registry and gets its updates, then make the folder
    a deployment of it. The folder's files are not changed; when they differ from the catalog
    content (matched by SKILL.md only) the deployment shows ``edited_here``.

    Args:
        target: the target's name.
        folder_name: the unmanaged folder.
        destination: where to install the catalog skill (the Skill Library by default).
        listings: the listings to match against (default: the enabled registries').

    Returns:
        ``(installed skill, deployment)``.

    Raises:
        TargetError: no such folder, no catalog match, or the name is installed from elsewhere.
        InstallError, RemoteError: the import failed (nothing is adopted then).
    """
    listings = list(listings) if listings is not None else catalog_listings(studio)
    found = [u for u in studio.targets.unmanaged(target, listings) if u.name == folder_name]
    if not found:
        raise TargetError(f"{folder_name!r} is not an unmanaged skill folder of {target}.")
    match = found[0].match
    if match is None:
        raise TargetError(f"{found[0].path} matches no catalog skill of the enabled registries; it cannot be adopted.")
    listing, skill = _catalog_skill(listings, match)
    installed = studio.store.skill(destination, folder_name)
    if installed is None:
        installed = studio.import_skill(listing, skill, destination, ImportOptions(local_name=folder_name))
    elif (installed.repo, installed.source_path) != (skill.repo, skill.path):
        raise TargetError(f"{folder_name!r} is already installed in {destination.label} from another source; "
                          "rename the folder to adopt it.")
    return installed, studio.targets.adopt(target, folder_name, destination)


def merge_deployment(studio: SkillStudio, target: str, local_name: str, *, prefer: str | None = None) -> MergeOutcome:
    """Merge a deployed copy edited in place with the installed skill (three-way, git's rules).

    Base is the content the copy was written from, ours the copy in the target, theirs the
    installed skill now. A clean merge (or one resolved with ``prefer="ours"|"theirs"``) is written
    to the target; with conflicts left nothing is written and they are returned.

    Raises:
        TargetError: no such target or deployment.
    """
    try:  # issue 13's three-way merge (git's rules over skill folders); imported by name until it lands
        merge_skill = importlib.import_module("skill_studio.core.merge").merge_skill
    except ImportError:  # pragma: no cover - until issue 13 lands
        raise TargetError("Merging needs the three-way merge of issue 13, which this build does not have; "
                          "redeploy with --force (your copy is kept in the backups) or edit it by hand.") from None

    base, ours, theirs = studio.targets.merge_inputs(local_name, target)
    result = merge_skill(base, ours, theirs, prefer=prefer)
    conflicts = tuple(c.describe() for c in result.conflicts)
    if conflicts:
        (dep,) = studio.targets.deployments(target, local_name=local_name)
        return MergeOutcome(dep, False, conflicts)
    return MergeOutcome(studio.targets.write_merged(local_name, target, result.files), True)
