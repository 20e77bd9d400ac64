"""Background security reviews for the browse dialog and the update flow (issue 14).

- :class:`ReviewedCatalogModel`: the browse table model with a risk badge in the status column
  once a skill's review is known.
- :class:`ListingReviews`: reviews every skill of a listing in the background after it is shown
  (cached by the skill folder's tree SHA, so a catalog is reviewed once per commit); results
  arrive on the GUI thread as snapshots; never blocks the event loop.
- :func:`confirm_high_risk`: before an import, the "I have read this" dialog for ``high`` skills.
- :func:`preview_then`: before an update, the update preview (files, diff, commits, new findings).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QComboBox, QDialog, QWidget

from skill_studio.app import SkillStudio
from skill_studio.app import review as rv
from skill_studio.core.errors import SkillStudioError
from skill_studio.core.models import CatalogSkill, Destination, Listing
from skill_studio.ui.models import BADGES_ROLE, Badge, BadgeKind, CatalogTableModel
from skill_studio.ui.review_panel import HighRiskDialog, UpdatePreviewDialog
from skill_studio.ui.workers import BackgroundOp, describe_error, named_pool

RISK_BADGES = {"none": Badge("risk: none", BadgeKind.OK), "low": Badge("risk: low", BadgeKind.NEUTRAL),
               "medium": Badge("risk: medium", BadgeKind.WARN), "high": Badge("risk: high", BadgeKind.ERROR)}
"""The badge of each risk level in the browse table's status column."""


class ReviewedCatalogModel(CatalogTableModel):
    """``CatalogTableModel`` plus a risk badge per reviewed skill (status column)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.risks: dict[str, str] = {}

    def set_risks(self, risks: dict[str, str]) -> bool:
        """Set the known risks (``{qualified name: risk}``) and repaint the status column; True
        when they changed (the view may then widen the column)."""
        if risks == self.risks:
            return False
        old, self.risks = self.risks, dict(risks)
        changed = {q for q in old.keys() | risks.keys() if old.get(q) != risks.get(q)}
        rows = [i for i, r in enumerate(self.rows_in_order()) if r.skill.qualified_name in changed]
        if len(rows) > 64:  # many at once (cached reviews): one signal over their span
            rows = list(range(rows[0], rows[-1] + 1))
        # Issue 18: only the rows whose risk changed (one review arriving re-measured and
        # repainted the status column of every row).
        start = 0
        while start < len(rows):
            end = start
            while end + 1 < len(rows) and rows[end + 1] == rows[end] + 1:
                end += 1
            self.dataChanged.emit(self.index(rows[start], self.STATE), self.index(rows[end], self.STATE))
            start = end + 1
        return True

    def row_data(self, row: Any, col: int, role: int) -> Any:
        """The base model's cell, with the risk badge (and its text and tooltip) in the status column."""
        value = super().row_data(row, col, role)
        if col != self.STATE:
            return value
        risk = self.risks.get(row.skill.qualified_name)
        if risk is None:
            return value
        if role == BADGES_ROLE:
            return [*value, RISK_BADGES[risk]]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{value}, risk: {risk}" if value else f"risk: {risk}"
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = "Security review: risk " + risk + " (details pane → Security review)"
            return f"{value}\n{tip}" if value else tip
        return value


def review_pool() -> QThreadPool:
    """The one thread that runs background catalog reviews, so a long review never holds a thread
    of the pools that listings and imports need (a named pool: shutdown waits for it too)."""
    return named_pool("skill-studio-review", 1)


def background_reviews_enabled() -> bool:
    """False when ``SKILL_STUDIO_NO_BACKGROUND_REVIEW=1`` (offline demos, tests that count
    requests): then only the skills being imported or updated are reviewed."""
    return os.environ.get("SKILL_STUDIO_NO_BACKGROUND_REVIEW", "") not in ("1", "true", "yes")


class ListingReviews(QObject):
    """The reviews of one shown listing, computed in the background on :func:`review_pool`.

    Signals:
        changed(): new reviews (or errors) arrived; read :attr:`reviews` / :attr:`errors`.
    """

    changed = Signal()

    def __init__(self, studio: SkillStudio, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.studio = studio
        self.listing: Listing | None = None
        self.reviews: dict[str, rv.SkillReview] = {}
        self.errors: dict[str, str] = {}
        self.running = False
        self._asked: set[str] = set()
        self._stop = threading.Event()
        holder = self._holder = {"stop": self._stop}
        self.destroyed.connect(lambda *_: holder["stop"].set())  # a closed tab stops its review

    def risks(self) -> dict[str, str]:
        """``{qualified name: risk}`` of the skills reviewed so far."""
        return {q: r.risk for q, r in self.reviews.items()}

    def start(self, listing: Listing) -> None:
        """Review every skill of ``listing`` in the background (a no-op when it is the listing
        already reviewed or being reviewed; an offline listing is reviewed from the cache only)."""
        if self.listing is not None and listing.commit == self.listing.commit \
                and len(listing.skills) == len(self.listing.skills):
            return
        self.stop()
        self._stop = self._holder["stop"] = threading.Event()
        stop = self._stop
        self.listing = listing
        self.reviews = {}
        self.errors = {}
        studio = self.studio
        review_all = not listing.offline and background_reviews_enabled()
        self.running = review_all
        self.changed.emit()
        lock = threading.Lock()
        found: dict[str, rv.SkillReview] = {}
        failed: dict[str, str] = {}

        def op(_progress: Callable[[int, int], None]) -> tuple[dict[str, rv.SkillReview], dict[str, str]]:
            # Known reviews first, in the background too (issue 18: looking up the cached reviews of
            # 307 skills on the GUI thread blocked it for 200 ms when a tab had loaded).
            for s in listing.skills:
                if stop.is_set():
                    break
                hit = rv.cached_review(studio, listing, s)
                if hit is not None:
                    with lock:
                        found[s.qualified_name] = hit
            if found:
                job.publish((dict(found), {}))
            todo = [s for s in listing.skills if s.qualified_name not in found]
            if not todo or not review_all or stop.is_set():
                return dict(found), {}

            def each(q: str, review: rv.SkillReview | None, err: str | None) -> None:
                with lock:
                    if review is not None:
                        found[q] = review
                    else:
                        failed[q] = err or "unknown error"
                    snapshot = (dict(found), dict(failed))
                job.publish(snapshot)

            rv.review_listing(studio, listing, todo, on_review=each, cancelled=stop.is_set)
            with lock:
                return dict(found), dict(failed)

        job: BackgroundOp[tuple[dict[str, rv.SkillReview], dict[str, str]]] = BackgroundOp(
            self, op, lambda result: self._arrived(listing, result, final=True))
        job.with_partial(lambda part: self._arrived(listing, part, final=False)) \
            .failure(lambda err: self._failed(listing, err)) \
            .run_in_background(review_pool())

    def show_in(self, panel: Any, row: Any) -> None:
        """Show the review of ``row`` (a browse row, or None) in a ``ReviewPanel``."""
        if row is None:
            panel.show_pending("Select a skill to see its files and the security review.")
            return
        q = row.skill.qualified_name
        if q in self.reviews:
            panel.show_review(self.reviews[q])
        elif q in self.errors or "*" in self.errors:
            panel.show_error(self.errors.get(q) or self.errors["*"])
        elif self.listing is not None and self.listing.offline:
            panel.show_pending("Not reviewed yet: the catalog is offline.")
        elif q in self._asked:
            panel.show_pending()
        elif not self.running:
            panel.show_pending("Not reviewed yet (it runs before an import).", can_request=True)
        else:
            panel.show_pending()

    def review_one(self, skill: CatalogSkill | None) -> None:
        """Review one listed skill now, in the background (*Review now*)."""
        listing = self.listing
        if listing is None or skill is None or skill.qualified_name in self._asked:
            return
        q, studio = skill.qualified_name, self.studio
        self._asked.add(q)
        self.errors.pop(q, None)
        self.errors.pop("*", None)
        self.changed.emit()

        def done(result: rv.SkillReview) -> None:
            self._asked.discard(q)
            if listing is self.listing:
                self.reviews[q] = result
                self.changed.emit()

        def failed(err: BaseException) -> None:
            self._asked.discard(q)
            if listing is self.listing:
                self.errors[q] = describe_error(err)
                self.changed.emit()

        BackgroundOp(self, lambda _p: rv.review_catalog_skill(studio, listing, skill), done) \
            .failure(failed).run_in_background(review_pool())

    def stop(self) -> None:
        """Ask the running review to stop after the current skill."""
        self._stop.set()
        self.running = False

    def _arrived(self, listing: Listing, part: tuple[dict[str, rv.SkillReview], dict[str, str]], final: bool) -> None:
        if listing is not self.listing:
            return
        self.reviews.update(part[0])
        self.errors.update(part[1])
        if final:
            self.running = False
        self.changed.emit()

    def _failed(self, listing: Listing, err: BaseException) -> None:
        if listing is self.listing:
            self.running = False
            self.errors["*"] = describe_error(err)
            self.changed.emit()


def reviews_for_import(studio: SkillStudio, listing: Listing | None,
                       skills: Sequence[CatalogSkill]) -> list[tuple[str, rv.SkillReview]]:
    """``[(qualified name, review)]`` of the skills about to be imported (worker thread; cached
    reviews cost nothing). A skill whose review cannot be made (offline) is left out: the import
    itself then reports the network problem."""
    out: list[tuple[str, rv.SkillReview]] = []
    if listing is None:
        return out
    for s in skills:
        try:
            out.append((s.qualified_name, rv.review_catalog_skill(studio, listing, s)))
        except SkillStudioError:
            continue
    return out


def confirm_high_risk(parent: QWidget, reviews: Sequence[tuple[str, Any]], proceed: Callable[[], None],
                      cancel: Callable[[], None] | None = None) -> QDialog | None:
    """Before importing: when some of ``reviews`` are ``high``, open the "I have read this"
    dialog (window-modal) and call ``proceed`` once it is accepted (``cancel`` otherwise); else
    call ``proceed`` at once and return None."""
    high = [(q, r) for q, r in reviews if r.risk == "high"]
    if not high:
        proceed()
        return None
    dialog = HighRiskDialog(high, parent)

    def finished(result: int) -> None:
        dialog.deleteLater()
        if result == QDialog.DialogCode.Accepted:
            proceed()
        elif cancel is not None:
            cancel()

    dialog.finished.connect(finished)
    dialog.open()
    return dialog


def preview_then(parent: QWidget, studio: SkillStudio, destination: Destination, items: Sequence[Any],
                 proceed: Callable[[], None], cancel: Callable[[], None]) -> UpdatePreviewDialog:
    """Before updating: open the update review with each item's preview (computed in the
    background; ``items`` have ``local_name`` and ``listing``), then ``proceed`` on Update or
    ``cancel`` on Cancel. Nothing is written before ``proceed``."""
    names = [i.local_name for i in items]
    title = f"Update {names[0]}" if len(names) == 1 else f"Update {len(names)} skills"
    dialog = UpdatePreviewDialog(title, parent)
    previews: dict[str, Any] = {}
    picker = None
    if len(items) > 1:
        picker = QComboBox()
        picker.setObjectName("previewPicker")
        picker.addItems(names)
        dialog.add_top(picker)

    def show(name: str) -> None:
        got = previews.get(name)
        if got is None:
            dialog.panel.show_pending()
        elif isinstance(got, str):
            dialog.panel.show_error(got)
        else:
            dialog.panel.show_preview(got)

    if picker is not None:
        picker.currentTextChanged.connect(show)

    def op(_progress: Callable[[int, int], None]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for item in items:
            try:
                out[item.local_name] = rv.preview_update(studio, destination, item.local_name,
                                                         listing=getattr(item, "listing", None))
            except Exception as err:  # noqa: BLE001 - shown in the dialog; the user decides
                out[item.local_name] = describe_error(err)
        return out

    def arrived(result: dict[str, Any]) -> None:
        if not shiboken6.isValid(dialog):
            return
        previews.update(result)
        show(picker.currentText() if picker is not None else names[0])
        dialog.update_button.setEnabled(True)

    def finished(result: int) -> None:
        dialog.deleteLater()
        if result == QDialog.DialogCode.Accepted:
            proceed()
        else:
            cancel()

    dialog.finished.connect(finished)
    BackgroundOp(dialog, op, arrived).failure(lambda err: arrived({n: describe_error(err) for n in names})) \
        .run_in_background()
    dialog.open()
    return dialog
