"""Issue 15, Deliver 3: every page and the browse dialog fit 1024×640 — no button label wider than
its button, table columns inside their view with the badges whole, toolbars that collapse into a
*More* menu."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QAbstractButton, QHBoxLayout, QPushButton, QTableView, QWidget
from uitools import wait_loaded

from skill_studio.core.models import Destination
from skill_studio.ui.fit import ToolbarOverflow
from skill_studio.ui.main_window import PAGE_KEYS

SIZE = (1024, 640)


def clipped_buttons(root: QWidget) -> list[str]:
    """Visible buttons narrower than their size hint (their label would be cut)."""
    out = []
    for b in root.findChildren(QAbstractButton):
        if b.isVisibleTo(root) and b.text() and b.maximumWidth() > 0 and b.width() < b.sizeHint().width():
            out.append(f"{b.text()!r}: {b.width()} < {b.sizeHint().width()}")
    return out


def overflowing_tables(root: QWidget) -> list[str]:
    """Visible tables whose columns are wider than the view, or whose badge column is cut."""
    out = []
    for t in root.findChildren(QTableView):
        if not t.isVisibleTo(root) or t.model() is None or t.model().rowCount() == 0:
            continue
        header = t.horizontalHeader()
        used = sum(header.sectionSize(c) for c in range(header.count()) if not header.isSectionHidden(c))
        if used > t.viewport().width() + 1:
            out.append(f"{t.objectName()}: columns {used} px > view {t.viewport().width()} px")
        for c in range(header.count()):
            if getattr(t.itemDelegateForColumn(c), "keep_whole", False) and \
                    header.sectionSize(c) < t.sizeHintForColumn(c):
                out.append(f"{t.objectName()}: badge column {c} cut")
    return out


def settle(qtbot) -> None:  # type: ignore[no-untyped-def]
    for _ in range(3):
        QCoreApplication.processEvents()
        qtbot.wait(30)


def test_every_page_fits_the_minimum_size(studio, make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window(studio)
    listing = studio.list_registry(studio.registries()[0])
    for name in ("pdf", "xlsx", "docx"):
        studio.import_skill(listing, next(s for s in listing.skills if s.name == name), Destination.LIBRARY)
    window.library.refresh()
    qtbot.waitUntil(lambda: window.library.model.rowCount() == 3)
    window.library.updates.add("pdf")
    window.library.model.set_updates({"pdf"})
    assert window.minimumWidth() <= SIZE[0] and window.minimumHeight() <= SIZE[1]
    window.resize(*SIZE)
    for key in PAGE_KEYS:
        window.show_page(key)
        settle(qtbot)
        assert window.width() == SIZE[0], "the window cannot shrink to 1024 px"
        page = window.pages[key]
        assert not clipped_buttons(page), f"{key}: {clipped_buttons(page)}"
        assert not overflowing_tables(page), f"{key}: {overflowing_tables(page)}"


def test_browse_dialog_fits_the_minimum_size(studio, make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    studio.add_registry("anthropics/claude-code")
    window = make_window(studio)
    dialog = window.open_browse(Destination.LIBRARY)
    area = dialog.screen().availableGeometry()  # the offscreen screen: 800 px, smaller than 1200×760
    assert dialog.width() <= max(area.width(), dialog.minimumWidth()) and dialog.height() <= area.height(), \
        "a new dialog keeps its buttons on a small screen"
    dialog.resize(*SIZE)
    wait_loaded(qtbot, dialog)
    dialog.search.setText("skill")
    assert not dialog.filters.isChecked(), "the facet panels start collapsed below 1280 px"
    for i in range(dialog.tabs.count()):
        dialog.tabs.setCurrentIndex(i)
        settle(qtbot)
        assert not clipped_buttons(dialog), f"tab {i}: {clipped_buttons(dialog)}"
        assert not overflowing_tables(dialog.tabs.currentWidget()), overflowing_tables(dialog.tabs.currentWidget())
        widget = dialog.tabs.currentWidget()
        assert not widget.catalogue.panel.isVisible()
        header = widget.table.horizontalHeader()
        model = widget.table.model().sourceModel()
        description, name = header.sectionSize(model.DESCRIPTION), header.sectionSize(model.NAME)
        print(f"tab {i}: table {widget.table.viewport().width()} px, name {name} px, description {description} px, "
              f"details {widget.details.width()} px")
        assert description >= 180, f"tab {i}: the description gets {description} px"
        assert name >= min(160, widget.table.sizeHintForColumn(model.NAME)), f"tab {i}: the name gets {name} px"
    dialog.close()


def test_filters_toggle_folds_the_facets(studio, make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window(studio)
    dialog = window.open_browse(Destination.LIBRARY)
    dialog.resize(*SIZE)
    wait_loaded(qtbot, dialog)
    tab = dialog.tabs.currentWidget()
    settle(qtbot)
    assert dialog.filters.accessibleName() and not tab.catalogue.panel.isVisible()
    assert dialog.filters.text() == "Filters"
    qtbot.keyClick(dialog, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert dialog.filters.isChecked() and tab.catalogue.panel.isVisible()
    panel = tab.catalogue.panel
    panel.states.item(0).setCheckState(Qt.CheckState.Checked)
    dialog.filters.click()  # fold again: the count shows on the button
    assert not panel.isVisible() and dialog.filters.text() == "Filters (1)"
    assert window.settings.value("browse/filters") in (False, "false")
    dialog.close()
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog))
    again = window.open_browse(Destination.LIBRARY)
    again.resize(1600, 1000)
    settle(qtbot)
    assert not again.filters.isChecked(), "the user's choice wins over the width"
    again.close()


def test_toolbar_collapses_into_more_and_comes_back(qtbot) -> None:  # type: ignore[no-untyped-def]
    page = QWidget()
    row = QHBoxLayout(page)
    buttons = [QPushButton(f"A rather long action number {i}") for i in range(6)]
    for b in buttons:
        row.addWidget(b)
    overflow = ToolbarOverflow(page, row)
    clicked = []
    buttons[5].clicked.connect(lambda: clicked.append(5))
    qtbot.addWidget(page)
    page.resize(600, 60)
    page.show()
    qtbot.waitUntil(lambda: overflow.more.isVisible())
    assert buttons[0].width() >= buttons[0].sizeHint().width(), "the first (main) action never collapses"
    assert overflow.collapsed and overflow.collapsed[-1] is buttons[5]
    assert not clipped_buttons(page)
    overflow._fill_menu()
    actions = overflow.menu.actions()
    assert [a.text() for a in actions] == [b.text() for b in overflow.collapsed]
    actions[-1].trigger()
    assert clicked == [5]
    buttons[4].setVisible(False)  # its owner hides it: it stays out of the row and the menu
    page.resize(2400, 60)
    qtbot.waitUntil(lambda: not overflow.more.isVisible())
    assert not overflow.collapsed
    assert all(b.width() >= b.sizeHint().width() for i, b in enumerate(buttons) if i != 4)
    assert not buttons[4].isVisible()


def test_a_summary_growing_longer_moves_nothing_around_it(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Issue 18: the browse tab's summary line is an ElidedLabel; a plain label's minimum width is
    its whole text, and each longer summary made the tab's splitter share its width out again."""
    from PySide6.QtWidgets import QLabel, QSplitter

    from skill_studio.ui.widgets import ElidedLabel

    def splitter_with(label: QLabel) -> QSplitter:
        splitter = QSplitter()
        left, right = QWidget(), QWidget()
        row = QHBoxLayout(left)
        row.addWidget(label, 1)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.resize(600, 100)
        splitter.setSizes([300, 300])
        qtbot.addWidget(splitter)
        splitter.show()
        QCoreApplication.processEvents()
        return splitter

    long = "1,234 skills so far · resolving external plugins: 17 of 205… · commit 0123456789ab " * 3
    plain, elided = QLabel("12 skills"), ElidedLabel("12 skills")
    moved = splitter_with(plain)
    kept = splitter_with(elided)
    sizes = kept.sizes()
    plain.setText(long)
    elided.setText(long)
    QCoreApplication.processEvents()
    assert moved.sizes() != [300, 300]  # the plain label pushed the splitter
    assert kept.sizes() == sizes
    assert elided.text() == long and elided.toolTip() == long
    assert elided.minimumSizeHint().width() == ElidedLabel.MIN_WIDTH
    assert not elided.grab().isNull()


def test_a_table_behind_another_tab_is_fitted_when_shown(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Issue 18: with 16 registries loading, measuring the hidden tabs' tables took 2.6 s of the GUI
    thread; a hidden table is measured once its tab is shown."""
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QTabWidget

    from skill_studio.ui.fit import ColumnFitter

    tabs = QTabWidget()
    qtbot.addWidget(tabs)
    views = []
    for _ in range(2):
        view = QTableView()
        model = QStandardItemModel(0, 3)
        view.setModel(model)
        view.column_fitter = ColumnFitter(view, 2)  # type: ignore[attr-defined]
        tabs.addTab(view, "tab")
        views.append(view)
    tabs.resize(900, 400)
    tabs.show()
    qtbot.waitExposed(tabs)
    hidden = views[1]
    before = hidden.horizontalHeader().sectionSize(0)
    hidden.model().appendRow([QStandardItem("a-rather-long-skill-name-" * 3), QStandardItem("1.0"),  # type: ignore[attr-defined]
                              QStandardItem("description")])
    settle(qtbot)
    assert hidden.horizontalHeader().sectionSize(0) == before, "nothing measured while hidden"
    assert not hidden.column_fitter.is_settled()  # type: ignore[attr-defined]
    tabs.setCurrentWidget(hidden)
    qtbot.waitUntil(hidden.column_fitter.is_settled)  # type: ignore[attr-defined]
    assert hidden.horizontalHeader().sectionSize(0) > before, "fitted to the long name once shown"


def test_many_registries_fit_a_small_window_with_their_hit_counts(studio, make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Issue 18: with the 16 shared marketplaces the tab bar held the dialog 1,645 px wide, and Qt's
    own shortening cut the hit counts ("an…7)"). The names shorten, the counts stay whole, and the
    bar scrolls when even short names do not fit."""
    from conftest import marketplace_fixtures
    from PySide6.QtWidgets import QToolButton

    known = {r.source.slug.lower() for r in studio.registries()}
    for folder in marketplace_fixtures():
        slug = folder.name.replace("__", "/", 1)
        if slug.lower() not in known:
            studio.add_registry(slug)
    window = make_window(studio)
    dialog = window.open_browse(Destination.LIBRARY)
    assert dialog.minimumSizeHint().width() <= SIZE[0]
    dialog.resize(*SIZE)
    wait_loaded(qtbot, dialog, timeout=60000)
    dialog.search.setText("pdf")
    settle(qtbot)
    assert dialog.width() == SIZE[0]
    all_tab = dialog.all_tab
    assert all_tab is not None and len(dialog.tabs_list()) >= 16
    for page in [*dialog.tabs_list(), all_tab]:
        if getattr(page, "error", None):
            continue
        title = dialog.tabs.tabText(dialog.tabs.indexOf(page))
        assert title.endswith(f"({page.proxy.shown_count()} of {page.model.rowCount()})"), title
    bar = dialog.tabs.tabBar()
    assert len([b for b in bar.findChildren(QToolButton) if b.isVisible()]) == 2, "scroll arrows"
    dialog.tabs.setCurrentWidget(all_tab)  # the current tab is scrolled into sight
    settle(qtbot)
    assert bar.rect().contains(bar.tabRect(bar.currentIndex()).center())
    dialog.close()
