"""Browse and import use cases: one listing's rows with their install states, and importing a plan.

Both faces render these rows: the GUI's browse dialog (one destination per dialog) and
``skill-studio browse`` (both destinations), so the same data always shows the same state
(R-UI-2, R-IMP-2, R-UPD-1). Identity (moved/renamed folders, several local names) is
``core.identity``; the update rule is ``core.update_rule``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from skill_studio.app.studio import SkillStudio
from skill_studio.core.errors import CancelledError, SkillStudioError
from skill_studio.core.external import describe_unavailable  # noqa: F401 - for the faces (issue 18)
from skill_studio.core.identity import catalog_key, match_installed
from skill_studio.core.models import CatalogSkill, Destination, ImportOptions, InstalledSkill, InstallState, Listing
from skill_studio.core.update_rule import upstream_update


@dataclass(frozen=True)
class BrowseRow:
    """One skill of a registry listing, with its install state in one destination.

    Attributes:
        skill: the catalog skill.
        state: install state in the destination (R-UI-2); with several installed copies, the first's
            (by local name).
        installed: the matching installed copy (the first by local name), or None.
        name_taken: True when the skill is not installed but its proposed local name is already
            used in the destination by another skill (an import would collide, R-IMP-2).
        upstream_newer: the catalog has a newer version or changed content compared with the
            installed copy, even when that copy is customized (state ``CUSTOMIZED``): the row
            then shows "update available" beside "customized" (R-UPD-1/4).
        copies: every installed copy (sorted by local name) when the skill is installed under
            several local names; empty when not installed.
    """

    skill: CatalogSkill
    state: InstallState = InstallState.NOT_INSTALLED
    installed: InstalledSkill | None = None
    name_taken: bool = False
    upstream_newer: bool = False
    copies: tuple[InstalledSkill, ...] = ()

    @property
    def has_update(self) -> bool:
        """True when the installed copy can be updated from this row (customized or not)."""
        return self.installed is not None and (self.state is InstallState.UPDATE_AVAILABLE or self.upstream_newer)

    @property
    def key(self) -> tuple[str, str, str, str]:
        """Identity of the listed skill: (qualified name, repository, commit, folder)."""
        s = self.skill
        return (s.qualified_name, s.repo, s.commit, s.path)

    @property
    def label(self) -> str:
        """The state as one phrase for a table: the badge text, plus ``(name taken)`` when an import
        would collide."""
        return f"{self.state.label} (name taken)" if self.name_taken else self.state.label


def upstream_newer(listing: Listing, skill: CatalogSkill, installed: InstalledSkill) -> bool:
    """True when the catalog has a greater version or changed content for an installed copy
    (R-UPD-1, ``core.update_rule``), whether or not that copy is customized."""
    return upstream_update(listing, skill, installed) is not None


def browse_rows(studio: SkillStudio, listing: Listing, destination: Destination,
                customized: dict[str, bool] | None = None,
                previous: dict[tuple[str, str, str, str], BrowseRow] | None = None,
                installed: list[InstalledSkill] | None = None) -> tuple[list[BrowseRow], dict[str, bool]]:
    """Install states of a listing's skills in ``destination`` (disk work: hashes installed folders).

    Runs on a worker thread. A skill that is not installed but whose proposed local name is used by
    another installed skill is flagged ``name_taken`` (R-IMP-2). A customized skill whose catalog
    version is newer keeps state ``CUSTOMIZED`` and gets ``upstream_newer`` (R-UPD-4).

    Args:
        studio: the facade.
        listing: the registry listing.
        destination: where to look for installed copies.
        customized: ``{local name: customized?}`` already computed for this destination (progressive
            listings reuse it), else computed here.
        previous: rows already computed for this listing, by ``BrowseRow.key``; reused as they are.
        installed: the destination's installed skills when already read.

    Returns:
        ``(rows in listing order, {local name: customized?} of every skill installed in destination)``.
    """
    if installed is None:
        installed = studio.installed(destination)
    if customized is None:
        customized = {s.local_name: studio.is_customized(s) for s in installed}
    index = match_installed(listing.skills, installed)
    rows = []
    for s in listing.skills:
        old = previous.get((s.qualified_name, s.repo, s.commit, s.path)) if previous else None
        if old is not None:
            rows.append(old)
            continue
        copies = index.get(catalog_key(s), {}).get(destination, [])
        if not copies:
            rows.append(BrowseRow(s, InstallState.NOT_INSTALLED, None, name_taken=s.local_name in customized))
            continue
        inst = copies[0]
        state = studio.copy_state(listing, s, inst, customized.get(inst.local_name)).state
        newer = state is InstallState.UPDATE_AVAILABLE or (
            state is InstallState.CUSTOMIZED and upstream_newer(listing, s, inst))
        rows.append(BrowseRow(s, state, inst, upstream_newer=newer, copies=tuple(copies)))
    return rows, customized


def install_states(studio: SkillStudio, listing: Listing) -> dict[Destination, list[BrowseRow]]:
    """``browse_rows`` of a listing in every destination (the CLI's ``browse``).

    Returns:
        ``{destination: rows in listing order}``.
    """
    every = studio.installed()
    return {d: browse_rows(studio, listing, d, installed=[s for s in every if s.destination is d])[0]
            for d in Destination}


@dataclass(frozen=True)
class ImportResult:
    """Outcome of one import: the installed skill, or the reason it failed."""

    skill: CatalogSkill
    installed: InstalledSkill | None
    error: str | None


def import_all(studio: SkillStudio, listing: Listing, destination: Destination,
               plans: list[tuple[CatalogSkill, ImportOptions]], progress: Callable[[int, int], None],
               cancelled: Callable[[], bool] | None = None) -> list[ImportResult]:
    """Import each planned skill in turn (worker thread); one failure does not stop the others,
    a cancellation does (issue 15).

    Args:
        plans: ``(skill, confirmed options)`` in import order.
        progress: ``progress(done, total)`` over ``100 × len(plans)`` units, file downloads included.
        cancelled: ``cancelled() -> bool``, asked before each skill (with
            ``SkillStudio.cancel_requests`` for the download in flight); the skills not started get
            the error ``"Cancelled."``.

    Returns:
        One result per plan, in order; failures carry ``str(err)`` of the typed error.
    """
    out: list[ImportResult] = []
    n = len(plans)
    for i, (skill, opts) in enumerate(plans):
        def files(done: int, total: int, i: int = i) -> None:
            progress(i * 100 + (done * 90 // total if total else 0), n * 100)

        if cancelled is not None and cancelled():
            out.append(ImportResult(skill, None, str(CancelledError())))
            continue
        try:
            inst = studio.import_skill(listing, skill, destination, opts, progress=files)
            out.append(ImportResult(skill, inst, None))
        except SkillStudioError as err:
            out.append(ImportResult(skill, None, str(err)))
        progress((i + 1) * 100, n * 100)
    return out
