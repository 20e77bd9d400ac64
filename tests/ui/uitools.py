"""Fixtures and helpers shared by the GUI tests.

A pytest plugin (``pytest_plugins`` in ``tests/conftest.py``): the fixtures are available to every
test; test modules import the helpers they use by name. Not a conftest: a second ``conftest.py``
outside a package would shadow ``tests/conftest.py`` for the ``from conftest import …`` imports of
other test modules.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

from skill_studio.app.studio import SkillStudio
from skill_studio.ui import workers
from skill_studio.ui.app import prepare_application
from skill_studio.ui.browse_dialog import BrowseDialog, RegistryTab
from skill_studio.ui.main_window import MainWindow

__all__ = ["assert_no_background_work", "wait_loaded", "tab_of", "shown_names", "none_refcount"]

WORKER_GRACE_MS = 5000


def assert_no_background_work() -> None:
    """napari-style leak check: background jobs must be finished (after a grace period) and their
    results delivered; otherwise a test left a worker running."""
    pools = workers.all_pools()
    waited = [pool.waitForDone(WORKER_GRACE_MS) for pool in pools]  # both, even when one times out
    finished = all(waited)
    QCoreApplication.processEvents()
    assert finished and not any(pool.activeThreadCount() for pool in pools), \
        "a QThreadPool job was still running at teardown"
    assert workers.active_ops() == 0, "a background op's result was never delivered"


@pytest.fixture(autouse=True)
def _gui_app(request: pytest.FixtureRequest) -> Iterator[QApplication | None]:
    """For every test marked ``gui`` (by hand, or because it uses ``qapp``/``qtbot``): the
    application with Skill Studio's style (stylesheet warnings fail the test), and the worker leak
    check at teardown. Other tests get ``None`` and no Qt application from here."""
    if request.node.get_closest_marker("gui") is None:
        yield None
        return
    qapp: QApplication = request.getfixturevalue("qapp")
    prepare_application(qapp)
    yield qapp
    assert_no_background_work()


@pytest.fixture
def studio(fixture_github, use_github, qapp) -> Iterator[SkillStudio]:
    """A SkillStudio on a fresh SKILL_STUDIO_HOME, talking to the shared fake GitHub."""
    use_github(fixture_github)
    s = SkillStudio()
    yield s
    assert_no_background_work()
    s.close()


@pytest.fixture
def make_window(qtbot) -> Iterator[Callable[[SkillStudio], MainWindow]]:
    """``make_window(studio, startup_check=False)`` builds and shows a main window (without the
    background update check unless asked for); windows close at teardown."""
    made: list[MainWindow] = []

    def make(studio: SkillStudio, startup_check: bool = False) -> MainWindow:
        w = MainWindow(studio, startup_check=startup_check)
        w.show()
        made.append(w)
        qtbot.waitUntil(lambda: not w.library._loading and not w.settings_skills._loading
                        and not w.update_center.checking)
        return w

    yield make
    for w in made:
        w.close()
        w.deleteLater()
    QCoreApplication.processEvents()


@pytest.fixture
def window(studio, make_window) -> MainWindow:
    """A main window over ``studio``."""
    return make_window(studio)


def wait_loaded(qtbot, dialog: BrowseDialog, timeout: int = 15000) -> None:
    """Wait until every registry tab of the dialog has loaded (external plugins resolved too) or failed."""
    qtbot.waitUntil(lambda: all((t.is_loaded() and not t.is_resolving()) or t.error for t in dialog.tabs_list()),
                    timeout=timeout)


def tab_of(dialog: BrowseDialog, name: str) -> RegistryTab:
    """The tab of a registry display name (fails the test when absent)."""
    tab = dialog.tab_for(name)
    assert tab is not None, f"no tab {name!r}: {[t.registry.name for t in dialog.tabs_list()]}"
    return tab


def shown_names(tab: RegistryTab) -> list[str]:
    """Qualified names of the rows visible through the filter, in view order."""
    return [tab.proxy.index(r, 0).data() for r in range(tab.proxy.rowCount())]


def none_refcount() -> int:
    """``sys.getrefcount(None)`` (immortal, hence meaningless, from Python 3.12)."""
    return sys.getrefcount(None)
