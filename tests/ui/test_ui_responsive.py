"""A GUI that does not stall (issue 18 §3), checked by behaviour, not by timing: arrivals insert only
their rows at their sorted places (no reset, no re-sort), arrivals are shown once per burst, the
filter keeps its answers while working from precomputed keys, a painted cell gets every role in
one call with the answers of ``data()``, and the column fitter measures only what changed."""

from __future__ import annotations

import json
import random

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem, QTableView
from uitools import assert_no_background_work, shown_names, tab_of, wait_loaded

from skill_studio.app.studio import SkillStudio
from skill_studio.core.models import CatalogSkill, Destination, InstallState, SkillMetadata
from skill_studio.ui.browse_dialog import PartialData, RegistryTab, TabData, compute_rows
from skill_studio.ui.models import (
    BADGES_ROLE,
    ROW_ROLE,
    SEARCH_ROLE,
    SORT_ROLE,
    CatalogRow,
    CatalogTableModel,
    SearchFilterProxy,
)
from skill_studio.ui.widgets import BadgeDelegate, setup_table

pytestmark = pytest.mark.gui

WORDS = ["pdf", "form", "tool", "docs", "slide", "chart", "review", "test"]


def row(i: int, rng: random.Random) -> CatalogRow:
    """A synthetic row: names, versions, descriptions and states drawn from small sets (ties)."""
    name = f"{rng.choice(WORDS)}-{rng.choice(WORDS)}"
    desc = " ".join(rng.choice(WORDS) for _ in range(4)) if rng.random() > 0.1 else None
    version = rng.choice(["1.0.0", "1.2.0", "1.10.0", "2.0.0-rc.1", None])
    meta = SkillMetadata(name=name, name_valid=True, local_name=name, description=desc, version=version)
    skill = CatalogSkill(f"p{i % 5}:{name}", name, name, True, f"p{i % 5}", f"skills/{name}-{i}", version, desc,
                         "o/r", "a" * 40, meta)
    return CatalogRow(skill, rng.choice(list(InstallState)), name_taken=rng.random() < 0.2)


def order(model: CatalogTableModel) -> list[int]:
    return [id(model.row_at(i)) for i in range(model.rowCount())]


@pytest.mark.parametrize("column", [CatalogTableModel.NAME, CatalogTableModel.VERSION, CatalogTableModel.STATE,
                                    CatalogTableModel.DESCRIPTION])
@pytest.mark.parametrize("descending", [False, True])
def test_arrivals_take_their_sorted_places_without_reset_or_resort(column: int, descending: bool) -> None:
    rng = random.Random(column * 2 + descending)
    sort_order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
    model = CatalogTableModel()
    model.sort(column, sort_order)
    first = [row(i, rng) for i in range(40)]
    model.set_rows(first)
    events: list[str] = []
    model.modelReset.connect(lambda: events.append("reset"))
    model.layoutChanged.connect(lambda *_: events.append("layout"))
    model.dataChanged.connect(lambda *_: events.append("data"))
    inserted: list[int] = []
    model.rowsInserted.connect(lambda _p, a, b: inserted.extend(range(a, b + 1)))
    arrived = list(first)
    for n in (1, 7, 25, 3):  # external plugins arriving
        chunk = [row(len(arrived) + k, rng) for k in range(n)]
        before = model.rowCount()
        inserted.clear()
        model.append_rows(chunk)
        arrived += chunk
        assert events == [], "an arrival never resets, re-lays out or rewrites the rows shown"
        assert len(inserted) == n and model.rowCount() == before + n
        assert {id(model.row_at(i)) for i in inserted} == {id(r) for r in chunk}  # exactly its rows
        fresh = CatalogTableModel()  # the same rows sorted at once: the same order (stable in arrival)
        fresh.sort(column, sort_order)
        fresh.set_rows(arrived)
        assert order(model) == order(fresh)
    assert model.rows() == arrived  # arrival (catalog) order is kept apart


def test_filter_answers_equal_a_plain_substring_test_while_narrowing_and_widening() -> None:
    rng = random.Random(7)
    rows = [row(i, rng) for i in range(600)]
    model = CatalogTableModel()
    model.sort(CatalogTableModel.NAME)
    model.set_rows(rows)
    proxy = SearchFilterProxy()
    proxy.setSourceModel(model)

    def shown() -> set[int]:
        return {id(proxy.index(r, 0).data(ROW_ROLE)) for r in range(proxy.rowCount())}

    def expected(text: str, predicate=None) -> set[int]:  # type: ignore[no-untyped-def]
        terms = text.casefold().split()
        out = set()
        for r in rows:
            hay = f"{r.skill.qualified_name}\n{r.skill.description or ''}".casefold()
            if all(t in hay for t in terms) and (predicate is None or predicate(r)):
                out.add(id(r))
        return out

    text = "PDF form  TOOL"
    steps = [text[:i] for i in range(1, len(text) + 1)] + [text[:i] for i in range(len(text) - 1, -1, -1)]
    for t in steps:
        proxy.set_filter_text(t)
        assert shown() == expected(t), t
    installed = (lambda r: r.state is not InstallState.NOT_INSTALLED)  # noqa: E731 - a row filter
    proxy.set_row_filter(installed)
    for t in ("", "docs", "docs rev", "p3:"):
        proxy.set_filter_text(t)
        assert shown() == expected(t, installed), t
    model.append_rows([row(1000 + k, rng) for k in range(30)])  # rows arriving under a filter
    rows = model.rows()
    assert shown() == expected("p3:", installed)
    proxy.set_row_filter(None)
    proxy.set_filter_text("")
    assert proxy.rowCount() == len(rows)


def test_a_painted_cell_gets_the_answers_of_data_in_one_call() -> None:
    rng = random.Random(3)
    rows = [row(i, rng) for i in range(30)]
    rows.append(CatalogRow(CatalogSkill("p:warned", "warned", "warned", True, "p", "skills/warned", None, None,
                                        "o/r", "a" * 40, None, "", ("no description",))))
    model = CatalogTableModel()
    model.set_rows(rows)
    proxy = SearchFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_filter_text("-")  # a proxy that maps rows (not the identity)
    calls: list[int] = []
    original = CatalogTableModel.multiData
    model.multiData = lambda index, span: (calls.append(1), original(model, index, span))  # type: ignore[method-assign]
    delegate = QStyledItemDelegate()
    for r in range(proxy.rowCount()):
        for c in range(proxy.columnCount()):
            index = proxy.index(r, c)
            option = QStyleOptionViewItem()
            delegate.initStyleOption(option, index)  # Qt asks font, alignment, colours, check, icon, text
            assert option.text == (index.data() or "")
            has_icon = bool(option.features & QStyleOptionViewItem.ViewItemFeature.HasDecoration)
            assert has_icon == (index.data(Qt.ItemDataRole.DecorationRole) is not None)
            assert not option.features & QStyleOptionViewItem.ViewItemFeature.HasCheckIndicator
    cells = proxy.rowCount() * proxy.columnCount()
    assert cells and len(calls) == cells  # one call into the model per cell
    src = model.index(0, CatalogTableModel.STATE)
    assert model.data(src, Qt.ItemDataRole.FontRole) is None and model.data(src, BADGES_ROLE)
    assert model.data(src, ROW_ROLE) is model.row_at(0)
    assert model.data(src, SEARCH_ROLE) and model.data(src, SORT_ROLE) is not None


class CountingDelegate(BadgeDelegate):
    """A badge delegate that counts the cells it is asked to measure."""

    def __init__(self, parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self.measured: list[int] = []

    def sizeHint(self, option, index):  # type: ignore[no-untyped-def] # noqa: N802 - Qt override
        self.measured.append(index.row())
        return super().sizeHint(option, index)


def test_column_fitter_measures_arrivals_only_and_nothing_while_filtering(qtbot) -> None:
    rng = random.Random(11)
    model = CatalogTableModel()
    proxy = SearchFilterProxy()
    proxy.setSourceModel(model)
    view = QTableView()
    view.setModel(proxy)
    setup_table(view, CatalogTableModel.DESCRIPTION)
    delegate = CountingDelegate(view)
    view.setItemDelegateForColumn(CatalogTableModel.STATE, delegate)
    view.sortByColumn(CatalogTableModel.NAME, Qt.SortOrder.AscendingOrder)
    view.resize(1000, 500)
    qtbot.addWidget(view)
    view.show()
    model.set_rows([row(i, rng) for i in range(120)])
    fitter = view.column_fitter  # type: ignore[attr-defined]
    fitter.fit()
    assert len(delegate.measured) == 120  # every row once
    header = view.horizontalHeader()
    fitted = [c for c in range(header.count()) if c != CatalogTableModel.DESCRIPTION]  # it takes what is left
    widths = [header.sectionSize(c) for c in range(header.count())]

    delegate.measured.clear()
    for text in ("p", "pd", "pdf", "pd", ""):  # typing a search re-measures nothing; columns hold
        proxy.set_filter_text(text)
        QCoreApplication.processEvents()
        fitter.fit()
        assert [header.sectionSize(c) for c in fitted] == [widths[c] for c in fitted]
    assert delegate.measured == []

    long_name = CatalogRow(CatalogSkill("p:" + "x" * 40, "x", "x", True, "p", "skills/x", "1.0.0", "d", "o/r",
                                        "a" * 40, None), InstallState.CUSTOMIZED, upstream_newer=True, name_taken=True)
    model.append_rows([long_name, row(500, rng)])  # an external plugin arrives
    fitter.fit()
    assert len(delegate.measured) == 2  # its rows only
    assert header.sectionSize(CatalogTableModel.NAME) > widths[CatalogTableModel.NAME]  # the longer name fits
    state_cell = model.index(model.find(long_name.skill.qualified_name), CatalogTableModel.STATE)
    option = QStyleOptionViewItem()
    view.initViewItemOption(option)
    assert header.sectionSize(CatalogTableModel.STATE) >= delegate.sizeHint(option, state_cell).width()  # badges whole


def _skill(name: str) -> str:
    return f"---\nname: {name}\ndescription: The {name} skill.\n---\n# {name}\n"


@pytest.fixture
def hub(github, use_github):  # type: ignore[no-untyped-def]
    """acme/hub: one local plugin and three external ones (acme/fast, acme/slow, a missing repo)."""
    github.add_repo_from_dir("acme", "hub", {
        ".claude-plugin/marketplace.json": json.dumps({"name": "hub", "plugins": [
            {"name": "local", "source": "./plugins/local"},
            {"name": "fast", "source": {"source": "github", "repo": "acme/fast"}},
            {"name": "slow", "source": {"source": "github", "repo": "acme/slow"}},
            {"name": "gone", "source": {"source": "github", "repo": "acme/missing"}},
        ]}),
        "plugins/local/skills/l1/SKILL.md": _skill("l1"),
        "plugins/local/skills/zz/SKILL.md": _skill("zz"),
    })
    github.add_repo_from_dir("acme", "fast", {"skills/f1/SKILL.md": _skill("f1")})
    github.add_repo_from_dir("acme", "slow", {"skills/s1/SKILL.md": _skill("s1"), "skills/s2/SKILL.md": _skill("s2")})
    use_github(github)
    return github


def test_external_arrivals_insert_only_their_rows(qtbot, hub, make_window) -> None:  # type: ignore[no-untyped-def]
    hub.hang("/repos/acme/fast/", 0.5, times=1)
    hub.hang("/repos/acme/slow/git/trees/", 1.2, times=1)  # the slow target arrives on its own
    s = SkillStudio()
    try:
        s.set_registry_enabled(s.registries()[0].source.url, False)
        s.add_registry("acme/hub")
        win = make_window(s)
        dialog = win.open_browse(Destination.LIBRARY)
        tab = tab_of(dialog, "hub")
        events: list[str] = []
        tab.model.modelReset.connect(lambda: events.append("reset"))
        tab.model.layoutChanged.connect(lambda *_: events.append("layout"))
        arrived: list[str] = []
        tab.model.rowsInserted.connect(lambda _p, a, b: arrived.extend(
            tab.model.row_at(i).skill.qualified_name for i in range(a, b + 1)))
        qtbot.waitUntil(tab.is_loaded, timeout=10000)
        assert tab.is_resolving() and sorted(shown_names(tab)) == ["local:l1", "local:zz"]
        events.clear()  # the local plugins were shown with a reset; from here on only arrivals
        arrived.clear()
        wait_loaded(qtbot, dialog)
        assert events == []
        assert sorted(arrived) == ["fast:f1", "slow:s1", "slow:s2"]  # each arrival inserted its rows only
        assert shown_names(tab) == sorted(shown_names(tab), key=str.casefold)  # at their sorted places
        dialog.close()
    finally:
        assert_no_background_work()
        s.close()


def test_arrivals_of_one_event_loop_turn_are_shown_once(qtbot, hub) -> None:  # type: ignore[no-untyped-def]
    s = SkillStudio()
    try:
        reg = s.add_registry("acme/hub")
        listing = s.resolve_external(s.list_registry(reg, external=False))
        rows = compute_rows(s, listing, Destination.LIBRARY).rows
        assert len(rows) == 5
        tab = RegistryTab(s, reg, Destination.LIBRARY)
        qtbot.addWidget(tab)
        tab.show()
        shows: list[int] = []
        original = tab.show_data
        tab.show_data = lambda data: (shows.append(len(data.rows)), original(data))  # type: ignore[method-assign]
        gen = tab._generation

        def part(n: int, done: int) -> PartialData:
            return PartialData(TabData(listing, rows[:n], {}), done, 3)

        tab._partial(gen, part(2, 0))  # the local plugins: shown at once
        assert shows == [2] and tab.model.rowCount() == 2 and tab.is_resolving()
        inserted: list[tuple[int, int]] = []
        tab.model.rowsInserted.connect(lambda _p, a, b: inserted.append((a, b)))
        for n, done in ((3, 1), (4, 2), (5, 3)):  # three arrivals queued in one turn
            tab._partial(gen, part(n, done))
        assert shows == [2] and tab.model.rowCount() == 2  # nothing shown yet
        qtbot.waitUntil(lambda: tab.model.rowCount() == 5, timeout=3000)
        assert shows == [2, 5]  # once, with the latest rows
        assert sum(b - a + 1 for a, b in inserted) == 3
        tab.stop_resolving()
    finally:
        assert_no_background_work()
        s.close()


def test_stale_arrivals_are_dropped_after_a_reload_or_stop(qtbot, hub) -> None:  # type: ignore[no-untyped-def]
    s = SkillStudio()
    try:
        reg = s.add_registry("acme/hub")
        listing = s.resolve_external(s.list_registry(reg, external=False))
        rows = compute_rows(s, listing, Destination.LIBRARY).rows
        tab = RegistryTab(s, reg, Destination.LIBRARY)
        qtbot.addWidget(tab)
        gen = tab._generation
        tab._partial(gen, PartialData(TabData(listing, rows[:2], {}), 0, 3))
        tab._partial(gen, PartialData(TabData(listing, rows, {}), 3, 3))  # pending
        assert tab.stop_resolving()
        qtbot.wait(150)
        assert tab.model.rowCount() == 2  # the pending arrival was not shown after Stop
    finally:
        assert_no_background_work()
        s.close()


def test_column_fitter_measures_a_big_burst_over_several_turns(qtbot) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(5)
    rows = [row(i, rng) for i in range(100)]

    def table() -> tuple[QTableView, CatalogTableModel, CountingDelegate]:
        model = CatalogTableModel()
        proxy = SearchFilterProxy()
        proxy.setSourceModel(model)
        view = QTableView()
        view.setModel(proxy)
        setup_table(view, CatalogTableModel.DESCRIPTION)
        delegate = CountingDelegate(view)
        view.setItemDelegateForColumn(CatalogTableModel.STATE, delegate)
        view.resize(1000, 500)
        qtbot.addWidget(view)
        view.show()
        return view, model, delegate

    at_once, model_a, _ = table()
    model_a.set_rows(rows)
    at_once.column_fitter.fit()  # type: ignore[attr-defined]
    stepped, model_b, delegate = table()
    fitter = stepped.column_fitter  # type: ignore[attr-defined]
    fitter.STEP_SECONDS = 0.0  # the smallest step: 16 cells per turn
    turns: list[int] = []
    original = fitter._fit
    fitter._fit = lambda budget: (turns.append(len(delegate.measured)), original(budget))[1]
    model_b.set_rows(rows)
    qtbot.waitUntil(lambda: not fitter._queue and len(delegate.measured) >= 100, timeout=5000)
    assert len(turns) > 5  # measured a few rows per event-loop turn, not all at once
    assert len(delegate.measured) == 100  # each row once
    header_a, header_b = at_once.horizontalHeader(), stepped.horizontalHeader()
    assert [header_b.sectionSize(c) for c in range(4)] == [header_a.sectionSize(c) for c in range(4)]


def test_a_review_arriving_changes_only_its_row() -> None:
    from skill_studio.ui.review_jobs import ReviewedCatalogModel

    rng = random.Random(9)
    model = ReviewedCatalogModel()
    model.set_rows([row(i, rng) for i in range(50)])
    names = [model.row_at(i).skill.qualified_name for i in range(model.rowCount())]
    a, b = [i for i, n in enumerate(names) if names.count(n) == 1][:2]  # rows with a name of their own
    changes: list[tuple[int, int, int, int]] = []
    model.dataChanged.connect(lambda a, b, *_: changes.append((a.row(), b.row(), a.column(), b.column())))
    assert model.set_risks({names[a]: "low"})
    assert changes == [(a, a, model.STATE, model.STATE)]
    changes.clear()
    assert model.set_risks({names[a]: "low", names[b]: "high"})  # one more review: its row only
    assert changes == [(b, b, model.STATE, model.STATE)]
    assert not model.set_risks({names[a]: "low", names[b]: "high"})
    assert "risk: high" in model.data(model.index(b, model.STATE))


def _hub_tab(qtbot, s: SkillStudio) -> tuple[RegistryTab, TabData]:  # type: ignore[no-untyped-def]
    """A shown browse tab of the fake hub's acme/hub and that listing's rows, not yet given to it."""
    reg = s.add_registry("acme/hub")
    data = compute_rows(s, s.resolve_external(s.list_registry(reg, external=False)), Destination.LIBRARY)
    tab = RegistryTab(s, reg, Destination.LIBRARY)
    qtbot.addWidget(tab)
    tab.show()
    return tab, data


def test_a_big_fill_arrives_in_chunks_over_several_turns(qtbot, hub, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Issue 18: a listing goes into the table FILL_CHUNK rows per event-loop turn (here 2 of 5), at
    their sorted places, without a reset; the selection made meanwhile stays; the tab counts as
    loaded once every row is in."""
    monkeypatch.setattr(RegistryTab, "FILL_CHUNK", 2)
    s = SkillStudio()
    try:
        tab, data = _hub_tab(qtbot, s)
        listing = data.listing
        assert len(data.rows) == 5
        chunks: list[int] = []
        resets: list[int] = []
        tab.model.rowsInserted.connect(lambda _p, a, b: chunks.append(b - a + 1))
        tab.model.modelReset.connect(lambda: resets.append(1))
        tab._loaded(tab._generation, data)
        assert tab.model.rowCount() == 2 and not tab.is_loaded()  # the rest on later turns
        assert tab.reviews.listing is None  # security reviews wait for the filled table
        first = tab.model.row_at(0).skill.qualified_name
        tab.select([first])
        qtbot.waitUntil(tab.is_loaded, timeout=3000)
        assert tab.model.rowCount() == 5 and sum(chunks) == 5 and len(chunks) >= 3 and resets == []
        assert shown_names(tab) == sorted(shown_names(tab), key=str.casefold)
        assert [r.skill.qualified_name for r in tab.selected_rows()] == [first]
        assert tab.reviews.listing is listing
    finally:
        s.close()


def test_facets_are_recounted_at_most_once_per_interval_while_rows_keep_arriving(qtbot, hub, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Issue 18: the facet panel recounts every row; while a fill arrives one row per turn it
    recounts at most once per RECOUNT_MS, except that the last chunk is counted soon after
    (SETTLE_MS), so the counts cover every row as soon as the table is full."""
    from skill_studio.ui.facets import FacetPanel, TabCatalogue

    monkeypatch.setattr(RegistryTab, "FILL_CHUNK", 1)
    monkeypatch.setattr(TabCatalogue, "RECOUNT_MS", 60_000)  # no second count inside this test's time
    counted: list[int] = []
    real = FacetPanel.set_rows
    monkeypatch.setattr(FacetPanel, "set_rows", lambda self, rows, risks=None: (counted.append(len(rows)),
                                                                                  real(self, rows, risks))[1])
    s = SkillStudio()
    try:
        tab, data = _hub_tab(qtbot, s)
        tab._loaded(tab._generation, data)
        qtbot.waitUntil(tab.is_loaded, timeout=3000)
        qtbot.waitUntil(lambda: counted[-1:] == [5], timeout=3000)  # the last chunk: counted at once
        qtbot.wait(50)
        assert len(counted) <= 2, f"five chunks, not five counts: {counted}"
        n = len(counted)
        tab.catalogue.recount_now()
        assert counted[n:] == [5]
        states = tab.catalogue.panel.states
        assert sum(int(states.item(i).text().rsplit("(", 1)[1].rstrip(")")) for i in range(states.count())) == 5
    finally:
        s.close()


def test_a_chunked_fill_paints_the_table_with_its_first_chunk_and_once_at_the_end(qtbot, hub, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Issue 18: between the first and the last chunk the table's viewport does not paint; it is
    painted again once every row is in and the column fitter has sized the columns."""
    monkeypatch.setattr(RegistryTab, "FILL_CHUNK", 2)
    s = SkillStudio()
    try:
        tab, data = _hub_tab(qtbot, s)
        viewport = tab.table.viewport()
        tab._loaded(tab._generation, data)
        assert tab.model.rowCount() == 2 and not viewport.updatesEnabled(), "held after the first chunk"
        qtbot.waitUntil(tab.is_loaded, timeout=3000)
        qtbot.waitUntil(viewport.updatesEnabled, timeout=3000)
        assert tab.table.column_fitter.is_settled()
        tab.load(force=True)  # a reload never leaves the table unpainted
        assert viewport.updatesEnabled()
    finally:
        s.close()


def test_a_browse_tab_resolves_fewer_external_plugins_at_once_than_the_cli(qtbot, hub, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Issue 18: the resolving threads kept the GUI thread waiting for the interpreter lock; a
    browse tab asks for EXTERNAL_WORKERS at a time, the CLI keeps core.external's default."""
    import skill_studio.app.studio as studio_module
    from skill_studio.core import external

    asked: list[int] = []
    real = studio_module.resolve_external

    def spy(*args, **kw):  # type: ignore[no-untyped-def]
        asked.append(kw["max_workers"])
        return real(*args, **kw)

    monkeypatch.setattr(studio_module, "resolve_external", spy)
    s = SkillStudio()
    try:
        tab, _data = _hub_tab(qtbot, s)
        assert asked == [external.DEFAULT_WORKERS]  # the helper listed it the CLI's way
        asked.clear()
        tab.load(force=True)
        qtbot.waitUntil(lambda: tab.is_loaded() and not tab.is_resolving(), timeout=10000)
        assert asked == [RegistryTab.EXTERNAL_WORKERS] and RegistryTab.EXTERNAL_WORKERS < external.DEFAULT_WORKERS
        assert sorted(shown_names(tab)) == ["fast:f1", "local:l1", "local:zz", "slow:s1", "slow:s2"]
        s.resolve_external(s.list_registry(s.registries()[-1], external=False), force=True)
        assert asked[1:] == [external.DEFAULT_WORKERS]
    finally:
        assert_no_background_work()
        s.close()
