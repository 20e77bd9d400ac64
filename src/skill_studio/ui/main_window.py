"""The main window: navigation, the pages, the notification area, and the dialogs they open.

Layout: a navigation list on the left (*Skill Library*; *Settings*: *Skills*, *Marketplace*,
*General*), the notification area above the current page on the right. Window geometry and the last
page are remembered in the UI's INI file (``pages.open_settings``).
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from skill_studio.app import SkillStudio, clean
from skill_studio.app.studio import Removal
from skill_studio.core.models import Destination, InstalledSkill, InstallState
from skill_studio.ui import theme
from skill_studio.ui.all_registries import SearchingBrowseDialog
from skill_studio.ui.browse_dialog import BrowseDialog, ListingCache
from skill_studio.ui.fit import resize_within_screen
from skill_studio.ui.notifications import Level, NotificationArea
from skill_studio.ui.pages import (
    GeneralPage,
    InstalledSkillsPage,
    LibraryPage,
    MarketplacePage,
    open_settings,
)
from skill_studio.ui.settings_skills_page import Notice, SettingsSkillsPage
from skill_studio.ui.skill_editor import SkillEditor
from skill_studio.ui.targets_page import TargetsPage, attach_deploy_action
from skill_studio.ui.update_center import UpdateCenter, startup_check_enabled

PAGE_KEYS = ("library", "targets", "settings/skills", "settings/marketplace", "settings/general")
"""Page identifiers, in stack order; the last one shown is remembered under ``main/page``."""

_NAV: tuple[tuple[str | None, str], ...] = (("library", "Skill Library"), ("targets", "Targets"), (None, "SETTINGS"), ("settings/skills", "Skills"),
        ("settings/marketplace", "Marketplace"), ("settings/general", "General"))


class MainWindow(QMainWindow):
    """Skill Studio's main window: navigation between the pages, the notification area, and the
    dialogs the pages open; geometry and the last page are remembered in ``settings``.

    Args:
        studio: the core facade (created once by ``app.run_gui``, the composition root).
        settings: UI settings (default: the INI file under the config folder).
        startup_check: run the update check in the background right after the window is first
            shown (R-UPD-3); None: yes, unless ``SKILL_STUDIO_NO_STARTUP_CHECK`` is set.

    Attributes:
        notifications: the notification area later work posts into (``post``/``dismiss``).
        library, targets, settings_skills, marketplace, general: the pages.
        update_center: the update check and the update/rollback actions (issue 4).
    """

    network_wait = Signal(str)
    """A slow or retried GitHub request ("waiting for GitHub… (attempt 2 of 4: …)"), from any thread."""

    def __init__(self, studio: SkillStudio, settings: QSettings | None = None, *,
                 startup_check: bool | None = None) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.studio = studio
        self.settings = settings if settings is not None else open_settings(studio)
        self.browse_dialogs: dict[Destination, BrowseDialog] = {}
        self.listings = ListingCache()
        self.editors: dict[tuple[Destination, str], SkillEditor] = {}
        self.setWindowTitle("Skill Studio")

        self.library = LibraryPage(studio)
        self.settings_skills = SettingsSkillsPage(studio)
        self.marketplace = MarketplacePage(studio)
        self.general = GeneralPage(studio)
        self.targets = TargetsPage(studio)
        self.pages: dict[str, QWidget] = {"library": self.library, "settings/skills": self.settings_skills,
                                          "settings/marketplace": self.marketplace, "settings/general": self.general,
                                          "targets": self.targets}
        self.stack = QStackedWidget()
        for key in PAGE_KEYS:
            self.stack.addWidget(self.pages[key])

        self.nav = QListWidget()
        self.nav.setObjectName("nav")
        self.nav.setFixedWidth(200)
        self.nav.setIconSize(QSize(18, 18))
        self._nav_keys: list[str | None] = []
        for nav_key, label in _NAV:
            self._nav_keys.append(nav_key)
            item = QListWidgetItem(label)
            item.setSizeHint(QSize(0, 28 if nav_key is None else 34))
            if nav_key is None:
                item.setFlags(Qt.ItemFlag.NoItemFlags)
                item.setData(Qt.ItemDataRole.AccessibleTextRole, "Settings")
                f = item.font()
                f.setPointSizeF(f.pointSizeF() * 0.85)
                f.setBold(True)
                item.setFont(f)
            else:
                if key.startswith("settings/"):
                    item.setText("   " + label)
            self.nav.addItem(item)
        self.nav.currentRowChanged.connect(self._nav_changed)

        self.notifications = NotificationArea()
        right = QWidget()
        right.setObjectName("content")
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.setSpacing(0)
        note_wrap = QWidget()
        nl = QVBoxLayout(note_wrap)
        nl.setContentsMargins(22, 12, 22, 0)
        nl.addWidget(self.notifications)
        self._note_wrap = note_wrap
        note_wrap.setVisible(False)
        self.notifications.posted.connect(lambda _n: note_wrap.setVisible(True))
        self.notifications.dismissed.connect(lambda _k: note_wrap.setVisible(bool(self.notifications.notifications())))
        rl.addWidget(note_wrap)
        rl.addWidget(self.stack, 1)

        central = QWidget()
        cl = QHBoxLayout(central)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.setSpacing(0)
        cl.addWidget(self.nav)
        cl.addWidget(right, 1)
        self.setCentralWidget(central)

        quit_action = QAction("Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        self.addAction(quit_action)
        self._add_keyboard()

        for page in (self.library, self.settings_skills):
            page.import_requested.connect(self.open_browse)
            page.open_requested.connect(self.open_editor)
            page.failed.connect(lambda title, text, d=page.destination: self.notifications.post(
                Level.ERROR, title, text, persistent=True, key=f"read-{d.value}"))
        self.library.removed.connect(self._removed)
        for page in (self.library, self.settings_skills):
            page.uninstalled.connect(self._uninstalled)
        self.marketplace.registries_changed.connect(self._registries_changed)
        self.settings_skills.notice.connect(self._notice)
        self.targets.notice.connect(self._notice)
        for page in (self.library, self.settings_skills):
            attach_deploy_action(page, self.targets)
        self.general.workspace_changed.connect(lambda _path: self.settings_skills.refresh())
        self._init_scheme()

        self.update_center = UpdateCenter(self)
        self.startup_check = startup_check_enabled(startup_check)
        self._shown_once = False
        for page in (self.library, self.settings_skills):
            self.update_center.attach_page(page)

        self.setMinimumSize(1024, 640)  # issue 15: every page fits (tests/ui/test_ui_fit.py)
        resize_within_screen(self, 1180, 760)
        geo = self.settings.value("main/geometry")
        if geo is not None:
            self.restoreGeometry(geo)
        self.show_page(str(self.settings.value("main/page", "library")))

        for msg in studio.startup_messages:
            self.notifications.post(Level.WARNING, "Recovered from an interrupted operation", msg, persistent=True)
        # slow GitHub requests are announced as the CLI does on stderr (issue 16 item 7); the signal
        # carries the text from the network threads to this one
        self.network_wait.connect(lambda text: self.notifications.post(
            Level.INFO, "Waiting for GitHub", clean(text, 300), key="network-wait"))
        studio.on_network_wait = self.network_wait.emit
        self.update_center.show_last_errors()
        self.library.refresh()
        self.settings_skills.refresh()

    # -- colour scheme (issue 15) ------------------------------------------------------------------

    def _init_scheme(self) -> None:
        """Apply the remembered Appearance choice and keep Settings → General in step with it."""
        choice = str(self.settings.value(theme.SETTINGS_KEY, "system"))
        combo = self.general.appearance
        combo.blockSignals(True)
        combo.setCurrentIndex(max(0, combo.findData(choice)))
        combo.blockSignals(False)
        self.general.scheme_chosen.connect(self.set_scheme)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme.apply_theme(app, choice)

    def set_scheme(self, choice: str) -> None:
        """Show and remember a colour scheme: "system" (follow the desktop), "light" or "dark"."""
        self.settings.setValue(theme.SETTINGS_KEY, choice)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme.apply_theme(app, choice)
        combo = self.general.appearance
        if combo.currentData() != choice:
            combo.setCurrentIndex(max(0, combo.findData(choice)))

    # -- pages ---------------------------------------------------------------------------------

    def current_page(self) -> str:
        """Key of the page shown (one of ``PAGE_KEYS``)."""
        return PAGE_KEYS[self.stack.currentIndex()]

    def show_page(self, key: str) -> None:
        """Show a page by key (unknown keys show the Skill Library)."""
        if key not in PAGE_KEYS:
            key = "library"
        self.nav.setCurrentRow(self._nav_keys.index(key))
        self.stack.setCurrentWidget(self.pages[key])

    def _nav_changed(self, row: int) -> None:
        key = self._nav_keys[row] if 0 <= row < len(self._nav_keys) else None
        if key is not None:
            self.stack.setCurrentWidget(self.pages[key])
            if key == "targets":
                self.targets.refresh()

    def _add_keyboard(self) -> None:
        """Ctrl+I browses for the current page's destination; the navigation list is named (issue 15)."""
        browse = QAction("Import from marketplace…", self)
        browse.setShortcut(QKeySequence("Ctrl+I"))
        browse.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        browse.triggered.connect(lambda: self.open_browse(self.current_destination()))
        self.addAction(browse)
        self.nav.setAccessibleName("Pages")

    def _take_keyboard_back(self) -> None:
        """A dialog or editor closed: the keyboard comes back to this window (a window manager
        usually does it; without one the focus would be nowhere)."""
        if self.isVisible() and not self.isMinimized():
            self.activateWindow()

    def current_destination(self) -> Destination:
        """Where an import from the current page goes: Settings → Skills for that page, the Skill
        Library otherwise."""
        return Destination.SETTINGS if self.current_page() == "settings/skills" else Destination.LIBRARY

    def page_for(self, destination: Destination) -> InstalledSkillsPage:
        """The installed-skills page of a destination."""
        return self.library if destination is Destination.LIBRARY else self.settings_skills

    # -- dialogs -------------------------------------------------------------------------------

    def open_browse(self, destination: Destination = Destination.LIBRARY) -> BrowseDialog:
        """Open (or raise) the browse dialog importing into ``destination`` (R-UI-1)."""
        dialog = self.browse_dialogs.get(destination)
        if dialog is not None and shiboken6.isValid(dialog):
            dialog.show()
            dialog.raise_()
            dialog.activateWindow()
            dialog.focus_search()
            return dialog
        dialog = SearchingBrowseDialog(self.studio, destination, self.settings, self, self.listings)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.imported.connect(self._imported)
        if destination is Destination.SETTINGS:
            dialog.imported.connect(lambda _d, installed, _e: self.settings_skills.report_imports(installed))
        dialog.states_known.connect(self._states_known)
        dialog.finished.connect(lambda _r: self._take_keyboard_back())
        dialog.update_requested.connect(
            lambda dest, names, listing, d=dialog: self.update_center.request_update(dest, names, listing, parent=d))
        self.browse_dialogs[destination] = dialog
        dialog.show()
        dialog.activateWindow()  # the keyboard goes to the new dialog, even without a window manager
        return dialog

    def open_editor(self, skill: InstalledSkill) -> SkillEditor:
        """Open (or raise) the SKILL.md editor of an installed skill."""
        key = (skill.destination, skill.local_name)
        editor = self.editors.get(key)
        if editor is not None and shiboken6.isValid(editor):
            editor.show()
            editor.raise_()
            editor.activateWindow()
            return editor
        editor = SkillEditor(skill, self.settings, self)
        editor.saved.connect(lambda s: self.page_for(s.destination).skill_saved(s))
        editor.destroyed.connect(lambda *_, k=key: self.editors.pop(k, None))
        editor.destroyed.connect(lambda *_: self._take_keyboard_back())
        self.editors[key] = editor
        editor.show()
        editor.activateWindow()
        return editor

    # -- events from pages and dialogs -------------------------------------------------------------

    def _notice(self, n: Notice) -> None:
        self.notifications.post(n.level, n.title, n.text, n.actions, n.persistent, n.key)

    def _registries_changed(self) -> None:
        self.general.token_section.reload_hosts()
        for dialog in list(self.browse_dialogs.values()):
            if shiboken6.isValid(dialog):
                dialog.sync_registries()

    def _states_known(self, destination: Destination, states: dict[str, InstallState]) -> None:
        self.page_for(destination).apply_states(states)

    def _uninstalled(self, destination: Destination, name: str) -> None:
        """Every view follows an uninstall (issue 15): the update card, badges, an open browse dialog."""
        self.update_center.skill_replaced(destination, name)
        self._refresh_browse_states(destination)

    def _removed(self, removal: Removal) -> None:
        destination = removal.skill.destination
        self.notifications.post(Level.SUCCESS, f"Removed {removal.skill.local_name} from {destination.label}",
                                " ".join(removal.messages[1:]) or (f"Its folder is kept in {removal.backup}."
                                                                  if removal.backup else ""),
                                key=f"removed-{destination.value}")

    def _refresh_browse_states(self, destination: Destination) -> None:
        """Install states shown by an open browse dialog follow an uninstall (issue 15: fresh state)."""
        dialog = self.browse_dialogs.get(destination)
        if dialog is not None and shiboken6.isValid(dialog):
            dialog.refresh_states()

    def _imported(self, destination: Destination, installed: list[InstalledSkill], errors: list[str]) -> None:
        page = self.page_for(destination)
        for skill in installed:  # a re-import replaces an outdated copy: no update pending any more
            self.update_center.skill_replaced(destination, skill.local_name)
        page.refresh()
        if installed:
            names = ", ".join(s.local_name for s in installed)
            actions = []
            if len(installed) == 1:
                skill = installed[0]
                actions.append(("Open", lambda s=skill: self.open_editor(s)))
            self.notifications.post(Level.SUCCESS, f"Imported into {destination.label}", names, actions=actions,
                                    key=f"imported-{destination.value}")
        if errors:
            self.notifications.post(Level.ERROR, f"Some skills could not be imported into {destination.label}",
                                    "\n".join(errors), persistent=True, key=f"import-errors-{destination.value}")

    # -- lifetime ------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        """Start the background update check once, after the window is first shown (R-UPD-3), when
        the window was made with ``startup_check`` (off with ``SKILL_STUDIO_NO_STARTUP_CHECK=1``)."""
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            if self.startup_check:  # after the window is on screen: the check never delays it
                QTimer.singleShot(0, self, self.update_center.start_check)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Close the open editors first (one with unsaved edits may refuse: the window stays), close the
        browse dialogs, abandon requests in flight (issue 15: within a second or two), remember the
        geometry and page, then close."""
        for editor in list(self.editors.values()):
            if shiboken6.isValid(editor) and not editor.close():
                event.ignore()
                return
        for dialog in list(self.browse_dialogs.values()):
            if shiboken6.isValid(dialog):
                dialog.close()
        self.studio.cancel_requests()  # a hanging request must not hold the exit (issue 15)
        self.settings.setValue("main/geometry", self.saveGeometry())
        self.settings.setValue("main/page", self.current_page())
        self.settings.sync()
        self.studio.on_network_wait = None  # no signal into a closed window
        super().closeEvent(event)
