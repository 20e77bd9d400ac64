"""Layouts that fit small windows (issue 15, Deliver 3): table columns that share the width sensibly
and button rows that collapse into a *More* menu instead of clipping their labels.

- :class:`ColumnFitter` sizes a table's columns to their contents (capped), keeps badge columns whole
  (a delegate with ``keep_whole = True``), shrinks the other text columns (they elide) and gives what
  is left to the stretching column (the description), so nothing is pushed off-screen at 1024×640.
- :class:`ToolbarOverflow` watches a row of buttons (a ``QHBoxLayout`` other code keeps inserting
  into): when the row is wider than its page, the rightmost buttons (never the first, the main
  action) move into a *More* menu at the end of the row; they come back when there is room.

Both react to resizes and model/row changes, once per burst (a zero-delay timer).
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QEvent, QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMenu,
    QStyle,
    QStyleOptionViewItem,
    QTableView,
    QToolButton,
    QWidget,
)

__all__ = ["ColumnFitter", "ToolbarOverflow"]


class ColumnFitter(QObject):
    """Fit a table's columns into its viewport (issue 15, Deliver 3).

    Args:
        view: the table.
        stretch_column: the column that takes the remaining width and elides (the description).
        min_stretch: pixels the stretching column keeps at least (a third of the view at most) when
            others must shrink.
        caps: ``{column: max pixels}`` for columns whose contents may be long (names, sources).
        floors: ``{column: min pixels}`` a column keeps before the stretching one gives up its room
            (e.g. the name, which says what a row is).

    Columns whose delegate has ``keep_whole = True`` (badges) get their full content width; other
    columns shrink, down to their header's width or 72 px, and elide; fixed-size sections are left
    alone. A user's manual resize holds until the next resize of the view or change of the rows.

    Issue 18: content widths are measured over the rows of the *source* model (under any filter
    proxy), at most :attr:`MEASURE_ROWS` of them, and kept: rows arriving are measured alone (a
    growing listing does not re-measure every row per arrival), filtering and sorting re-measure
    nothing (the columns no longer jump while typing a search), a resize of the view only
    re-divides the width. Removed rows and a reset measure again.
    """

    settled = Signal()
    """Emitted when a timer-driven fit has measured everything and sized the columns."""

    FLOOR = 72
    STEP_SECONDS = 0.004
    """Measuring time per event-loop turn when the fit runs by itself (issue 18)."""
    STEP_PAUSE_MS = 6
    """Pause before the next measuring step (issue 18): with none, a step, the next rows'
    insertion and another step all ran in one event-loop pass."""
    MEASURE_ROWS = 1000
    """Rows measured at most per column (Qt's own ``resizeContentsPrecision`` default)."""

    def __init__(self, view: QTableView, stretch_column: int, *, min_stretch: int = 180,
                 caps: dict[int, int] | None = None, floors: dict[int, int] | None = None) -> None:
        super().__init__(view)
        self.view, self.stretch, self.min_stretch = view, stretch_column, min_stretch
        self.caps = dict(caps or {})
        self.floors = dict(floors or {})
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._fit_step)
        view.viewport().installEventFilter(self)
        self._model: QAbstractItemModel | None = None
        self._source: QAbstractItemModel | None = None
        self._natural: dict[int, int] | None = None
        """Content width per column (delegate size hints, before caps and floors); None: measure."""
        self._pending: set[int] = set()
        """Source rows added or changed since the last fit, measured alone when it runs."""
        self._pending_columns: set[int] | None = None
        """The columns of those rows to measure (a risk badge changes one column of every row)."""
        self._queue: dict[int, list[int]] = {}
        """Source rows still to measure per column (measuring goes on over several turns)."""
        self._hidden_wait = False
        """A fit was asked while the table was hidden: it runs when the table is shown."""
        self._watch_model()

    def _watch_model(self) -> None:
        model = self.view.model()
        if model is None or model is self._model:
            return
        if self._source is not None:
            for signal, slot in self._source_slots(self._source):
                try:
                    signal.disconnect(slot)
                except (RuntimeError, TypeError):  # pragma: no cover - already gone
                    pass
        self._model = model
        source = model
        # a proxy, or a filter model that maps rows itself (models.RowFilterModel): measure its source
        while hasattr(source, "sourceModel") and source.sourceModel() is not None:
            source = source.sourceModel()
        self._source = source
        self._natural = None
        for signal, slot in self._source_slots(source):
            signal.connect(slot)

    def _source_slots(self, source: QAbstractItemModel) -> list[tuple[Any, Any]]:
        return [(source.modelReset, self._remeasure), (source.rowsRemoved, self._remeasure),
                (source.rowsInserted, self._rows_added), (source.dataChanged, self._rows_changed),
                (source.layoutChanged, self._rows_moved)]

    def _rows_moved(self, *_: object) -> None:
        if self._pending or self._queue:  # their numbers changed (sorting keeps the contents, hence the widths)
            self._natural = None
            self._pending.clear()
            self._pending_columns = None
        self.schedule()

    def _remeasure(self, *_: object) -> None:
        self._natural = None
        self._pending.clear()
        self._pending_columns = None
        self.schedule()

    def _rows_added(self, parent: QModelIndex, first: int, last: int) -> None:
        if self._natural is not None and not parent.isValid():
            # rows after the insertion point moved down: re-number the pending ones
            n = last - first + 1
            self._pending = {r + n if r >= first else r for r in self._pending}
            self._queue = {c: [r + n if r >= first else r for r in rows] for c, rows in self._queue.items()}
            self._pending.update(range(first, last + 1))
            self._pending_columns = set(range(source.columnCount())) if (source := self._source) is not None else None
        self.schedule()

    def _rows_changed(self, top_left: QModelIndex, bottom_right: QModelIndex, *_: object) -> None:
        if self._natural is not None and not top_left.parent().isValid():
            self._pending.update(range(top_left.row(), bottom_right.row() + 1))
            columns = set(range(top_left.column(), bottom_right.column() + 1))
            self._pending_columns = columns if self._pending_columns is None else self._pending_columns | columns
        self.schedule()

    def schedule(self, *_: object) -> None:
        """Fit once the current burst of changes is over."""
        self._timer.start(0)

    def _plan(self, columns: list[int]) -> None:
        """Queue what must be measured: every row (up to :attr:`MEASURE_ROWS`) of a column not
        measured yet, else the pending rows of the columns they changed in."""
        source = self._source
        assert source is not None
        n = source.rowCount()
        if self._natural is None:
            self._natural, self._queue = {}, {}
        kept, queue = self._natural, self._queue
        pending = {r for r in self._pending if r < n}
        which = self._pending_columns
        self._pending, self._pending_columns = set(), None
        for c in columns:
            if c not in kept:
                kept[c] = 0
                queue[c] = list(range(min(n, self.MEASURE_ROWS)))
            elif pending and (which is None or c in which):
                queue[c] = sorted(pending.union(queue.get(c, ())))

    def _measure(self, budget: float | None) -> bool:
        """Measure queued cells (delegate size hints, as ``QTableView.sizeHintForColumn`` does) into
        the kept widths, for at most ``budget`` seconds (None: all). True when nothing is left."""
        source, view, kept, queue = self._source, self.view, self._natural, self._queue
        assert source is not None and kept is not None
        option = QStyleOptionViewItem()
        view.initViewItemOption(option)  # what QTableView.sizeHintForColumn measures with
        grid = 1 if view.showGrid() else 0
        n = source.rowCount()
        start = time.perf_counter()
        for c in list(queue):
            rows = queue[c]
            delegate = view.itemDelegateForColumn(c) or view.itemDelegate()
            best = kept.get(c, 0)
            while rows:
                for r in rows[-16:]:
                    if r < n:
                        best = max(best, delegate.sizeHint(option, source.index(r, c)).width() + grid)
                del rows[-16:]
                if budget is not None and time.perf_counter() - start > budget:
                    break
            kept[c] = best
            if rows:
                return False
            del queue[c]
        return True

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            self.schedule()
        return False

    def _keeps_whole(self, column: int) -> bool:
        delegate = self.view.itemDelegateForColumn(column)
        return bool(getattr(delegate, "keep_whole", False))

    def fit(self) -> None:
        """Size the columns now, measuring every changed row first (see the class note)."""
        self._hidden_wait = False
        self._fit(None)

    def _fit_step(self) -> None:
        """The timer's fit: measures for at most :attr:`STEP_SECONDS` and goes on in the next
        event-loop turn; sizes the columns once all is measured (issue 18: 307 rows at once took
        40–65 ms). A table nobody sees (a browse tab behind another) is measured when shown:
        with 16 registries loading, measuring the hidden tabs' tables took 2.6 s of the GUI
        thread."""
        self._hidden_wait = not self.view.isVisible()
        if self._hidden_wait:
            return  # its viewport's Show event schedules the fit again
        if not self._fit(self.STEP_SECONDS):
            self._timer.start(self.STEP_PAUSE_MS)
        elif not self._timer.isActive():
            self.settled.emit()

    def is_settled(self) -> bool:
        """True when no fit is waiting or under way (the columns are sized to what is measured)."""
        return not self._timer.isActive() and not self._queue and not self._pending and not self._hidden_wait

    def _fit(self, budget: float | None) -> bool:
        """Measure (within ``budget`` seconds, None: all) and size; True when all is measured."""
        self._watch_model()
        view, header = self.view, self.view.horizontalHeader()
        model = view.model()
        if model is None or header.count() == 0:
            return True
        avail = view.viewport().width()
        if avail <= 0:
            return True
        natural: dict[int, int] = {}
        floor: dict[int, int] = {}
        used = 0
        columns = [c for c in range(header.count()) if c != self.stretch and not header.isSectionHidden(c)
                   and header.sectionResizeMode(c) != QHeaderView.ResizeMode.Fixed]
        source = self._source
        if source is not None and source.columnCount() == header.count():
            self._plan(columns)
            if not self._measure(budget):
                return False  # sized once everything is measured: each resize repaints the table
            measured = dict(self._natural or {})
        else:  # a proxy that maps columns: ask the view (every row, each time)
            measured = {c: view.sizeHintForColumn(c) for c in columns}
        for c in range(header.count()):
            if c == self.stretch or header.isSectionHidden(c):
                continue
            if header.sectionResizeMode(c) == QHeaderView.ResizeMode.Fixed:
                used += header.sectionSize(c)
                continue
            head = header.sectionSizeFromContents(c).width() + 8
            content = max(measured[c], head)
            if c in self.caps and not self._keeps_whole(c):
                content = min(content, self.caps[c])
            natural[c] = content
            wish = min(self.floors.get(c, 0), avail * 3 // 10)
            floor[c] = content if self._keeps_whole(c) else min(content, max(head, self.FLOOR, wish))
        budget = avail - used - min(self.min_stretch, avail // 3)
        if sum(floor.values()) > budget:  # a narrow view: the description gives up what the floors need
            budget = min(sum(floor.values()), avail - used - 48)
        total = sum(natural.values())
        sizes = dict(natural)
        if total > budget:
            shrinkable = {c: natural[c] - floor[c] for c in natural if natural[c] > floor[c]}
            room = sum(shrinkable.values())
            excess = total - budget
            if room > 0:
                take = min(1.0, excess / room)
                for c, slack in shrinkable.items():
                    sizes[c] = natural[c] - int(slack * take + 0.999)
        over = sum(sizes.values()) - (avail - used - 32)
        if over > 0:  # floors too: still too wide for this view, squeeze the text columns further
            soft = {c: sizes[c] - 40 for c in sizes if not self._keeps_whole(c) and sizes[c] > 40}
            room = sum(soft.values())
            if room > 0:
                take = min(1.0, over / room)
                for c, slack in soft.items():
                    sizes[c] -= int(slack * take + 0.999)
        for c, w in sizes.items():
            if header.sectionSize(c) != w:
                header.resizeSection(c, w)
        return True


class ToolbarOverflow(QObject):
    """Collapse a row of buttons into a *More* menu when it does not fit (issue 15, Deliver 3).

    Args:
        page: the widget whose width the row may use (its layout margins are subtracted).
        row: the buttons' ``QHBoxLayout``; other code may insert widgets into it later (indices
            before the *More* button, which is appended at the end, stay as they were).
        margins: horizontal pixels of ``page`` not available to the row (default: the page layout's
            left and right margins).

    Buttons collapse from the right: first those after the row's stretch (e.g. *Refresh*), then the
    others right to left, never the first widget (the main action); text fields never collapse.
    A collapsed button is squeezed to zero width and taken out of the focus chain rather than
    hidden, so visibility stays its owner's (a button shown only when useful): a button hidden by
    its owner stays out of the row and the menu.

    Attributes:
        more: the *More* tool button (hidden while everything fits).
        collapsed: the buttons currently in the menu, in row order.
    """

    def __init__(self, page: QWidget, row: QHBoxLayout, margins: int | None = None) -> None:
        super().__init__(page)
        self.page, self.row = page, row
        self._margins = margins
        self.more = QToolButton()
        self.more.setObjectName("overflowButton")
        self.more.setText("More ▾")
        self.more.setAccessibleName("More actions")
        self.more.setToolTip("Actions that do not fit the window's width")
        self.more.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu = QMenu(self.more)
        self.menu.aboutToShow.connect(self._fill_menu)
        self.more.setMenu(self.menu)
        self.more.setVisible(False)
        row.addWidget(self.more)
        self.collapsed: list[QAbstractButton] = []
        self._known: set[int] = set()
        self._focus: dict[int, Qt.FocusPolicy] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.fit)
        page.installEventFilter(self)
        self._items()  # the buttons there now stop holding the page wide

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        kind = event.type()
        if obj is self.page:
            if kind in (QEvent.Type.Resize, QEvent.Type.LayoutRequest, QEvent.Type.Show):
                self._timer.start()
        elif kind in (QEvent.Type.ShowToParent, QEvent.Type.HideToParent, QEvent.Type.EnabledChange):
            self._timer.start()
        return False

    def _items(self) -> tuple[list[QWidget], int]:
        """The row's widgets (without *More*) and the index of the first one after the stretch."""
        widgets: list[QWidget] = []
        after = -1
        for i in range(self.row.count()):
            item = self.row.itemAt(i)
            if item is None:
                continue
            w = item.widget()
            if w is None:
                if item.spacerItem() is not None and after < 0:
                    after = len(widgets)
                continue
            if w is self.more:
                continue
            if id(w) not in self._known:
                self._known.add(id(w))
                w.installEventFilter(self)
                if isinstance(w, QAbstractButton):
                    # The row's minimum must not hold the window wide: what does not fit collapses.
                    w.setMinimumWidth(1)
            widgets.append(w)
        return widgets, (after if after >= 0 else len(widgets))

    def _available(self) -> int:
        if self._margins is not None:
            return self.page.width() - self._margins
        lay = self.page.layout()
        m = lay.contentsMargins() if lay is not None else None
        return self.page.width() - ((m.left() + m.right()) if m is not None else 0)

    def _width(self, w: QWidget) -> int:
        if isinstance(w, QLineEdit):
            return max(w.minimumWidth(), 140)
        return max(w.sizeHint().width(), w.minimumSizeHint().width())

    def fit(self) -> None:
        """Show what fits, put the rest into the *More* menu."""
        widgets, after = self._items()
        wanted = [w for w in widgets if not w.isHidden()]
        spacing = self.row.spacing()
        if spacing < 0:  # the style's default
            spacing = self.page.style().pixelMetric(QStyle.PixelMetric.PM_LayoutHorizontalSpacing)
        spacing = max(spacing, 6) + 1  # a pixel of slack: the layout rounds
        avail = self._available()

        def need(shown: list[QWidget], with_more: bool) -> int:
            total = sum(self._width(w) for w in shown) + spacing * max(len(shown) - 1, 0)
            if with_more:
                total += self.more.sizeHint().width() + spacing
            return total

        order = [w for w in reversed(widgets[after:]) if not isinstance(w, QLineEdit)]
        order += [w for w in reversed(widgets[1:after]) if not isinstance(w, QLineEdit)]
        shown = list(wanted)
        collapsed: list[QWidget] = []
        for w in order:
            if need(shown, bool(collapsed)) <= avail:
                break
            if w in shown:
                shown.remove(w)
                collapsed.append(w)
        for w in widgets:
            self._squeeze(w, w in collapsed)
        self.collapsed = [w for w in widgets if w in collapsed and isinstance(w, QAbstractButton)]
        self.more.setVisible(bool(self.collapsed))

    def _squeeze(self, w: QWidget, collapse: bool) -> None:
        if collapse and id(w) not in self._focus:
            self._focus[id(w)] = w.focusPolicy()
            w.setMinimumWidth(0)
            w.setMaximumWidth(0)
            w.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        elif not collapse and id(w) in self._focus:
            w.setFocusPolicy(self._focus.pop(id(w)))
            w.setMinimumWidth(1 if isinstance(w, QAbstractButton) else 0)
            w.setMaximumWidth(16777215)

    def _fill_menu(self) -> None:
        self.menu.clear()
        for b in self.collapsed:
            action = self.menu.addAction(b.text().replace("&", "&&"))
            action.setEnabled(b.isEnabled())
            action.setToolTip(b.toolTip())
            action.triggered.connect(b.click)
        self.menu.setToolTipsVisible(True)


def resize_within_screen(widget: QWidget, width: int, height: int) -> None:
    """Give ``widget`` its first size: ``width`` × ``height`` pixels, or the available area of its
    screen when that is smaller (a 1024×640 screen keeps every button of a window on it; issue 15),
    never below the widget's minimum size."""
    screen = widget.screen()
    if screen is not None:
        area = screen.availableGeometry()
        width, height = min(width, area.width()), min(height, area.height())
    widget.resize(max(width, widget.minimumWidth()), max(height, widget.minimumHeight()))
