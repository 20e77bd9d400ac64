"""The keyboard contract (issue 15) and accessible names, as small helpers the windows share.

The contract (also in the README, "Keyboard"):

==========================  ===========================================================================
``Ctrl+I``                  main window: open the browse dialog for the current page's destination
``Ctrl+F``                  browse dialog: focus the search field (selects its text)
typing in search            filters every registry tab at once
``Down`` in search          moves into the current tab's table, the skill named by the search (else the first row) selected
``Enter`` on a table        browse dialog: import the selected rows (one metadata editor per skill);
                            installed-skills pages: open the selected skill
``Enter`` / ``Escape``      metadata editor: import / cancel the batch
``Ctrl+R``                  browse dialog: reload the current registry
``Ctrl+Tab``                browse dialog: next registry tab (``Ctrl+Shift+Tab``: previous)
``Ctrl+Shift+F``            browse dialog: show or hide the filters (``facets.FiltersToggle``)
``Delete``                  installed-skills pages: remove the selected skill (asks first)
``Tab`` / ``Shift+Tab``     leave every table (no table keeps the focus)
==========================  ===========================================================================
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QAbstractItemModel, QEvent, QObject, Qt
from PySide6.QtGui import QAccessible, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTabBar,
    QTableView,
    QTextEdit,
    QWidget,
)

ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)

CONTRACT_TIPS = {
    "browse_search": "Type to filter every registry (Ctrl+F). Down: into the table. "
                     "Ctrl+Tab / Ctrl+Shift+Tab: next / previous registry. Ctrl+R: reload.",
    "browse_table": "Enter: import the selected skills. Tab leaves the table. Ctrl+Tab: next registry.",
    "installed_table": "Enter: open the selected skill. Delete: remove it (asks first). Tab leaves the table.",
    "import_page": "Browse the marketplace and import into this destination (Ctrl+I)",
}
"""Tooltips that state the keyboard contract where it applies (issue 15, Deliver 1)."""


class _KeyFilter(QObject):
    """Event filter calling ``handlers[key]()`` for unmodified (or keypad) key presses; a handler
    returning False lets the key through."""

    def __init__(self, parent: QObject, handlers: dict[Qt.Key, Callable[[], bool | None]]) -> None:
        super().__init__(parent)
        self._handlers = handlers

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            handler = self._handlers.get(Qt.Key(event.key()))
            if handler is not None and mods == Qt.KeyboardModifier.NoModifier:
                return handler() is not False
        return False


def on_keys(widget: QWidget, handlers: dict[Qt.Key, Callable[[], bool | None]]) -> QObject:
    """Route unmodified key presses on ``widget`` to handlers (``{Qt.Key.Key_Down: fn}``), before
    the widget sees them; a handler returning False lets the key through. Returns the filter
    (owned by ``widget``)."""
    f = _KeyFilter(widget, handlers)
    widget.installEventFilter(f)
    return f


def on_enter(widget: QWidget, handler: Callable[[], bool | None]) -> QObject:
    """Route Return and keypad Enter on ``widget`` to ``handler`` (see :func:`on_keys`)."""
    return on_keys(widget, dict.fromkeys(ENTER_KEYS, handler))


def tab_leaves(view: QAbstractItemView) -> None:
    """Tab and Shift+Tab move the focus out of ``view`` instead of from cell to cell (issue 15)."""
    view.setTabKeyNavigation(False)


def focus_first_row(table: QTableView, prefer: str = "") -> bool:
    """Give ``table`` the focus with a row current and selected (``Down`` from a search field):
    the first visible row whose skill name (after ``plugin:``) is ``prefer``, else the first that
    starts with it, else the first row — typing "pdf" then Down selects ``document-skills:pdf``,
    not a skill whose description mentions PDFs. Returns False (focus unchanged) when the table
    shows no row."""
    model = table.model()
    if model is None or model.rowCount() == 0 or not table.isVisible():
        return False
    current = table.currentIndex()
    if not current.isValid() or not table.selectionModel().isRowSelected(current.row()):
        row = _preferred_row(model, prefer.strip().lower())
        table.selectRow(row)  # before the focus: focusing an unselected table selects its current row
        table.scrollTo(model.index(row, 0))
    table.setFocus(Qt.FocusReason.TabFocusReason)
    return True


def _preferred_row(model: QAbstractItemModel, wanted: str) -> int:
    if not wanted:
        return 0
    starts = -1
    for row in range(model.rowCount()):
        skill = str(model.index(row, 0).data() or "").lower().rsplit(":", 1)[-1]
        if skill == wanted:
            return row
        if starts < 0 and skill.startswith(wanted):
            starts = row
    return max(starts, 0)


class _SelectOnFocus(QObject):
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.FocusIn and isinstance(watched, QTableView):
            sm = watched.selectionModel()
            model = watched.model()
            if sm is not None and model is not None and model.rowCount() and not sm.hasSelection():
                current = watched.currentIndex()
                watched.selectRow(current.row() if current.isValid() else 0)
        return False


def select_on_focus(table: QTableView) -> None:
    """When ``table`` gets the focus with nothing selected, select its current (or first) row, so
    that Enter and Delete act on what the keyboard user sees highlighted (issue 15)."""
    table.installEventFilter(_SelectOnFocus(table))


def chain(widgets: Iterable[QWidget | None]) -> None:
    """Put ``widgets`` one after the other in the focus chain (``QWidget.setTabOrder``); Nones are
    skipped."""
    seq = [w for w in widgets if w is not None]
    for a, b in zip(seq, seq[1:]):
        QWidget.setTabOrder(a, b)


def name(widget: QWidget, text: str, description: str = "") -> QWidget:
    """Set ``widget``'s accessible name (and description); returns it for chaining."""
    widget.setAccessibleName(text)
    if description:
        widget.setAccessibleDescription(description)
    return widget


CONTROL_TYPES = (QAbstractButton, QLineEdit, QAbstractItemView, QComboBox, QAbstractSpinBox, QTextEdit,
                 QPlainTextEdit, QTabBar)
"""Widget classes a user operates; each needs an accessible name."""


def accessible_name(widget: QWidget) -> str:
    """What a screen reader announces as ``widget``'s name: Qt's accessible interface's ``Name``
    (the explicit accessible name, a button's text, a form label's buddy text, …). A combo box's
    default name is its current value, so for combo boxes only an explicit name counts."""
    if isinstance(widget, QComboBox) and not widget.accessibleName():
        return ""
    iface = QAccessible.queryAccessibleInterface(widget)
    text = iface.text(QAccessible.Text.Name) if iface is not None and iface.isValid() else ""
    return (text or widget.accessibleName() or "").strip()


def unnamed_controls(root: QWidget) -> list[QWidget]:
    """Controls under ``root`` (and ``root`` itself) without an accessible name — a test helper
    and a debugging aid. Widgets that are internal parts of another control (a combo box's line
    edit, a spin box's editor, a table's header, a scroll area's bars) are not counted."""
    found: list[QWidget] = []
    for w in [root, *root.findChildren(QWidget)]:
        if not isinstance(w, CONTROL_TYPES) or w.focusPolicy() == Qt.FocusPolicy.NoFocus:
            continue
        if _inside(w, (QComboBox, QAbstractSpinBox)):  # a combo's popup list or line edit
            continue
        if not accessible_name(w):
            found.append(w)
    return found


def _inside(widget: QWidget, kinds: tuple[type, ...]) -> bool:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, kinds):
            return True
        parent = parent.parentWidget()
    return False


def describe(widget: QWidget) -> str:
    """``Class#objectName "text"`` of a widget, for test failure messages."""
    text = ""
    for attr in ("text", "placeholderText", "toolTip"):
        fn = getattr(widget, attr, None)
        if callable(fn):
            value = fn()
            if isinstance(value, str) and value:
                text = value
                break
    path = []
    w: QWidget | None = widget
    while w is not None:
        path.append(f"{type(w).__name__}#{w.objectName()}" if w.objectName() else type(w).__name__)
        w = w.parentWidget()
    return f"{' < '.join(path[:4])} {text!r}"
