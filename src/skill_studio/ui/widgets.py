"""Small reusable widgets: badge delegate, page header, collapsible section, busy and error views,
the local-name field with its collision notice."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    QTimer,
    QUrl,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QDesktopServices,
    QFont,
    QFontMetrics,
    QIcon,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPen,
    QPixmap,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionToolButton,
    QStyleOptionViewItem,
    QStylePainter,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from skill_studio.app import MAX_DESCRIPTION_CHARS, check_local_name
from skill_studio.core.errors import InstallError
from skill_studio.ui.fit import ColumnFitter
from skill_studio.ui.models import BADGES_ROLE, Badge
from skill_studio.ui.theme import badge_colors

Index = QModelIndex | QPersistentModelIndex


def reveal_in_file_manager(path: str) -> bool:
    """Open a folder in the system file manager (``QDesktopServices``). Returns Qt's answer."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(path))


_lock_icon: QIcon | None = None


def lock_icon() -> QIcon:
    """A small padlock (drawn, so it needs no icon theme): marks bundled skills, which cannot be
    removed (R-IMP-4). Sizes 16 and 32 px; created once."""
    global _lock_icon
    if _lock_icon is None:
        icon = QIcon()
        for size in (16, 32):
            pm = QPixmap(size, size)
            pm.fill(Qt.GlobalColor.transparent)
            p = QPainter(pm)
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            u = size / 16.0
            pen = QPen(QColor("#7f8a95"))  # a mid grey, visible on light and dark rows
            pen.setWidthF(1.6 * u)
            p.setPen(pen)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRoundedRect(QRect(int(4.5 * u), int(1.5 * u), int(7 * u), int(9 * u)), 3.5 * u, 3.5 * u)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor("#7f8a95"))
            p.drawRoundedRect(QRect(int(2.5 * u), int(6.5 * u), int(11 * u), int(8 * u)), 1.5 * u, 1.5 * u)
            p.setBrush(QColor("#ffffff"))
            p.drawEllipse(QRect(int(7 * u), int(9 * u), max(2, int(2 * u)), max(2, int(2.5 * u))))
            p.end()
            icon.addPixmap(pm)
        _lock_icon = icon
    return _lock_icon


def show_lazy_tooltip(event: QEvent, view: QAbstractItemView, index: Index) -> bool:
    """Show the tooltip of ``index`` asked of its model's ``tooltip(index)`` (a
    ``models.RowFilterModel``: its paint mirror holds no tooltips, issue 18), for a ToolTip help
    event. Returns True when handled; False when the model has no ``tooltip`` or the event is of
    another kind (Qt's own handling applies)."""
    tooltip = getattr(index.model(), "tooltip", None)
    if tooltip is None or event.type() != QEvent.Type.ToolTip:
        return False
    text = tooltip(index)
    if text:
        QToolTip.showText(event.globalPos(), text, view, view.visualRect(index))  # type: ignore[attr-defined]
    else:
        QToolTip.hideText()
        event.ignore()
    return True


class LazyTipDelegate(QStyledItemDelegate):
    """Qt's delegate (it paints without Python) whose tooltips are made when shown
    (:func:`show_lazy_tooltip`)."""

    def helpEvent(self, event: QEvent, view: QAbstractItemView, option: QStyleOptionViewItem,  # noqa: N802
                  index: Index) -> bool:
        return show_lazy_tooltip(event, view, index) or super().helpEvent(event, view, option, index)  # type: ignore[arg-type]


class BadgeDelegate(LazyTipDelegate):
    """Paints ``BADGES_ROLE`` (a list of :class:`Badge`) as rounded pills, after the cell's text when
    ``show_text`` is True; the size hint fits text and pills, so nothing is clipped when the column
    is sized to its contents."""

    H_PAD, GAP, MARGIN = 7, 4, 4
    keep_whole = True
    """Badges are never elided: ``fit.ColumnFitter`` gives this column its full width (issue 15)."""

    def __init__(self, parent: QWidget | None = None, show_text: bool = False) -> None:
        super().__init__(parent)
        self.show_text = show_text
        self._fonts: dict[str, tuple[QFont, QFontMetrics, str]] = {}
        """Badge font, its metrics and its ``QFont.key()`` per cell font (issue 18: made anew for
        every painted cell; the key, a string built per call, names the font in the pill cache)."""
        self._pills: dict[tuple[object, ...], tuple[QPixmap, int]] = {}
        """Each painted pill and its width in logical pixels, by text, colours, font, height and
        device pixel ratio (issue 18: drawing them anew cost ~4 ms of every repaint of a table)."""

    PILL_CACHE = 256
    """Pills kept before the cache starts over (a table shows a few dozen distinct ones)."""

    def pill(self, badge: Badge, font: tuple[QFont, QFontMetrics, str], h: int, dpr: float) -> tuple[QPixmap, int]:
        """The pill of ``badge`` (text on its tone's background, rounded ends) in ``font`` (from
        :meth:`_badge_font`) at height ``h`` logical pixels for a device of ``dpr`` → (pixmap,
        width in logical pixels)."""
        bg, fg, border = badge_colors(badge.kind)
        qfont, fm, font_key = font
        key = (badge.text, bg.rgba(), fg.rgba(), border.rgba(), font_key, h, dpr)
        found = self._pills.get(key)
        if found is None:
            w = fm.horizontalAdvance(badge.text) + 2 * self.H_PAD
            pm = QPixmap(max(1, round(w * dpr)), max(1, round(h * dpr)))
            pm.setDevicePixelRatio(dpr)
            pm.fill(Qt.GlobalColor.transparent)
            p = QPainter(pm)
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            p.setFont(qfont)
            rect = QRect(0, 0, w, h)
            p.setPen(border)
            p.setBrush(bg)
            p.drawRoundedRect(rect.adjusted(0, 0, -1, -1), h / 2, h / 2)
            p.setPen(fg)
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, badge.text)
            p.end()
            if len(self._pills) >= self.PILL_CACHE:
                self._pills.clear()
            found = self._pills[key] = (pm, w)
        return found

    def _badge_font(self, option: QStyleOptionViewItem) -> tuple[QFont, QFontMetrics, str]:
        """The pills' font for a cell drawn in ``option.font`` → (font, its metrics, its key)."""
        return self.badge_font(option.font)

    def badge_font(self, cell_font: QFont) -> tuple[QFont, QFontMetrics, str]:
        """The pills' font for a cell drawn in ``cell_font`` → (font, its metrics, its key)."""
        key = cell_font.key()
        found = self._fonts.get(key)
        if found is None:
            f = QFont(cell_font)
            f.setPointSizeF(max(6.0, f.pointSizeF() * 0.92))
            f.setWeight(QFont.Weight.DemiBold)
            found = self._fonts[key] = (f, QFontMetrics(f), f.key())
        return found

    def badges(self, index: Index) -> list[Badge]:
        """The badges of the cell at ``index`` (its model's ``cell`` when it has one, else
        ``BADGES_ROLE`` through Qt); an empty list when it has none."""
        model = index.model()
        cell = getattr(model, "cell", None)  # the app's models answer without a trip through Qt
        value = cell(index.row(), index.column(), BADGES_ROLE) if cell is not None else index.data(BADGES_ROLE)
        return list(value) if value else []

    def _text_width(self, option: QStyleOptionViewItem, index: Index) -> int:
        if not self.show_text:
            return 0
        return option.fontMetrics.horizontalAdvance(str(index.data() or "")) + 10

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        badges = self.badges(index)
        if not badges:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        text = ""
        if self.show_text:  # without text, the cell's own data is not drawn: only its background
            self.initStyleOption(opt, index)
            text, opt.text = opt.text, ""
        style = opt.widget.style() if opt.widget else None
        if style is not None:  # background, selection and focus as any cell of the row
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        x = option.rect.left() + self.MARGIN
        if text:
            left = option.rect.left() + 6
            if style is not None:
                left = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, opt.widget).left() + 3
            text_rect = QRect(left, option.rect.top(), self._text_width(option, index), option.rect.height())
            selected = bool(option.state & QStyle.StateFlag.State_Selected)
            painter.save()
            painter.setPen(option.palette.highlightedText().color() if selected else option.palette.text().color())
            painter.drawText(text_rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), text)
            painter.restore()
            x = text_rect.right() + self.GAP
        font = self._badge_font(option)
        h = font[1].height() + 4
        y = option.rect.top() + (option.rect.height() - h) // 2
        device = painter.device()
        dpr = device.devicePixelRatioF() if device is not None else 1.0
        for b in badges:
            pill, w = self.pill(b, font, h, dpr)
            if x + w > option.rect.right() + 1:
                break
            painter.drawPixmap(x, y, pill)
            x += w + self.GAP

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        base = super().sizeHint(option, index)
        badges = self.badges(index)
        if not badges:
            return base
        fm = self._badge_font(option)[1]
        width = 2 * self.MARGIN + sum(fm.horizontalAdvance(b.text) + 2 * self.H_PAD for b in badges)
        width += self.GAP * (len(badges) - 1) + self._text_width(option, index)
        return QSize(max(base.width(), width), max(base.height(), fm.height() + 10))


class BadgeStripDelegate(LazyTipDelegate):
    """The badges of a ``models.RowFilterModel`` column painted by Qt, without Python (issue 18).

    It gives the filter a maker of one pixmap per set of badges (``set_decoration``): the filter's
    paint mirror holds that strip of pills as the cell's decoration, and Qt's own delegate paints
    it. Over the catalog's Python model a :class:`BadgeDelegate` ran Python for every painted status
    cell, each call waiting for the interpreter lock while external plugins resolved. The pills are
    :class:`BadgeDelegate`'s (same cache, font, colours); they are made again when the view's
    palette, font or style changes (light/dark). Sizes like :class:`BadgeDelegate`; ``keep_whole``.
    Tooltips as :class:`LazyTipDelegate`.

    Args:
        view: the table.
        proxy: its ``RowFilterModel``.
        column: the column of badges (``BADGES_ROLE``).
    """

    keep_whole = True
    """Badges are never elided: ``fit.ColumnFitter`` gives this column its full width (issue 15)."""

    def __init__(self, view: QAbstractItemView, proxy: Any, column: int) -> None:
        super().__init__(view)
        self._view, self._proxy = view, proxy
        self._pills = BadgeDelegate(view)
        self._strips: dict[tuple[Badge, ...], QPixmap] = {}
        """Each strip made, by its badges (a catalog shows a handful of combinations)."""
        self._stale = False
        proxy.set_decoration(column, self.strip)
        view.installEventFilter(self)

    def eventFilter(self, watched: Any, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.FontChange, QEvent.Type.StyleChange) \
                and not self._stale:
            # on the next turn: ``theme.apply_theme`` names the new scheme after the palette is set
            self._stale = True
            QTimer.singleShot(0, self, self._remake)
        return False

    def _remake(self) -> None:
        self._stale = False
        self._strips.clear()
        self._proxy.refresh_decorations()

    def strip(self, badges: Any) -> QPixmap | None:
        """One pixmap of ``badges``' pills side by side (None for no badges)."""
        if not badges:
            return None
        key = tuple(badges)
        found = self._strips.get(key)
        if found is None:
            found = self._strips[key] = self._strip(key)
        return found

    def _strip(self, badges: tuple[Badge, ...]) -> QPixmap:
        font = self._pills.badge_font(self._view.font())
        h = font[1].height() + 4
        dpr = self._view.devicePixelRatioF()
        pills = [self._pills.pill(b, font, h, dpr) for b in badges]
        gap = BadgeDelegate.GAP
        width = sum(w for _pm, w in pills) + gap * (len(pills) - 1)
        out = QPixmap(max(1, round(width * dpr)), max(1, round(h * dpr)))
        out.setDevicePixelRatio(dpr)
        out.fill(Qt.GlobalColor.transparent)
        p = QPainter(out)
        x = 0
        for pm, w in pills:
            p.drawPixmap(x, 0, pm)
            x += w + gap
        p.end()
        return out

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:  # noqa: N802 - Qt override
        """What Qt's delegate asks of the style for this cell's strip alone, whichever model
        ``index`` belongs to (the column fitter measures the source's rows, the view its own)."""
        opt = QStyleOptionViewItem(option)
        strip = self.strip(self._pills.badges(index))
        opt.text = ""
        opt.features &= ~QStyleOptionViewItem.ViewItemFeature.HasDisplay
        if strip is not None:
            opt.features |= QStyleOptionViewItem.ViewItemFeature.HasDecoration
            opt.icon = QIcon(strip)
            opt.decorationSize = strip.deviceIndependentSize().toSize()
        style = opt.widget.style() if opt.widget else QApplication.style()
        return style.sizeFromContents(QStyle.ContentsType.CT_ItemViewItem, opt, QSize(), opt.widget)


class CenteredCheckDelegate(QStyledItemDelegate):
    """A check box (``CheckStateRole``) centred in its cell, for a narrow column such as *Active*.

    Toggles like Qt's own check boxes: a left click on the box, or Space/Select on the current cell,
    calls ``model.setData(index, new_state, CheckStateRole)`` (the model decides what happens); a
    double-click on the box is swallowed so it does not toggle twice.
    """

    def _check_rect(self, option: QStyleOptionViewItem) -> QRect:
        style = option.widget.style() if option.widget else QApplication.style()
        w = style.pixelMetric(QStyle.PixelMetric.PM_IndicatorWidth, option, option.widget)
        h = style.pixelMetric(QStyle.PixelMetric.PM_IndicatorHeight, option, option.widget)
        c = option.rect.center()
        return QRect(c.x() - w // 2, c.y() - h // 2, w, h)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        style = opt.widget.style() if opt.widget else QApplication.style()
        state = opt.checkState
        opt.features &= ~QStyleOptionViewItem.ViewItemFeature.HasCheckIndicator
        opt.text = ""
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        box = QStyleOptionViewItem(opt)
        box.rect = self._check_rect(option)
        box.state = (box.state & ~QStyle.StateFlag.State_HasFocus) | (
            QStyle.StateFlag.State_On if state == Qt.CheckState.Checked else QStyle.StateFlag.State_Off)
        style.drawPrimitive(QStyle.PrimitiveElement.PE_IndicatorItemViewItemCheck, box, painter, opt.widget)

    def editorEvent(self, event: QEvent, model: QAbstractItemModel, option: QStyleOptionViewItem,
                    index: Index) -> bool:
        flags = model.flags(index)
        if not (flags & Qt.ItemFlag.ItemIsUserCheckable) or not (flags & Qt.ItemFlag.ItemIsEnabled):
            return False
        kind = event.type()
        if kind in (QEvent.Type.MouseButtonRelease, QEvent.Type.MouseButtonDblClick):
            assert isinstance(event, QMouseEvent)
            hit = self._check_rect(option).adjusted(-4, -4, 4, 4).contains(event.position().toPoint())
            if event.button() != Qt.MouseButton.LeftButton or not hit:
                return False
            if kind == QEvent.Type.MouseButtonDblClick:
                return True
        elif kind == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() not in (Qt.Key.Key_Space, Qt.Key.Key_Select):
                return False
        else:
            return False
        current = Qt.CheckState(index.data(Qt.ItemDataRole.CheckStateRole))
        new = Qt.CheckState.Unchecked if current == Qt.CheckState.Checked else Qt.CheckState.Checked
        return model.setData(index, new, Qt.ItemDataRole.CheckStateRole)

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        r = self._check_rect(option)
        return QSize(r.width() + 24, r.height() + 8)


def setup_table(view: QTableView, stretch_column: int, fixed: dict[int, int] | None = None) -> None:
    """Common look of the app's tables: row selection, alternating rows, no grid, sortable, one
    stretching column (the description), the others sized interactively; Tab leaves the table."""
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setTabKeyNavigation(False)  # Tab and Shift+Tab leave the table (issue 15)
    view.setAlternatingRowColors(True)
    view.setShowGrid(False)
    view.setSortingEnabled(True)
    view.setWordWrap(False)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    view.verticalHeader().setVisible(False)
    fm = view.fontMetrics()
    view.verticalHeader().setDefaultSectionSize(fm.height() + 14)
    header = view.horizontalHeader()
    header.setHighlightSections(False)
    header.setStretchLastSection(False)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setSectionResizeMode(stretch_column, QHeaderView.ResizeMode.Stretch)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    for col, width in (fixed or {}).items():
        header.resizeSection(col, width)
    # issue 15: columns fit the viewport (badges whole, names elide, the description takes the rest)
    view.column_fitter = ColumnFitter(view, stretch_column, caps=dict.fromkeys(range(64), 320),  # type: ignore[attr-defined]
                                      floors={0: 170})


def follow_column_width(view: QTableView, column: int, setter: Callable[[int], None]) -> None:
    """Call ``setter(width in pixels)`` whenever ``view``'s ``column`` is resized (e.g. a model
    cutting long text to what the column can show)."""
    def resized(section: int, _old: int, width: int) -> None:
        if section == column:
            setter(width)

    view.horizontalHeader().sectionResized.connect(resized)


class PageHeader(QWidget):
    """Title and one-line explanation at the top of a page."""

    def __init__(self, title: str, subtitle: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 4)
        lay.setSpacing(2)
        self.title = QLabel(title)
        self.title.setObjectName("pageTitle")
        self.subtitle = QLabel(subtitle)
        self.subtitle.setObjectName("pageSubtitle")
        self.subtitle.setWordWrap(True)
        self.subtitle.setVisible(bool(subtitle))
        lay.addWidget(self.title)
        lay.addWidget(self.subtitle)


class ElidedLabel(QLabel):
    """A one-line label that gives up its width: a text longer than the room it gets is drawn
    shortened with "…" (the whole text in ``text()``, the tooltip and the accessible name).

    Its size hints do not follow its text (issue 18): a browse tab's summary line changes with
    every batch of rows arriving ("36 skills so far · resolving external plugins: 9 of 28…"), and a
    plain label's minimum width is its whole text, so each longer text made the tab's splitter
    share its width out again — moving the facets, table and details pane and repainting all of
    them (about 25 ms of the GUI thread each time)."""

    MIN_WIDTH = 60

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt override
        """Qt's method; the tooltip carries the whole text."""
        if text == self.text():
            return
        super().setText(text)
        self.setToolTip(text)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(self.MIN_WIDTH, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return self.sizeHint()

    def paintEvent(self, _event: object) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        rect = self.contentsRect()
        shown = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, max(rect.width(), 0))
        self.style().drawItemText(painter, rect, int(self.alignment()), self.palette(), self.isEnabled(), shown,
                                  self.foregroundRole())


class SteadyTabWidget(QTabWidget):
    """A tab widget whose titles and pages can change their text without repainting every page.

    Qt's ``QTabWidget`` lays itself out again and repaints its whole area (tab bar, the current
    page: its table, facets and details pane) on ``setTabText``, and on each layout request that
    reaches it: any label of the current page that changes its text asks for one. The browse
    dialog changes titles ("skills (3 of 40)") and summary lines on every keystroke of its search:
    with 16 registries that repaint cost 8–13 ms of the GUI thread per keystroke (issue 18).

    Here ``setTabText`` sets the tab bar's text (the tab bar repaints itself), and a layout request
    is passed on to Qt only when it would change something: the tab bar's height (the tab bar
    spans the whole width in document mode, whatever its titles), or the size hints the dialog's
    layout holds for the tab widget. Otherwise the pages stay as they are painted. Only for
    document mode (:meth:`setDocumentMode` is set here); other tab widgets keep Qt's behaviour.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDocumentMode(True)
        self._laid_out: tuple[int, QSize, QSize] | None = None

    def _layout_key(self) -> tuple[int, QSize, QSize]:
        return self.tabBar().sizeHint().height(), self.minimumSizeHint(), self.sizeHint()

    def setTabText(self, index: int, text: str) -> None:  # noqa: N802 - Qt's name
        """Set tab ``index``'s title; the tab widget is laid out again only if its tab bar needs it."""
        self.tabBar().setTabText(index, text)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest and self.documentMode() and self.isVisible():
            key = self._layout_key()
            if key == self._laid_out:
                return True  # nothing Qt's layout pass would move: skip its repaint of every page
            self._laid_out = key
        elif event.type() in (QEvent.Type.Resize, QEvent.Type.Show, QEvent.Type.StyleChange, QEvent.Type.FontChange):
            self._laid_out = None  # Qt lays out again: the next request is checked afresh
        return super().event(event)


class _HeaderButton(QToolButton):
    """A section header that gives up its width: a long title is shortened with "…" to the width
    it gets (the whole title in the tooltip and ``text()``), so a narrow pane is not held wide by
    it (issue 15, the browse dialog's details pane at 1024×640)."""

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        full = super().sizeHint()
        return QSize(min(full.width(), 120), full.height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return self.sizeHint()

    def paintEvent(self, _event: object) -> None:  # noqa: N802 - Qt override
        painter = QStylePainter(self)
        opt = QStyleOptionToolButton()
        self.initStyleOption(opt)
        room = self.width() - (self.iconSize().width() + 24)
        opt.text = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, max(room, 0))
        painter.drawComplexControl(QStyle.ComplexControl.CC_ToolButton, opt)


class CollapsibleSection(QWidget):
    """A header button with an arrow that shows or hides ``content``; a long header is shortened
    to the width of the section (the whole of it in the tooltip)."""

    toggled = Signal(bool)

    def __init__(self, title: str, content: QWidget, parent: QWidget | None = None, expanded: bool = False) -> None:
        super().__init__(parent)
        self.button = _HeaderButton()
        self.button.setObjectName("sectionToggle")
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.button.setCheckable(True)
        self.button.setAutoRaise(True)
        self.button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.content = content
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.button)
        lay.addWidget(content)
        self.button.toggled.connect(self._set_expanded)
        self.set_title(title)
        self.button.setChecked(expanded)
        self._set_expanded(expanded)

    def set_title(self, title: str) -> None:
        """Change the header text (also its tooltip, for when it is shortened)."""
        self.button.setText(title)
        self.button.setToolTip(title)
        self.button.setAccessibleName(title)

    def is_expanded(self) -> bool:
        """Whether the content is shown."""
        return self.button.isChecked()

    def set_expanded(self, expanded: bool) -> None:
        """Show or hide the content."""
        self.button.setChecked(expanded)

    def _set_expanded(self, expanded: bool) -> None:
        self.button.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)
        self.content.setVisible(expanded)
        self.toggled.emit(expanded)


class BusyView(QWidget):
    """"Loading…" with a progress bar (indeterminate until the first figures arrive) and a
    *Cancel* button (issue 15: every load can be abandoned).

    Signals:
        cancel(): the user pressed *Cancel*.
    """

    cancel = Signal()

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(text)
        self.label.setObjectName("busyLabel")
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.bar.setTextVisible(False)
        self.bar.setFixedWidth(320)
        self.detail = QLabel("")
        self.detail.setObjectName("hint")
        self.detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay = QVBoxLayout(self)
        lay.addStretch(1)
        lay.addWidget(self.label)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.bar)
        row.addStretch(1)
        lay.addLayout(row)
        lay.addWidget(self.detail)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelLoad")
        self.cancel_button.setToolTip("Stop waiting for GitHub (Retry loads again)")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.cancel.emit)
        brow = QHBoxLayout()
        brow.addStretch(1)
        brow.addWidget(self.cancel_button)
        brow.addStretch(1)
        lay.addSpacing(6)
        lay.addLayout(brow)
        lay.addStretch(2)
        self.bar.setAccessibleName("Loading progress")

    def reset(self, text: str | None = None) -> None:
        """Back to the indeterminate state."""
        if text is not None:
            self.label.setText(text)
            self.cancel_button.setAccessibleName(f"Cancel: {text}")
        self.bar.setRange(0, 0)
        self.detail.setText("")
        self.cancel_button.setEnabled(True)

    def set_progress(self, done: int, total: int, unit: str = "files") -> None:
        """Show ``done`` of ``total`` (indeterminate while ``total`` is 0)."""
        if total <= 0:
            self.bar.setRange(0, 0)
            return
        self.bar.setRange(0, total)
        self.bar.setValue(min(done, total))
        self.detail.setText(f"{done} of {total} {unit}")


class ErrorView(QWidget):
    """What failed and why, with a Retry button (R-UI-1: the reason is shown in place)."""

    retry = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        icon = QLabel()
        icon.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(40, 40))
        icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title = QLabel("")
        self.title.setObjectName("errorTitle")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.setWordWrap(True)
        self.reason = QLabel("")
        self.reason.setObjectName("errorReason")
        self.reason.setWordWrap(True)
        self.reason.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.reason.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reason.setMaximumWidth(620)
        self.retry_button = QPushButton("Retry")
        self.retry_button.setObjectName("primary")
        self.retry_button.clicked.connect(self.retry.emit)
        lay = QVBoxLayout(self)
        lay.addStretch(1)
        lay.addWidget(icon)
        lay.addWidget(self.title)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.reason, 10)
        row.addStretch(1)
        lay.addLayout(row)
        brow = QHBoxLayout()
        brow.addStretch(1)
        brow.addWidget(self.retry_button)
        brow.addStretch(1)
        lay.addSpacing(6)
        lay.addLayout(brow)
        lay.addStretch(2)

    def show_error(self, title: str, reason: str) -> None:
        """Set the headline and the reason sentence."""
        self.title.setText(title)
        self.reason.setText(reason)


def hline() -> QWidget:
    """A thin horizontal separator."""
    w = QWidget()
    w.setObjectName("separator")
    w.setFixedHeight(1)
    w.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    return w


def button(text: str, slot: Callable[..., Any] | None = None, *, primary: bool = False, tip: str = "") -> QPushButton:
    """A push button wired to ``slot``; ``primary`` gives it the accent style."""
    b = QPushButton(text)
    if primary:
        b.setObjectName("primary")
    if tip:
        b.setToolTip(tip)
    if slot is not None:
        b.clicked.connect(slot)
    return b


def repolish(widget: QWidget) -> None:
    """Re-apply the style sheet to ``widget`` after a dynamic property it is styled by changed."""
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class LocalNameField:
    """The *Local name* input of an import or upload dialog and its collision notice (R-IMP-2, R-UPD-4).

    Owns the widgets, which the dialog places with :meth:`add_to_form`: ``name_edit`` (the name),
    ``name_message`` (why the name is invalid), and ``conflict_box`` — hidden until
    :meth:`show_conflict` — holding ``conflict_text``, the ``replace_check`` confirmation and the
    ``rename_button``. The dialog decides what collides and what the notice says; this class keeps
    the look and the wording of the shared parts identical.

    Args:
        name: the proposed local name.
        rename: called when *Rename* is clicked (typically calls :meth:`rename_to_free`).
    """

    def __init__(self, name: str, rename: Callable[[], None]) -> None:
        self.name_edit = QLineEdit(name)
        self.name_edit.setPlaceholderText("folder name: a-z, 0-9, '-'")
        self.name_message = QLabel("")
        self.name_message.setObjectName("fieldError")
        self.name_message.setWordWrap(True)

        self.conflict_box = QFrame()
        self.conflict_box.setObjectName("conflictBox")
        self.conflict_text = QLabel("")
        self.conflict_text.setWordWrap(True)
        self.replace_check = QCheckBox("Replace it")
        self.rename_button = QPushButton("Rename")
        self.rename_button.setToolTip("Use a free local name instead")
        self.rename_button.clicked.connect(rename)
        cl = QVBoxLayout(self.conflict_box)
        cl.setContentsMargins(10, 8, 10, 8)
        cl.addWidget(self.conflict_text)
        crow = QHBoxLayout()
        crow.addWidget(self.replace_check, 1)
        crow.addWidget(self.rename_button)
        cl.addLayout(crow)
        self.conflict_box.setVisible(False)

    def add_to_form(self, form: QFormLayout) -> None:
        """Add the *Local name* row (input over its message) and, under it, the collision notice."""
        name_col = QVBoxLayout()
        name_col.setSpacing(3)
        name_col.addWidget(self.name_edit)
        name_col.addWidget(self.name_message)
        form.addRow("Local name", name_col)
        form.addRow("", self.conflict_box)

    def text(self) -> str:
        """The local name typed (trimmed)."""
        return self.name_edit.text().strip()

    def check_name(self) -> bool:
        """Whether the typed name is a valid local name (``check_local_name``); shows why not."""
        name = self.text()
        message = ""
        try:
            check_local_name(name)
        except InstallError:
            message = ("A local name is required." if not name else
                       "Use 1–64 characters: a-z, 0-9, '-', '_' or '.', starting and ending with a letter or digit.")
        self.name_message.setText(message)
        self.name_message.setVisible(bool(message))
        return not message

    def clear_replace(self) -> None:
        """Uncheck *Replace* without emitting ``toggled``: a new collision needs a new confirmation."""
        blocked = self.replace_check.blockSignals(True)
        self.replace_check.setChecked(False)
        self.replace_check.blockSignals(blocked)

    def replace_confirmed(self) -> bool:
        """Whether the user ticked *Replace* (only meaningful while a replaceable collision shows)."""
        return self.replace_check.isChecked()

    def show_conflict(self, text: str | None, *, replaceable: bool = True, customized: bool = False) -> None:
        """Show the collision notice with ``text`` (rich text), or hide it when ``text`` is None.

        Args:
            text: the sentence(s) naming the installed skill; None: no collision.
            replaceable: offer *Replace* (warning look); False hides it (error look: rename only).
            customized: the installed copy has local edits, so *Replace* says a backup is kept.
        """
        self.conflict_box.setVisible(text is not None)
        if text is None:
            return
        self.conflict_text.setText(text)
        self.replace_check.setVisible(replaceable)
        if replaceable:
            self.replace_check.setText("Replace it, keeping a backup" if customized else "Replace it")
        self.conflict_box.setProperty("severity", "warning" if replaceable else "error")
        repolish(self.conflict_box)

    def rename_to_free(self, fallback: str, is_free: Callable[[str], bool]) -> None:
        """Put the first free ``name-2``, ``name-3``, … in the field and select it.

        Args:
            fallback: the base name when the field is empty.
            is_free: whether a candidate local name can be used without a collision.
        """
        base = self.text() or fallback
        for n in range(2, 1000):
            suffix = f"-{n}"
            candidate = base[: 64 - len(suffix)].rstrip("-._") + suffix
            if is_free(candidate):
                self.name_edit.setText(candidate)
                self.name_edit.setFocus()
                self.name_edit.selectAll()
                return


class DescriptionField:
    """The *Description* box of an import or upload dialog with its character count (R-FM-1).

    Owns ``edit`` (the text; Tab moves focus) and ``count`` (``n / 1024``, or why the text cannot be
    used, styled by its ``error`` property).

    Args:
        text: the proposed description.
        lines: visible text lines (the box's fixed height).
        action: the verb of the dialog's main button, for the "required to …" message.
    """

    def __init__(self, text: str, *, lines: int, action: str) -> None:
        self._action = action
        self.edit = QPlainTextEdit(text)
        self.edit.setTabChangesFocus(True)
        self.edit.setPlaceholderText("Required: what the skill does and when to use it")
        self.edit.setFixedHeight(self.edit.fontMetrics().lineSpacing() * lines + 14)
        self.count = QLabel("")
        self.count.setObjectName("hint")

    def text(self) -> str:
        """The description typed (trimmed)."""
        return self.edit.toPlainText().strip()

    def check(self) -> bool:
        """Whether the description is present and at most ``MAX_DESCRIPTION_CHARS``; updates the count."""
        n = len(self.text())
        if not n:
            self._show(f"A description is required to {self._action}.", error=True)
        elif n > MAX_DESCRIPTION_CHARS:
            self._show(f"{n} / {MAX_DESCRIPTION_CHARS} characters — too long", error=True)
        else:
            self._show(f"{n} / {MAX_DESCRIPTION_CHARS}", error=False)
        return 0 < n <= MAX_DESCRIPTION_CHARS

    def _show(self, text: str, *, error: bool) -> None:
        self.count.setText(text)
        self.count.setProperty("error", error)
        repolish(self.count)


class MarkdownView(QTextBrowser):
    """Read-only Markdown rendering (Qt's GitHub dialect) that never fetches anything: images load
    only from ``base_dir`` (an installed skill's folder), links open only when they are http(s)
    and only in the system browser."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.anchorClicked.connect(self._open_link)
        self.base_dir: Path | None = None
        self.document().setDocumentMargin(12)

    def set_markdown(self, text: str, base_dir: Path | None = None) -> None:
        """Render ``text``; relative images resolve inside ``base_dir`` when given."""
        self.base_dir = base_dir.resolve() if base_dir else None
        self.setMarkdown(text)
        self._tidy()

    HEADING_SIZE: ClassVar[dict[int, int]] = {1: 2, 2: 1, 3: 0, 4: 0, 5: 0, 6: 0}
    """Qt's ``FontSizeAdjustment`` per heading level (Qt's Markdown import uses 3, 2, 1, 0, -1, -2)."""

    def _tidy(self) -> None:
        """Calmer headings than Qt's defaults, and code blocks that wrap instead of scrolling sideways."""
        doc = self.document()
        block = doc.begin()
        while block.isValid():
            fmt = block.blockFormat()
            level = fmt.headingLevel()
            if level or fmt.nonBreakableLines():
                cursor = QTextCursor(block)
                if fmt.nonBreakableLines():
                    bf = QTextBlockFormat(fmt)
                    bf.setNonBreakableLines(False)
                    bf.setBackground(QApplication.palette().alternateBase())
                    cursor.setBlockFormat(bf)
                if level:
                    bf = QTextBlockFormat(fmt)
                    bf.setTopMargin(10 if level <= 2 else 6)
                    bf.setBottomMargin(4)
                    cursor.setBlockFormat(bf)
                    cursor.movePosition(QTextCursor.MoveOperation.StartOfBlock)
                    cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock, QTextCursor.MoveMode.KeepAnchor)
                    cf = QTextCharFormat()
                    cf.setProperty(QTextFormat.Property.FontSizeAdjustment, self.HEADING_SIZE.get(level, 0))
                    cursor.mergeCharFormat(cf)
            block = block.next()
        doc.setModified(False)

    def loadResource(self, kind: int, url: QUrl | str) -> Any:
        url = QUrl(url) if isinstance(url, str) else url
        if self.base_dir is not None and not url.scheme() and url.path():
            candidate = (self.base_dir / url.path()).resolve()
            if candidate.is_file() and self.base_dir in candidate.parents:
                data = candidate.read_bytes()
                if kind == int(QTextDocument.ResourceType.ImageResource):
                    img = QImage()
                    if img.loadFromData(data):
                        return img
                    return None
                return data.decode("utf-8", "replace")
        return None

    @staticmethod
    def _open_link(url: QUrl) -> None:
        if url.scheme() in ("http", "https"):
            QDesktopServices.openUrl(url)
