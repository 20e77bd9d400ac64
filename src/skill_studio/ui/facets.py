"""Browse like a catalogue (issue 19): the facet panel, the "group by plugin" view, the spec badge.

Widgets only; the rules come from ``skill_studio.app.catalogue``. The browse dialog gives each
registry tab a :class:`FacetPanel` (categories, authors and install states with counts, a sort
choice and a "group by plugin" switch) and a :class:`PluginGroupView` shown instead of the flat
table when grouping is on. Both read the rows the tab's filter proxy lets through, so the facets,
the search text and "updates only" always filter together.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QElapsedTimer,
    QEvent,
    QObject,
    QSettings,
    QSignalBlocker,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QContextMenuEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from skill_studio.app.catalogue import (
    SORT_FIELDS,
    FacetFilter,
    PluginGroup,
    author_of,
    check_skill,
    facet_counts,
    folder_sizes,
    group_rows,
    row_filter,
    sort_rows,
    state_counts,
)
from skill_studio.core.models import CatalogSkill, ImportOptions, InstallState, SpecCheck

__all__ = [
    "CatalogueDetails",
    "FacetPanel",
    "FiltersToggle",
    "PluginGroupView",
    "TabCatalogue",
    "plugin_html",
    "plugin_import_question",
    "spec_badge_text",
    "spec_of",
    "spec_tooltip",
    "split_plugin_import",
    "visible_rows",
]

ROW_ROLE_DEFAULT = int(Qt.ItemDataRole.UserRole) + 2
"""``ui.models.ROW_ROLE``: the row dataclass of a table row (repeated to keep this module free of
the table models; checked by a test)."""

RISK_ORDER = ("none", "low", "medium", "high")
"""Risk levels of the security review (issue 14), least to most; the facet lists the highest first."""

SORT_LABELS = {"name": "Name", "plugin": "Plugin", "category": "Category", "registry": "Registry",
               "version": "Version", "size": "Size"}


@lru_cache(maxsize=8192)
def spec_of(skill: CatalogSkill) -> SpecCheck:
    """The Agent Skills check of a listed skill, cached (rows repaint often)."""
    return check_skill(skill)


def spec_badge_text(check: SpecCheck) -> str:
    """``"spec ✓"`` or ``"spec: N problems"``: the badge shown beside a skill (issue 19)."""
    if check.valid:
        return "spec ✓"
    n = len(check.problems)
    return f"spec: {n} problem{'s' if n != 1 else ''}"


def spec_tooltip(check: SpecCheck) -> str:
    """The problems as a bulleted list (a badge, never a gate: the import is not blocked)."""
    if check.valid:
        return "Follows the Agent Skills rules."
    lines = "\n".join(f"• {p}" for p in check.problems)
    return f"Does not follow the Agent Skills rules (the import is not blocked):\n{lines}"


def visible_rows(proxy: QAbstractItemModel, role: int = ROW_ROLE_DEFAULT) -> list[Any]:
    """The row dataclasses a (filter/sort) proxy shows, in its order (a ``RowFilterModel`` lists
    them at once)."""
    if role == ROW_ROLE_DEFAULT and hasattr(proxy, "visible_rows"):
        return list(proxy.visible_rows())
    return [proxy.data(proxy.index(i, 0), role) for i in range(proxy.rowCount())]


class _FacetList(QListWidget):
    """Checkable ``value (count)`` items; the checked values are the facet's choice."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setAccessibleName(name)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setUniformItemSizes(True)
        self._shown: list[tuple[str, int, Any]] = []
        """The ``(label, count, value)`` items shown (issue 18: a recount that changes nothing, or
        only counts, touches no item or only those texts — rebuilding 700 items took ~10 ms)."""
        self._checked: list[Any] | None = None
        """``checked()`` until an item changes (it asked every item, several times per recount)."""
        self.itemChanged.connect(self._forget_checked)

    def _forget_checked(self, *_: object) -> None:
        self._checked = None

    def set_counts(self, counts: Sequence[tuple[str, int, Any]]) -> None:
        """Replace the items: ``(label, count, value)``; values checked before stay checked."""
        counts = list(counts)
        if counts == self._shown:
            return
        checked = set(self.checked())
        with QSignalBlocker(self):
            if [c[2] for c in counts] == [c[2] for c in self._shown]:  # the same values: new counts
                for i, ((label, count, _value), old) in enumerate(zip(counts, self._shown)):
                    if (label, count) != old[:2]:
                        item = self.item(i)
                        item.setText(f"{label} ({count})")
                        item.setToolTip(f"{label}: {count} skill{'s' if count != 1 else ''}")
            else:
                self.clear()
                for label, count, value in counts:
                    item = QListWidgetItem(f"{label} ({count})")
                    item.setData(Qt.ItemDataRole.UserRole, value)
                    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
                    item.setCheckState(Qt.CheckState.Checked if value in checked else Qt.CheckState.Unchecked)
                    item.setToolTip(f"{label}: {count} skill{'s' if count != 1 else ''}")
                    self.addItem(item)
        self._shown = counts
        # What is checked now is known: the values checked before that are still listed (asking
        # every item again cost ~1 ms per recount of 700 keywords).
        self._checked = [c[2] for c in counts if c[2] in checked]

    def checked(self) -> list[Any]:
        """The values of the checked items, in list order."""
        if self._checked is None:
            self._checked = [self.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.count())
                             if self.item(i).checkState() == Qt.CheckState.Checked]
        return list(self._checked)

    def set_checked(self, values: Sequence[Any]) -> None:
        """Check exactly the items whose value is in ``values``."""
        self._checked = None  # also when the caller blocks ``itemChanged``
        wanted = set(values)
        for i in range(self.count()):
            item = self.item(i)
            item.setCheckState(Qt.CheckState.Checked if item.data(Qt.ItemDataRole.UserRole) in wanted
                               else Qt.CheckState.Unchecked)
        self._checked = None


class FacetPanel(QWidget):
    """Install states, risks (once reviewed), categories and authors with counts; a sort choice;
    "group by plugin".

    Signals:
        changed: the checked facets changed; read :meth:`predicate`.
        sort_changed(str): a field of ``SORT_FIELDS`` was chosen.
        grouping_changed(bool): "group by plugin" switched.
    """

    changed = Signal()
    sort_changed = Signal(str)
    grouping_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None, *, sort_fields: Sequence[str] = SORT_FIELDS) -> None:
        super().__init__(parent)
        self.setObjectName("facetPanel")
        self.sort = QComboBox()
        self.sort.setObjectName("facetSort")
        self.sort.setAccessibleName("Sort by")
        for field in sort_fields:
            self.sort.addItem(SORT_LABELS[field], field)
        self.sort.currentIndexChanged.connect(lambda _i: self.sort_changed.emit(self.sort_field()))
        self.group = QCheckBox("Group by plugin")
        self.group.setObjectName("facetGroup")
        self.group.setToolTip("Show each plugin with its description, category and author, its skills beneath")
        self.group.toggled.connect(self.grouping_changed)
        self.states = _FacetList("Install state")
        self.risks = _FacetList("Risk")
        self.risks.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._risk_of: dict[str, str] = {}
        self.states.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.categories = _FacetList("Categories")
        self.authors = _FacetList("Authors")
        self.keywords = _FacetList("Keywords")
        self.clear_button = QPushButton("Clear filters")
        self.clear_button.setObjectName("facetClear")
        self.clear_button.setAutoDefault(False)
        self.clear_button.clicked.connect(self.clear)
        for facet in (self.states, self.risks, self.categories, self.authors, self.keywords):
            facet.itemChanged.connect(lambda _item: self._emit())

        sort_row = QHBoxLayout()
        sort_row.setContentsMargins(0, 0, 0, 0)
        sort_label = QLabel("Sort by")
        sort_label.setBuddy(self.sort)
        sort_row.addWidget(sort_label)
        sort_row.addWidget(self.sort, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        lay.addLayout(sort_row)
        lay.addWidget(self.group)
        self.risk_title = QLabel("Risk")
        for title, facet, stretch in (("Install state", self.states, 0), ("Risk", self.risks, 0),
                                      ("Categories", self.categories, 2), ("Authors", self.authors, 1),
                                      ("Keywords", self.keywords, 1)):
            label = self.risk_title if facet is self.risks else QLabel(title)
            label.setObjectName("facetTitle")
            lay.addWidget(label)
            lay.addWidget(facet, stretch)
        self.risk_title.setVisible(False)
        self.risks.setVisible(False)
        self.states.setFixedHeight(28)
        lay.addWidget(self.clear_button)
        self.clear_button.setEnabled(False)

    # -- data ----------------------------------------------------------------------------------

    def set_rows(self, rows: Sequence[Any], risks: dict[str, str] | None = None) -> None:
        """Recount the facets over ``rows`` (every row of the tab, before filtering); checked values
        stay checked (a value that disappeared is dropped).

        Args:
            rows: the tab's rows.
            risks: ``{qualified name: risk}`` of the skills reviewed so far (issue 14), or None;
                the risk facet shows once a risk is known.
        """
        before = (self.facet(), frozenset(self.checked_states()), tuple(self.risks.checked()))
        counts = facet_counts(rows)
        self.states.set_counts([(s.label, n, s) for s, n in state_counts(rows).items() if n])
        self._fit(self.states)
        self._risk_of = dict(risks or {})
        per_risk: dict[str, int] = {}
        for row in rows:
            risk = self._risk_of.get(row.skill.qualified_name)
            if risk is not None:
                per_risk[risk] = per_risk.get(risk, 0) + 1
        order = {r: i for i, r in enumerate(RISK_ORDER)}
        self.risks.set_counts([(f"risk: {r}", n, r) for r, n in sorted(per_risk.items(),
                                                                       key=lambda kv: (-order.get(kv[0], -1), kv[0]))])
        self._fit(self.risks)
        self.risk_title.setVisible(bool(per_risk))
        self.risks.setVisible(bool(per_risk))
        uncategorized = [("(no category)", counts.uncategorized, "")] if counts.uncategorized else []
        self.categories.set_counts([(c.value, c.count, c.value) for c in counts.categories] + uncategorized)
        self.authors.set_counts([(a.value, a.count, a.value) for a in counts.authors])
        self.keywords.set_counts([(k.value, k.count, k.value) for k in counts.keywords])
        if (self.facet(), frozenset(self.checked_states()), tuple(self.risks.checked())) != before:
            self._emit()
        elif self.risks.checked():
            self.changed.emit()  # risks arrived: the rows that pass may differ

    @staticmethod
    def _fit(facet: QListWidget) -> None:
        """A short list sized to its rows (no scrolling)."""
        row_height = max(facet.sizeHintForRow(0), facet.fontMetrics().height() + 8)
        facet.setFixedHeight(max(1, facet.count()) * row_height + 2 * facet.frameWidth() + 14)
        facet.scrollToTop()

    # -- state ---------------------------------------------------------------------------------

    def facet(self) -> FacetFilter:
        """The checked categories, authors and keywords as a :class:`FacetFilter` ("(no category)"
        excluded: see :meth:`predicate`)."""
        return FacetFilter(categories=tuple(c for c in self.categories.checked() if c),
                           keywords=tuple(self.keywords.checked()), authors=tuple(self.authors.checked()))

    def checked_states(self) -> list[InstallState]:
        """The checked install states."""
        return list(self.states.checked())

    def predicate(self) -> Callable[[Any], bool] | None:
        """``predicate(row)`` for the filter proxy, or None when nothing is checked. Categories,
        authors, keywords (the plugin's ``keywords``/``tags``, case-insensitive) and states combine
        with AND; within one, any checked value matches; "(no category)" matches plugins without a
        category."""
        if not self.is_filtering():
            return None
        categories = self.categories.checked()
        others = row_filter(FacetFilter(authors=tuple(self.authors.checked()), keywords=tuple(self.keywords.checked())),
                            self.checked_states())
        named = row_filter(FacetFilter(categories=tuple(c for c in categories if c)))
        bare = "" in categories
        risks, risk_of = frozenset(self.risks.checked()), self._risk_of

        def predicate(row: Any) -> bool:
            if row is None or (others is not None and not others(row)):
                return False
            if risks and risk_of.get(row.skill.qualified_name) not in risks:
                return False
            if not categories:
                return True
            if not row.skill.plugin_info.category:
                return bare
            return named is not None and named(row)

        return predicate

    def sort_field(self) -> str:
        """The chosen field of ``SORT_FIELDS``; ``""`` for an item without a field (the table's own
        column sort, see :class:`TabCatalogue`)."""
        data = self.sort.currentData()
        return data if isinstance(data, str) else ""

    def grouped(self) -> bool:
        """True when "group by plugin" is on."""
        return self.group.isChecked()

    def is_filtering(self) -> bool:
        """True when any facet value is checked."""
        return self.active_count() > 0

    def active_count(self) -> int:
        """How many facet values are checked (the count the collapsed *Filters* toggle shows)."""
        return sum(len(f.checked()) for f in (self.states, self.risks, self.categories, self.authors,
                                              self.keywords))

    def clear(self) -> None:
        """Uncheck everything (one ``changed``)."""
        for facet in (self.states, self.risks, self.categories, self.authors, self.keywords):
            with QSignalBlocker(facet):
                facet.set_checked(())
        self._emit()

    def _emit(self) -> None:
        self.clear_button.setEnabled(self.is_filtering())
        self.changed.emit()


class PluginGroupView(QTreeWidget):
    """Plugins as users think of them: a plugin row (description, category, author, skill count)
    with its skills beneath (issue 19).

    Signals:
        import_plugin(object): "Import all skills of this plugin" chosen on a plugin row; carries
            the :class:`~skill_studio.core.facets.PluginGroup` (only the rows shown).
        current_row_changed(object): the current skill row (a row dataclass) or None.
    """

    import_plugin = Signal(object)
    current_row_changed = Signal(object)

    NAME, CATEGORY, AUTHOR, VERSION, STATE, SPEC, DESCRIPTION = range(7)
    HEADERS = ("Plugin / skill", "Category", "Author", "Version", "Status", "Spec", "Description")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pluginGroups")
        self.setAccessibleName("Skills grouped by plugin")
        self.setColumnCount(len(self.HEADERS))
        self.setHeaderLabels(list(self.HEADERS))
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in ((self.NAME, 280), (self.CATEGORY, 100), (self.AUTHOR, 130), (self.VERSION, 80),
                              (self.STATE, 100), (self.SPEC, 110)):
            self.setColumnWidth(column, width)
        self.groups: list[PluginGroup] = []
        self.currentItemChanged.connect(lambda cur, _prev: self.current_row_changed.emit(self.row_of(cur)))
        self.itemActivated.connect(self._activated)

    def set_rows(self, rows: Sequence[Any], sort: str = "plugin",
                 registry_of: Callable[[Any], str] | None = None) -> None:
        """Show ``rows`` (already filtered) grouped by plugin; groups and their skills sorted by
        ``sort`` (a field of ``SORT_FIELDS``). Expanded plugins stay expanded."""
        expanded = {self._top(i).data(0, Qt.ItemDataRole.UserRole)
                    for i in range(self.topLevelItemCount()) if self._top(i).isExpanded()}
        ordered = sort_rows(list(rows), sort, registry_of)
        self.groups = group_rows(ordered, registry_of)
        before = self.row_of(self.currentItem())
        self.setUpdatesEnabled(False)
        # The old items are taken out rather than cleared: clear() deletes them from Qt's side, and
        # PySide crashed releasing one whose Python wrapper was still held (rows arriving while a
        # skill of the grouped view was current). Taken, Python deletes them with their last
        # reference. Signals are held meanwhile; the current skill stays current.
        blocked = self.blockSignals(True)
        try:
            self.invisibleRootItem().takeChildren()
            for index, group in enumerate(self.groups):
                self.addTopLevelItem(self._plugin_item(index, group))
            for i in range(self.topLevelItemCount()):
                item = self._top(i)
                if item.data(0, Qt.ItemDataRole.UserRole) in expanded:
                    item.setExpanded(True)
            if before is not None:
                self._make_current(before.skill.qualified_name, registry_of(before) if registry_of else None)
        finally:
            self.blockSignals(blocked)
            self.setUpdatesEnabled(True)
        after = self.row_of(self.currentItem())
        if after is not before:
            self.current_row_changed.emit(after)

    def _make_current(self, name: str, registry: str | None) -> None:
        """Make the skill item of ``name`` (in ``registry``, for *All registries*) current."""
        for i in range(self.topLevelItemCount()):
            top = self._top(i)
            for j in range(top.childCount()):
                child = top.child(j)
                row = self.row_of(child)
                if child is not None and row is not None and row.skill.qualified_name == name and \
                        (registry is None or self.groups[i].registry == registry):
                    self.setCurrentItem(child)
                    return

    def _top(self, index: int) -> QTreeWidgetItem:
        item = self.topLevelItem(index)
        assert item is not None
        return item

    def _plugin_item(self, index: int, group: PluginGroup) -> QTreeWidgetItem:
        info = group.info
        n = len(group.items)
        item = QTreeWidgetItem([
            f"{group.title}  ({n} skill{'s' if n != 1 else ''})",
            info.category or "—",
            author_of(info) or "—",
            info.version or "",
            "",
            "",
            " ".join((info.description or "").split()),
        ])
        item.setData(0, Qt.ItemDataRole.UserRole, group.key)
        item.setData(0, Qt.ItemDataRole.UserRole + 1, index)
        font = item.font(0)
        font.setBold(True)
        item.setFont(0, font)
        tip = [group.title]
        if group.registry:
            tip.append(f"Registry: {group.registry}")
        if group.plugin and group.plugin != group.title:
            tip.append(f"Plugin: {group.plugin}")
        if info.description:
            tip.append(info.description)
        if info.keywords:
            tip.append("Keywords: " + ", ".join(info.keywords))
        for label, value in (("Homepage", info.homepage), ("Repository", info.repository), ("License", info.license)):
            if value:
                tip.append(f"{label}: {value}")
        item.setToolTip(0, "\n".join(tip))
        item.setToolTip(self.DESCRIPTION, info.description or "")
        for row in group.items:
            item.addChild(self._skill_item(row))
        return item

    def _skill_item(self, row: Any) -> QTreeWidgetItem:
        skill: CatalogSkill = row.skill
        check = spec_of(skill)
        state = getattr(row, "state", None)
        item = QTreeWidgetItem([
            skill.name,
            "",
            "",
            skill.version or "—",
            state.label if isinstance(state, InstallState) else "",
            spec_badge_text(check),
            " ".join((skill.description or "").split()),
        ])
        item.setData(0, Qt.ItemDataRole.UserRole, row)
        item.setToolTip(self.SPEC, spec_tooltip(check))
        item.setToolTip(self.DESCRIPTION, skill.description or "")
        item.setToolTip(0, skill.qualified_name)
        return item

    # -- reading -------------------------------------------------------------------------------

    def row_of(self, item: QTreeWidgetItem | None) -> Any:
        """The row dataclass of a skill item; None for a plugin item or nothing."""
        if item is None or item.parent() is None:
            return None
        return item.data(0, Qt.ItemDataRole.UserRole)

    def group_of(self, item: QTreeWidgetItem | None) -> PluginGroup | None:
        """The group of a plugin item or of a skill item's plugin; None for nothing."""
        if item is None:
            return None
        top = item.parent() or item
        index = top.data(0, Qt.ItemDataRole.UserRole + 1)
        return self.groups[index] if isinstance(index, int) and index < len(self.groups) else None

    def selected_rows(self) -> list[Any]:
        """Rows of the selected skills; a selected plugin row selects all of its skills (each once,
        in view order)."""
        out: list[Any] = []
        seen: set[int] = set()
        for item in self.selectedItems():
            members = [item.child(i) for i in range(item.childCount())] if item.parent() is None else [item]
            for member in members:
                row = self.row_of(member)
                if row is not None and id(row) not in seen:
                    seen.add(id(row))
                    out.append(row)
        return out

    def plugin_item(self, plugin: str) -> QTreeWidgetItem | None:
        """The top-level item of plugin ``plugin`` (name), or None."""
        for i, group in enumerate(self.groups):
            if group.plugin == plugin:
                return self._top(i)
        return None

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        if item.parent() is None:
            item.setExpanded(not item.isExpanded())

    def plugin_menu(self, item: QTreeWidgetItem | None) -> QMenu | None:
        """The context menu of a plugin row (or one of its skills): "Import all skills of …";
        None for no item."""
        group = self.group_of(item)
        if group is None:
            return None
        menu = QMenu(self)
        action = menu.addAction(f"Import all skills of {group.title} ({len(group.items)})…")
        action.setObjectName("importPlugin")
        action.triggered.connect(lambda: self.import_plugin.emit(group))
        return menu

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802 - Qt override
        """Right-click (or the Menu key on the current row): "Import all skills of this plugin"."""
        keyboard = event.reason() == QContextMenuEvent.Reason.Keyboard
        item = self.currentItem() if keyboard else self.itemAt(event.pos())
        menu = self.plugin_menu(item)
        if menu is None:
            return
        if keyboard and item is not None:
            menu.exec(self.viewport().mapToGlobal(self.visualItemRect(item).bottomLeft()))
        else:
            menu.exec(event.globalPos())


def split_plugin_import(rows: Sequence[Any], conflict_for: Callable[[str, set[str]], Any]
                        ) -> tuple[list[tuple[CatalogSkill, ImportOptions]], list[Any], list[Any]]:
    """Plan "Import all skills of this plugin" (issue 19): what imports as proposed, what needs the
    metadata editor, what is already installed.

    Args:
        rows: the plugin's rows (``row.skill``, ``row.installed``).
        conflict_for: ``conflict_for(local_name, planned names)`` → a conflict or None (the tab's
            collision check, R-IMP-2).

    Returns:
        ``(plans, to_edit, installed)``: ``plans`` are ``(skill, ImportOptions(local_name=...))`` for
        skills whose proposed local name is free and that have a description; ``to_edit`` the rows
        whose name collides (with the destination or an earlier skill of the batch) or that lack a
        description — they go through the metadata editor as in a batch import; ``installed`` the
        rows already installed in the destination (left out).
    """
    plans: list[tuple[CatalogSkill, ImportOptions]] = []
    to_edit: list[Any] = []
    installed: list[Any] = []
    planned: set[str] = set()
    for row in rows:
        skill = row.skill
        if getattr(row, "installed", None) is not None:
            installed.append(row)
        elif not (skill.description or "").strip() or conflict_for(skill.local_name, planned) is not None:
            to_edit.append(row)
        else:
            plans.append((skill, ImportOptions(local_name=skill.local_name)))
            planned.add(skill.local_name)
    return plans, to_edit, installed


def plugin_import_question(title: str, destination_label: str, plans: int, to_edit: int, installed: int) -> str:
    """The one confirmation of "Import all skills of this plugin" (issue 19)."""
    total = plans + to_edit
    text = f"Import the {total} skill{'s' if total != 1 else ''} of {title} into {destination_label}?"
    if installed:
        text += f"\n\n{installed} already installed {'is' if installed == 1 else 'are'} left out."
    if to_edit:
        text += (f"\n\n{to_edit} need{'s' if to_edit == 1 else ''} your input first (the name is taken or there "
                 f"is no description): {'its' if to_edit == 1 else 'their'} metadata editor opens next.")
    return text


class TabCatalogue(QObject):
    """Wires a :class:`FacetPanel` and a :class:`PluginGroupView` to one registry tab (issue 19).

    The panel's facets and the tab's own row filter (e.g. "updates only", set with
    :meth:`set_base_filter`) go to the tab's filter proxy together, so the search text, the facets
    and "updates only" always combine (AND). The sort choice sets the proxy's sort key; clicking a
    column header sorts by that column again. The grouped view shows the rows the proxy lets
    through, in its order.

    Args:
        table: the tab's table view (its model is ``proxy``).
        model: the source table model (``rows()``; ``ROW_ROLE``).
        proxy: the tab's filter (``RowFilterModel`` or ``SearchFilterProxy``: ``set_row_filter``, ``set_sort_key``).
        registry_of: row → registry label (an "All registries" view); None for one registry.
    """

    def __init__(self, table: QTableView, model: Any, proxy: Any,
                 registry_of: Callable[[Any], str] | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent or table)
        self.table, self.model, self.proxy, self.registry_of = table, model, proxy, registry_of
        self._base: Callable[[Any], bool] | None = None
        self._sizes: dict[tuple[str, str, str], int] | None = None
        self._listing: Any = None
        # Model changes arrive in bursts (a row per state refresh, external plugins appended):
        # recount and regroup once per burst, after the event loop has delivered them, and
        # recount at most once per RECOUNT_MS (issue 18).
        self._recount = QTimer(self)
        self._recount.setSingleShot(True)
        self._recount.timeout.connect(self._rows_changed_now)
        self._recount_clock = QElapsedTimer()
        self._regroup_timer = QTimer(self)
        self._regroup_timer.setSingleShot(True)
        self._regroup_timer.setInterval(0)
        self._regroup_timer.timeout.connect(self._regroup_now)
        self.panel = FacetPanel()
        self.groups = PluginGroupView()
        self.views = QStackedWidget()
        self.views.setObjectName("catalogueViews")
        self.views.addWidget(table)
        self.views.addWidget(self.groups)
        self._counts_stale = False
        self.views.installEventFilter(self)  # a tab shown again counts what changed while hidden
        self.panel.changed.connect(self.apply)
        self.panel.sort_changed.connect(self._sort)
        self.panel.grouping_changed.connect(self._group)
        self.panel.sort.insertItem(0, "Table column", None)
        self.panel.sort.setCurrentIndex(0)
        for signal in (model.modelReset, model.rowsInserted, model.dataChanged):
            signal.connect(self._rows_changed)
        for signal in (proxy.modelReset, proxy.rowsInserted, proxy.rowsRemoved, proxy.layoutChanged):
            signal.connect(self._regroup)
        table.horizontalHeader().sectionClicked.connect(self._header_clicked)

    def set_base_filter(self, predicate: Callable[[Any], bool] | None) -> None:
        """The tab's own row filter (e.g. "updates only"), combined with the facets."""
        self._base = predicate
        self.apply()

    def set_listing(self, listing: Any) -> None:
        """The listing shown (folder sizes for "sort by size" are read from its trees when first
        asked)."""
        if listing is not self._listing:
            self._listing = listing
            self._sizes = None

    def predicate(self) -> Callable[[Any], bool] | None:
        """The combined row filter given to the proxy (None when nothing filters)."""
        base, facets = self._base, self.panel.predicate()
        if base is None or facets is None:
            return base or facets
        return lambda row: base(row) and facets(row)

    def apply(self) -> None:
        """Give the combined filter to the proxy (the grouped view follows the proxy)."""
        self.proxy.set_row_filter(self.predicate())

    RECOUNT_MS = 250
    """Shortest time between two facet recounts while rows keep changing (issue 18: a recount of
    300 rows costs 5–10 ms of the GUI thread; a table filling in 48-row chunks recounted after
    every chunk, and every security review arriving recounted again). The first change of a
    quiet spell is counted on the next event-loop turn; the counts are at most this late."""

    def _rows_changed(self, *_: object) -> None:
        if self._recount.isActive():
            return  # this change is counted with the one already waiting
        clock = self._recount_clock
        self._recount.start(max(0, self.RECOUNT_MS - clock.elapsed()) if clock.isValid() else 0)

    SETTLE_MS = 25
    """Delay of :meth:`recount_soon`: long enough that the count does not run in the same
    event-loop pass as the last rows' insertion and repaint (together they stalled the window up
    to ~40 ms), short enough to go unnoticed."""

    def recount_soon(self) -> None:
        """Count the facets in :attr:`SETTLE_MS`, whatever the interval (the rows have stopped
        arriving: the final counts should not wait for it)."""
        self._recount.start(self.SETTLE_MS)

    def recount_now(self) -> None:
        """Count the facets over the current rows at once (a pending recount is dropped)."""
        self._recount.stop()
        self._counts_stale = False
        self._count()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if obj is self.views and event.type() == QEvent.Type.Show and self._counts_stale:
            self._counts_stale = False
            self._recount.start(0)  # the next turn, after the tab's first paint
        return False

    def _rows_changed_now(self) -> None:
        if not self.views.isVisible():
            # Issue 18: a browse tab behind another counts its facets when shown (16 registries
            # loading recounted every hidden tab's facets: 0.85 s of the GUI thread).
            self._counts_stale = True
            return
        self._count()

    def _count(self) -> None:
        self._recount_clock.start()
        self.panel.set_rows(self.model.rows(), getattr(self.model, "risks", None))
        if self.panel.sort_field():
            self._sort(self.panel.sort_field())  # new row objects: sort them too

    def size_of(self, skill: CatalogSkill) -> int | None:
        """Bytes of the skill's folder, from the listing's trees (None when unknown)."""
        if self._sizes is None:
            self._sizes = folder_sizes(self._listing) if self._listing is not None else {}
        return self._sizes.get((skill.repo, skill.commit, skill.path))

    def _sort(self, field: str) -> None:
        if not field:
            self.proxy.set_sort_key(None)
        else:
            keyed = {id(r): i for i, r in enumerate(sort_rows(self.model.rows(), field, self.registry_of,
                                                              size_of=self.size_of))}
            self.proxy.set_sort_key(lambda row: keyed.get(id(row), len(keyed)))
            header = self.table.horizontalHeader()
            with QSignalBlocker(header):
                header.setSortIndicatorShown(False)
            self.proxy.sort(0, Qt.SortOrder.AscendingOrder)
        self._regroup()

    def _header_clicked(self, _section: int) -> None:
        if self.panel.sort.currentIndex() != 0:
            with QSignalBlocker(self.panel.sort):
                self.panel.sort.setCurrentIndex(0)
            self.proxy.set_sort_key(None)
        self.table.horizontalHeader().setSortIndicatorShown(True)

    def _group(self, on: bool) -> None:
        self.views.setCurrentWidget(self.groups if on else self.table)
        self._regroup_now()

    def _regroup(self, *_: object) -> None:
        if self.panel.grouped():
            self._regroup_timer.start()

    def _regroup_now(self) -> None:
        if not self.panel.grouped():
            return
        field = self.panel.sort_field()
        self.groups.set_rows(visible_rows(self.proxy), sort=field if field in SORT_FIELDS else "plugin",
                             registry_of=self.registry_of)


class CatalogueDetails(QWidget):
    """The details pane's catalogue part (issue 19): what the plugin says about itself and the spec
    badge with its problems."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("catalogueDetails")
        self.plugin = QLabel("")
        self.plugin.setObjectName("pluginInfo")
        self.plugin.setWordWrap(True)
        self.plugin.setTextFormat(Qt.TextFormat.RichText)
        self.plugin.setOpenExternalLinks(True)
        self.plugin.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.spec = QLabel("")
        self.spec.setObjectName("specBadge")
        self.spec.setWordWrap(True)
        self.spec.setTextFormat(Qt.TextFormat.RichText)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        lay.addWidget(self.plugin)
        lay.addWidget(self.spec)
        self.show_row(None)

    def show_row(self, row: Any) -> None:
        """Show the plugin metadata and the spec check of ``row.skill``; hide for None."""
        if row is None:
            self.setVisible(False)
            return
        self.setVisible(True)
        skill: CatalogSkill = row.skill
        self.plugin.setText(plugin_html(skill))
        self.plugin.setVisible(bool(self.plugin.text()))
        check = spec_of(skill)
        self.spec.setProperty("kind", "ok" if check.valid else "warn")
        self.spec.setToolTip(spec_tooltip(check))
        if check.valid:
            self.spec.setText(f"<b>{html.escape(spec_badge_text(check))}</b> follows the Agent Skills rules")
        else:
            items = "".join(f"<li>{html.escape(p)}</li>" for p in check.problems)
            self.spec.setText(f"<b>{html.escape(spec_badge_text(check))}</b> (the import is not blocked)"
                              f"<ul style='margin:0'>{items}</ul>")
        self.spec.style().unpolish(self.spec)
        self.spec.style().polish(self.spec)


def _link(url: str | None) -> str:
    if not url:
        return ""
    safe = html.escape(url, quote=True)
    return f"<a href='{safe}'>{html.escape(url)}</a>" if url.startswith(("https://", "http://")) else safe


def plugin_html(skill: CatalogSkill) -> str:
    """The plugin's metadata as a few lines of escaped rich text ("" when it says nothing)."""
    info = skill.plugin_info
    if info.is_empty and not skill.plugin:
        return ""
    title = info.display_name or skill.plugin or ""
    lines = [f"<b>plugin</b> {html.escape(title)}"
             + (f" ({html.escape(skill.plugin)})" if skill.plugin and skill.plugin != title else "")]
    facts = []
    if info.category:
        facts.append(f"<b>category</b> {html.escape(info.category)}")
    if info.author:
        who = html.escape(info.author.label)
        if info.author.url:
            who = f"{who} · {_link(info.author.url)}"
        elif info.author.email and info.author.name:
            who = f"{who} &lt;{html.escape(info.author.email)}&gt;"
        facts.append(f"<b>author</b> {who}")
    if info.license:
        facts.append(f"<b>license</b> {html.escape(info.license)}")
    if facts:
        lines.append(" · ".join(facts))
    if info.keywords:
        lines.append("<b>keywords</b> " + html.escape(", ".join(info.keywords)))
    links = [f"<b>{label}</b> {_link(url)}" for label, url in (("homepage", info.homepage),
                                                               ("repository", info.repository)) if url]
    if links:
        lines.append(" · ".join(links))
    if info.description:
        lines.append(html.escape(info.description))
    return "<br>".join(lines)


class FiltersToggle(QToolButton):
    """The *Filters* button of the browse dialog: shows or hides every tab's facet panel (issue 19,
    a 1024×640 window per issue 15).

    The choice is remembered (``browse/filters`` in ``settings``). Until the user makes one, the
    panels are collapsed while the dialog is narrower than :attr:`WIDE` px and shown when it is
    wider. Collapsed, the button says how many facet values filter the current tab
    ("Filters (2)"). Shortcut :attr:`SHORTCUT` (not one of the keyboard contract's keys, README).

    Args:
        dialog: the browse dialog (resizes are watched; the shortcut is the dialog's).
        settings: where the choice is kept, or None (not remembered).
        current_panel: → the current tab's :class:`FacetPanel` (None when the tab has none).

    Signals:
        toggled(bool) (the button's): True when the panels are shown.
    """

    WIDE = 1280
    SHORTCUT = "Ctrl+Shift+F"
    KEY = "browse/filters"

    def __init__(self, dialog: QWidget, settings: QSettings | None,
                 current_panel: Callable[[], FacetPanel | None]) -> None:
        super().__init__(dialog)
        self.setObjectName("filtersToggle")
        self.setAccessibleName("Show or hide the filters")
        self.setCheckable(True)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.setToolTip(f"Show or hide the filters: install state, categories, authors, keywords, sort "
                        f"and grouping ({self.SHORTCUT})")
        self.dialog, self.settings, self.current_panel = dialog, settings, current_panel
        self.panels: list[tuple[FacetPanel, QSplitter | None]] = []
        saved = settings.value(self.KEY) if settings is not None else None
        self.user_choice: bool | None = None if saved is None else str(saved).lower() in ("true", "1")
        self.setChecked(self.user_choice if self.user_choice is not None else dialog.width() >= self.WIDE)
        self.toggled.connect(self._apply)
        self.clicked.connect(self._chosen)
        action = QAction(dialog)
        action.setShortcut(QKeySequence(self.SHORTCUT))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(self.click)
        dialog.addAction(action)
        self.action = action
        dialog.installEventFilter(self)
        self.refresh()

    def add_panel(self, panel: FacetPanel, splitter: QSplitter | None = None) -> None:
        """Follow ``panel`` (shown or hidden with the button; its count on the button); the
        ``splitter`` holding it keeps the table's share when the panel comes back."""
        if any(p is panel for p, _s in self.panels):
            return
        self.panels.append((panel, splitter))
        panel.changed.connect(self.refresh)
        panel.setVisible(self.isChecked())

    def _chosen(self, on: bool) -> None:
        self.user_choice = on
        if self.settings is not None:
            self.settings.setValue(self.KEY, on)

    def _apply(self, on: bool) -> None:
        for panel, splitter in self.panels:
            panel.setVisible(on)
            keeper = splitter.findChild(QObject, "splitShares") if splitter is not None else None
            if keeper is not None and hasattr(keeper, "apply"):
                keeper.apply()
        self.refresh()

    def refresh(self, *_: object) -> None:
        """The label: "Filters", or "Filters (N)" when collapsed with N facet values checked."""
        panel = self.current_panel()
        n = panel.active_count() if panel is not None and not self.isChecked() else 0
        self.setText(f"Filters ({n})" if n else "Filters")
        what = f", {n} active" if n else ""
        self.setAccessibleDescription(("Filters shown" if self.isChecked() else "Filters hidden") + what)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if obj is self.dialog and event.type() == QEvent.Type.Resize and self.user_choice is None:
            wide = self.dialog.width() >= self.WIDE
            if wide != self.isChecked():
                self.setChecked(wide)
        return False
