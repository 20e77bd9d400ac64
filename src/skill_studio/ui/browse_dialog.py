"""The browse dialog (R-UI-1..3): one tab per enabled registry, install-state badges for the
destination it was opened for, search, details with the rendered SKILL.md and the reasons skills
are missing, multi-select import through a metadata editor (R-IMP-2/3, R-UPD-4).

Each tab lists the registry's own plugins first and shows them at once, then fills in the skills of
plugins whose source is another repository as each target is resolved (issue 9), with "n of N"
progress, keeping the user's selection, filter and scroll position; unavailable plugins are listed
in the details with their source and reason. Installed skills with a newer catalog version carry
*update available* (also when customized); *Updates only* filters to them and *Update…* asks the
main window's update center to update them (issue 4, R-UPD-3/4).

Everything slow (listing a registry, computing install states, downloading and installing) runs in
:class:`~skill_studio.ui.workers.BackgroundOp`; the dialog only reacts to results.
"""

from __future__ import annotations

import functools
import html
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QElapsedTimer, QItemSelection, QModelIndex, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QSplitter,
    QStackedWidget,
    QStyle,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from skill_studio.app import DEFAULT_VERSION, SkillStudio, format_age
from skill_studio.app.browse import ImportResult, browse_rows, import_all
from skill_studio.app.studio import has_pending_external
from skill_studio.core.errors import CancelledError
from skill_studio.core.models import (
    LIBRARY_PURPOSES,
    CatalogSkill,
    Destination,
    ImportOptions,
    InstallState,
    Listing,
    Registry,
)
from skill_studio.ui import keyboard
from skill_studio.ui.facets import CatalogueDetails, TabCatalogue, plugin_import_question, split_plugin_import
from skill_studio.ui.fit import resize_within_screen
from skill_studio.ui.import_progress import ImportProgressList, SkillEvents
from skill_studio.ui.metadata_editor import Conflict, MetadataEditor
from skill_studio.ui.models import ROW_ROLE, CatalogRow, CatalogTableModel, RowFilterModel
from skill_studio.ui.not_found import NotFoundPlugins
from skill_studio.ui.review_jobs import ListingReviews, ReviewedCatalogModel, confirm_high_risk, reviews_for_import
from skill_studio.ui.review_panel import ReviewPanel
from skill_studio.ui.theme import muted_text
from skill_studio.ui.widgets import (
    BadgeStripDelegate,
    BusyView,
    CollapsibleSection,
    ElidedLabel,
    ErrorView,
    LazyTipDelegate,
    MarkdownView,
    SteadyTabWidget,
    button,
    follow_column_width,
    setup_table,
)
from skill_studio.ui.workers import BackgroundOp, describe_error, io_pool

# -- background work (no widgets below this line until the classes) ---------------------------------

@dataclass(frozen=True)
class TabData:
    """What a registry tab shows, computed off the GUI thread.

    Attributes:
        listing: the registry listing (pinned to one commit).
        rows: one row per listed skill with its install state in the destination.
        customized: ``{local name: customized?}`` of every skill installed in the destination.
    """

    listing: Listing
    rows: list[CatalogRow]
    customized: dict[str, bool]


@dataclass(frozen=True)
class PartialData:
    """A registry tab's content while its external plugins are being resolved (issue 9).

    Attributes:
        data: the rows listed so far (local plugins first, then each external target as it finishes).
        done: external plugins resolved so far.
        total: external plugins to resolve (0 while unknown).
    """

    data: TabData
    done: int
    total: int


def compute_rows(studio: SkillStudio, listing: Listing, destination: Destination,
                 customized: dict[str, bool] | None = None,
                 previous: dict[tuple[str, str, str, str], CatalogRow] | None = None) -> TabData:
    """A registry tab's content (worker thread): ``skill_studio.app.browse.browse_rows`` as
    ``CatalogRow``s (see there for the states, "name taken" and moved skills)."""
    rows, customized = browse_rows(studio, listing, destination, customized, dict(previous) if previous else None)
    return TabData(listing, [CatalogRow.of(r) for r in rows], customized)


def source_text(source: object) -> str:
    """A catalog entry's ``source`` for people: ``github: owner/repo @ref /path``, or the raw value."""
    if isinstance(source, dict):
        kind = str(source.get("source", "?"))
        where = source.get("repo") or source.get("url") or source.get("package") or ""
        text = f"{kind}: {where}" if where else kind
        ref = source.get("sha") or source.get("ref")
        if ref:
            text += f" @{str(ref)[:12]}"
        if source.get("path"):
            text += f" /{source['path']}"
        return text
    return str(source)


class ListingCache:
    """Listings fetched during this session, per registry, shared by every browse dialog of a
    window: reopening the dialog or switching destination does not spend GitHub requests again
    (60 per hour without a token). *Reload* and *Retry* fetch anew. GUI thread only.
    """

    def __init__(self) -> None:
        self._listings: dict[tuple[int, str], Listing] = {}

    @staticmethod
    def _key(registry: Registry) -> tuple[int, str]:
        return (registry.id, registry.source.url)

    def get(self, registry: Registry) -> Listing | None:
        """The cached listing of a registry, or None."""
        return self._listings.get(self._key(registry))

    def put(self, registry: Registry, listing: Listing) -> None:
        """Remember a registry's listing."""
        self._listings[self._key(registry)] = listing

    def drop(self, registry: Registry) -> None:
        """Forget a registry's listing."""
        self._listings.pop(self._key(registry), None)


# -- details pane -----------------------------------------------------------------------------------

class DetailsPane(QWidget):
    """The selected skill: name, version, path and commit, warnings, rendered SKILL.md; and, per
    registry, a collapsible list of excluded skills and skipped plugins with reasons (R-DIS-4)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("detailsPane")
        self.title = QLabel("")
        self.title.setObjectName("detailsTitle")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.meta = QLabel("")
        self.meta.setObjectName("detailsMeta")
        self.meta.setWordWrap(True)
        self.meta.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.warnings = QLabel("")
        self.warnings.setObjectName("warningBox")
        self.warnings.setWordWrap(True)
        self.warnings.setVisible(False)
        self.catalogue = CatalogueDetails()  # plugin metadata and spec badge (issue 19)
        self.body = MarkdownView()
        self.body.setObjectName("skillMarkdown")
        keyboard.name(self.body, "SKILL.md of the selected skill")
        self.excluded_view = QTextBrowser()
        self.excluded_view.setObjectName("excludedList")
        keyboard.name(self.excluded_view, "Skills and plugins not listed, with reasons")
        self.excluded_view.setOpenLinks(False)
        self.excluded_view.setMaximumHeight(170)
        self.not_found = NotFoundPlugins()  # remembered 404s with a per-plugin Retry (issue 18)
        not_listed = QWidget()
        nl = QVBoxLayout(not_listed)
        nl.setContentsMargins(0, 0, 0, 0)
        nl.setSpacing(2)
        nl.addWidget(self.excluded_view)
        nl.addWidget(self.not_found)
        self.excluded = CollapsibleSection("Nothing excluded", not_listed)
        self._pending_html: Callable[[], str] | None = None
        self._pending_not_found: tuple[Listing, bool] | None = None
        self._shown_html = ""
        self.excluded.toggled.connect(self._excluded_toggled)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 4, 4, 0)
        lay.setSpacing(6)
        lay.addWidget(self.title)
        lay.addWidget(self.meta)
        lay.addWidget(self.warnings)
        lay.addWidget(self.catalogue)
        self.review = ReviewPanel()
        self.pages = QTabWidget()
        self.pages.setObjectName("detailsPages")
        self.pages.addTab(self.body, "SKILL.md")
        self.pages.addTab(self.review, "Security review")
        lay.addWidget(self.pages, 1)
        lay.addWidget(self.excluded)
        self.show_skill(None)

    def show_skill(self, row: CatalogRow | None) -> None:
        """Show a skill, or the hint to select one."""
        if row is None:
            self.title.setText("No skill selected")
            self.meta.setText("Select a skill to read its SKILL.md. Select several (Ctrl/Shift-click) to import them together.")
            self.warnings.setVisible(False)
            self.catalogue.show_row(None)
            self.body.set_markdown("")
            return
        s = row.skill
        self.catalogue.show_row(row)
        self.title.setText(s.qualified_name)
        parts = [f"<b>version</b> {html.escape(s.version or '— (' + DEFAULT_VERSION + ' on import)')}",
                 f"<b>local name</b> {html.escape(s.local_name)}"]
        if row.installed is not None:
            parts.append(f"<b>installed as</b> {html.escape(row.installed.local_name)} {html.escape(row.installed.version)}")
        purpose = s.metadata.purpose if s.metadata is not None else None
        if purpose:
            where = Destination.LIBRARY if purpose in LIBRARY_PURPOSES else Destination.SETTINGS
            parts.append(f"<b>purpose</b> {html.escape(purpose)} (suggests {where.label})")
        lines = [" · ".join(parts),
                 f"<b>path</b> <code>{html.escape(s.path or '(registry root)')}/SKILL.md</code>",
                 f"<b>commit</b> <code>{html.escape(s.commit[:12])}</code> in {html.escape(s.repo)}"]
        if s.description:
            lines.append(html.escape(s.description))
        self.meta.setText("<br>".join(lines))
        if s.warnings:
            self.warnings.setText("<b>Warnings</b><br>" + "<br>".join(f"• {html.escape(w)}" for w in s.warnings))
            self.warnings.setVisible(True)
        else:
            self.warnings.setVisible(False)
        body = s.metadata.body if s.metadata is not None else s.skill_md
        self.body.set_markdown(body.strip() or "*(The SKILL.md has no body.)*")

    def show_listing(self, listing: Listing, resolving: bool = False) -> None:
        """Fill the "not listed" section of a registry: excluded skills, skipped plugins and
        unavailable external plugins, each with its reason (R-DIS-4, issue 9). While ``resolving``,
        external plugins still being listed are counted, not listed as skipped.

        Issue 18: while the section is collapsed only its title is written; the reasons and the
        remembered "not found" plugins are laid out when it opens (hundreds of them took 15–20 ms
        of the GUI thread at the end of every load)."""
        self._pending_not_found = (listing, resolving)
        if self.excluded.is_expanded():
            self._show_not_found()
        pending = ({e.index for e in listing.catalog.external} if resolving else set())
        skipped = [p for p in listing.skipped_plugins if p.index is None or p.index not in pending]
        n_pending = len(listing.skipped_plugins) - len(skipped)

        def html_items() -> list[str]:
            items: list[str] = []
            muted = muted_text().name()  # once: it derives the whole palette (issue 18: 30 ms per arrival)
            for e in listing.excluded:
                items.append(f"<li><b>excluded</b> <code>{html.escape(e.path)}</code> — {html.escape(e.reason)}</li>")
            for label, plugins in (("unavailable plugin", listing.unavailable_plugins), ("skipped plugin", skipped)):
                for p in plugins:
                    name = html.escape(p.name or "(unnamed)")
                    src = html.escape(source_text(p.source))
                    items.append(f"<li><b>{label}</b> {name} <span style='color:{muted}'>({src})</span> — "
                                 f"{html.escape(p.reason)}</li>")
            for w in listing.warnings:
                items.append(f"<li><b>registry warning</b> {html.escape(w)}</li>")
            return items

        n_ex, n_un, n_sk = len(listing.excluded), len(listing.unavailable_plugins), len(skipped)

        def count(n: int, what: str) -> str:
            return f"{n} {what}{'s' if n != 1 else ''}"

        bits = [count(n, what) for n, what in ((n_ex, "excluded skill"), (n_un, "unavailable plugin"),
                                                (n_sk, "skipped plugin"), (len(listing.warnings), "registry warning"))
                if n]
        if not bits:
            self.excluded.set_title(f"Resolving {count(n_pending, 'external plugin')}…" if n_pending
                                    else "Nothing excluded: every skill found is listed")
            self.excluded.set_expanded(False)
            self.excluded.button.setEnabled(False)
            self._set_excluded_html("")
            return
        title = "Not listed: " + ", ".join(bits) + " — why?"
        if n_pending:
            title += f" (resolving {count(n_pending, 'external plugin')}…)"
        self.excluded.set_title(title)
        self.excluded.button.setEnabled(True)
        if not listing.skills and not resolving:  # nothing to browse: the reasons are the news
            self.excluded.set_expanded(True)

        def text() -> str:
            return "<ul style='margin-left:-20px'>" + "".join(html_items()) + "</ul>"

        # Issue 18: laying out (and even writing) hundreds of reasons on every external arrival
        # stalled the GUI thread; a collapsed section gets its text when it opens.
        if self.excluded.is_expanded():
            self._set_excluded_html(text())
        else:
            self._pending_html = text

    def _set_excluded_html(self, text: str) -> None:
        self._pending_html = None
        if text != self._shown_html:
            self._shown_html = text
            self.excluded_view.setHtml(text)

    def _show_not_found(self) -> None:
        pending, self._pending_not_found = self._pending_not_found, None
        if pending is not None:
            self.not_found.show_listing(*pending)

    def _excluded_toggled(self, expanded: bool) -> None:
        if not expanded:
            return
        self._show_not_found()
        if self._pending_html is not None:
            self._set_excluded_html(self._pending_html())


# -- one registry tab ---------------------------------------------------------------------------------

class RegistryTab(QWidget):
    """One registry in the browse dialog: busy → content or error with Retry (R-UI-1).

    Loading is progressive (issue 9): the registry's own plugins are listed first and shown at once;
    plugins whose source is another repository are then resolved in the same background op, and
    their skills are added to the table as each target finishes (with "n of N" progress under the
    table), without resetting the user's selection, filter or scroll position.

    Signals:
        status_changed(): loading started/finished/failed (the dialog updates the tab label).
        selection_changed(): the selected rows changed.
        activated(): a row was double-clicked or Enter was pressed on the table (the dialog
            imports the selection).
        cancel_requested(): the user pressed *Cancel* while the tab was loading.
        import_plugin(PluginGroup): "Import all skills of this plugin" in the grouped view (issue 19).
    """

    LOADING, ERROR, CONTENT = range(3)

    status_changed = Signal()
    selection_changed = Signal()
    activated = Signal()
    cancel_requested = Signal()
    import_plugin = Signal(object)

    def __init__(self, studio: SkillStudio, registry: Registry, destination: Destination,
                 cache: ListingCache | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.studio = studio
        self.registry = registry
        self.destination = destination
        self.cache = cache if cache is not None else ListingCache()
        self.data: TabData | None = None
        self.customized: dict[str, bool] = {}
        """``{local name: customized?}`` of the destination's skills, as of the last check."""
        self.error: str | None = None
        self._generation = 0
        self._resolving = False
        self._states_dirty = False
        self._external_progress = (0, 0)
        self._next_part: tuple[int, PartialData] | None = None
        self._part_timer = QTimer(self)
        self._part_timer.setSingleShot(True)
        self._part_timer.timeout.connect(self._flush_partial)
        self._part_clock = QElapsedTimer()
        self._part_clock.start()
        self._autosize = ""
        self._fill_queue: list[CatalogRow] = []  # rows of the shown listing not inserted yet (FILL_CHUNK)
        self._local_shown = threading.Event()
        """Set once the local rows of a load are in the table (its worker then resolves external
        plugins; ``LOCAL_FIRST_WAIT_S``)."""
        self._fill_painting_held = False  # the table's paints wait for the last chunk (see _fill_next)
        self._paint_deadline = QTimer(self)
        self._paint_deadline.setSingleShot(True)
        self._paint_deadline.timeout.connect(self._paint_filled)
        self._fill_scheduled = False
        self._review_next: Listing | None = None  # reviews to start once the fill is done
        """"first": size the columns to the first rows shown; "final": once more when resolved."""
        self._marked: set[str] | None = None
        """Local names to select once the rows are known (``mark_installed``)."""

        self.stack = QStackedWidget()
        self.busy_view = BusyView(f"Loading {registry.name}…")
        self.busy_view.cancel.connect(self.cancel_requested.emit)
        self.error_view = ErrorView()
        self.error_view.retry.connect(lambda: self.load(force=True))

        self.model = ReviewedCatalogModel(self)
        self.reviews = ListingReviews(studio, self)  # issue 14: risk badges once known
        self.reviews.changed.connect(self._reviews_changed)
        self.proxy = RowFilterModel(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setObjectName("catalogTable")
        self.table.setModel(self.proxy)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        setup_table(self.table, CatalogTableModel.DESCRIPTION)
        follow_column_width(self.table, CatalogTableModel.DESCRIPTION, self.model.set_description_width)
        fitter = getattr(self.table, "column_fitter", None)
        if fitter is not None:  # a filled table is painted once its columns are sized (_fill_next)
            fitter.settled.connect(self._paint_filled)
        self.table.setItemDelegate(LazyTipDelegate(self.table))  # tooltips made when shown (issue 18)
        self.table.setItemDelegateForColumn(CatalogTableModel.STATE, BadgeStripDelegate(self.table, self.proxy, CatalogTableModel.STATE))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(CatalogTableModel.WARNINGS, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(CatalogTableModel.WARNINGS, 30)
        header.setMinimumSectionSize(28)
        self.table.sortByColumn(CatalogTableModel.NAME, Qt.SortOrder.AscendingOrder)
        self.table.selectionModel().selectionChanged.connect(self._selection)
        self.table.doubleClicked.connect(lambda _index: self.activated.emit())
        keyboard.on_enter(self.table, self._enter)
        keyboard.select_on_focus(self.table)
        keyboard.name(self.table, f"Skills of {registry.name}")
        self.table.setToolTip(keyboard.CONTRACT_TIPS["browse_table"])
        self.table.selectionModel().currentRowChanged.connect(self._current)
        self.summary = ElidedLabel("")
        self.summary.setObjectName("hint")
        self.external_bar = QProgressBar()
        self.external_bar.setObjectName("externalProgress")
        self.external_bar.setTextVisible(False)
        self.external_bar.setFixedSize(120, 10)
        self.external_bar.setVisible(False)
        self.external_bar.setAccessibleName("External plugins resolved")
        self.external_stop = button("Stop", self.stop_resolving,
                                    tip="Stop resolving external plugins; the skills listed so far stay")
        self.external_stop.setObjectName("stopResolving")
        self.external_stop.setAutoDefault(False)
        self.external_stop.setVisible(False)
        summary_row = QHBoxLayout()
        summary_row.setSpacing(8)
        summary_row.addWidget(self.external_bar, 0, Qt.AlignmentFlag.AlignVCenter)
        summary_row.addWidget(self.external_stop, 0, Qt.AlignmentFlag.AlignVCenter)
        summary_row.addWidget(self.summary, 1)

        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.setSpacing(4)
        # Facets, sort and "group by plugin" (issue 19): ui/facets.py.
        self.catalogue = TabCatalogue(self.table, self.model, self.proxy, parent=self)
        self.catalogue.groups.itemSelectionChanged.connect(self._selection)
        self.catalogue.groups.import_plugin.connect(self.import_plugin)
        ll.addWidget(self.catalogue.views, 1)
        ll.addLayout(summary_row)
        self.details = DetailsPane()
        self.catalogue.groups.current_row_changed.connect(self.details.show_skill)
        self.catalogue.groups.current_row_changed.connect(lambda _row: self._reviews_changed())
        self.details.review.review_requested.connect(self._review_current)
        self.details.not_found.retry_requested.connect(self.retry_plugins)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.catalogue.panel)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.details)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 4)  # issue 15: the table gets most of a small window
        self.splitter.setStretchFactor(2, 1)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([180, 640, 340])  # issue 15: the table keeps its columns at 1024 px

        self.stack.addWidget(self.busy_view)
        self.stack.addWidget(self.error_view)
        self.stack.addWidget(self.splitter)

        self.offline_banner = QFrame()
        self.offline_banner.setObjectName("offlineBanner")
        self.offline_text = QLabel("")
        self.offline_text.setObjectName("offlineText")
        self.offline_text.setWordWrap(True)
        self.offline_text.setTextFormat(Qt.TextFormat.PlainText)
        self.offline_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.offline_retry = button("Retry", lambda: self.load(force=True),
                                    tip=f"Fetch {registry.name} from GitHub again")
        self.offline_retry.setAutoDefault(False)
        icon = QLabel()
        icon.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(20, 20))
        bl = QHBoxLayout(self.offline_banner)
        bl.setContentsMargins(10, 6, 8, 6)
        bl.setSpacing(8)
        bl.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        bl.addWidget(self.offline_text, 1)
        bl.addWidget(self.offline_retry, 0, Qt.AlignmentFlag.AlignVCenter)
        self.offline_banner.setVisible(False)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 8, 8, 4)
        lay.addWidget(self.offline_banner)
        lay.addWidget(self.stack)

    # -- loading -------------------------------------------------------------------------------

    def is_loading(self) -> bool:
        """True while the listing is being fetched."""
        return self.stack.currentIndex() == self.LOADING

    def is_loaded(self) -> bool:
        """True when the table shows a listing (possibly still growing, see ``is_resolving``)."""
        return self.stack.currentIndex() == self.CONTENT and self.data is not None and not self._fill_queue

    def is_resolving(self) -> bool:
        """True while external plugins are still being resolved into the shown listing."""
        return self._resolving

    def is_offline(self) -> bool:
        """True when the table shows the last cached listing because GitHub could not be asked
        (R-NET-4); the banner above the table says since when and why."""
        return self.is_loaded() and self.data is not None and self.data.listing.offline

    def offline_message(self) -> str:
        """The banner's sentence for an offline listing ("" when online)."""
        if self.data is None or not self.data.listing.offline:
            return ""
        listing = self.data.listing
        reason = (listing.offline_reason or "GitHub could not be reached.").strip()
        return f"Offline — showing the catalog cached {format_age(listing.age_seconds())} ago: {reason}"

    def _show_offline(self) -> None:
        text = self.offline_message() if self.stack.currentIndex() == self.CONTENT else ""
        self.offline_text.setText(text)
        self.offline_banner.setVisible(bool(text))

    def load(self, force: bool = False) -> None:
        """Show the registry's skills: the session's cached listing, or (``force``, or none cached)
        a fresh one fetched in the background — local plugins first, then external ones filled in
        progressively; install states are always recomputed. ``force`` is the user's Reload: external
        plugins' branches are asked again even within their re-check interval (issue 18)."""
        self._generation += 1
        gen = self._generation
        self._fill_queue = []
        self._paint_table(True)
        self._review_next = None
        self.error = None
        self._resolving = False
        self._states_dirty = False
        self._hide_external_progress()
        self.offline_banner.setVisible(False)
        cached = None if force else self.cache.get(self.registry)
        self.busy_view.reset(f"Loading {self.registry.name}…" if cached is None else f"Reading {self.registry.name}…")
        self.stack.setCurrentIndex(self.LOADING)
        self.status_changed.emit()
        if self.data is None:
            self._autosize = "first"
        studio, reg, dest = self.studio, self.registry, self.destination
        self._local_shown.set()  # a load still waiting for its local rows to show waits no more
        local_shown = self._local_shown = threading.Event()

        def op(progress: Callable[[int, int], None]) -> TabData:
            if cached is not None:
                return compute_rows(studio, cached, dest)
            local = studio.list_registry(reg, progress, external=False, reload=force)
            data = compute_rows(studio, local, dest)
            if not has_pending_external(local):
                return data
            rows = {r.key: r for r in data.rows}
            state: dict[str, Any] = {"data": data, "done": 0, "total": 0}
            job.publish(PartialData(data, 0, 0))
            # issue 18: the local rows go into the table before the external plugins start to
            # resolve; both at once made the tab's longest event-loop gap (its first fill waited
            # for the interpreter lock while the resolving threads parsed their first answers)
            local_shown.wait(self.LOCAL_FIRST_WAIT_S)

            def changed(listing: Listing) -> None:  # worker thread (resolve_external's caller)
                if gen != self._generation:
                    raise CancelledError()  # superseded or cancelled: stop resolving (issue 15)
                new = compute_rows(studio, listing, dest, data.customized, rows)
                rows.update((r.key, r) for r in new.rows)
                state["data"] = new
                job.publish(PartialData(new, state["done"], state["total"]))

            def resolved(done: int, total: int) -> None:
                if gen != self._generation:
                    raise CancelledError()
                state["done"], state["total"] = done, total
                job.publish(PartialData(state["data"], done, total))

            final = studio.resolve_external(local, resolved, changed, force=force, max_workers=workers)
            return compute_rows(studio, final, dest, data.customized, rows)

        workers = self.EXTERNAL_WORKERS

        job: BackgroundOp[TabData] = BackgroundOp(self, op, lambda data: self._loaded(gen, data))
        job.failure(lambda err: self._failed(gen, err)) \
            .with_progress(lambda d, t: self._progress(gen, d, t)) \
            .with_partial(lambda part: self._partial(gen, part)) \
            .run_in_background(io_pool())  # issue 18: every tab loads at once, not two per CPU pair

    def _hide_external_progress(self) -> None:
        self.external_bar.setVisible(False)
        if hasattr(self, "external_stop"):
            self.external_stop.setVisible(False)

    def _enter(self) -> bool:
        """Enter on the table: import the selected rows (issue 15); without a selection, Enter
        goes on to the dialog."""
        if not self.selected_rows():
            return False
        self.activated.emit()
        return True

    def cancel_load(self) -> bool:
        """Abandon the load in progress (the dialog also cancels the requests, see
        ``BrowseDialog.cancel_loads``): the tab says so and offers Retry (which gets the focus when
        *Cancel* had it). Returns False when the tab was not loading."""
        if not self.is_loading():
            return False
        had_focus = self.busy_view.cancel_button.hasFocus()
        self._generation += 1  # the abandoned op's answer, if any, is dropped
        self._show_cancelled()
        if had_focus:
            self.error_view.retry_button.setFocus(Qt.FocusReason.OtherFocusReason)
        return True

    def _show_cancelled(self) -> None:
        self._resolving = False
        self._hide_external_progress()
        self.error = "Loading was cancelled."
        self.offline_banner.setVisible(False)
        self.error_view.show_error(f"Loading {self.registry.name} was cancelled",
                                   "Nothing was changed. Retry loads the registry again.")
        self.stack.setCurrentIndex(self.ERROR)
        self.status_changed.emit()

    def stop_resolving(self) -> bool:
        """Stop resolving external plugins: the rows listed so far stay; *Reload* tries again.
        Returns False when nothing was being resolved."""
        if not self._resolving:
            return False
        self._generation += 1
        self._resolving = False
        self._hide_external_progress()
        self.cancel_requested.emit()
        self.update_summary()
        self.summary.setText(self.summary.text() + " · external plugins not resolved (stopped; Reload tries again)")
        self.status_changed.emit()
        return True

    def _progress(self, gen: int, done: int, total: int) -> None:
        if gen == self._generation and not self._resolving:
            self.busy_view.set_progress(done, total, "files")

    def _partial(self, gen: int, part: PartialData) -> None:
        if gen != self._generation:
            return
        if self._resolving:  # issue 18: arrivals are shown once per event-loop turn, at most every 100 ms
            self._next_part = (gen, part)
            if not self._part_timer.isActive():
                self._part_timer.start(max(0, self.PART_INTERVAL_MS - self._part_clock.elapsed()))
            return
        self._show_partial(gen, part)

    EXTERNAL_WORKERS = 5
    """External plugins a browse tab resolves at once (the CLI: ``core.external.DEFAULT_WORKERS``,
    8). Issue 18: each resolution is a few requests plus parsing, and the resolving threads keep
    the GUI thread waiting for the interpreter lock. Loading the official directory (205 external
    plugins, 50 ms latency, 2 cores), two sets of five interleaved runs: the largest event-loop
    gap had a median of 64 and 62 ms with 8, 48 and 57 ms with 5, for 3.0–3.5 s instead of
    2.3–2.6 s until the last plugin is in (the rows arrive all along)."""

    PART_INTERVAL_MS = 100
    """Shortest time between two updates of the table while external plugins arrive (issue 18)."""

    def _flush_partial(self) -> None:
        pending, self._next_part = self._next_part, None
        if pending is not None and pending[0] == self._generation and self._resolving:
            self._show_partial(*pending)

    def _show_partial(self, gen: int, part: PartialData) -> None:
        self._part_clock.restart()
        first = not self._resolving
        self._resolving = True
        # Issue 18: QProgressBar.setValue repaints at once (and with it the whole window's dirty
        # region, the table included) before the rows are in; a deferred update is enough.
        self.external_bar.setUpdatesEnabled(False)
        if part.total:
            self.external_bar.setRange(0, part.total)
            self.external_bar.setValue(part.done)
        else:
            self.external_bar.setRange(0, 0)
        self.external_bar.setUpdatesEnabled(True)
        self.external_bar.setVisible(True)
        self.external_stop.setVisible(True)
        self.external_bar.setToolTip(f"External plugins resolved: {part.done} of {part.total}" if part.total
                                     else "Resolving external plugins…")
        self._external_progress = (part.done, part.total)
        self.show_data(part.data if first else self._merged(part.data))
        if first:
            self.stack.setCurrentIndex(self.CONTENT)
            self._show_offline()
        self.status_changed.emit()

    def _loaded(self, gen: int, data: TabData) -> None:
        if gen != self._generation:
            return
        self._next_part = None  # the final data has every row a pending arrival had
        if self._resolving:
            data = self._merged(data)
        self._resolving = False
        self._hide_external_progress()
        if data.listing.offline:
            self.cache.drop(self.registry)  # reopening the dialog asks GitHub again
        else:
            self.cache.put(self.registry, data.listing)
        self.show_data(data)
        if not self._fill_queue:  # a fill still under way counts when its table is painted (_paint_filled)
            self.catalogue.recount_soon()  # the final counts, without waiting for the recount interval
        self.stack.setCurrentIndex(self.CONTENT)
        self._review_next = data.listing  # issue 18: once every row is in (FILL_CHUNK), not during the fill
        self._start_reviews()
        self._show_offline()
        self.status_changed.emit()
        if self._states_dirty:  # states were refreshed while external plugins arrived: once more, on all
            self._states_dirty = False
            self.refresh_states(self.status_changed.emit)

    def _merged(self, data: TabData, fresh: TabData | None = None) -> TabData:
        """``data``'s listing with the rows already shown kept as they are (their states may have
        been refreshed since the worker computed them), or taken from ``fresh`` when given."""
        rows = {r.key: r for r in self.model.rows()}
        if fresh is not None:
            rows.update((r.key, r) for r in fresh.rows)
        return TabData(data.listing, [rows.get(r.key, r) for r in data.rows],
                       fresh.customized if fresh is not None else data.customized)

    def retry_plugins(self, indexes: list[int]) -> None:
        """Per-plugin *Retry* of remembered "not found" external plugins (issue 18): ask GitHub
        again in the background (``SkillStudio.retry_external``); the skills of those that now
        resolve are added to the table (the rows shown stay as they are), the others show their
        fresh check. A reload meanwhile wins: its answer is the newer one."""
        if self.data is None:
            return
        listing, gen, studio, dest = self.data.listing, self._generation, self.studio, self.destination
        customized, shown = dict(self.customized), {r.key: r for r in self.model.rows()}
        not_found = self.details.not_found

        def retried(data: TabData) -> None:
            if gen == self._generation and self.data is not None and self.data.listing is listing:
                self.cache.put(self.registry, data.listing)
                self.show_data(self._merged(data))
            not_found.retry_finished(indexes)

        BackgroundOp(self, lambda _progress: compute_rows(studio, studio.retry_external(listing, indexes), dest,
                                                          customized, shown), retried) \
            .failure(lambda err: not_found.retry_finished(indexes, describe_error(err))) \
            .run_in_background(io_pool())

    def _failed(self, gen: int, err: BaseException) -> None:
        if gen != self._generation:
            return
        if isinstance(err, CancelledError):  # cancelled from elsewhere (another dialog, the window)
            self._show_cancelled()
            return
        self._resolving = False
        self._hide_external_progress()
        self.error = describe_error(err)
        self.offline_banner.setVisible(False)
        self.error_view.show_error(f"Could not load {self.registry.name}", self.error)
        self.stack.setCurrentIndex(self.ERROR)
        self.status_changed.emit()

    def show_data(self, data: TabData) -> None:
        """Put a computed listing into the table. When it only adds rows to what is shown (external
        plugins arriving), they are appended: selection, current row and scroll stay as they are;
        otherwise the rows are replaced and the selection is restored by qualified name."""
        self.catalogue.set_listing(data.listing)
        old = self.model.rows()
        new_keys = {r.key: r for r in data.rows}
        if len(old) <= len(data.rows) and all(new_keys.get(r.key) == r for r in old):
            shown = {r.key for r in old}
            # Issue 18: a big first fill (or arrival) goes in FILL_CHUNK rows per event-loop turn
            # (307 rows at once kept the GUI thread 25-40 ms in the model, proxy and view); rows
            # still queued are replaced by this newer data's.
            self._fill_queue = [r for r in data.rows if r.key not in shown]
            self._fill_next()
        else:
            self._fill_queue = []
            self._paint_table(True)
            selected = {r.skill.qualified_name for r in self.selected_rows()}
            self.model.set_rows(data.rows)
            self._rows_in()
            if selected:
                self.select(sorted(selected))
            else:
                self.details.show_skill(None)
        self.data = data
        self.customized = dict(data.customized)
        self.details.show_listing(data.listing, resolving=self._resolving)
        if self._autosize == "first" or (self._autosize == "final" and not self._resolving):
            self._size_columns()
            self._autosize = "final" if self._resolving else ""  # external names may be longer
        if self._marked is not None:
            self._apply_marks()
        self.update_summary()

    def _rows_in(self) -> None:
        """Every row of the data shown is in the table: a load waiting to resolve external plugins
        may go on, on the next event-loop turn (after the paint this turn posted)."""
        if not self._local_shown.is_set():  # (later arrivals have nobody waiting)
            QTimer.singleShot(0, self._local_shown.set)

    LOCAL_FIRST_WAIT_S = 0.5
    """At most this long (seconds) a load waits for its local rows to be in the table before it
    resolves external plugins (issue 18)."""

    FILL_CHUNK = 48
    """Rows inserted into the table per event-loop turn while a listing fills it (issue 18: no
    event-loop gap over 50 ms while a tab loads)."""

    def _fill_next(self) -> None:
        """Insert the next FILL_CHUNK queued rows; the rest on a later event-loop turn.

        The table is painted with the first chunk and then once, when the last is in and the
        column fitter has sized the columns for every row (issue 18: with the application's style
        sheet a repaint of the table costs 12–17 ms; every chunk's turn painted it again, and the
        last chunk's turn twice, before and after the columns were sized)."""
        if not self._fill_queue:
            self._release_table_paint()
            self._rows_in()
            return
        empty = self.model.rowCount() == 0
        chunk, self._fill_queue = self._fill_queue[:self.FILL_CHUNK], self._fill_queue[self.FILL_CHUNK:]
        self.model.append_rows(chunk)
        if self._fill_queue:
            if empty and not self._fill_painting_held:
                self.table.viewport().repaint()  # the first rows show at once; the rest with the last chunk
            self._paint_table(False)
        else:
            self._release_table_paint()
            self._rows_in()
        if self._fill_queue:
            if not self._fill_scheduled:
                self._fill_scheduled = True
                QTimer.singleShot(0, self, self._fill_turn)
        elif self.data is not None:  # the last chunk of a deferred fill: what show_data did on fewer rows
            self._start_reviews()
            if self._marked is not None:
                self._apply_marks()
            self.update_summary()
            self.status_changed.emit()

    PAINT_HOLD_MAX_MS = 400
    """Longest wait for the column fitter before a filled table is painted anyway."""

    def _paint_table(self, on: bool) -> None:
        """Let the table's viewport paint (``on``), or hold its paints while a fill goes on."""
        if self._fill_painting_held == (not on):
            return
        self._fill_painting_held = not on
        self.table.viewport().setUpdatesEnabled(on)  # re-enabled: one update of the whole viewport
        if on:
            self._paint_deadline.stop()

    def _release_table_paint(self) -> None:
        """The fill is done: paint the table once the column fitter has sized the columns for
        every row (at most PAINT_HOLD_MAX_MS later), then count the facets in a later turn."""
        if not self._fill_painting_held:
            return
        fitter = getattr(self.table, "column_fitter", None)
        if fitter is None or fitter.is_settled() or not self.table.isVisible():  # (hidden: sized when shown)
            self._paint_filled()
        elif not self._paint_deadline.isActive():
            self._paint_deadline.start(self.PAINT_HOLD_MAX_MS)

    def _paint_filled(self) -> None:
        if self._fill_painting_held and not self._fill_queue:
            self._paint_table(True)
            self.catalogue.recount_soon()  # the final counts, in a turn of their own

    def _start_reviews(self) -> None:
        """Start the background security reviews of the loaded listing once the table holds every
        row (their downloads compete with the filling for the interpreter lock)."""
        if self._review_next is not None and not self._fill_queue:
            listing, self._review_next = self._review_next, None
            self.reviews.start(listing)

    def _fill_turn(self) -> None:
        self._fill_scheduled = False
        self._fill_next()

    def refresh_states(self, done: Callable[[], None] | None = None) -> None:
        """Recompute install states for the current listing (after an import or update), in the
        background. A listing that grew meanwhile (external plugins) is recomputed once more."""
        if self.data is None:
            return
        listing, studio, dest = self.data.listing, self.studio, self.destination

        if self._resolving:
            self._states_dirty = True  # rows still arriving were computed before: redo when resolved

        def applied(data: TabData) -> None:
            if self.data is not None and self.data.listing is not listing:
                # The listing grew meanwhile (external plugins): take the fresh states of the rows
                # computed here, keep the rows that arrived since; when it has stopped growing, redo.
                self.show_data(self._merged(self.data, data))
                if not self._resolving:
                    self.refresh_states(done)
                    return
            else:
                self.show_data(data)
            if done is not None:
                done()

        BackgroundOp(self, lambda progress: compute_rows(studio, listing, dest), applied) \
            .failure(lambda err: self.summary.setText(describe_error(err))) \
            .run_in_background()

    def mark_installed(self, local_names: set[str]) -> None:
        """Select the rows of these installed skills (the update notification's *Review*, R-UPD-3);
        when the listing is not shown yet, they are selected as soon as it is."""
        self._marked = set(local_names)
        if self.data is not None:
            self._apply_marks()

    def _apply_marks(self) -> None:
        names = self._marked or set()
        wanted = [r.skill.qualified_name for r in self.model.rows()
                  if r.installed is not None and r.installed.local_name in names]
        found = {r.installed.local_name for r in self.model.rows() if r.installed is not None} & names
        if wanted:
            self.select(wanted)
        if found == names and not self._resolving:
            self._marked = None

    def _size_columns(self) -> None:
        fitter = getattr(self.table, "column_fitter", None)
        if fitter is not None:  # issue 18: it measures each row once; measuring here too cost 12–37 ms
            fitter.schedule()
            return
        header = self.table.horizontalHeader()
        fm = self.table.fontMetrics()
        names = [r.skill.qualified_name for r in self.model.rows()]
        name_w = max([fm.horizontalAdvance(n) for n in names] + [120]) + 24
        header.resizeSection(CatalogTableModel.NAME, min(name_w, 300))
        ver = [r.skill.version or "—" for r in self.model.rows()]
        header.resizeSection(CatalogTableModel.VERSION,
                             min(max([fm.horizontalAdvance(v) for v in ver] + [fm.horizontalAdvance("Version")]) + 24, 110))
        self.table.resizeColumnToContents(CatalogTableModel.STATE)
        header.resizeSection(CatalogTableModel.STATE, max(header.sectionSize(CatalogTableModel.STATE), 118))

    # -- filter, selection -----------------------------------------------------------------------

    def set_filter_text(self, text: str) -> None:
        """Filter the table on name and description."""
        self.proxy.set_filter_text(text)
        self.update_summary()

    def update_summary(self) -> None:
        """The line under the table: counts, commit."""
        if self.data is None:
            self.summary.setText("")
            return
        listing = self.data.listing
        total, shown = self.model.rowCount(), self.proxy.shown_count()
        count = f"{total} skill{'s' if total != 1 else ''}" if shown == total else f"Showing {shown} of {total} skills"
        text = f"{count} · commit {listing.commit[:12]} of {listing.source.slug}"
        if self._resolving:
            done, total_ext = self._external_progress
            text = (f"{count} so far · resolving external plugins" +
                    (f": {done} of {total_ext}" if total_ext else "") + f"… · commit {listing.commit[:12]}")
        elif listing.unavailable_plugins:
            n = len(listing.unavailable_plugins)
            text += f" · {n} plugin{'s' if n != 1 else ''} unavailable (see below)"
        self.summary.setText(text)

    def selected_rows(self) -> list[CatalogRow]:
        """Rows selected in the table (or the grouped view), in view order."""
        if self.catalogue.panel.grouped():
            return self.catalogue.groups.selected_rows()
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.proxy.index(r, 0).data(ROW_ROLE) for r in rows]

    def select(self, qualified_names: list[str]) -> int:
        """Select the visible rows with these qualified names; returns how many were selected."""
        sel = QItemSelection()
        first: QModelIndex | None = None
        for name in qualified_names:
            src = self.model.find(name)
            if src < 0:
                continue
            idx = self.proxy.mapFromSource(self.model.index(src, 0))
            if not idx.isValid():
                continue
            sel.select(idx, idx.siblingAtColumn(self.model.columnCount() - 1))
            first = first or idx
        sm = self.table.selectionModel()
        sm.clearSelection()
        if first is not None:
            sm.select(sel, sm.SelectionFlag.Select | sm.SelectionFlag.Rows)
            sm.setCurrentIndex(first, sm.SelectionFlag.NoUpdate)
            self.table.scrollTo(first)
            self.details.show_skill(first.data(ROW_ROLE))
        return len(self.selected_rows())

    def _selection(self, *_: object) -> None:
        self.selection_changed.emit()

    def _current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.details.show_skill(current.data(ROW_ROLE) if current.isValid() else None)
        self._reviews_changed()

    def current_row(self) -> CatalogRow | None:
        """The current row of the table, or of the grouped view when grouping is on (issue 19)."""
        if self.catalogue.panel.grouped():
            return self.catalogue.groups.row_of(self.catalogue.groups.currentItem())
        current = self.table.currentIndex()
        return current.data(ROW_ROLE) if current.isValid() else None

    def _review_current(self) -> None:
        row = self.current_row()
        self.reviews.review_one(row.skill if row is not None else None)

    def _reviews_changed(self) -> None:
        if self.model.set_risks(self.reviews.risks()) and getattr(self.table, "column_fitter", None) is None:
            self.table.resizeColumnToContents(CatalogTableModel.STATE)  # room for the risk badge
        self.reviews.show_in(self.details.review, self.current_row())

    def conflict_for(self, name: str, planned: set[str]) -> Conflict | None:
        """Collision of a local name in the destination (R-IMP-2); a quick database query."""
        if name in planned:
            return Conflict(None, planned=True)
        inst = self.studio.installed_skill(self.destination, name)
        if inst is None:
            return None
        known = self.customized.get(name)
        customized = known if known is not None else self.studio.is_customized(inst)  # installed meanwhile
        return Conflict(inst, customized=customized)


# -- the dialog -----------------------------------------------------------------------------------------

def _has_update(row: CatalogRow | None) -> bool:
    """Row filter of *Updates only*."""
    return row is not None and row.has_update


class BrowseDialog(QDialog):
    """Browse the enabled registries and import skills into one destination (R-UI-1..3).

    Args:
        studio: the core facade.
        destination: where imports go: the page the dialog was opened from.
        settings: remembers the dialog geometry (optional).
        parent: the main window.

    Signals:
        imported(Destination, list[InstalledSkill], list[str]): an import batch finished, with the
            installed skills and one message per failed skill.
        states_known(Destination, dict[str, InstallState]): install states of installed skills
            learned from a listing (local name → state), for the dashboard badges; a customized
            skill with a newer catalog version is announced as ``UPDATE_AVAILABLE``.
        update_requested(Destination, list[str], Listing): the user asked to update these installed
            skills (local names) from this listing; the main window's update center confirms
            (customized skills) and applies them (R-UPD-4).
    """

    imported = Signal(object, object, object)
    states_known = Signal(object, object)
    update_requested = Signal(object, object, object)

    def __init__(self, studio: SkillStudio, destination: Destination, settings: QSettings | None = None,
                 parent: QWidget | None = None, cache: ListingCache | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("browseDialog")
        self.studio = studio
        self.destination = destination
        self.settings = settings
        self.cache = cache if cache is not None else ListingCache()
        self.tabs_by_id: dict[int, RegistryTab] = {}
        self.editor: MetadataEditor | None = None
        self._queue: list[CatalogRow] = []
        self._plans: list[tuple[CatalogSkill, ImportOptions]] = []
        self._batch_tab: RegistryTab | None = None
        self._batch_total = 0
        self._checking = False
        self._importing = False
        self._close_requested = False
        self.setWindowTitle(f"Import from marketplace — {destination.label}")
        self.setSizeGripEnabled(True)

        target = QLabel(f"Importing into <b>{destination.label}</b>")
        target.setObjectName("destinationLabel")
        self.search = QLineEdit()
        self.search.setObjectName("searchBox")
        self.search.setPlaceholderText("Filter by name or description")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(320)
        self.search.textChanged.connect(self._filter)
        keyboard.name(self.search, "Search skills")
        self.search.setToolTip(keyboard.CONTRACT_TIPS["browse_search"])
        keyboard.on_keys(self.search, {Qt.Key.Key_Down: self.focus_table})
        self.reload_button = button("Reload", self.reload_current,
                                    tip="Fetch the current registry from GitHub again (Ctrl+R)")
        self._add_shortcuts()
        self.updates_only = QCheckBox("Updates only")
        self.updates_only.setObjectName("updatesOnly")
        self.updates_only.setToolTip(f"Show only skills installed in {destination.label} that have an update")
        self.updates_only.toggled.connect(self._filter_updates)
        top = QHBoxLayout()
        top.addWidget(target)
        top.addStretch(1)
        top.addWidget(self.updates_only)
        top.addSpacing(6)
        top.addWidget(self.search)
        top.addWidget(self.reload_button)

        self.tabs = SteadyTabWidget()  # titles with hit counts change on every keystroke (issue 18)
        self.tabs.setObjectName("registryTabs")
        self.tabs.currentChanged.connect(self._update_buttons)
        self.tabs.currentChanged.connect(lambda _i: self._fix_tab_order())
        self.tabs.currentChanged.connect(lambda _i: self._defer_hidden_filters())
        self.empty = QLabel("No registry is enabled. Add or enable one in Settings → Marketplace.")
        self.empty.setObjectName("emptyState")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.body = QStackedWidget()
        self.body.addWidget(self.tabs)
        self.body.addWidget(self.empty)

        self.status = QLabel("")
        self.status.setObjectName("dialogStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status.setVisible(False)
        self.hint = QLabel("")
        self.hint.setObjectName("hint")
        self.progress = QProgressBar()
        self.progress.setFixedWidth(220)
        self.progress.setVisible(False)
        self.import_button = button("Import…", self.import_selected, primary=True,
                                    tip=f"Import the selected skills into {destination.label} (Enter on the table)")
        self.close_button = button("Close", self.close, tip="Close (Escape); a load in progress is cancelled")
        for b in (self.reload_button, self.import_button, self.close_button):
            b.setAutoDefault(False)  # Enter belongs to the table and the search field (issue 15)
        self.update_button = button("Update…", self.update_selected,
                                    tip=f"Update the selected installed skills in {destination.label} to the "
                                        "catalog's version (skills with local edits ask first and keep a backup)")
        self.update_button.setObjectName("updateButton")
        bottom = QHBoxLayout()
        bottom.addWidget(self.hint, 1)
        bottom.addWidget(self.progress)
        self.cancel_import_button = button("Cancel import", self.cancel_import,
                                           tip="Stop downloading; skills not installed yet are not imported")
        self.cancel_import_button.setObjectName("cancelImport")
        self.cancel_import_button.setAutoDefault(False)
        self.cancel_import_button.setVisible(False)
        self._import_cancelled = False
        bottom.addWidget(self.cancel_import_button)
        bottom.addWidget(self.close_button)
        bottom.addWidget(self.update_button)
        bottom.addWidget(self.import_button)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(14, 12, 14, 12)
        lay.addLayout(top)
        lay.addWidget(self.body, 1)
        self.import_list = ImportProgressList()  # per-skill import progress (issue 18)
        lay.addWidget(self.import_list)
        lay.addWidget(self.status)
        lay.addLayout(bottom)

        self.progress.setAccessibleName("Import progress")
        self.update_button.setAutoDefault(False)

        resize_within_screen(self, 1200, 760)
        if settings is not None and settings.value("browse/geometry") is not None:
            self.restoreGeometry(settings.value("browse/geometry"))
        self.sync_registries()
        self._update_buttons()
        self.search.setFocus(Qt.FocusReason.OtherFocusReason)  # focus starts in search (issue 15)

    # -- tabs ------------------------------------------------------------------------------------


    def _add_shortcuts(self) -> None:
        """The dialog's keys (issue 15): Ctrl+F search, Ctrl+R reload, Ctrl+Tab / Ctrl+Shift+Tab
        next / previous registry tab."""
        for keys, slot in ((["Ctrl+F"], self.focus_search),
                           (["Ctrl+R", "F5"], self.reload_current),
                           (["Ctrl+Tab", "Ctrl+PgDown"], lambda: self.step_tab(1)),
                           (["Ctrl+Shift+Tab", "Ctrl+Shift+Backtab", "Ctrl+PgUp"], lambda: self.step_tab(-1))):
            action = QAction(self)
            action.setShortcuts([QKeySequence(k) for k in keys])
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(slot)
            self.addAction(action)

    def focus_search(self) -> None:
        """Ctrl+F: focus the search field with its text selected."""
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def focus_table(self) -> bool:
        """Down in the search field: focus the current tab's table with the skill the search names
        selected, else its first visible row (issue 15). False when the tab shows no rows."""
        tab = self.current_tab()
        return tab is not None and tab.is_loaded() and keyboard.focus_first_row(tab.table, self.search.text())

    def step_tab(self, step: int) -> None:
        """Show the next (``step`` 1) or previous (-1) registry tab, wrapping around; the focus
        follows into the new tab's table when it was in a table."""
        n = self.tabs.count()
        if n < 2:
            return
        in_table = isinstance(self.focusWidget(), QTableView)
        self.tabs.setCurrentIndex((self.tabs.currentIndex() + step) % n)
        tab = self.current_tab()
        if in_table and tab is not None and tab.is_loaded():
            keyboard.focus_first_row(tab.table)

    def _fix_tab_order(self) -> None:
        """Tab order a user expects: search, *Updates only*, Reload, the registry tabs, the
        current tab's table (and its *Cancel* / *Retry*), then Import…, Update…, Close (issue 15)."""
        order: list[QWidget | None] = [self.search, self.updates_only, self.reload_button, self.tabs]
        tab = self.current_tab()
        if tab is not None:
            order += [tab.busy_view.cancel_button, tab.error_view.retry_button, tab.offline_retry, tab.table,
                      tab.external_stop]
        order += [self.import_button, self.update_button, self.close_button]
        keyboard.chain(order)

    def cancel_loads(self, abandon: bool = False) -> int:
        """Cancel every load of this dialog (a tab's *Cancel* or *Stop*, closing the dialog): the
        loading tabs say so and offer Retry, and the studio abandons its GitHub requests at once
        (issue 15) — when a tab was loading, or always with ``abandon``. Returns how many tabs were
        loading or resolving."""
        n = 0
        for tab in self.tabs_list():
            n += tab.cancel_load() or tab.stop_resolving()
        if n or abandon:
            self.studio.cancel_requests()
        return n
    def tabs_list(self) -> list[RegistryTab]:
        """The registry tabs in display order."""
        return [self.tabs.widget(i) for i in range(self.tabs.count())]  # type: ignore[misc]

    def current_tab(self) -> RegistryTab | None:
        """The tab shown, or None when there is none."""
        w = self.tabs.currentWidget()
        return w if isinstance(w, RegistryTab) else None

    def tab_for(self, name: str) -> RegistryTab | None:
        """The tab of a registry by display name."""
        return next((t for t in self.tabs_list() if t.registry.name == name), None)

    def sync_registries(self) -> None:
        """Match the tabs to the enabled registries (R-REG-3): a disabled or removed registry's tab
        goes away at once, a newly enabled one appears and loads."""
        enabled = self.studio.registries(enabled_only=True)
        wanted = {r.id: r for r in enabled}
        for rid in [rid for rid in self.tabs_by_id if rid not in wanted]:
            gone = self.tabs_by_id.pop(rid)
            self.tabs.removeTab(self.tabs.indexOf(gone))
            gone.deleteLater()
        created: list[RegistryTab] = []
        for pos, reg in enumerate(enabled):
            tab = self.tabs_by_id.get(reg.id)
            if tab is None:
                tab = RegistryTab(self.studio, reg, self.destination, self.cache)
                tab.status_changed.connect(lambda t=tab: self._tab_status(t))
                tab.selection_changed.connect(self._update_buttons)
                tab.activated.connect(self.import_selected)
                tab.cancel_requested.connect(lambda: self.cancel_loads(abandon=True))
                tab.import_plugin.connect(lambda group, t=tab: self.import_plugin(t, group))
                self.tabs_by_id[reg.id] = tab
                self.tabs.insertTab(pos, tab, reg.name)
                tab.set_filter_text(self.search.text())
                tab.catalogue.set_base_filter(_has_update if self.updates_only.isChecked() else None)
                created.append(tab)
            else:
                tab.registry = reg
                self._tab_status(tab)
        # Issue 18: the tabs load once all are built. A load started while the next tabs were
        # built made them compete for the interpreter lock: building 16 tabs took 2.6 s instead
        # of 0.8 s, each of Qt's calls waiting for the threads that download.
        for tab in created:
            tab.load()
        self.body.setCurrentWidget(self.tabs if enabled else self.empty)
        self._fix_tab_order()
        self._defer_hidden_filters()
        self._update_buttons()

    def _defer_hidden_filters(self) -> None:
        """Only the shown tab's table follows the search at once; the others are counted and
        filtered when shown (``RowFilterModel.set_deferred``, issue 18)."""
        current = self.tabs.currentWidget()
        for i in range(self.tabs.count()):
            page = self.tabs.widget(i)
            proxy = getattr(page, "proxy", None)
            if isinstance(proxy, RowFilterModel):
                proxy.set_deferred(page is not current)

    def _tab_status(self, tab: RegistryTab) -> None:
        i = self.tabs.indexOf(tab)
        if i < 0:
            return
        name = tab.registry.name
        if tab.is_resolving():
            offline = " (offline)" if tab.is_offline() else ""
            self.tabs.setTabText(i, f"{name} ({tab.model.rowCount()}…){offline}")
            self.tabs.setTabIcon(i, self.style().standardIcon(QStyle.StandardPixmap.SP_BrowserReload))
            self.tabs.setTabToolTip(i, tab.offline_message() or f"{tab.registry.source.url}: resolving external plugins")
        elif tab.is_loading():
            self.tabs.setTabText(i, f"{name} …")
            self.tabs.setTabIcon(i, self.style().standardIcon(QStyle.StandardPixmap.SP_BrowserReload))
            self.tabs.setTabToolTip(i, f"Loading {tab.registry.source.url}")
        elif tab.error is not None:
            self.tabs.setTabText(i, name)
            self.tabs.setTabIcon(i, self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning))
            self.tabs.setTabToolTip(i, tab.error)
        elif tab.is_offline():
            self.tabs.setTabText(i, f"{name} ({tab.model.rowCount()}) (offline)")
            self.tabs.setTabIcon(i, self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning))
            self.tabs.setTabToolTip(i, tab.offline_message())
            if tab.data is not None:
                self._announce_states(tab.data)
        else:
            n = tab.model.rowCount()
            self.tabs.setTabText(i, f"{name} ({n})")
            self.tabs.setTabIcon(i, self.style().standardIcon(QStyle.StandardPixmap.SP_DirIcon))
            self.tabs.setTabToolTip(i, tab.registry.source.url)
            if tab.data is not None:
                self._announce_states(tab.data)
        self._update_buttons()

    def _announce_states(self, data: TabData) -> None:
        states = {r.installed.local_name: InstallState.UPDATE_AVAILABLE if r.has_update else r.state
                  for r in data.rows if r.installed is not None}
        if states:
            self.states_known.emit(self.destination, states)

    def reload_current(self) -> None:
        """Fetch the current tab's registry again (drops the session cache for it)."""
        tab = self.current_tab()
        if tab is not None and not tab.is_loading() and not self.busy():
            tab.load(force=True)

    def _filter(self, text: str) -> None:
        for tab in self.tabs_list():
            tab.set_filter_text(text)

    def _filter_updates(self, on: bool) -> None:
        for tab in self.tabs_list():
            tab.catalogue.set_base_filter(_has_update if on else None)
            tab.update_summary()

    def mark_updates(self, marks: dict[str, set[str]]) -> None:
        """Show the updates of these installed skills: ``{registry source URL: {local names}}``
        (R-UPD-3: the update notification opens the dialog with the updates marked). Turns on
        *Updates only*, selects the skills in each registry's tab (as soon as it has loaded) and
        shows the first such tab."""
        self.updates_only.setChecked(True)
        first: RegistryTab | None = None
        for tab in self.tabs_list():
            names = marks.get(tab.registry.source.url)
            if names:
                tab.mark_installed(set(names))
                first = first or tab
        if first is not None:
            self.tabs.setCurrentWidget(first)
        self._update_buttons()

    def refresh_states(self) -> None:
        """Recompute the install states of every loaded tab (after updates or a rollback)."""
        for tab in self.tabs_list():
            if tab.data is not None:
                tab.refresh_states(functools.partial(self._tab_status, tab))

    def update_selected(self) -> None:
        """Ask for the selected rows that have an update to be updated (``update_requested``)."""
        tab = self.current_tab()
        if tab is None or tab.data is None or self.busy():
            return
        names = [r.installed.local_name for r in tab.selected_rows() if r.has_update and r.installed is not None]
        if names:
            self.update_requested.emit(self.destination, names, tab.data.listing)

    def _update_buttons(self, *_: object) -> None:
        tab = self.current_tab()
        rows = tab.selected_rows() if tab is not None and tab.is_loaded() else []
        n, n_up = len(rows), sum(1 for r in rows if r.has_update)
        busy = self.busy()
        self.import_button.setEnabled(n > 0 and not busy)
        self.update_button.setEnabled(n_up > 0 and not busy)
        self.update_button.setText(f"Update {n_up} skills…" if n_up > 1 else "Update…")
        # Selecting only updates makes *Update* the main action (e.g. after the update notification's Review).
        updating = n_up > 0 and n_up == n
        for b, primary in ((self.update_button, updating), (self.import_button, not updating)):
            name = "primary" if primary else ("updateButton" if b is self.update_button else "importButton")
            if b.objectName() != name:
                b.setObjectName(name)
                b.style().unpolish(b)
                b.style().polish(b)
        self.reload_button.setEnabled(tab is not None and not tab.is_loading() and not busy)
        self.import_button.setText(f"Import {n} skills…" if n > 1 else "Import…")
        if n:
            self.hint.setText(f"{n} selected" + (f" · {n_up} with an update" if n_up else ""))
        elif tab is not None and tab.is_loaded():
            self.hint.setText("Select skills to import (Ctrl/Shift-click selects several).")
        else:
            self.hint.setText("")

    def set_status(self, text: str, kind: str = "info") -> None:
        """Show a message above the buttons (import results, cancellation); "" hides it."""
        self.status.setText(text)
        self.status.setProperty("kind", kind)
        self.status.setVisible(bool(text))
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)

    # -- import ------------------------------------------------------------------------------------

    def import_selected(self) -> None:
        """Start importing the selected skills of the current tab: one metadata editor per skill."""
        source = self._import_source() if not self.busy() else None
        if source is None:
            return
        tab, rows = source
        if not rows:
            return
        self._batch_tab = tab
        self._queue = list(rows)
        self._batch_total = len(rows)
        self._plans = []
        self._checking = True  # until the editors open: blocks a second click
        self._update_buttons()
        studio, dest = self.studio, self.destination

        listing, skills = tab.data.listing if tab.data is not None else None, [r.skill for r in rows]

        def check(progress: Callable[[int, int], None]) -> tuple[dict[str, bool], list[tuple[str, Any]]]:
            customized = {s.local_name: studio.is_customized(s) for s in studio.installed(dest)}
            return customized, reviews_for_import(studio, listing, skills)

        def checked(result: tuple[dict[str, bool], list[tuple[str, Any]]]) -> None:
            tab.customized = result[0]
            if self._close_requested:  # closed while checking: import nothing
                self._queue.clear()
                return
            confirm_high_risk(self, result[1], self._next_editor, self._queue.clear)

        def failed(err: BaseException) -> None:
            self._queue.clear()
            self.set_status(f"Could not check the installed skills: {describe_error(err)}", "error")

        # Local edits may have happened since the listing loaded (R-UPD-4): re-check them first.
        BackgroundOp(self, check, checked).failure(failed).finally_(self._checked).run_in_background()

    def _import_source(self) -> tuple[RegistryTab, list[CatalogRow]] | None:
        """The tab and rows *Import…* takes: the current tab's selection (None when no loaded tab
        is shown); ``all_registries.SearchingBrowseDialog`` picks the registry's tab (issue 15)."""
        tab = self.current_tab()
        if tab is None or not tab.is_loaded():
            return None
        return tab, tab.selected_rows()

    def import_plugin(self, tab: RegistryTab, group: Any) -> None:
        """"Import all skills of this plugin" (issue 19): one confirmation, then the skills whose
        proposed name is free import as proposed; a name collision (or a missing description) opens
        that skill's metadata editor, as in a batch import (R-IMP-2). Installed skills are left out."""
        if tab is None or not tab.is_loaded() or self.busy():
            return
        plans, to_edit, installed = split_plugin_import(list(group.items), tab.conflict_for)
        if not plans and not to_edit:
            self.set_status(f"Every skill of {group.title} is installed in {self.destination.label} already.")
            return
        answer = QMessageBox.question(
            self, "Import plugin",
            plugin_import_question(group.title, self.destination.label, len(plans), len(to_edit), len(installed)),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Yes)
        if answer != QMessageBox.StandardButton.Yes:
            self.set_status("Import cancelled.")
            return
        self._batch_tab = tab
        self._plans = list(plans)
        self._queue = list(to_edit)
        self._batch_total = len(to_edit)
        self._next_editor()

    def _checked(self) -> None:
        self._checking = False
        self._update_buttons()
        self._finish_close_if_requested()

    def busy(self) -> bool:
        """True from *Import…* until the batch is done (checking, editing, importing)."""
        return self._checking or self._importing or self.editor is not None

    def _planned_names(self) -> set[str]:
        return {opts.local_name for _, opts in self._plans if opts.local_name}

    def _next_editor(self) -> None:
        tab = self._batch_tab
        if tab is None:
            return
        if not self._queue:
            self.editor = None
            if self._plans:
                self._run_imports(tab, list(self._plans))
            else:
                self.set_status("Nothing imported.")
            self._update_buttons()
            return
        row = self._queue.pop(0)
        position = (self._batch_total - len(self._queue), self._batch_total)
        planned = self._planned_names()
        editor = MetadataEditor(row.skill, tab.data.listing.name if tab.data else tab.registry.name,
                                self.destination, lambda name: tab.conflict_for(name, planned), position, self)
        editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        editor.finished.connect(lambda result, e=editor: self._editor_done(e, result))
        self.editor = editor
        self._update_buttons()
        editor.open()
        editor.activateWindow()  # the keyboard goes to the editor (Enter imports, Escape cancels)

    def _editor_done(self, editor: MetadataEditor, result: int) -> None:
        if editor is not self.editor:
            return
        if int(result) == QDialog.DialogCode.Accepted.value:
            self._plans.append((editor.skill, editor.options()))
        elif result != MetadataEditor.SKIPPED:
            self._queue.clear()
            self._plans.clear()
            self.editor = None
            self.set_status("Import cancelled.")
            self._update_buttons()
            return
        self._next_editor()

    def _run_imports(self, tab: RegistryTab, plans: list[tuple[CatalogSkill, ImportOptions]]) -> None:
        assert tab.data is not None
        self._importing = True
        listing, dest, studio = tab.data.listing, self.destination, self.studio
        self.progress.setRange(0, 100 * len(plans))
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self._import_cancelled = False
        self.cancel_import_button.setVisible(True)
        self.cancel_import_button.setEnabled(True)
        what = plans[0][1].local_name if len(plans) == 1 else f"{len(plans)} skills"
        self.set_status(f"Importing {what} into {dest.label}…")
        self._update_buttons()
        self.import_list.start(plans)
        job: BackgroundOp[list[ImportResult]] = BackgroundOp(
            self, lambda progress: import_all(studio, listing, dest, plans, progress, lambda: self._import_cancelled,
                                              on_skill=events),
            lambda results: self._imported(tab, results))
        events = SkillEvents(job.publish)  # per-skill stages, parallel downloads (issue 18)
        job.with_progress(lambda d, t: self.progress.setValue(d)) \
            .with_partial(self.import_list.show_events) \
            .failure(self._import_failed) \
            .run_in_background(io_pool())

    def cancel_import(self) -> bool:
        """*Cancel import* (issue 15): abandon the downloads in flight; skills already installed
        stay, the others are not imported (installs are staged, so nothing is half-written).
        Returns False when no import runs."""
        if not self._importing:
            return False
        self._import_cancelled = True
        self.cancel_import_button.setEnabled(False)
        self.set_status("Cancelling the import…")
        self.studio.cancel_requests()
        return True

    def _end_import(self) -> None:
        self._importing = False
        self.progress.setVisible(False)
        if self.cancel_import_button.hasFocus():
            self.import_button.setFocus()
        self.cancel_import_button.setVisible(False)

    def _imported(self, tab: RegistryTab, results: list[ImportResult]) -> None:
        self._end_import()
        ok = [r.installed for r in results if r.installed is not None]
        cancelled = self._import_cancelled
        self.import_list.finish(results, cancelled)
        errors = [f"{r.skill.qualified_name}: {r.error}" for r in results
                  if r.error and not (cancelled and r.error == CancelledError().args[0])]
        parts = ["Import cancelled."] if cancelled else []
        if ok:
            names = ", ".join(s.local_name for s in ok)
            parts.append(f"Imported {names} into {self.destination.label}.")
        if errors:
            parts.append(f"{len(errors)} failed: " + " ".join(errors))
        self.set_status(" ".join(parts), "error" if errors else "ok")
        self.imported.emit(self.destination, ok, errors)
        if tab is not None and tab.data is not None:
            tab.refresh_states(lambda: self._tab_status(tab))
        self._update_buttons()
        self._finish_close_if_requested()

    def _import_failed(self, err: BaseException) -> None:
        self._end_import()
        self.import_list.setVisible(False)
        if isinstance(err, CancelledError):
            self.set_status("Import cancelled.")
            self._update_buttons()
            self._finish_close_if_requested()
            return
        self.set_status(f"Import failed: {describe_error(err)}", "error")
        self.imported.emit(self.destination, [], [describe_error(err)])
        self._update_buttons()
        self._finish_close_if_requested()

    # -- lifetime -----------------------------------------------------------------------------------

    def _remember(self) -> None:
        if self.settings is not None:
            self.settings.setValue("browse/geometry", self.saveGeometry())

    def _defer_close(self) -> bool:
        """Closing while a batch is being checked or imported hides the dialog and lets the batch
        finish (the dashboard still updates); the dialog closes for real afterwards."""
        if not (self._checking or self._importing):
            return False
        self._close_requested = True
        self.hide()
        return True

    def _finish_close_if_requested(self) -> None:
        if self._close_requested and not (self._checking or self._importing):
            self._close_requested = False
            self.close()

    def showEvent(self, event) -> None:
        self._close_requested = False  # reopened before a deferred close happened
        super().showEvent(event)

    def done(self, result: int) -> None:  # Escape ends here
        self._remember()
        if self._defer_close():
            return
        self.cancel_loads()  # nothing waits for GitHub after the dialog is gone (issue 15)
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._remember()
        if self._defer_close():
            event.ignore()
            return
        self.cancel_loads()
        super().closeEvent(event)
