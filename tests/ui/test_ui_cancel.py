"""Cancel and close safely (issue 15, Deliver 5): a hanging GitHub request shows progress and a
Cancel that stops the load within 2 s; closing the dialog or the window during such a request
ends quietly (nothing on stderr, no error logged) and the request is abandoned within 2 s."""

from __future__ import annotations

import logging
import time

import pytest
from keytools import *  # noqa: F403 - key_studio, kwin, press, browse, …
from PySide6.QtCore import QCoreApplication
from uitools import *  # noqa: F403 - GUI fixtures and helpers

from skill_studio.app.studio import SkillStudio
from skill_studio.core.models import Destination
from skill_studio.ui import workers
from skill_studio.ui.main_window import MainWindow

pytestmark = [pytest.mark.gui, pytest.mark.integration]

HANG = 60.0
"""Seconds the fake GitHub sleeps before answering (longer than any test waits)."""


def hang_and_browse(qtbot, github, kwin: MainWindow):
    github.hang("/repos/acme/", HANG)
    dialog = open_browse_loading(qtbot, kwin)  # noqa: F405
    tab = dialog.tabs_list()[0]
    qtbot.waitUntil(lambda: tab.is_loading() and github.request_count > 0)
    time.sleep(0.3)  # the request is in flight, waiting for an answer
    assert tab.is_loading() and workers.io_pool().activeThreadCount() > 0  # background work: the I/O pool
    return dialog, tab


def pool_drains_within(seconds: float) -> float:
    start = time.monotonic()
    assert workers.wait_for_background(int(seconds * 1000)), f"work still running after {seconds} s"
    QCoreApplication.processEvents()
    return time.monotonic() - start


def test_cancel_stops_a_hanging_load_within_2s_and_retry_loads(qtbot, github, kwin: MainWindow) -> None:
    dialog, tab = hang_and_browse(qtbot, github, kwin)
    assert tab.busy_view.cancel_button.isVisible() and tab.busy_view.bar.isVisible()  # progress and Cancel
    tab.busy_view.cancel_button.click()
    assert not tab.is_loading() and tab.error_view.isVisible()
    assert "cancelled" in tab.error_view.title.text()
    assert pool_drains_within(2.0) < 2.0
    github.clear_faults()
    tab.error_view.retry_button.click()
    wait_loaded(qtbot, dialog)  # noqa: F405
    assert tab.model.rowCount() == 3


def test_closing_the_dialog_during_a_hanging_request_is_quiet(qtbot, github, kwin: MainWindow, capfd,
                                                             caplog) -> None:
    caplog.set_level(logging.WARNING)
    dialog, _tab = hang_and_browse(qtbot, github, kwin)
    capfd.readouterr()
    dialog.close()
    assert pool_drains_within(2.0) < 2.0
    QCoreApplication.processEvents()
    out, err = capfd.readouterr()
    assert "Traceback" not in err and "Error" not in err, err
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_closing_the_window_during_a_hanging_request_is_quiet(qtbot, github, kwin: MainWindow,
                                                             key_studio: SkillStudio, capfd, caplog) -> None:
    """The same order as ``run_gui``: the window closes, the pool is waited for, the studio closes."""
    caplog.set_level(logging.WARNING)
    hang_and_browse(qtbot, github, kwin)
    capfd.readouterr()
    kwin.close()
    assert pool_drains_within(2.0) < 2.0
    key_studio.close()
    QCoreApplication.processEvents()
    _out, err = capfd.readouterr()
    assert "Traceback" not in err and "client has been closed" not in err and "Signal source" not in err, err
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_cancel_import_stops_a_hanging_download(qtbot, github, kwin: MainWindow, key_studio: SkillStudio) -> None:
    # the import must download: files its review fetched just before would be reused (issue 14)
    key_studio.recent_blobs.max_bytes = 0
    dialog = browse(qtbot, kwin)  # noqa: F405 - loaded before GitHub starts hanging
    tab = dialog.current_tab()
    assert tab is not None and tab.select(["tools:csv-cleaner", "tools:sql-review"]) == 2
    dialog.import_selected()
    for _ in range(2):
        qtbot.waitUntil(lambda: dialog.editor is not None and dialog.editor.isVisible())
        github.hang("", HANG)  # the downloads will hang
        dialog.editor.import_button.click()
    qtbot.waitUntil(lambda: dialog._importing and dialog.cancel_import_button.isVisible())
    time.sleep(0.3)
    dialog.cancel_import_button.click()
    qtbot.waitUntil(lambda: not dialog._importing, timeout=2000)  # within 2 s
    assert dialog.status.text() == "Import cancelled."
    assert key_studio.installed(Destination.LIBRARY) == []  # the second skill was not started either
    assert not dialog.cancel_import_button.isVisible()
    assert not any("could not be imported" in n.title for n in kwin.notifications.notifications())


def test_cancel_adding_a_registry(qtbot, github, kwin: MainWindow, key_studio: SkillStudio) -> None:
    page = kwin.marketplace
    kwin.show_page("settings/marketplace")
    github.add_repo_from_dir("acme", "third", {".claude-plugin/marketplace.json": '{"name": "third", "plugins": []}'})
    github.hang("/repos/acme/third", HANG)
    page.url_edit.setText("acme/third")
    page.add_button.click()
    qtbot.waitUntil(lambda: page.cancel_add_button.isVisible())
    time.sleep(0.3)
    page.cancel_add_button.click()
    qtbot.waitUntil(lambda: not page._adding, timeout=2000)
    assert page.status.text() == "Cancelled: the registry was not added."
    assert "acme/third" not in [r.source.slug for r in key_studio.registries()]
