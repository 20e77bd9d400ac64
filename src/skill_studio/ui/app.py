"""Application bootstrap: the single composition root of the GUI.

``run_gui`` creates the ``QApplication``, opens one :class:`~skill_studio.app.SkillStudio`
and hands it to the main window; nothing in the UI creates core services by itself (unlike vorta's
jobs reaching for ``QApplication.instance()``), so tests and the screenshot script build the same
window around a studio of their choosing with :func:`create_main_window`.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from skill_studio import __version__
from skill_studio.app import SkillStudio
from skill_studio.core.errors import SkillStudioError
from skill_studio.ui.main_window import MainWindow
from skill_studio.ui.theme import apply_theme
from skill_studio.ui.workers import wait_for_background

log = logging.getLogger(__name__)

APP_ID = "io.github.skillstudio.SkillStudio"
SHUTDOWN_WAIT_MS = 5000
"""How long quitting waits for background work (e.g. a slow download) before closing the database."""


def binding_problem() -> str | None:
    """A sentence when the installed Qt binding is known to crash this interpreter, else None.

    PySide6 6.12.0 drops a reference to ``None`` on every call of a method returning nothing when
    running on CPython < 3.12, so a session aborts ("none_dealloc") after a few thousand calls.
    """
    import PySide6

    if sys.version_info < (3, 12) and PySide6.__version__ == "6.12.0":
        return (f"PySide6 {PySide6.__version__} crashes on Python {sys.version_info.major}.{sys.version_info.minor} "
                "after a while; install another version: pip install 'PySide6-Essentials!=6.12.0'.")
    return None


def prepare_application(app: QApplication) -> None:
    """Names, style, stylesheet and icon of the application (shared by ``run_gui``, tests, screenshots)."""
    QCoreApplication.setApplicationName("Skill Studio")
    QCoreApplication.setOrganizationName("skill-studio")
    QCoreApplication.setApplicationVersion(__version__)
    QApplication.setDesktopFileName(APP_ID)
    apply_theme(app)


def open_studio() -> SkillStudio:
    """The studio as the desktop app opens it: default folders and clients, and cold listings in a
    child process (``SkillStudio.use_listing_process``, issue 18: the event loop never waits for
    the interpreter lock while a registry downloads). Benchmarks open it the same way.

    Raises:
        SkillStudioError: the data folder or database cannot be opened.
    """
    studio = SkillStudio.open()
    studio.use_listing_process()
    return studio


def create_main_window(studio: SkillStudio) -> MainWindow:
    """The main window over ``studio`` (the composition used by ``run_gui``)."""
    return MainWindow(studio)


def run_gui(argv: Sequence[str] | None = None) -> int:
    """Run the desktop app until its window closes.

    Args:
        argv: Qt command line (default ``sys.argv``); Qt options such as ``-platform`` apply.

    Returns:
        The process exit code: 0 after a normal quit, 1 when the data folder cannot be opened
        (the reason is shown in a message box first).
    """
    problem = binding_problem()
    if problem:
        sys.stderr.write(f"skill-studio: warning: {problem}\n")
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(list(argv if argv is not None else sys.argv))
    prepare_application(app)
    try:
        studio = open_studio()
    except SkillStudioError as err:
        QMessageBox.critical(None, "Skill Studio cannot start", str(err))
        return 1
    try:
        window = create_main_window(studio)
        window.show()
        code = app.exec()
    finally:
        if not wait_for_background(SHUTDOWN_WAIT_MS):
            log.warning("background work still running at exit")
        studio.close()
    return int(code)
