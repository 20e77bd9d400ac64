"""Browse and import use cases: one listing's rows with their install states, and importing a plan.

Both faces render these rows: the GUI's browse dialog (one destination per dialog) and
``skill-studio browse`` (both destinations), so the same data always shows the same state
(R-UI-2, R-IMP-2, R-UPD-1). Identity (moved/renamed folders, several local names) is
``core.identity``; the update rule is ``core.update_rule``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from skill_studio.app.studio import PreparedImport, SkillStudio
from skill_studio.core.errors import CancelledError, SkillStudioError
from skill_studio.core.executor import Limited
from skill_studio.core.external import describe_unavailable, not_found_checked  # noqa: F401 - for the faces (issue 18)
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


class ImportStage(Enum):
    """Where one skill of a batch import is (issue 18: per-skill progress)."""

    QUEUED = "queued"
    DOWNLOADING = "downloading"
    INSTALLING = "installing"
    INSTALLED = "installed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        """True for the last stage a skill reaches (installed, failed or cancelled)."""
        return self in (ImportStage.INSTALLED, ImportStage.FAILED, ImportStage.CANCELLED)


@dataclass(frozen=True)
class SkillProgress:
    """One per-skill progress event of :func:`import_all`.

    Attributes:
        index: position of the skill in the batch's ``plans``.
        skill: the catalog skill.
        local_name: the name it installs as.
        stage: where it is now.
        done: files downloaded so far (while ``DOWNLOADING``).
        total: files to download (0 while unknown).
        error: ``str(err)`` of the typed error when ``FAILED`` (or ``"Cancelled."``), else None.
    """

    index: int
    skill: CatalogSkill
    local_name: str
    stage: ImportStage
    done: int = 0
    total: int = 0
    error: str | None = None

    @property
    def text(self) -> str:
        """The stage as a short phrase for a face: ``"downloading 3 of 7 files"``, ``"failed: why"``."""
        if self.stage is ImportStage.DOWNLOADING and self.total:
            return f"downloading {self.done} of {self.total} file{'s' if self.total != 1 else ''}"
        if self.stage is ImportStage.FAILED and self.error:
            return f"failed: {self.error}"
        return self.stage.value


IMPORT_CONCURRENCY = 6
"""Skills of a batch import downloaded at once (issue 18). Each skill's files are themselves fetched
concurrently by the GitHub client (within its own bounds), so a few skills at a time fill the
connection pool; installs stay one at a time, in plan order."""


def import_all(studio: SkillStudio, listing: Listing, destination: Destination,
               plans: list[tuple[CatalogSkill, ImportOptions]], progress: Callable[[int, int], None],
               cancelled: Callable[[], bool] | None = None,
               on_skill: Callable[[SkillProgress], None] | None = None,
               limit: int = IMPORT_CONCURRENCY) -> list[ImportResult]:
    """Import a batch of planned skills (worker thread; issue 15, issue 18).

    The downloads run concurrently (at most ``limit`` skills at a time, on the core's bounded pool,
    ``core.executor.Limited``); each skill is then installed atomically, one at a time and in plan
    order (``SkillStudio.install_prepared``: staged, then swapped under the swap lock), so the
    collision check and the Settings slot rule see the same order as a one-by-one import.
    One failure does not stop the others; a cancellation stops everything not installed yet.

    Args:
        plans: ``(skill, confirmed options)`` in import order.
        progress: ``progress(done, total)`` over ``100 × len(plans)`` units, file downloads
            included; may be called from several threads.
        cancelled: ``cancelled() -> bool``, asked before each skill's download and again before
            its install (with ``SkillStudio.cancel_requests`` for the downloads in flight); the
            skills not installed get the error ``"Cancelled."``.
        on_skill: ``on_skill(SkillProgress)`` for each skill as it moves queued → downloading →
            installing → installed, or → failed (with the reason) / cancelled. Called from pool
            threads and the calling thread, possibly at once: it must be thread-safe.
        limit: skills downloaded at once (1: one after another).

    Returns:
        One result per plan, in order; failures carry ``str(err)`` of the typed error.

    Raises:
        Only errors that are not ``SkillStudioError`` (bugs), after the downloads in flight ended.
    """
    n = len(plans)
    names = [planned_name(skill, opts) for skill, opts in plans]
    units = [0] * n
    lock = threading.Lock()

    def emit(i: int, stage: ImportStage, done: int = 0, total: int = 0, error: str | None = None) -> None:
        if on_skill is not None:
            on_skill(SkillProgress(i, plans[i][0], names[i], stage, done, total, error))

    def advance(i: int, value: int) -> None:
        with lock:
            units[i] = max(units[i], value)
            current = sum(units)
        progress(current, n * 100)

    def stopped() -> bool:
        return cancelled is not None and cancelled()

    def prepare(i: int) -> PreparedImport:
        skill, opts = plans[i]
        if stopped():
            gone = CancelledError()
            emit(i, *_failure(gone))
            raise gone
        emit(i, ImportStage.DOWNLOADING)

        def files(done: int, total: int) -> None:
            advance(i, done * 90 // total if total else 0)
            emit(i, ImportStage.DOWNLOADING, done, total)

        try:
            return studio.prepare_import(listing, skill, destination, opts, progress=files)
        except SkillStudioError as err:  # reported at once, not when the installs reach it
            emit(i, *_failure(err))
            raise

    for i in range(n):
        emit(i, ImportStage.QUEUED)
    out: list[ImportResult] = []
    pool = Limited(limit)
    futures = [pool.submit(prepare, i) for i in range(n)]
    try:
        for i, future in enumerate(futures):
            skill = plans[i][0]
            try:
                prepared = future.result()
            except SkillStudioError as err:
                out.append(ImportResult(skill, None, str(err)))
                advance(i, 100)
                continue
            if stopped():  # downloaded, but the user cancelled: nothing more is installed
                gone = CancelledError()
                emit(i, *_failure(gone))
                out.append(ImportResult(skill, None, str(gone)))
                continue
            emit(i, ImportStage.INSTALLING)
            try:
                inst = studio.install_prepared(prepared)
            except SkillStudioError as err:
                emit(i, *_failure(err))
                out.append(ImportResult(skill, None, str(err)))
            else:
                emit(i, ImportStage.INSTALLED)
                out.append(ImportResult(skill, inst, None))
            advance(i, 100)
    finally:
        for future in futures:
            future.cancel()  # only those not started yet (after a bug escaped above)
        pool.wait()
    return out


def planned_name(skill: CatalogSkill, opts: ImportOptions) -> str:
    """The local name a plan installs as: the confirmed one, else the catalog's proposal."""
    return skill.local_name if opts.local_name is None else opts.local_name


def _failure(err: SkillStudioError) -> tuple[ImportStage, int, int, str]:
    stage = ImportStage.CANCELLED if isinstance(err, CancelledError) else ImportStage.FAILED
    return stage, 0, 0, str(err)
