"""``RowFilterModel``, the browse table's filter (issue 18): the same rows in the same order as
``SearchFilterProxy`` through any sequence of filter, sort and source changes; one signal per
keystroke; selection and current row follow their rows; Qt's model tester stays quiet."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt
from PySide6.QtWidgets import QTableView

from skill_studio.core.models import CatalogSkill, InstallState, SkillMetadata
from skill_studio.ui.models import ROW_ROLE, CatalogRow, CatalogTableModel, RowFilterModel, SearchFilterProxy

pytestmark = pytest.mark.gui

WORDS = ["pdf", "form", "tool", "docs", "chart", "agent", "data", "web"]


def row(i: int, rng: random.Random) -> CatalogRow:
    name = f"{rng.choice(WORDS)}-{rng.choice(WORDS)}-{i}"
    desc = " ".join(rng.choice(WORDS) for _ in range(4))
    meta = SkillMetadata(name=name, name_valid=True, local_name=name, description=desc, version=None)
    skill = CatalogSkill(f"p{i % 5}:{name}", name, name, True, f"p{i % 5}", f"skills/{name}",
                         f"1.{i % 4}.0", desc, "o/r", "a" * 40, meta)
    return CatalogRow(skill, rng.choice(list(InstallState)))


def installed(r: CatalogRow) -> bool:
    return r.state is not InstallState.NOT_INSTALLED


def shown(model) -> list[str]:  # type: ignore[no-untyped-def]
    return [model.index(r, 0).data(ROW_ROLE).skill.qualified_name for r in range(model.rowCount())]


def sorted_model(rows: list[CatalogRow]) -> CatalogTableModel:
    model = CatalogTableModel()
    model.sort(CatalogTableModel.NAME)
    model.set_rows(rows)
    return model


def filtered_over(rows: list[CatalogRow]) -> tuple[CatalogTableModel, RowFilterModel]:
    model = sorted_model(rows)
    filtered = RowFilterModel()
    filtered.setSourceModel(model)
    complete(filtered)
    return model, filtered


def complete(filtered: RowFilterModel) -> None:
    """Let the paint mirror copy the rows of a big reset (a few event-loop turns)."""
    from PySide6.QtCore import QCoreApplication

    while not filtered.is_complete():
        QCoreApplication.processEvents()


def table_over(qtbot, model) -> QTableView:  # type: ignore[no-untyped-def]
    """A table view over ``model``, closed with the test."""
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    return view


def pair(rows: list[CatalogRow]) -> tuple[CatalogTableModel, SearchFilterProxy, CatalogTableModel, RowFilterModel]:
    a = sorted_model(rows)
    proxy = SearchFilterProxy()
    proxy.setSourceModel(a)
    return (a, proxy, *filtered_over(rows))


def apply(op: tuple, a: CatalogTableModel, proxy: SearchFilterProxy, b: CatalogTableModel, filtered: RowFilterModel,
          rng: random.Random, made: int) -> int:
    """Do one generated operation to both pairs (text, predicate, append, sort, replace, reset);
    returns the number of rows made so far."""
    if op[0] == "text":
        proxy.set_filter_text(op[1])
        filtered.set_filter_text(op[1])
    elif op[0] == "predicate":
        proxy.set_row_filter(installed if op[1] else None)
        filtered.set_row_filter(installed if op[1] else None)
    elif op[0] == "append":
        new = [row(made + k, rng) for k in range(op[1])]
        made += op[1]
        a.append_rows(new)
        b.append_rows(new)
    elif op[0] == "sort":
        order = Qt.SortOrder.DescendingOrder if op[2] else Qt.SortOrder.AscendingOrder
        proxy.sort(op[1], order)
        filtered.sort(op[1], order)
    elif op[0] == "replace" and a.rowCount():
        at = op[1] % a.rowCount()
        old = a.row_at(at)
        new_row = CatalogRow(old.skill, op[2])
        a.replace_row(at, new_row)
        b.replace_row(next(i for i, r in enumerate(b.rows_in_order()) if r is old), new_row)
    elif op[0] == "reset":
        fresh = [row(made + k, rng) for k in range(op[1])]
        made += op[1]
        a.set_rows(fresh)
        b.set_rows(fresh)
    elif op[0] == "defer":
        filtered.set_deferred(op[1])
    return made


OPS = st.lists(st.one_of(
    st.tuples(st.just("text"), st.sampled_from(["", "p", "pd", "pdf", "pdf f", "form", "da we", "p3:", "zzz"])),
    st.tuples(st.just("predicate"), st.booleans()),
    st.tuples(st.just("append"), st.integers(1, 12)),
    st.tuples(st.just("sort"), st.sampled_from([CatalogTableModel.NAME, CatalogTableModel.VERSION,
                                                 CatalogTableModel.STATE, -1]), st.booleans()),
    st.tuples(st.just("replace"), st.integers(0, 10_000), st.sampled_from(list(InstallState))),
    st.tuples(st.just("reset"), st.integers(0, 20)),
    st.tuples(st.just("defer"), st.booleans()),
), max_size=14)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 1000), ops=OPS)
def test_shows_what_the_sort_filter_proxy_shows_through_any_changes(seed: int, ops: list[tuple]) -> None:
    rng = random.Random(seed)
    rows = [row(i, rng) for i in range(40)]
    a, proxy, b, filtered = pair(rows)
    made = len(rows)
    deferred = False
    for op in ops:
        made = apply(op, a, proxy, b, filtered, rng, made)
        deferred = op[1] if op[0] == "defer" else deferred
        if not deferred:  # a deferred filter (a tab behind another) tells Qt when it is shown
            assert shown(filtered) == shown(proxy), op
        for r in range(filtered.rowCount()):  # what the view paints is what the source says
            source_row = b.rows_in_order().index(filtered.index(r, 0).data(ROW_ROLE))
            assert [filtered.index(r, c).data() for c in range(b.columnCount())] == \
                [b.cell(source_row, c, Qt.ItemDataRole.DisplayRole) for c in range(b.columnCount())], op
        assert filtered.visible_rows() == [proxy.index(r, 0).data(ROW_ROLE) for r in range(proxy.rowCount())]
        assert filtered.shown_count() == proxy.rowCount(), op
    filtered.set_deferred(False)
    assert shown(filtered) == shown(proxy)


def test_model_tester_is_quiet_through_filtering_arrivals_sorting_and_changes(qtmodeltester) -> None:
    rng = random.Random(5)
    model, filtered = filtered_over([row(i, rng) for i in range(50)])
    qtmodeltester.check(filtered, force_py=True)
    filtered.set_filter_text("pdf")
    model.append_rows([row(100 + k, rng) for k in range(10)])
    filtered.set_row_filter(installed)
    model.sort(CatalogTableModel.VERSION, Qt.SortOrder.DescendingOrder)
    model.replace_row(0, CatalogRow(model.row_at(0).skill, InstallState.NOT_INSTALLED))
    filtered.set_filter_text("")
    filtered.set_row_filter(None)
    assert filtered.rowCount() == model.rowCount() == 60


def test_a_keystroke_is_one_layout_change_and_arrivals_are_inserted_rows() -> None:
    rng = random.Random(9)
    model, filtered = filtered_over([row(i, rng) for i in range(500)])
    heard: list[str] = []
    for name in ("layoutChanged", "rowsInserted", "rowsRemoved", "modelReset"):
        getattr(filtered, name).connect(lambda *_, n=name: heard.append(n))
    filtered.set_filter_text("pdf")
    assert heard == ["layoutChanged"]
    assert 0 < filtered.rowCount() < 500
    heard.clear()
    filtered.set_filter_text("PDF ")  # same words: nothing to do
    assert heard == []
    new = [row(1000 + k, rng) for k in range(20)]
    model.append_rows(new)
    expected = sum("pdf" in f"{r.skill.qualified_name}\n{r.skill.description}".casefold() for r in new)
    assert set(heard) <= {"rowsInserted"} and "modelReset" not in heard
    assert filtered.rowCount() == sum("pdf" in f"{r.skill.qualified_name}\n{r.skill.description}".casefold()
                                      for r in model.rows())
    assert expected > 0 and len(heard) >= 1


def test_selection_and_current_row_follow_their_rows_and_leave_with_them(qtbot) -> None:
    rng = random.Random(11)
    model, filtered = filtered_over([row(i, rng) for i in range(200)])
    view = table_over(qtbot, filtered)
    view.setSortingEnabled(True)
    view.sortByColumn(CatalogTableModel.NAME, Qt.SortOrder.AscendingOrder)
    target = next(r for r in model.rows() if "pdf" in r.skill.qualified_name and "form" not in r.skill.qualified_name
                  and "form" not in (r.skill.description or ""))
    at = filtered.mapFromSource(model.index(model.rows_in_order().index(target), 0))
    assert at.isValid()
    view.selectionModel().setCurrentIndex(at, QItemSelectionModel.SelectionFlag.ClearAndSelect
                                          | QItemSelectionModel.SelectionFlag.Rows)

    def selected() -> list[CatalogRow]:
        return [filtered.index(i.row(), 0).data(ROW_ROLE) for i in view.selectionModel().selectedRows()]

    filtered.set_filter_text(target.skill.name.split("-")[0])  # narrows, keeps the row
    assert selected() == [target]
    assert view.currentIndex().data(ROW_ROLE) is target
    view.sortByColumn(CatalogTableModel.NAME, Qt.SortOrder.DescendingOrder)  # the source sorts again
    assert selected() == [target]
    assert filtered.mapToSource(view.currentIndex()).data(ROW_ROLE) is target
    filtered.set_filter_text("pdf form")  # the row leaves: so does its selection
    assert selected() == []
    assert not view.currentIndex().isValid()
    assert filtered.mapFromSource(model.index(model.rows_in_order().index(target), 0)) == QModelIndex()


def test_a_changed_row_leaves_or_joins_under_a_row_filter() -> None:
    rng = random.Random(13)
    rows = [row(i, rng) for i in range(30)]
    model, filtered = filtered_over(rows)
    filtered.set_row_filter(installed)
    before = filtered.rowCount()
    src = next(i for i, r in enumerate(model.rows_in_order()) if installed(r))
    model.replace_row(src, CatalogRow(model.row_at(src).skill, InstallState.NOT_INSTALLED))
    assert filtered.rowCount() == before - 1
    src = next(i for i, r in enumerate(model.rows_in_order()) if not installed(r))
    model.replace_row(src, CatalogRow(model.row_at(src).skill, InstallState.UP_TO_DATE))
    assert filtered.rowCount() == before
    assert all(installed(r) for r in filtered.visible_rows())


def test_a_deferred_filter_counts_at_once_and_tells_qt_when_shown() -> None:
    """A tab behind another (issue 18): its filter changes are counted (``shown_count``,
    ``visible_rows``, ``counted``) without a word to Qt; undeferred, Qt hears one layout change."""
    rows = [row(i, random.Random(i)) for i in range(30)]
    _, reference, model, filtered = pair(rows)
    told: list[str] = []
    filtered.layoutChanged.connect(lambda *_: told.append("layout"))
    filtered.rowsRemoved.connect(lambda *_: told.append("removed"))
    filtered.counted.connect(lambda: told.append("counted"))
    filtered.set_deferred(True)
    filtered.set_filter_text("da")
    reference.set_filter_text("da")
    wanted = [reference.index(r, 0).data(ROW_ROLE) for r in range(reference.rowCount())]
    assert 0 < len(wanted) < 30
    assert told == ["counted"], "Qt hears nothing while deferred"
    assert filtered.rowCount() == 30 and filtered.shown_count() == len(wanted)
    assert filtered.visible_rows() == wanted
    filtered.set_deferred(False)
    assert told == ["counted", "layout"]
    assert shown(filtered) == [r.skill.qualified_name for r in wanted]
    assert filtered.shown_count() == filtered.rowCount() == len(wanted)
    # Deferred again: a source change meanwhile gives Qt the held filter first, rows land right.
    filtered.set_deferred(True)
    filtered.set_filter_text("")
    model.append_rows([row(100, random.Random(100))])
    assert filtered.rowCount() == 31 == filtered.shown_count()


def test_refuses_a_source_that_does_not_sort_itself() -> None:
    from skill_studio.ui.models import InstalledTableModel

    with pytest.raises(ValueError, match="does not sort itself"):
        RowFilterModel().setSourceModel(InstalledTableModel())


def test_cell_answers_what_data_answers_and_the_filter_answers_what_its_source_does() -> None:
    from skill_studio.ui.models import BADGES_ROLE, MIRRORED_ROLES, SEARCH_ROLE, SORT_ROLE

    rng = random.Random(17)
    model, filtered = filtered_over([row(i, rng) for i in range(25)])
    filtered.set_filter_text("a")
    roles = [int(Qt.ItemDataRole.DisplayRole), int(Qt.ItemDataRole.ToolTipRole), SORT_ROLE, BADGES_ROLE,
             SEARCH_ROLE, ROW_ROLE]
    for r in range(model.rowCount()):
        for c in range(model.columnCount()):
            for role in roles:
                assert model.cell(r, c, role) == model.index(r, c).data(role), (r, c, role)
    assert 0 < filtered.rowCount() < 25
    for r in range(filtered.rowCount()):
        source_row = model.rows_in_order().index(filtered.index(r, 0).data(ROW_ROLE))
        for c in range(filtered.columnCount()):
            index = filtered.index(r, c)
            for role in roles:  # the source's answer, through cell()
                assert filtered.cell(r, c, role) == model.cell(source_row, c, role), (r, c, role)
            for role in MIRRORED_ROLES:  # and through Qt, from the paint mirror
                assert index.data(role) == model.cell(source_row, c, role), (r, c, role)
            # tooltips are made when shown, not held by the mirror
            assert index.data(Qt.ItemDataRole.ToolTipRole) is None
            assert filtered.tooltip(index) == model.cell(source_row, c, Qt.ItemDataRole.ToolTipRole)
    assert filtered.cell(filtered.rowCount(), 0, ROW_ROLE) is None
    assert filtered.tooltip(QModelIndex()) is None


def test_a_repaint_over_the_filter_runs_no_python(qtbot) -> None:
    """Issue 18: each call from a paint into Python takes the interpreter lock back; with other
    threads running Python, a repaint over the Python models took 31-79 ms instead of 6."""
    import sys

    from skill_studio.ui.widgets import LazyTipDelegate, setup_table

    rng = random.Random(19)
    model, filtered = filtered_over([row(i, rng) for i in range(300)])
    view = table_over(qtbot, filtered)
    setup_table(view, CatalogTableModel.DESCRIPTION)
    view.setItemDelegate(LazyTipDelegate(view))
    view.resize(900, 600)
    view.show()
    qtbot.waitExposed(view)
    filtered.set_filter_text("a")
    view.viewport().grab()  # first paint: fonts, caches
    called: list[str] = []

    def profile(frame, event, arg):  # type: ignore[no-untyped-def]
        if event == "call":
            called.append(f"{frame.f_code.co_filename}:{frame.f_code.co_name}")

    sys.setprofile(profile)
    try:
        view.viewport().grab()
    finally:
        sys.setprofile(None)
    assert any("fit.py:eventFilter" in c for c in called), called  # the viewport did paint
    assert [c for c in called if "skill_studio" in c and "fit.py" not in c] == []
    # the same table over the Python model itself calls into Python for every painted cell
    view.setModel(model)
    view.viewport().grab()
    sys.setprofile(profile)
    try:
        view.viewport().grab()
    finally:
        sys.setprofile(None)
    assert sum("skill_studio" in c for c in called) > 50


@pytest.mark.qt_log_ignore("This plugin does not support raise")
def test_tooltips_are_made_when_shown(qtbot) -> None:
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QApplication, QToolTip

    from skill_studio.ui.widgets import LazyTipDelegate

    rng = random.Random(23)
    model, filtered = filtered_over([row(i, rng) for i in range(20)])
    view = table_over(qtbot, filtered)
    view.setItemDelegate(LazyTipDelegate(view))
    view.resize(700, 400)
    view.show()
    qtbot.waitExposed(view)
    filtered.set_filter_text("pdf")
    index = filtered.index(0, CatalogTableModel.NAME)
    at = view.visualRect(index).center()
    QApplication.sendEvent(view.viewport(), QHelpEvent(QHelpEvent.Type.ToolTip, at, view.viewport().mapToGlobal(at)))
    target = index.data(ROW_ROLE)
    assert QToolTip.text() == f"{target.skill.qualified_name}\n{target.skill.path}"
    QToolTip.hideText()


def test_the_description_shown_is_cut_to_what_its_column_can_show(qtbot) -> None:
    long = "word " * 300
    meta = SkillMetadata(name="long", name_valid=True, local_name="long", description=long, version=None)
    skill = CatalogSkill("p:long", "long", "long", True, "p", "skills/long", "1.0.0", long, "o/r", "a" * 40, meta)
    model = CatalogTableModel()
    model.set_rows([CatalogRow(skill)])
    index = model.index(0, CatalogTableModel.DESCRIPTION)
    assert index.data() == " ".join(long.split())  # no view told the model its width: all of it
    view = QTableView()
    qtbot.addWidget(view)
    from skill_studio.ui.widgets import follow_column_width

    view.setModel(model)
    follow_column_width(view, CatalogTableModel.DESCRIPTION, model.set_description_width)
    view.horizontalHeader().resizeSection(CatalogTableModel.DESCRIPTION, 300)
    filtered = RowFilterModel()
    filtered.setSourceModel(model)
    shown = index.data()
    assert filtered.index(0, CatalogTableModel.DESCRIPTION).data() == shown  # the paint mirror heard of it
    assert shown.endswith("…") and 80 <= len(shown) <= 300 // 3 + 16 + CatalogTableModel.DESCRIPTION_STEP + 1
    assert view.fontMetrics().horizontalAdvance(shown) > 300  # still wider than the column: Qt elides it
    changes: list[object] = []
    model.dataChanged.connect(lambda *a: changes.append(a))
    view.horizontalHeader().resizeSection(CatalogTableModel.DESCRIPTION, 310)  # a column fitter's nudge
    assert changes == [] and index.data() == shown, "a few pixels more cut nothing new (nothing copied again)"
    view.horizontalHeader().resizeSection(CatalogTableModel.DESCRIPTION, 900)
    assert len(changes) == 1 and len(index.data()) > len(shown)
    assert "word " * 100 in index.data(Qt.ItemDataRole.ToolTipRole).replace("\n", " ") + " "  # the tooltip keeps it all


def test_the_all_registries_model_follows_its_tabs_narrowly() -> None:
    """Issue 18: the *All registries* tab follows its registry tabs with inserted and replaced
    rows (each reset copies every row into the filter's paint mirror); anything else resets."""
    from types import SimpleNamespace

    from skill_studio.ui.all_registries import AllRegistriesModel

    rng = random.Random(29)
    a = SimpleNamespace(registry=SimpleNamespace(name="a"))
    b = SimpleNamespace(registry=SimpleNamespace(name="b"))
    rows_a, rows_b = [row(i, rng) for i in range(10)], [row(100 + i, rng) for i in range(6)]
    model = AllRegistriesModel()
    model.sort(AllRegistriesModel.NAME)
    filtered = RowFilterModel()
    filtered.setSourceModel(model)
    old = [(a, rows_a[:6]), (b, rows_b[:4])]
    model.set_sources(old)  # type: ignore[arg-type]
    heard: list[str] = []
    for name in ("modelReset", "rowsInserted", "dataChanged", "layoutChanged"):
        getattr(model, name).connect(lambda *_, n=name: heard.append(n))

    def names(m) -> list[str]:  # type: ignore[no-untyped-def]
        return sorted(r.skill.qualified_name for r in m.rows())

    grown = [(a, rows_a[:7]), (b, rows_b)]  # rows arrived in both tabs (3: fewer than half)
    model.follow_sources(old, grown)  # type: ignore[arg-type]
    assert "modelReset" not in heard and "rowsInserted" in heard
    assert names(model) == sorted(r.skill.qualified_name for r in rows_a[:7] + rows_b)
    assert model.registry_of(rows_b[5]) == "b" and model.registry_of(rows_a[6]) == "a"
    assert shown(filtered) == [model.index(i, 0).data(ROW_ROLE).skill.qualified_name for i in range(model.rowCount())]

    heard.clear()
    changed = CatalogRow(rows_a[2].skill, InstallState.CUSTOMIZED)
    replaced = [(a, rows_a[:2] + [changed] + rows_a[3:7]), (b, rows_b)]  # an import changed a row's state
    model.follow_sources(grown, replaced)  # type: ignore[arg-type]
    assert "modelReset" not in heard and "dataChanged" in heard
    assert any(r is changed for r in model.rows()) and not any(r is rows_a[2] for r in model.rows())
    assert model.registry_of(changed) == "a"
    source_row = next(i for i, r in enumerate(model.rows_in_order()) if r is changed)
    assert filtered.index(filtered.mapFromSource(model.index(source_row, 0)).row(), 0).data(ROW_ROLE) is changed

    heard.clear()
    model.follow_sources(replaced, [(b, rows_b)])  # type: ignore[arg-type]  # a tab went away
    assert heard == ["modelReset"] and names(model) == sorted(r.skill.qualified_name for r in rows_b)
    assert model.registry_of(rows_a[0]) == ""

    heard.clear()  # a big tab arriving: one reset, not hundreds of insertions
    model.follow_sources([(b, rows_b)], [(b, rows_b), (a, rows_a)])  # type: ignore[arg-type]
    assert heard == ["modelReset"] and model.rowCount() == 16 and model.registry_of(rows_a[9]) == "a"


def test_words_that_narrow_nothing_still_filter_the_rows_that_arrive_later() -> None:
    """A keystroke that leaves the rows shown as they are tells nobody (issue 18: 1-3 ms instead
    of a filter pass and a repaint); the words still apply to the rows that arrive after it."""
    def named(i: int, name: str) -> CatalogRow:
        meta = SkillMetadata(name=name, name_valid=True, local_name=name, description="a skill", version=None)
        return CatalogRow(CatalogSkill(f"p:{name}", name, name, True, "p", f"skills/{name}", "1.0.0",
                                       "a skill", "o/r", "a" * 40, meta))

    model, filtered = filtered_over([named(i, f"pdf-{i}") for i in range(5)])
    heard: list[str] = []
    for name in ("layoutChanged", "rowsInserted", "rowsRemoved", "modelReset"):
        getattr(filtered, name).connect(lambda *_, n=name: heard.append(n))
    filtered.set_filter_text("pdf")  # every row has it
    assert heard == [] and filtered.rowCount() == 5
    model.append_rows([named(9, "docs-9"), named(10, "pdf-10")])
    assert sorted(shown(filtered)) == sorted(f"p:pdf-{i}" for i in (0, 1, 2, 3, 4, 10))
    assert filtered.visible_rows() == [filtered.index(r, 0).data(ROW_ROLE) for r in range(filtered.rowCount())]


def test_a_big_reset_is_copied_over_several_turns_and_arrivals_meanwhile_land_right(qtbot) -> None:
    """Issue 18: 5,000 rows copied into the paint mirror at once held the GUI thread 240 ms."""
    from PySide6.QtCore import QCoreApplication

    from skill_studio.ui.models import _PaintMirror

    rng = random.Random(31)
    chunk = _PaintMirror.BUILD_CHUNK
    model, filtered = filtered_over([row(i, rng) for i in range(10)])
    filtered.set_filter_text("a")
    model.set_rows([row(100 + i, rng) for i in range(3 * chunk)])
    assert not filtered.is_complete()
    assert filtered.sourceModel() is model and filtered._mirror.rowCount() == chunk  # the first rows at once
    model.append_rows([row(5000 + i, rng) for i in range(30)])  # arrivals while the rest is copied
    model.replace_row(3, CatalogRow(model.row_at(3).skill, InstallState.CUSTOMIZED))
    turns = 0
    while not filtered.is_complete():
        QCoreApplication.processEvents()
        turns += 1
    assert turns >= 2
    expected = [r.skill.qualified_name for r in filtered.visible_rows()]
    assert shown(filtered) == expected and len(expected) > chunk
    mirror = filtered._mirror
    assert [mirror.index(i, 0).data(ROW_ROLE) for i in range(mirror.rowCount())] == model.rows_in_order()


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 1000), ops=st.lists(st.one_of(
    st.tuples(st.just("text"), st.sampled_from(["", "p", "pdf", "form", "da we", "zzz"])),
    st.tuples(st.just("predicate"), st.booleans()),
    st.tuples(st.just("append"), st.integers(1, 12)),
    st.tuples(st.just("sort"), st.sampled_from([CatalogTableModel.NAME, CatalogTableModel.STATE, -1]), st.booleans()),
    st.tuples(st.just("replace"), st.integers(0, 10_000), st.sampled_from(list(InstallState))),
    st.tuples(st.just("reset"), st.integers(0, 40)),
    st.tuples(st.just("turn"), st.just(0)),
), max_size=14))
def test_the_mirror_copied_over_several_turns_matches_its_source_through_any_changes(seed: int, ops: list[tuple]) -> None:
    """A small BUILD_CHUNK: resets are copied over several turns while rows arrive, change and
    move; the mirror's first rows are always the source's, and once complete the filter shows
    what the sort/filter proxy shows."""
    from PySide6.QtCore import QCoreApplication


    rng = random.Random(seed)
    rows = [row(i, rng) for i in range(20)]
    a, proxy, b, filtered = pair(rows)
    mirror = filtered._mirror
    mirror.BUILD_CHUNK = 7  # this mirror only
    made = len(rows)
    for op in ops:
        if op[0] == "turn":
            QCoreApplication.processEvents()
        else:
            made = apply(op, a, proxy, b, filtered, rng, made)
        copied = [mirror.index(i, 0).data(ROW_ROLE) for i in range(mirror.rowCount())]
        assert copied == b.rows_in_order()[:len(copied)], op
        assert filtered.visible_rows() == [proxy.index(r, 0).data(ROW_ROLE) for r in range(proxy.rowCount())], op
    complete(filtered)
    assert shown(filtered) == shown(proxy)
    assert filtered.visible_rows() == [proxy.index(r, 0).data(ROW_ROLE) for r in range(proxy.rowCount())]
