"""Search across registries (issue 15, Deliver 4): hit counts in the tab titles, an *All registries*
tab, and an empty tab that says where the hits are.

- While a search text, a facet or *Updates only* filters, each registry tab's title shows its hits
  ("claude-code-plugins (4 of 181)"); without a filter, its total ("(181)").
- :class:`AllRegistriesTab` lists the skills of every enabled registry that has loaded, with a
  *Registry* column; the same facet panel as a registry tab (issue 19, ``ui/facets.TabCatalogue``
  with ``registry_of``) filters it, together with the search text. Its rows are the registry tabs'
  own rows, so install states and updates stay in step; importing from it goes through the
  registry's tab (one registry per import batch).
- A tab whose filter leaves nothing says so in place of an empty table: "No match here — 3 in
  claude-code-plugins, 2 in All registries".

:class:`SearchingBrowseDialog` is the browse dialog with all of this; the main window opens it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from PySide6.QtCore import QEvent, QItemSelection, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from skill_studio.ui import keyboard
from skill_studio.ui.browse_dialog import BrowseDialog, DetailsPane, RegistryTab, _has_update
from skill_studio.ui.facets import FacetPanel, FiltersToggle, TabCatalogue
from skill_studio.ui.models import ROW_ROLE, SORT_ROLE, CatalogRow, CatalogTableModel, RowFilterModel
from skill_studio.ui.widgets import BadgeStripDelegate, LazyTipDelegate, follow_column_width, setup_table

ALL_TITLE = "All registries"

__all__ = ["ALL_TITLE", "AllRegistriesModel", "AllRegistriesTab", "NoMatchOverlay", "SearchingBrowseDialog",
           "no_match_text", "tab_title"]


def tab_title(name: str, total: int, shown: int, filtering: bool) -> str:
    """A tab's title: ``"name (181)"``, or ``"name (4 of 181)"`` while a filter is on (issue 15)."""
    return f"{name} ({shown} of {total})" if filtering else f"{name} ({total})"


def no_match_text(elsewhere: Sequence[tuple[str, int]], searched: str = "") -> str:
    """What an emptied tab says (issue 15): where the hits are, or that there are none.

    Args:
        elsewhere: ``(tab name, hits)`` of the other tabs, in tab order (tabs without hits are
            left out of the sentence).
        searched: the search text ("" when only facets or *Updates only* filter).

    Returns:
        ``"No match here — 3 in claude-code-plugins, 2 in All registries"``, or
        ``"No skill matches “x” in any registry."`` when no other tab has a hit.
    """
    hits = [f"{n} in {name}" for name, n in elsewhere if n > 0]
    if hits:
        return "No match here — " + ", ".join(hits)
    if searched.strip():
        return f"No skill matches “{searched.strip()}” in any registry."
    return "No skill passes these filters in any registry."


class AllRegistriesModel(CatalogTableModel):
    """The skills of every loaded registry (the registry tabs' rows) with a *Registry* column."""

    NAME, REGISTRY, VERSION, STATE, WARNINGS, DESCRIPTION = range(6)
    HEADERS = ("Skill", "Registry", "Version", "Status", "", "Description")  # type: ignore[assignment]
    HEADER_TIPS: ClassVar[dict[int, str]] = {
        WARNINGS: "Warnings: the skill deviates from the Agent Skills rules (see details)",
        REGISTRY: "The registry (marketplace) the skill is listed in"}

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._registry: dict[int, tuple[str, RegistryTab]] = {}

    def set_sources(self, parts: Sequence[tuple[RegistryTab, list[CatalogRow]]]) -> None:
        """Show these rows, each tab's rows in turn (a model reset)."""
        self._registry = {id(r): (tab.registry.name, tab) for tab, rows in parts for r in rows}
        self.set_rows([r for _tab, rows in parts for r in rows])

    def follow_sources(self, old: Sequence[tuple[RegistryTab, list[CatalogRow]]],
                       new: Sequence[tuple[RegistryTab, list[CatalogRow]]]) -> None:
        """Go from showing ``old`` (what :meth:`set_sources` or this method was given last) to
        showing ``new`` with the narrowest change: rows that arrived in a tab are inserted, rows a
        tab replaced at their place are replaced; anything else (a tab gone, rows removed or
        reordered) is a reset. Issue 18: each reset copies every row into the filter's paint
        mirror, and a loading tab changes every few hundred milliseconds."""
        before = {id(tab): rows for tab, rows in old}
        now = {id(tab) for tab, _rows in new}
        if any(key not in now for key in before):
            self.set_sources(new)
            return
        arrived: list[CatalogRow] = []
        replaced: list[tuple[CatalogRow, CatalogRow, RegistryTab]] = []
        for tab, rows in new:
            had = before.get(id(tab), [])
            if len(rows) < len(had):
                self.set_sources(new)
                return
            replaced += [(a, b, tab) for a, b in zip(had, rows) if a is not b]
            for r in rows[len(had):]:
                self._registry[id(r)] = (tab.registry.name, tab)
            arrived += rows[len(had):]
        if len(replaced) > 32 or len(arrived) > len(self.rows_in_order()) // 2:
            # many changes at once (an update check, the first rows, a big tab): one reset is cheaper
            # for the paint mirror, the column fitter and the facets than hundreds of insertions
            self.set_sources(new)
            return
        for a, b, tab in replaced:  # (a replaced row may move: its place is looked up each time)
            at = next((i for i, r in enumerate(self.rows_in_order()) if r is a), None)
            if at is None:  # pragma: no cover - ``old`` was not what this model showed
                self.set_sources(new)
                return
            self._registry.pop(id(a), None)
            self._registry[id(b)] = (tab.registry.name, tab)
            self.replace_row(at, b)
        self.append_rows(arrived)

    def registry_of(self, row: Any) -> str:
        """The registry name of a row ("" for an unknown row)."""
        found = self._registry.get(id(row))
        return found[0] if found else ""

    def tab_of(self, row: Any) -> RegistryTab | None:
        """The registry tab a row comes from."""
        found = self._registry.get(id(row))
        return found[1] if found else None

    def row_data(self, row: CatalogRow, col: int, role: int) -> Any:
        if col == self.REGISTRY:
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                return self.registry_of(row)
            if role == SORT_ROLE:
                return self.registry_of(row).casefold()
        return super().row_data(row, col, role)


class NoMatchOverlay(QLabel):
    """The sentence shown over an emptied table (``no_match_text``), below its header."""

    def __init__(self, over: QWidget) -> None:
        super().__init__(over)
        self.setObjectName("noMatch")
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setVisible(False)
        over.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Resize:
            self._place()
        return False

    def _place(self) -> None:
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect().adjusted(12, 40, -12, 0))

    def show_text(self, text: str) -> None:
        """Show ``text`` ("" hides the overlay). Nothing is done when it already shows ``text``
        (every keystroke of the search asks every tab's overlay, issue 18)."""
        if text == self.text() and self.isHidden() != bool(text):
            return
        self.setText(text)
        self.setAccessibleName(text)
        self._place()
        self.setVisible(bool(text))
        if text:
            self.raise_()


class AllRegistriesTab(QWidget):
    """The *All registries* tab (issue 15, Deliver 4): every loaded registry's skills in one table
    with a *Registry* column, the facet panel (issue 19) and the details pane.

    Signals:
        selection_changed(): the selected rows changed.
        activated(): a row was double-clicked (the dialog imports the selection).
    """

    selection_changed = Signal()
    activated = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("allRegistriesTab")
        self.model = AllRegistriesModel(self)
        self.details = DetailsPane()
        self.proxy = RowFilterModel(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setObjectName("allRegistriesTable")
        self.table.setAccessibleName("Skills of all registries")
        self.table.setModel(self.proxy)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        setup_table(self.table, AllRegistriesModel.DESCRIPTION)
        follow_column_width(self.table, AllRegistriesModel.DESCRIPTION, self.model.set_description_width)
        fitter = getattr(self.table, "column_fitter", None)
        if fitter is not None:
            fitter.floors[AllRegistriesModel.REGISTRY] = 120
            fitter.caps.update({AllRegistriesModel.NAME: 180, AllRegistriesModel.REGISTRY: 124})  # description ≥ 180 px at 1024×640
        self.table.setItemDelegate(LazyTipDelegate(self.table))  # tooltips made when shown (issue 18)
        self.table.setItemDelegateForColumn(AllRegistriesModel.STATE, BadgeStripDelegate(self.table, self.proxy, AllRegistriesModel.STATE))
        self.table.sortByColumn(AllRegistriesModel.NAME, Qt.SortOrder.AscendingOrder)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self.selection_changed.emit())
        self.table.selectionModel().currentRowChanged.connect(
            lambda cur, _prev: self.details.show_skill(cur.data(ROW_ROLE) if cur.isValid() else None))
        self.table.doubleClicked.connect(lambda _i: self.activated.emit())
        keyboard.on_enter(self.table, self._enter)  # the keyboard contract of a registry tab (issue 15)
        keyboard.select_on_focus(self.table)
        keyboard.tab_leaves(self.table)
        self.table.setToolTip(keyboard.CONTRACT_TIPS.get("browse_table", ""))
        self.catalogue = TabCatalogue(self.table, self.model, self.proxy, registry_of=self.model.registry_of,
                                      parent=self)
        self.catalogue.groups.itemSelectionChanged.connect(self.selection_changed.emit)
        self.summary = QLabel("")
        self.summary.setObjectName("hint")
        self.summary.setWordWrap(True)
        self.overlay = NoMatchOverlay(self.catalogue.views)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.setSpacing(4)
        ll.addWidget(self.catalogue.views, 1)
        row = QHBoxLayout()
        row.addWidget(self.summary, 1)
        ll.addLayout(row)
        self.catalogue.groups.current_row_changed.connect(self.details.show_skill)
        self.details.pages.setTabVisible(1, False)  # the security review lives in the registry's tab
        self.details.excluded.setVisible(False)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.catalogue.panel)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.details)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(1, 4)
        self.splitter.setStretchFactor(2, 1)
        self.splitter.setSizes([180, 640, 340])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 8, 8, 4)
        lay.addWidget(self.splitter)
        self._parts: list[tuple[RegistryTab, list[CatalogRow]]] = []
        self.loading: list[str] = []

    def _enter(self) -> bool:
        """Enter on the table imports the selected rows; without a selection it goes on."""
        if not self.selected_rows():
            return False
        self.activated.emit()
        return True

    def sync(self, tabs: Sequence[RegistryTab]) -> None:
        """Take the rows of every loaded tab (the selection is kept by registry and name); the
        names of tabs still loading are kept in ``loading`` for the summary."""
        parts = [(t, t.model.rows()) for t in tabs if t.is_loaded()]
        self.loading = [t.registry.name for t in tabs if t.is_loading() or t.is_resolving()]
        same = len(parts) == len(self._parts) and all(
            a[0] is b[0] and len(a[1]) == len(b[1]) and all(x is y for x, y in zip(a[1], b[1], strict=True))
            for a, b in zip(parts, self._parts, strict=True))
        if not same:
            keep = {(self.model.registry_of(r), r.skill.qualified_name) for r in self.selected_rows()}
            old, self._parts = self._parts, parts
            self.model.follow_sources(old, parts)
            if keep and not self.selected_rows():
                self._reselect(keep)
        self.update_summary()

    def _reselect(self, keep: set[tuple[str, str]]) -> None:
        sel = QItemSelection()
        for i in range(self.proxy.rowCount()):
            idx = self.proxy.index(i, 0)
            row = idx.data(ROW_ROLE)
            if (self.model.registry_of(row), row.skill.qualified_name) in keep:
                sel.select(idx, idx.siblingAtColumn(self.model.columnCount() - 1))
        sm = self.table.selectionModel()
        sm.select(sel, sm.SelectionFlag.ClearAndSelect | sm.SelectionFlag.Rows)

    def set_filter_text(self, text: str) -> None:
        """Filter on name and description (as the registry tabs do)."""
        self.proxy.set_filter_text(text)
        self.update_summary()

    def update_summary(self) -> None:
        """The line under the table: counts and registries still loading."""
        total, shown = self.model.rowCount(), self.proxy.shown_count()
        n = len(self._parts)
        text = (f"{total} skills from {n} registr{'y' if n == 1 else 'ies'}" if shown == total
                else f"Showing {shown} of {total} skills from {n} registr{'y' if n == 1 else 'ies'}")
        if self.loading:
            text += " · still loading: " + ", ".join(self.loading)
        self.summary.setText(text)

    def selected_rows(self) -> list[CatalogRow]:
        """The selected rows (table or grouped view), in view order."""
        if self.catalogue.panel.grouped():
            return list(self.catalogue.groups.selected_rows())
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.proxy.index(r, 0).data(ROW_ROLE) for r in rows]

    def selected_by_registry(self) -> dict[RegistryTab, list[CatalogRow]]:
        """The selected rows grouped by the registry tab they come from (tab order kept)."""
        out: dict[RegistryTab, list[CatalogRow]] = {}
        for row in self.selected_rows():
            tab = self.model.tab_of(row)
            if tab is not None:
                out.setdefault(tab, []).append(row)
        return out


class SplitShares(QObject):
    """Keeps a browse tab's splitter (facets | table | details) at a share of its width: whenever
    the splitter is resized, the facet panel (when shown) keeps its width and the table and the
    details pane split the rest as ``shares``. A drag of the handles holds until the next resize.

    Args:
        splitter: the tab's splitter (three widgets).
        shares: ``(table, details)`` weights, e.g. ``(7, 3)``.
    """

    def __init__(self, splitter: QSplitter, shares: tuple[int, int]) -> None:
        super().__init__(splitter)
        self.setObjectName("splitShares")
        self.splitter, self.shares = splitter, shares
        splitter.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if obj is self.splitter and event.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            self.apply()
        return False

    def apply(self) -> None:
        """Share the width now."""
        splitter = self.splitter
        panel = splitter.widget(0)
        facets = min(max(panel.sizeHint().width(), 190), 230) if panel is not None and not panel.isHidden() else 0
        handles = splitter.handleWidth() * (2 if facets else 1)
        rest = max(0, splitter.width() - facets - handles)
        details = rest * self.shares[1] // sum(self.shares)
        splitter.setSizes([facets, rest - details, details])


class SearchingBrowseDialog(BrowseDialog):
    """The browse dialog with search across registries (issue 15, Deliver 4): hit counts in the tab
    titles while filtering, an *All registries* tab (last), and emptied tabs that say where the
    hits are. Same arguments as :class:`~skill_studio.ui.browse_dialog.BrowseDialog`.

    Attributes:
        all_tab: the *All registries* tab.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.all_tab: AllRegistriesTab | None = None
        self._watched: set[int] = set()
        self._overlays: dict[int, NoMatchOverlay] = {}
        self._widths: dict[str, int] = {}  # title/name → pixels in the tab bar's font (retitle, per keystroke)
        self._retitle_timer: QTimer | None = None
        self._sync_pending = False
        self.filters: FiltersToggle | None = None
        super().__init__(*args, **kwargs)
        self._retitle_timer = QTimer(self)
        self._retitle_timer.setSingleShot(True)
        self._retitle_timer.setInterval(0)
        self._retitle_timer.timeout.connect(self.retitle)
        # Many registries in a small window: titles shorten in the middle (the hit counts stay) rather
        # than scrolling tabs out of sight (issue 15); the full name is in each tab's tooltip. Only
        # when names shortened to 40 px do not fit either (16 registries at 1024 px) do scroll
        # buttons appear. Qt does not shorten titles itself: it would cut the hit counts, and the
        # sum of its shortest titles held the dialog 1,645 px wide (issue 18).
        self.tabs.setElideMode(Qt.TextElideMode.ElideNone)  # retitle() shortens the names
        self.tabs.tabBar().setUsesScrollButtons(True)
        self.tabs.tabBar().installEventFilter(self)
        all_tab = AllRegistriesTab()
        all_tab.selection_changed.connect(self._update_buttons)
        all_tab.activated.connect(self.import_selected)
        for signal in (all_tab.proxy.rowsInserted, all_tab.proxy.rowsRemoved, all_tab.proxy.modelReset,
                       all_tab.proxy.counted):
            signal.connect(self._schedule_retitle)
        all_tab.set_filter_text(self.search.text())
        self.all_tab = all_tab
        self.tabs.addTab(all_tab, self.style().standardIcon(QStyle.StandardPixmap.SP_FileDialogDetailedView),
                         ALL_TITLE)
        self.tabs.setTabToolTip(self.tabs.indexOf(all_tab), "Every enabled registry's skills in one table")
        self._defer_hidden_filters()
        # Issue 15/19 at 1024×640: the facet panels fold away behind a *Filters* button.
        self.filters = FiltersToggle(self, self.settings, self._current_panel)
        outer = self.layout()
        first = outer.itemAt(0) if outer is not None else None
        top = first.layout() if first is not None else None
        if isinstance(top, QHBoxLayout):
            top.insertWidget(max(0, top.indexOf(self.updates_only)), self.filters)
        for tab in self.tabs_list():
            self._fold(tab.catalogue.panel, tab.splitter)
        self._fold(all_tab.catalogue.panel, all_tab.splitter, shares=(3, 1))
        self.tabs.currentChanged.connect(self.filters.refresh)
        self._sync_all()

    def _current_panel(self) -> FacetPanel | None:
        widget = self.tabs.currentWidget()
        catalogue = getattr(widget, "catalogue", None)
        return catalogue.panel if isinstance(catalogue, TabCatalogue) else None

    def _fold(self, panel: FacetPanel, splitter: QSplitter, shares: tuple[int, int] = (7, 3)) -> None:
        """The panel follows *Filters*; the table and the details pane share the rest as
        ``shares`` (the *All registries* tab, with its extra *Registry* column and no review,
        gives the details less) so that the table keeps its names and a readable description at
        1024×640 (issue 15)."""
        if self.filters is not None:
            self.filters.add_panel(panel, splitter)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, shares[0])
        splitter.setStretchFactor(2, shares[1])
        if not any(isinstance(c, SplitShares) for c in splitter.children()):
            SplitShares(splitter, shares)

    # -- tabs ----------------------------------------------------------------------------------

    def tabs_list(self) -> list[RegistryTab]:
        """The registry tabs in display order (without *All registries*)."""
        return [w for w in super().tabs_list() if isinstance(w, RegistryTab)]

    def sync_registries(self) -> None:
        """As the base dialog; new tabs are watched for hit counts, *All registries* follows."""
        super().sync_registries()
        for tab in self.tabs_list():
            if id(tab) in self._watched:
                continue
            self._watched.add(id(tab))
            for signal in (tab.proxy.rowsInserted, tab.proxy.rowsRemoved, tab.proxy.modelReset,
                           tab.proxy.counted):
                signal.connect(self._schedule_retitle)
            tab.model.dataChanged.connect(self._schedule_sync)
            tab.model.rowsInserted.connect(self._schedule_sync)
            tab.model.modelReset.connect(self._schedule_sync)
            self._overlays[id(tab)] = NoMatchOverlay(tab.catalogue.views)
            tab.summary.setWordWrap(True)  # a long summary wraps instead of holding the dialog wide
            self._fold(tab.catalogue.panel, tab.splitter)
        if self.all_tab is not None:
            self._sync_all()

    def _tab_status(self, tab: RegistryTab) -> None:
        super()._tab_status(tab)
        self._schedule_sync()

    def _schedule_sync(self, *_: object) -> None:
        if self._retitle_timer is not None:
            self._sync_pending = True
            self._retitle_timer.start()

    def _schedule_retitle(self, *_: object) -> None:
        if self._retitle_timer is not None:
            self._retitle_timer.start()

    def _sync_all(self) -> None:
        if self.all_tab is not None:
            self.all_tab.sync(self.tabs_list())
        self.retitle()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if obj is self.tabs.tabBar() and event.type() == QEvent.Type.Resize:
            self._schedule_retitle()
        elif obj is self.tabs.tabBar() and event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._widths.clear()
        return super().eventFilter(obj, event)

    def _width(self, text: str) -> int:
        """``text``'s width in the tab bar's font (remembered: retitle measures every title on
        every keystroke of the search)."""
        width = self._widths.get(text)
        if width is None:
            if len(self._widths) > 4096:
                self._widths.clear()
            width = self._widths[text] = self.tabs.tabBar().fontMetrics().horizontalAdvance(text)
        return width

    def _name_budget(self, names: list[str], titles: list[str]) -> int | None:
        """Pixels each registry name may take in its tab title so that every title fits the bar
        (None: no limit). The hit counts are never shortened, only the names (issue 15).

        Args:
            names: the name in each tab's full title, in tab order.
            titles: each tab's full title (its name unshortened), in tab order.
        """
        width = self.tabs.width() or self.width()
        if not names or width <= 0:
            return None
        chrome = self._tab_chrome()
        full = sum(self._width(t) + chrome[i] for i, t in enumerate(titles))
        if full <= width - 8:
            return None
        fixed = sum(self._width(t) - self._width(n) + chrome[i]
                    for i, (t, n) in enumerate(zip(titles, names, strict=False)))
        room = width - 8 - fixed
        # The widest cap that fits: names narrower than it stay whole and leave their room to the
        # others ("All registries" is not cut to make room for a long registry name).
        widths = sorted(self._width(n) for n in names)
        for k, w in enumerate(widths):
            cap = (room - sum(widths[:k])) // (len(widths) - k)
            if cap < w:
                return max(40, cap)
        return None

    def _tab_chrome(self) -> list[int]:
        """Pixels each tab takes besides its title's text (padding, icon, margin, as the style lays
        it out; 54 for a tab not laid out yet). Qt does not shorten titles here, so a budget a few
        pixels short scrolled the tab bar."""
        bar = self.tabs.tabBar()
        out = []
        for i in range(bar.count()):
            w = bar.tabRect(i).width()
            out.append(w - self._width(bar.tabText(i)) if w > 0 else 28 + 16 + 10)
        return out

    def _short(self, name: str, budget: int | None) -> str:
        if budget is None or self._width(name) <= budget:
            return name
        return self.tabs.tabBar().fontMetrics().elidedText(name, Qt.TextElideMode.ElideMiddle, budget)

    def _filter(self, text: str) -> None:
        super()._filter(text)
        if self.all_tab is not None:
            self.all_tab.set_filter_text(text)
        self.retitle()

    def _filter_updates(self, on: bool) -> None:
        super()._filter_updates(on)
        if self.all_tab is not None:
            self.all_tab.catalogue.set_base_filter(_has_update if on else None)
            self.all_tab.update_summary()
        self.retitle()

    def filtering(self, tab: RegistryTab | AllRegistriesTab) -> bool:
        """True when a search text, a facet of ``tab`` or *Updates only* filters it."""
        return bool(self.search.text().split()) or self.updates_only.isChecked() or \
            tab.catalogue.panel.is_filtering()

    def retitle(self) -> None:
        """Tab titles with hits (while filtering) and the emptied tabs' sentences (issue 15).

        Called on every keystroke of the search: the full titles are measured as strings, and a
        tab's text, tooltip or sentence is set only when it changes (issue 18: each ``setTabText``
        lays the whole tab bar out again; with 16 registries, setting every title twice per
        keystroke cost the GUI thread about 4 ms, and the relayouts and repaints it queued more)."""
        if self._retitle_timer is not None:
            self._retitle_timer.stop()  # a retitle this turn asked for is this one
        if getattr(self, "_sync_pending", False) and self.all_tab is not None:
            self._sync_pending = False
            self.all_tab.sync(self.tabs_list())
        counts: list[tuple[str, int]] = []
        titled: dict[int, tuple[str, int, int, bool, str]] = {}  # tab index → name, total, hits, filtering, suffix
        for tab in self.tabs_list():
            i = self.tabs.indexOf(tab)
            if i < 0 or not tab.is_loaded():
                counts.append((tab.registry.name, 0))
                continue
            total, shown = tab.model.rowCount(), tab.proxy.shown_count()
            counts.append((tab.registry.name, shown))
            if not tab.is_resolving() and tab.error is None:
                titled[i] = (tab.registry.name, total, shown, self.filtering(tab),
                             " (offline)" if tab.is_offline() else "")
        all_tab = self.all_tab
        all_count: list[tuple[str, int]] = []
        if all_tab is not None:
            total, shown = all_tab.model.rowCount(), all_tab.proxy.shown_count()
            all_count = [(ALL_TITLE, shown)]
            i = self.tabs.indexOf(all_tab)
            if i >= 0:
                titled[i] = (ALL_TITLE, total, shown, self.filtering(all_tab), "")
        names, titles = [], []
        for i in range(self.tabs.count()):
            widget = self.tabs.widget(i)
            names.append(widget.registry.name if isinstance(widget, RegistryTab) else ALL_TITLE)
            if i in titled:
                name, total, shown, filtering, suffix = titled[i]
                titles.append(tab_title(name, total, shown, filtering) + suffix)
            else:  # loading, resolving or failed: its title as the base dialog set it
                titles.append(self.tabs.tabText(i))
        budget = self._name_budget(names, titles)
        for i, (name, total, shown, filtering, suffix) in titled.items():
            text = tab_title(self._short(name, budget), total, shown, filtering) + suffix
            if self.tabs.tabText(i) != text:
                self.tabs.setTabText(i, text)
            widget = self.tabs.widget(i)
            if isinstance(widget, RegistryTab) and not suffix:  # the whole name, should the title be shortened
                tip = f"{name}: {widget.registry.source.url}"
                if self.tabs.tabToolTip(i) != tip:
                    self.tabs.setTabToolTip(i, tip)
        searched = self.search.text()
        for tab, (name, shown) in zip(self.tabs_list(), counts, strict=True):
            overlay = self._overlays.get(id(tab))
            if overlay is None:
                continue
            empty = tab.is_loaded() and tab.model.rowCount() > 0 and shown == 0
            others = [c for c in counts if c[0] != name] + all_count
            overlay.show_text(no_match_text(others, searched) if empty else "")
        if all_tab is not None:
            empty = all_tab.model.rowCount() > 0 and all_tab.proxy.shown_count() == 0
            all_tab.overlay.show_text(no_match_text([], searched) if empty else "")

    def no_match_message(self, tab: RegistryTab | AllRegistriesTab) -> str:
        """The sentence an emptied tab shows ("" when it shows rows)."""
        overlay = tab.overlay if isinstance(tab, AllRegistriesTab) else self._overlays.get(id(tab))
        return overlay.text() if overlay is not None and not overlay.isHidden() else ""

    def focus_table(self) -> bool:
        """Down in the search field: into the current tab's table, *All registries* included."""
        if self.all_tab is not None and self.tabs.currentWidget() is self.all_tab:
            return keyboard.focus_first_row(self.all_tab.table, self.search.text())
        return super().focus_table()

    def _fix_tab_order(self) -> None:
        super()._fix_tab_order()
        if self.all_tab is not None and self.tabs.currentWidget() is self.all_tab:
            keyboard.chain([self.search, self.updates_only, self.reload_button, self.tabs, self.all_tab.table,
                            self.import_button, self.update_button, self.close_button])

    # -- import from All registries ---------------------------------------------------------------

    def _import_source(self) -> tuple[RegistryTab, list[CatalogRow]] | None:
        if self.all_tab is None or self.tabs.currentWidget() is not self.all_tab:
            return super()._import_source()
        groups = self.all_tab.selected_by_registry()
        if len(groups) > 1:
            names = ", ".join(t.registry.name for t in groups)
            self.set_status(f"Select skills of one registry at a time to import them (the selection spans {names}).",
                            "error")
            return None
        if not groups:
            return None
        tab, rows = next(iter(groups.items()))
        return (tab, rows) if tab.is_loaded() else None

    def _update_buttons(self, *_: object) -> None:
        super()._update_buttons()
        all_tab: AllRegistriesTab | None = self.__dict__.get("all_tab")
        if all_tab is None or self.tabs.currentWidget() is not all_tab:
            return
        rows = all_tab.selected_rows()
        n = len(rows)
        self.import_button.setEnabled(n > 0 and not self.busy())
        self.import_button.setText(f"Import {n} skills…" if n > 1 else "Import…")
        registries = {all_tab.model.registry_of(r) for r in rows}
        if n:
            self.hint.setText(f"{n} selected" + (f" from {len(registries)} registries — import one registry at a time"
                                                  if len(registries) > 1 else ""))
        else:
            self.hint.setText("Select skills to import; the Registry column says where each is listed.")

