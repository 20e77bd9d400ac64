"""BackgroundOp: results, errors and progress arrive on the GUI thread; late results for a deleted
parent are dropped; progress is coalesced."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import QObject, QThread

from skill_studio.core.errors import CatalogError
from skill_studio.ui import workers
from skill_studio.ui.workers import BackgroundOp, describe_error, run_in_background

pytestmark = pytest.mark.gui


def test_success_runs_op_off_thread_and_callback_on_gui_thread(qtbot, qapp) -> None:
    seen: dict[str, object] = {}

    def op(progress) -> int:
        seen["op_thread"] = QThread.currentThread()
        return 42

    def ok(value: int) -> None:
        seen["value"] = value
        seen["cb_thread"] = QThread.currentThread()

    done: list[bool] = []
    BackgroundOp(None, op, ok).finally_(lambda: done.append(True)).run_in_background()
    qtbot.waitUntil(lambda: done == [True])
    assert seen["value"] == 42
    assert seen["cb_thread"] is qapp.thread()
    assert seen["op_thread"] is not qapp.thread()


def test_failure_delivers_the_typed_error(qtbot) -> None:
    errors: list[BaseException] = []

    def op(progress):
        raise CatalogError("o/r: marketplace.json is not JSON")

    run_in_background(None, op, lambda v: pytest.fail("no success expected"), failure=errors.append)
    qtbot.waitUntil(lambda: bool(errors))
    assert isinstance(errors[0], CatalogError)
    assert describe_error(errors[0]) == "o/r: marketplace.json is not JSON"
    assert describe_error(ValueError("boom")) == "Unexpected error (ValueError): boom."


def test_progress_is_delivered_coalesced_with_latest_figures(qtbot, qapp) -> None:
    seen: list[tuple[int, int]] = []
    threads: set[object] = set()
    release = threading.Event()

    def op(progress) -> str:
        for i in range(1, 501):  # from several threads at once, like the blob fetchers
            progress(i, 500)
        release.wait(5)
        return "done"

    def on_progress(d: int, t: int) -> None:
        seen.append((d, t))
        threads.add(QThread.currentThread())

    result: list[str] = []
    BackgroundOp(None, op, result.append).with_progress(on_progress).run_in_background()
    qtbot.waitUntil(lambda: (500, 500) in seen)
    release.set()
    qtbot.waitUntil(lambda: result == ["done"])
    assert len(seen) < 500  # coalesced
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert threads == {qapp.thread()}


def test_progress_reaches_the_gui_at_most_every_interval_and_always_at_the_end(qtbot, monkeypatch) -> None:
    """Issue 18: each delivery is a call into Python on the GUI thread, waiting for the lock."""
    monkeypatch.setattr(BackgroundOp, "PROGRESS_INTERVAL_S", 0.05)
    seen: list[tuple[float, int]] = []

    def op(progress) -> str:
        end = time.monotonic() + 0.4
        i = 0
        while time.monotonic() < end:  # about 0.4 s of reports, one every ~0.2 ms
            i += 1
            progress(i, 10_000_000)
            time.sleep(0.0002)
        progress(10_000_000, 10_000_000)
        return "done"

    result: list[str] = []
    BackgroundOp(None, op, result.append).with_progress(lambda d, t: seen.append((time.monotonic(), d))) \
        .run_in_background()
    qtbot.waitUntil(lambda: result == ["done"])
    assert seen[-1][1] == 10_000_000  # the last figure always arrives
    assert 3 <= len(seen) <= 0.4 / 0.05 + 3  # one per interval, not one per report (hundreds)


def test_the_latest_figures_arrive_within_the_interval_even_when_reports_pause(qtbot) -> None:
    """A figure held back by the pacing is not left waiting for the next report (which may be
    seconds away, e.g. an external plugin resolving) nor for the result."""
    release = threading.Event()
    seen: list[tuple[int, int]] = []

    def op(progress) -> str:
        progress(1, 10)
        time.sleep(0.02)  # the GUI thread takes the first figures meanwhile
        progress(2, 10)  # within the interval of the first: held back
        release.wait(5)  # the op goes quiet
        return "done"

    result: list[str] = []
    BackgroundOp(None, op, result.append).with_progress(lambda d, t: seen.append((d, t))).run_in_background()
    qtbot.waitUntil(lambda: (2, 10) in seen, timeout=1000)
    assert result == []  # delivered while the op still runs
    release.set()
    qtbot.waitUntil(lambda: result == ["done"])


def test_result_is_dropped_when_parent_was_deleted(qtbot) -> None:
    parent = QObject()
    release = threading.Event()
    called: list[object] = []
    BackgroundOp(parent, lambda progress: release.wait(5), called.append).run_in_background()
    parent.deleteLater()
    qtbot.waitUntil(lambda: not _valid(parent))
    release.set()
    workers.wait_for_background(5000)
    qtbot.wait(50)
    assert called == []


def _valid(obj: QObject) -> bool:
    import shiboken6

    return shiboken6.isValid(obj)


def test_partial_results_arrive_coalesced_before_the_final_one_and_never_after(qtbot) -> None:
    seen: list[object] = []
    release = threading.Event()

    def op(progress) -> str:
        for i in range(200):  # faster than the GUI thread takes them: only the latest pending one is kept
            job.publish(i)
        release.wait(5)
        job.publish("late-but-before-return")
        return "final"

    job = BackgroundOp(None, op, seen.append).with_partial(seen.append)
    job.run_in_background()
    qtbot.waitUntil(lambda: bool(seen))
    release.set()
    qtbot.waitUntil(lambda: "final" in seen)
    job.publish("after the end")  # dropped
    qtbot.wait(20)
    numbers = [v for v in seen if isinstance(v, int)]
    assert numbers == sorted(numbers) and numbers[-1] == 199 and len(numbers) < 200
    assert seen[-2:] == ["late-but-before-return", "final"]


def test_wait_for_background_waits_for_every_named_pool(qtbot) -> None:
    """Shutdown and the tests' leak check wait for the review pool too, not only the I/O and
    global pools (a review left running at exit would outlive the studio it reads)."""
    release = threading.Event()
    done: list[bool] = []
    pool = workers.named_pool("skill-studio-test", 1)
    assert pool in workers.all_pools()
    BackgroundOp(None, lambda progress: release.wait(5), lambda _r: done.append(True)).run_in_background(pool)
    assert workers.wait_for_background(100) is False  # still running
    release.set()
    assert workers.wait_for_background(5000) is True
    qtbot.waitUntil(lambda: done == [True])


def test_a_delivered_op_holds_no_callbacks(qtbot) -> None:
    """Once delivered, an op drops its op and callbacks on the GUI thread: the pool thread may drop
    the op object last, and a widget captured by a callback must never be destroyed there."""
    parent = QObject()
    job = BackgroundOp(parent, lambda progress: 1, lambda _r: None).failure(lambda _e: None)
    job.finally_(lambda: None).with_progress(lambda d, t: None).run_in_background()
    qtbot.waitUntil(lambda: workers.active_ops() == 0)
    assert (job._op, job._success, job._failure, job._finally, job._progress, job._parent) == (None,) * 6
