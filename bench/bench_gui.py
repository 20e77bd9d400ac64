#!/usr/bin/env python3
"""GUI responsiveness of issue 18, before/after side by side (prints; asserts nothing).

Per side (``src/`` of a git ref, default :data:`BEFORE`, vs this working tree), each in a fresh
interpreter with ``QT_QPA_PLATFORM=offscreen``:

* ``filter``: the browse dialog's table (``CatalogTableModel`` → its filter, ``RowFilterModel``
  since issue 18's fifth pass and ``SearchFilterProxy`` before → ``QTableView``, 1200×800, sorted
  by name) holding 5,000 synthetic rows; the search text is typed
  one key at a time ("pdf form tool", narrowing) and erased again (backspace, widening). Per
  keystroke: CPU milliseconds of ``set_filter_text`` plus a forced repaint of the table — median
  and maximum of each direction;
* ``filter in a browse tab``: the same in a real browse tab (``RegistryTab``: facets, column
  fitting, summary line), the events each keystroke leaves and a forced repaint of the whole tab
  included;
* ``filter typed into a browse tab``: real key events typed into a search box above a browse tab,
  as in the browse dialog; per keystroke the GUI thread's CPU for the key, the filter, the timers
  it starts and Qt's own repaint of what changed (the events drained for 40 ms, an idle drain's CPU
  subtracted): what a keystroke costs the user;
* ``filter typed into the browse dialog, every shared marketplace``: the same typing into the
  browse dialog itself with every shared marketplace added (16 registry tabs and *All
  registries*): each keystroke filters every tab and retitles the tabs;
* ``browse dialog loading every shared marketplace``: the browse dialog opened with the 16 shared
  marketplaces as registries: ms to build it, then the largest event-loop gap while every tab
  loads at once; ``load … in the browse dialog`` is the same with one marketplace besides the
  seeded registry (two tabs and *All registries*, as a user who added one sees it);
* ``load``: a browse tab (``RegistryTab``) loading a marketplace from the fake GitHub (child
  process, ``--latency``): a 10 ms timer on the GUI thread records the largest gap between its
  ticks from ``load()`` until every external plugin is resolved and :data:`SETTLE_S` after, and
  how many gaps exceed 50 ms;
  The GUI thread's own CPU time between two ticks is printed too (``max_gui_cpu_between_ticks``):
  the part of a gap the GUI code itself spent, whatever the load of the machine;
* ``tabs``: every tab of a browse dialog over ``--tabs`` registries loading at once: how many load
  concurrently (the pool's thread count) and the wall time until all are shown.

Wall-clock gaps depend on the machine's load (printed); CPU per keystroke is steadier.

Usage::

    python bench/bench_gui.py [--before REF] [--latency 0.05] [--only NAME ... | --all] [--skip-filter]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

BEFORE = "app-layer-landed"
"""``main`` when issue 18's GUI work started (the application layer had landed)."""
SETTLE_S = 0.5
"""Seconds the event-loop gaps are still recorded after a tab has loaded: the work its last rows
queue (sizing columns, counting facets, painting) stalls the window as much as the loading."""
CHILD_START_S = 1.5
"""Wait after opening the studio as the app does, for its listing process to finish importing
(0.3–0.5 s on the 2-core machine): the app starts it at launch, a user opens a dialog later."""
LOAD = ["jeremylongshore/claude-code-plugins-plus", "anthropics/claude-plugins-official",
        "anthropics/knowledge-work-plugins"]


# -- child side ------------------------------------------------------------------------------------

def _app():
    """The QApplication, styled as the app styles itself (Fusion, palette and style sheet of the
    scheme in ``BENCH_THEME``: light by default; ``bare`` for Qt's defaults): with the style
    sheet a repaint of the browse table costs ~40 % more."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    theme = os.environ.get("BENCH_THEME", "light")
    if theme != "bare":
        try:
            from skill_studio.ui.theme import apply_theme
        except ImportError:  # a "before" without themes: Qt's defaults
            return app
        try:
            apply_theme(app, theme)  # type: ignore[arg-type]
        except TypeError:  # before issue 15: one light look
            apply_theme(app)  # type: ignore[call-arg]
    return app


def synthetic_rows(rows: int) -> list:
    """``rows`` synthetic ``CatalogRow``s (names and descriptions from a dozen words)."""
    from skill_studio.app.browse import BrowseRow
    from skill_studio.core.models import CatalogSkill, SkillMetadata
    from skill_studio.ui.models import CatalogRow

    words = ["pdf", "form", "tool", "docs", "slide", "chart", "review", "test", "deploy", "agent", "data", "web"]
    built = []
    for i in range(rows):
        name = f"{words[i % 12]}-{words[(i // 12) % 12]}-{i}"
        desc = " ".join(words[(i * k) % 12] for k in range(1, 9)) + f" helper number {i}"
        meta = SkillMetadata(name=name, name_valid=True, local_name=name, description=desc, version=None)
        skill = CatalogSkill(qualified_name=f"plugin-{i % 97}:{name}", name=name, local_name=name, name_valid=True,
                             plugin=f"plugin-{i % 97}", path=f"plugins/p{i % 97}/skills/{name}",
                             version=f"1.{i % 7}.{i % 11}", description=desc, repo="o/r", commit="c" * 40,
                             metadata=meta)
        built.append(CatalogRow.of(BrowseRow(skill)))
    return built


TYPED = "pdf form tool"
"""What every filter measurement types, one key at a time, and erases again."""

TYPING = [TYPED[:i] for i in range(1, len(TYPED) + 1)]
ERASING = [TYPED[:i] for i in range(len(TYPED) - 1, -1, -1)]
"""The filter texts while :data:`TYPED` is typed (narrowing) and erased (widening)."""


def _wait_complete(app, proxy) -> None:  # type: ignore[no-untyped-def]
    """Run the event loop until the browse filter's paint mirror holds every row (the sixth pass's
    mirror copies a big reset over a few turns; a filter without one is always complete)."""
    while not getattr(proxy, "is_complete", lambda: True)():
        app.processEvents()


def _keystrokes(apply, paint) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """CPU ms per keystroke of typing :data:`TYPED` and erasing it: ``apply(text)`` then ``paint()``."""
    narrow, widen = [], []
    for texts, out in ((TYPING, narrow), (ERASING, widen)):
        for text in texts:
            c0 = time.process_time()
            apply(text)
            paint()
            out.append((time.process_time() - c0) * 1000)
    return {"narrow_median_ms": statistics.median(narrow), "narrow_max_ms": max(narrow),
            "widen_median_ms": statistics.median(widen), "widen_max_ms": max(widen)}


def _drain(app, seconds: float) -> None:  # type: ignore[no-untyped-def]
    """Run the event loop for ``seconds`` (processEvents and 2 ms sleeps)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.002)


def _typed(app, search) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """GUI-thread CPU ms per keystroke of typing :data:`TYPED` into ``search`` and erasing it with
    Backspace: each key's events drained for 40 ms, the CPU of an idle 40 ms drain (median of 20)
    subtracted."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    search.setFocus()
    idle = []
    for _ in range(20):
        c0 = time.thread_time()
        _drain(app, 0.04)
        idle.append((time.thread_time() - c0) * 1000)
    base = statistics.median(idle)
    narrow, widen = [], []
    for keys, out in ((list(TYPED), narrow), ([Qt.Key.Key_Backspace] * len(TYPED), widen)):
        for key in keys:
            c0 = time.thread_time()
            QTest.keyClick(search, key)
            _drain(app, 0.04)
            out.append((time.thread_time() - c0) * 1000 - base)
            if os.environ.get("BENCH_VERBOSE"):
                print(repr(key), round(out[-1], 1), search.text(), file=sys.stderr)
    return {"narrow_median_ms": statistics.median(narrow), "narrow_max_ms": max(narrow),
            "widen_median_ms": statistics.median(widen), "widen_max_ms": max(widen), "idle_drain_ms": base}


def _gaps_until(loaded, start) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Run the application's event loop from ``start()`` until ``loaded()`` and :data:`SETTLE_S`
    after (120 s at most), with a 10 ms timer on the GUI thread: the largest gap between its ticks,
    the gaps over 50 ms, the GUI thread's own CPU ms between two ticks at most (the gap without the
    machine's load) and the wall seconds until loaded. The app's own event loop, not a loop of
    processEvents() and sleep(), which takes the interpreter lock back twice per pass and competes
    with the loading threads the way the running app never does."""
    from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer

    gaps: list[float] = []
    busy: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.elapsed(), time.thread_time()]

    def tick() -> None:
        now, cpu = clock.elapsed(), time.thread_time()
        gaps.append(now - last[0])
        busy.append((cpu - last[1]) * 1000)
        last[0], last[1] = now, cpu

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(tick)
    timer.start()
    loop = QEventLoop()
    ends: dict[str, float] = {}

    def check() -> None:
        now = time.perf_counter()
        if "loaded" not in ends:
            if now - t0 > 120 or loaded():
                ends["loaded"] = now
        elif now - ends["loaded"] >= SETTLE_S:  # what the last rows leave queued (sizing, counts, paint)
            loop.quit()

    poll = QTimer()
    poll.setInterval(20)
    poll.timeout.connect(check)
    t0 = time.perf_counter()
    start()
    poll.start()
    loop.exec()
    timer.stop()
    poll.stop()
    return {"max_gap_ms": max(gaps) if gaps else 0.0, "gaps_over_50ms": len([g for g in gaps if g > 50]),
            "max_gui_cpu_between_ticks_ms": max(busy) if busy else 0.0, "wall_s": ends["loaded"] - t0}


def _open_studio():  # type: ignore[no-untyped-def]
    """The studio as the app opens it (``ui.app.open_studio``: cold listings in a child process,
    issue 18); a ``--before`` checkout without that function opens a plain ``SkillStudio``."""
    from skill_studio.ui import app

    opener = getattr(app, "open_studio", None)
    if opener is not None:
        studio = opener()
        time.sleep(CHILD_START_S)  # the app starts its listing process at launch, long before a load
        return studio
    from skill_studio.app.studio import SkillStudio

    return SkillStudio()


def _studio_with(slugs: list[str]):  # type: ignore[no-untyped-def]
    """A studio with every registry of ``slugs`` added (besides the seeded one)."""
    studio = _open_studio()
    known = {r.source.slug.lower() for r in studio.registries()}
    for slug in slugs:
        if slug.lower() not in known:
            studio.add_registry(slug)
    return studio


def _browse_dialog(studio):  # type: ignore[no-untyped-def]
    """The browse dialog over ``studio``'s registries (Skill Library), 1200×800, shown."""
    from skill_studio.core.models import Destination
    from skill_studio.ui import all_registries, browse_dialog

    dialog_class = getattr(all_registries, "SearchingBrowseDialog", browse_dialog.BrowseDialog)
    dialog = dialog_class(studio, Destination.LIBRARY)
    dialog.resize(1200, 800)
    dialog.show()
    return dialog


def _all_loaded(dialog) -> bool:  # type: ignore[no-untyped-def]
    return all((t.is_loaded() and not t.is_resolving()) or t.error for t in dialog.tabs_list())


def child_filter(rows: int) -> dict[str, float]:
    """Per-keystroke CPU ms of filtering ``rows`` synthetic rows in a bare table (model → the
    browse table's filter → view), repaint included."""
    app = _app()
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QTableView

    from skill_studio.ui import models

    CatalogTableModel = models.CatalogTableModel  # noqa: N806 - a class
    built = synthetic_rows(rows)
    model = CatalogTableModel()
    # the filter the browse table uses: RowFilterModel since issue 18's fifth pass
    proxy = getattr(models, "RowFilterModel", models.SearchFilterProxy)()
    proxy.setSourceModel(model)
    view = QTableView()
    view.setModel(proxy)
    view.setSortingEnabled(True)
    view.sortByColumn(CatalogTableModel.NAME, Qt.SortOrder.AscendingOrder)
    view.resize(1200, 800)
    view.show()
    c0 = time.process_time()
    model.set_rows(built)
    app.processEvents()
    _wait_complete(app, proxy)
    view.viewport().repaint()
    fill = (time.process_time() - c0) * 1000
    return {"fill_ms": fill, **_keystrokes(proxy.set_filter_text, view.viewport().repaint)}


def child_filter_tab(rows: int) -> dict[str, float]:
    """Per-keystroke CPU ms of filtering ``rows`` synthetic rows in a browse tab (``RegistryTab``:
    facets, column fitting, summary), the events the keystroke leaves and a repaint included."""
    app = _app()
    from skill_studio.app.studio import SkillStudio
    from skill_studio.core.models import Destination
    from skill_studio.ui.browse_dialog import RegistryTab

    studio = SkillStudio()
    tab = RegistryTab(studio, studio.registries()[0], Destination.LIBRARY)
    tab.stack.setCurrentIndex(tab.CONTENT)
    tab.resize(1200, 800)
    tab.show()
    built = synthetic_rows(rows)
    c0 = time.process_time()
    tab.model.set_rows(built)
    settle = time.monotonic() + SETTLE_S  # what the rows queue (column sizing, facet counts) is done
    while time.monotonic() < settle:
        app.processEvents()
        time.sleep(0.001)
    _wait_complete(app, tab.proxy)
    tab.repaint()
    fill = (time.process_time() - c0) * 1000

    def paint() -> None:
        app.processEvents()  # the timers a keystroke starts (column fitting, facet counts)
        tab.repaint()

    out = {"fill_ms": fill, **_keystrokes(tab.set_filter_text, paint)}
    studio.close()
    return out


def child_filter_typed(rows: int) -> dict[str, float]:
    """Per-keystroke CPU ms of the GUI thread when "pdf form tool" is typed (and erased with
    Backspace) into a search box above a browse tab of ``rows`` synthetic rows, as the browse
    dialog's search box filters its tabs: the key event, the filter, the timers it starts and
    Qt's own repaint of what changed, each keystroke's events drained for 40 ms. The CPU of
    draining an idle event loop the same way is subtracted (median of 20 idle drains)."""
    app = _app()
    from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

    from skill_studio.app.studio import SkillStudio
    from skill_studio.core.models import Destination
    from skill_studio.ui.browse_dialog import RegistryTab

    studio = SkillStudio()
    window = QWidget()
    layout = QVBoxLayout(window)
    search = QLineEdit()
    layout.addWidget(search)
    tab = RegistryTab(studio, studio.registries()[0], Destination.LIBRARY)
    layout.addWidget(tab)
    tab.stack.setCurrentIndex(tab.CONTENT)
    search.textChanged.connect(tab.set_filter_text)
    window.resize(1200, 840)
    window.show()
    tab.model.set_rows(synthetic_rows(rows))
    _drain(app, SETTLE_S)
    _wait_complete(app, tab.proxy)
    out = _typed(app, search)
    studio.close()
    return out


def child_filter_registries(slugs: list[str]) -> dict[str, float]:
    """Per-keystroke CPU ms of the GUI thread when :data:`TYPED` is typed (and erased) into the
    browse dialog's search box with every registry of ``slugs`` added and loaded (16 tabs and
    *All registries* with the shared marketplaces): each keystroke filters every tab and retitles
    them. Measured as :func:`child_filter_typed` (key event, its timers and Qt's repaint, events
    drained for 40 ms, an idle drain subtracted); background reviews are off so that nothing else
    runs meanwhile."""
    app = _app()
    studio = _studio_with(slugs)
    dialog = _browse_dialog(studio)
    start = time.monotonic()
    while time.monotonic() - start < 120 and not _all_loaded(dialog):
        _drain(app, 0.05)
    _drain(app, SETTLE_S)
    for tab in dialog.tabs_list():
        _wait_complete(app, tab.proxy)
    out = _typed(app, dialog.search)
    out.pop("idle_drain_ms")
    rows = sum(t.model.rowCount() for t in dialog.tabs_list())
    tabs = len(dialog.tabs_list())
    dialog.close()
    _drain(app, 0.1)
    studio.close()
    return {**out, "registry_tabs": tabs, "rows": rows}


def child_load(slug: str) -> dict[str, float]:
    """Largest event-loop gap (ms) while a browse tab loads ``slug`` (external plugins included)."""
    _app()
    from skill_studio.core.models import Destination
    from skill_studio.ui.browse_dialog import RegistryTab

    studio = _open_studio()
    known = {r.source.slug.lower(): r for r in studio.registries()}  # the seeded default is anthropics/skills
    reg = known.get(slug.lower()) or studio.add_registry(slug)
    tab = RegistryTab(studio, reg, Destination.LIBRARY)
    tab.resize(1200, 800)
    tab.show()
    out = _gaps_until(lambda: tab.is_loaded() and not tab.is_resolving(), lambda: tab.load(force=True))
    rows = tab.model.rowCount()
    studio.close()
    return {**out, "rows": rows}


def child_dialog_load(slugs: list[str]) -> dict[str, float]:
    """The browse dialog opened with every registry of ``slugs`` added (nothing cached): GUI-thread
    ms to build it, then the largest gap between the ticks of a 10 ms timer until every tab has
    loaded (external plugins included) and :data:`SETTLE_S` after, the gaps over 50 ms, and the
    GUI thread's own longest pass between two ticks (``max_gui_cpu_between_ticks_ms``)."""
    _app()
    studio = _studio_with(slugs)
    c0 = time.perf_counter()
    dialog = _browse_dialog(studio)
    build_ms = (time.perf_counter() - c0) * 1000
    out = _gaps_until(lambda: _all_loaded(dialog), lambda: None)
    tabs = len(dialog.tabs_list())
    dialog.close()
    studio.close()
    return {"build_ms": build_ms, **out, "registry_tabs": tabs}


def child_tabs(slugs: list[str]) -> dict[str, float]:
    """Threads available to load browse tabs, and wall seconds until every tab of ``slugs`` shows."""
    app = _app()
    from PySide6.QtCore import QThreadPool

    from skill_studio.core.models import Destination
    from skill_studio.ui.browse_dialog import RegistryTab

    try:
        from skill_studio.ui.workers import io_pool
        threads = io_pool().maxThreadCount()
    except ImportError:
        threads = QThreadPool.globalInstance().maxThreadCount()
    studio = _open_studio()
    known = {r.source.slug.lower(): r for r in studio.registries()}  # anthropics/skills is seeded
    tabs = [RegistryTab(studio, known.get(s.lower()) or studio.add_registry(s), Destination.LIBRARY) for s in slugs]
    t0 = time.perf_counter()
    for tab in tabs:
        tab.load(force=True)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and not all(t.is_loaded() and not t.is_resolving() for t in tabs):
        app.processEvents()
        time.sleep(0.002)
    wall = time.perf_counter() - t0
    studio.close()
    return {"pool_threads": threads, "all_tabs_s": wall}


def child_contended(rows: int) -> dict[str, float]:
    """Wall ms of a repaint of the browse table (``rows`` synthetic rows, filtered to "pdf") and of a
    keystroke ("pdf form tool" typed and erased: filter + repaint), first alone, then while five
    threads run Python in short bursts between 0.3 ms sleeps, as resolving external plugins does.
    Issue 18's sixth pass: a paint over Python models takes the interpreter lock back for every
    painted cell, and waits for it each time another thread holds it."""
    import threading

    app = _app()
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QTableView

    from skill_studio.ui import models, widgets

    CatalogTableModel = models.CatalogTableModel  # noqa: N806 - a class
    model = CatalogTableModel()
    proxy = models.RowFilterModel()
    proxy.setSourceModel(model)
    view = QTableView()
    view.setModel(proxy)
    widgets.setup_table(view, CatalogTableModel.DESCRIPTION)
    state = CatalogTableModel.STATE
    if hasattr(widgets, "BadgeStripDelegate"):  # the browse table's delegates, either side
        view.setItemDelegate(widgets.LazyTipDelegate(view))
        view.setItemDelegateForColumn(state, widgets.BadgeStripDelegate(view, proxy, state))
    else:
        view.setItemDelegateForColumn(state, widgets.BadgeDelegate(view))
    widgets.follow_column_width(view, CatalogTableModel.DESCRIPTION, model.set_description_width)
    view.sortByColumn(CatalogTableModel.NAME, Qt.SortOrder.AscendingOrder)
    view.resize(1200, 800)
    view.show()
    model.set_rows(synthetic_rows(rows))
    _wait_complete(app, proxy)
    app.processEvents()
    view.viewport().repaint()
    proxy.set_filter_text("pdf")

    def repaints() -> list[float]:
        out = []
        for _ in range(60):
            t0 = time.perf_counter()
            view.viewport().repaint()
            out.append((time.perf_counter() - t0) * 1000)
        return out

    def keystrokes() -> list[float]:
        out = []
        for t in (TYPING + ERASING) * 2:
            t0 = time.perf_counter()
            proxy.set_filter_text(t)
            view.viewport().repaint()
            out.append((time.perf_counter() - t0) * 1000)
        proxy.set_filter_text("pdf")
        return out

    figures: dict[str, float] = {}
    for label in ("alone", "five busy threads"):
        stop = threading.Event()
        threads = []
        if label != "alone":
            def burst(stop: threading.Event = stop) -> None:
                x = 0
                while not stop.is_set():
                    time.sleep(0.0003)
                    for i in range(3000):
                        x += i
            threads = [threading.Thread(target=burst) for _ in range(5)]
            for t in threads:
                t.start()
            time.sleep(0.05)
        paint, keys = repaints(), keystrokes()
        stop.set()
        for t in threads:
            t.join()
        figures[f"repaint {label}: median ms"] = statistics.median(paint)
        figures[f"repaint {label}: max ms"] = max(paint)
        figures[f"keystroke {label}: median ms"] = statistics.median(keys)
        figures[f"keystroke {label}: max ms"] = max(keys)
    return figures


# -- parent side -----------------------------------------------------------------------------------

def run_child(src: Path, env_extra: dict[str, str], args: list[str]) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(src), QT_QPA_PLATFORM="offscreen",
               PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring", **env_extra)
    env.pop("GITHUB_TOKEN", None)
    proc = subprocess.run([sys.executable, __file__, "--child", *args], env=env, capture_output=True, text=True,
                          timeout=600)
    if proc.returncode != 0:
        print(proc.stderr[-1500:], file=sys.stderr)
        return {}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        kind, rest = argv[1], argv[2:]
        if kind == "filter":
            print(json.dumps(child_filter(int(rest[0]))))
        elif kind == "filter_tab":
            print(json.dumps(child_filter_tab(int(rest[0]))))
        elif kind == "filter_typed":
            print(json.dumps(child_filter_typed(int(rest[0]))))
        elif kind == "contended":
            print(json.dumps(child_contended(int(rest[0]))))
        elif kind == "filter_registries":
            print(json.dumps(child_filter_registries(rest)))
        elif kind == "dialog_load":
            print(json.dumps(child_dialog_load(rest)))
        elif kind == "load":
            print(json.dumps(child_load(rest[0])))
        else:
            print(json.dumps(child_tabs(rest)))
        return 0
    from bench_perf import _Server, compile_side, export_ref

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--before", default=BEFORE, help=f"git ref measured as 'before' (default {BEFORE})")
    p.add_argument("--latency", type=float, default=0.05)
    p.add_argument("--rows", type=int, default=5000)
    p.add_argument("--only", action="append", default=[], help="marketplaces to load (owner/repo); default "
                   + ", ".join(LOAD))
    p.add_argument("--all", action="store_true", help="load every shared marketplace (the done-when says any)")
    p.add_argument("--skip-filter", action="store_true", help="only the loads (and tabs)")
    p.add_argument("--theme", default="light", choices=["light", "dark", "bare"],
                   help="the app's look to measure with (default light; bare: Qt's defaults, no style sheet)")
    p.add_argument("--fixtures", type=Path, default=ROOT.parent / "shared" / "fixtures")
    args = p.parse_args(argv)
    loads = args.only or LOAD
    every = sorted(d.name.replace("__", "/", 1) for d in (args.fixtures / "marketplaces").iterdir() if d.is_dir())
    if args.all:
        loads = every
    os.environ["BENCH_THEME"] = args.theme
    server = _Server(args.latency, args.fixtures)
    load0 = os.getloadavg()[0]
    results: dict[str, dict[str, dict[str, float]]] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="bench-gui-") as tmp:
            sides = {f"before ({args.before})": export_ref(args.before, Path(tmp)), "after": ROOT / "src"}
            for name, src in sides.items():
                compile_side(sys.executable, src)  # as pip install does: no side compiles while measured
                out: dict[str, dict[str, float]] = {}
                if not args.skip_filter:
                    out["filter"] = run_child(src, {}, ["filter", str(args.rows)])
                    with tempfile.TemporaryDirectory() as home:
                        out["filter in a browse tab"] = run_child(src, {"SKILL_STUDIO_HOME": home},
                                                                  ["filter_tab", str(args.rows)])
                    with tempfile.TemporaryDirectory() as home:
                        out["filter typed into a browse tab"] = run_child(src, {"SKILL_STUDIO_HOME": home},
                                                                          ["filter_typed", str(args.rows)])
                    out["browse table while other threads run Python"] = run_child(src, {}, ["contended", str(args.rows)])
                    with tempfile.TemporaryDirectory() as home:
                        out["filter typed into the browse dialog, every shared marketplace"] = run_child(
                            src, {"SKILL_STUDIO_HOME": home, "SKILL_STUDIO_GITHUB_API": server.base_url,
                                  "SKILL_STUDIO_NO_BACKGROUND_REVIEW": "1"},
                            ["filter_registries", *every])
                for slug in loads:
                    with tempfile.TemporaryDirectory() as home:
                        out[f"load {slug}"] = run_child(src, {"SKILL_STUDIO_HOME": home,
                                                              "SKILL_STUDIO_GITHUB_API": server.base_url},
                                                        ["load", slug])
                    with tempfile.TemporaryDirectory() as home:  # with the seeded registry and All registries
                        out[f"load {slug} in the browse dialog"] = run_child(
                            src, {"SKILL_STUDIO_HOME": home, "SKILL_STUDIO_GITHUB_API": server.base_url},
                            ["dialog_load", slug])
                with tempfile.TemporaryDirectory() as home:
                    out["browse dialog loading every shared marketplace"] = run_child(
                        src, {"SKILL_STUDIO_HOME": home, "SKILL_STUDIO_GITHUB_API": server.base_url},
                        ["dialog_load", *every])
                with tempfile.TemporaryDirectory() as home:
                    out["tabs"] = run_child(src, {"SKILL_STUDIO_HOME": home, "SKILL_STUDIO_GITHUB_API": server.base_url},
                                            ["tabs", *LOAD, "anthropics/skills", "obra/superpowers-marketplace",
                                             "netresearch/claude-code-marketplace", "wshobson/agents",
                                             "anthropics/claude-code"])
                results[name] = out
                print(f"[{name}] done", file=sys.stderr, flush=True)
    finally:
        server.close()
    names = list(results)
    print(f"latency {args.latency * 1000:.0f} ms; {os.cpu_count()} CPUs; load average {load0:.1f} → "
          f"{os.getloadavg()[0]:.1f}; offscreen Qt, theme {args.theme}; {args.rows} synthetic rows for the filter")
    print("| measurement | figure | " + " | ".join(names) + " |")
    print("|---|---|" + "---|" * len(names))
    keys = sorted({(m, f) for n in names for m, figs in results[n].items() for f in figs},
                  key=lambda k: (list(results[names[-1]]).index(k[0]) if k[0] in results[names[-1]] else 99, k[1]))
    for m, f in keys:
        cells = []
        for n in names:
            v = results[n].get(m, {}).get(f)
            cells.append("-" if v is None else (f"{v:.1f}" if isinstance(v, float) else str(v)))
        print(f"| {m} | {f} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
