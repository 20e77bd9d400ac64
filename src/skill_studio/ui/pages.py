"""The main window's pages: *Skill Library*, *Settings → Marketplace*, *Settings → General*, and the
installed-skills page that *Settings → Skills* (``settings_skills_page``) builds on. Each is a
self-contained widget taking the ``SkillStudio`` it works on, so later work can grow one page
without touching the others."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from skill_studio.app import SkillStudio, parse_registry_source
from skill_studio.app.create import create_skill
from skill_studio.app.merge import get_merge_customized, set_merge_customized
from skill_studio.app.settings import SyncReport
from skill_studio.app.studio import MAX_RECHECK_MINUTES, Removal
from skill_studio.app.updates import get_update_mode, set_update_mode
from skill_studio.core.errors import CancelledError, RegistrySourceError
from skill_studio.core.models import Destination, InstalledSkill, InstallState, Registry
from skill_studio.ui import keyboard, widgets
from skill_studio.ui.fit import ToolbarOverflow
from skill_studio.ui.models import (
    ROW_ROLE,
    InstalledRow,
    InstalledTableModel,
    RegistryTableModel,
    SearchFilterProxy,
)
from skill_studio.ui.new_skill_dialog import NewSkillDialog
from skill_studio.ui.theme import SCHEME_CHOICES
from skill_studio.ui.token_section import TokenSection
from skill_studio.ui.widgets import BadgeDelegate, PageHeader, button, setup_table
from skill_studio.ui.workers import BackgroundOp, describe_error

PAGE_MARGINS = (22, 16, 22, 16)


def compute_installed_rows(studio: SkillStudio, destination: Destination, updates: set[str]) -> list[InstalledRow]:
    """Rows of an installed-skills table (worker thread: hashes every folder for *customized*)."""
    return [InstalledRow(s, studio.is_customized(s), s.local_name in updates) for s in studio.installed(destination)]


class InstalledSkillsPage(QWidget):
    """A table of the skills installed in one destination, refreshed in the background.

    Signals:
        import_requested(Destination): the user wants to browse the marketplace for this destination.
        open_requested(InstalledSkill): open the skill in the editor.
        refreshed(): the table was reloaded.
        failed(str, str): reading the installed skills failed: (title, reason) for a notification.
        removed(Removal): a skill was uninstalled (Skill Library; Settings → Skills reports through
            its own ``notice``).
        uninstalled(Destination, str): a skill was uninstalled (both pages): views showing it follow.
    """

    import_requested = Signal(object)
    open_requested = Signal(object)
    refreshed = Signal()
    failed = Signal(str, str)
    removed = Signal(object)
    uninstalled = Signal(object, str)

    EMPTY_TITLE = ""
    EMPTY_TEXT = ""

    def __init__(self, studio: SkillStudio, destination: Destination, title: str, subtitle: str,
                 import_label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.studio = studio
        self.destination = destination
        self.updates: set[str] = set()
        self._loading = False
        self._again = False
        self._removing_name: str | None = None

        self.header = PageHeader(title, subtitle)
        self.import_button = button(import_label, lambda: self.import_requested.emit(self.destination), primary=True)
        self.open_button = button("Open", self.open_selected, tip="Edit the SKILL.md (double-click a row)")
        self.reveal_button = button("Reveal in file manager", self.reveal_selected)
        self.refresh_button = button("Refresh", self.refresh, tip="Re-read installed skills and local edits")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Filter")
        self.search.setClearButtonEnabled(True)
        self.search.setMaximumWidth(260)
        keyboard.name(self.search, f"Filter {title}")
        self.import_button.setToolTip(keyboard.CONTRACT_TIPS["import_page"])
        bar = QHBoxLayout()
        bar.addWidget(self.import_button)
        bar.addWidget(self.open_button)
        bar.addWidget(self.reveal_button)
        bar.addStretch(1)
        bar.addWidget(self.search)
        bar.addWidget(self.refresh_button)
        self.toolbar = bar
        self.overflow = ToolbarOverflow(self, bar)  # issue 15: buttons that do not fit go to a More menu
        """The row of buttons above the table (the update center adds *Update…* to it)."""

        self.model = self._create_model()
        self.proxy = SearchFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.search.textChanged.connect(self.proxy.set_filter_text)
        self.table = QTableView()
        self.table.setObjectName("installedTable")
        self.table.setProperty("checks", True)  # style.qss draws its check boxes (QTableView[checks="true"])
        self.table.setModel(self.proxy)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self._configure_table()
        keyboard.name(self.table, f"{title} skills")
        keyboard.select_on_focus(self.table)
        self.table.setToolTip(keyboard.CONTRACT_TIPS["installed_table"])
        keyboard.on_keys(self.table, {Qt.Key.Key_Return: self._enter, Qt.Key.Key_Enter: self._enter,
                                      Qt.Key.Key_Delete: self._delete})
        self.table.doubleClicked.connect(self._double_clicked)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)

        self.empty = QWidget()
        el = QVBoxLayout(self.empty)
        el.addStretch(1)
        t = QLabel(self.EMPTY_TITLE)
        t.setObjectName("emptyTitle")
        t.setAlignment(Qt.AlignmentFlag.AlignCenter)
        x = QLabel(self.EMPTY_TEXT)
        x.setObjectName("emptyState")
        x.setAlignment(Qt.AlignmentFlag.AlignCenter)
        x.setWordWrap(True)
        el.addWidget(t)
        el.addWidget(x)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(button(import_label, lambda: self.import_requested.emit(self.destination), primary=True))
        row.addStretch(1)
        el.addSpacing(8)
        el.addLayout(row)
        el.addStretch(2)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(*PAGE_MARGINS)
        lay.setSpacing(10)
        lay.addWidget(self.header)
        lay.addLayout(bar)
        lay.addWidget(self.stack, 1)
        self._update_buttons()

    def _create_model(self) -> InstalledTableModel:
        """The table model (a subclass may show other columns; it keeps ``find``/``set_updates``)."""
        return InstalledTableModel(self)

    def _configure_table(self) -> None:
        """Column sizes, delegates and the initial sort of ``self.table``."""
        setup_table(self.table, InstalledTableModel.DESCRIPTION,
                    {InstalledTableModel.NAME: 220, InstalledTableModel.VERSION: 80, InstalledTableModel.SOURCE: 200,
                     InstalledTableModel.STATUS: 260})
        self.table.setItemDelegateForColumn(InstalledTableModel.STATUS, BadgeDelegate(self.table))
        self.table.sortByColumn(InstalledTableModel.NAME, Qt.SortOrder.AscendingOrder)

    # -- data ----------------------------------------------------------------------------------

    def skill_saved(self, skill: InstalledSkill) -> None:
        """The editor saved ``skill``'s SKILL.md: re-read the table (its *customized* state changed)."""
        self.refresh()

    def refresh(self) -> None:
        """Reload the installed skills and their *customized* state in the background."""
        if self._loading:
            self._again = True
            return
        self._loading = True
        self.refresh_button.setEnabled(False)
        studio, dest, updates = self.studio, self.destination, set(self.updates)
        BackgroundOp(self, lambda progress: compute_installed_rows(studio, dest, updates), self._loaded) \
            .failure(self._failed) \
            .finally_(self._finished) \
            .run_in_background()

    def _loaded(self, rows: list[InstalledRow]) -> None:
        selected = self.selected_skill()
        self.model.set_rows(rows)
        self.stack.setCurrentIndex(0 if rows else 1)
        if selected is not None:
            self.select(selected.local_name)
        self.refreshed.emit()

    def _failed(self, err: BaseException) -> None:
        self.failed.emit(f"Could not read the skills of {self.destination.label}", describe_error(err))

    def _finished(self) -> None:
        self._loading = False
        self.refresh_button.setEnabled(True)
        self._update_buttons()
        if self._again:
            self._again = False
            self.refresh()

    def apply_states(self, states: dict[str, InstallState]) -> None:
        """Take install states learned from a registry listing (local name → state): rows whose state
        is *update available* get the badge (R-UPD-1); other listed names lose it."""
        for name, state in states.items():
            if state is InstallState.UPDATE_AVAILABLE:
                self.updates.add(name)
            else:
                self.updates.discard(name)
        self.model.set_updates(self.updates)

    # -- selection -----------------------------------------------------------------------------

    def selected_skill(self) -> InstalledSkill | None:
        """The selected skill, or None."""
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        row: InstalledRow = rows[0].data(ROW_ROLE)
        return row.skill

    def select(self, local_name: str) -> bool:
        """Select a skill by local name; False when it is not shown."""
        src = self.model.find(local_name)
        if src < 0:
            return False
        idx = self.proxy.mapFromSource(self.model.index(src, 0))
        if not idx.isValid():
            return False
        self.table.selectRow(idx.row())
        self.table.scrollTo(idx)
        return True

    def open_selected(self) -> None:
        """Ask for the selected skill to be opened."""
        skill = self.selected_skill()
        if skill is not None:
            self.open_requested.emit(skill)

    def reveal_selected(self) -> None:
        """Show the selected skill's folder in the file manager."""
        skill = self.selected_skill()
        if skill is not None:
            widgets.reveal_in_file_manager(skill.path)

    def _enter(self) -> bool:
        """Enter on the table opens the selected skill (issue 15)."""
        if self.selected_skill() is None:
            return False
        self.open_selected()
        return True

    def _delete(self) -> bool:
        """Delete on the table removes the selected skill after confirmation (issue 15)."""
        if self.selected_skill() is None:
            return False
        self.remove_selected()
        return True

    def remove_selected(self, confirm: Callable[[InstalledSkill], bool] | None = None) -> bool:
        """Uninstall the selected skill after ``confirm(skill)`` (default: a Yes/Cancel question),
        in the background; its folder is kept as a backup (``SkillStudio.remove_skill``). Returns
        True when the removal was started."""
        skill = self.selected_skill()
        if skill is None or skill.bundled or self._removing_name is not None:
            return False
        if not (confirm or self._confirm_remove)(skill):
            return False
        self._removing_name = skill.local_name
        self._update_buttons()
        studio, dest, name = self.studio, self.destination, skill.local_name
        BackgroundOp(self, lambda _p: studio.remove_skill(dest, name), self._removal_done) \
            .failure(lambda err: self.failed.emit(f"Could not remove {name}", describe_error(err))) \
            .finally_(self._removal_finished) \
            .run_in_background()
        return True

    def _confirm_remove(self, skill: InstalledSkill) -> bool:
        answer = QMessageBox.question(
            self, "Remove skill",
            f"Remove “{skill.local_name}” from {self.destination.label}?\n\nIts folder, including any local "
            "edits, is kept as a backup in Skill Studio's data folder.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Yes

    def _removal_done(self, removal: Removal) -> None:
        self.removed.emit(removal)
        self.uninstalled.emit(removal.skill.destination, removal.skill.local_name)

    def _removal_finished(self) -> None:
        self._removing_name = None
        self.refresh()

    def _double_clicked(self, index: QModelIndex) -> None:
        row: InstalledRow | None = index.data(ROW_ROLE)
        if row is not None and self._opens_on_double_click(index):
            self.open_requested.emit(row.skill)

    def _opens_on_double_click(self, index: QModelIndex) -> bool:
        """Whether a double-click on ``index`` opens the editor (not on a check-box column)."""
        return True

    def _update_buttons(self, *_: object) -> None:
        has = self.selected_skill() is not None
        self.open_button.setEnabled(has)
        self.reveal_button.setEnabled(has)


class LibraryPage(InstalledSkillsPage):
    """*Skill Library*: the dashboard of domain skills, ready to refine (R-IMP-4)."""

    EMPTY_TITLE = "Your Skill Library is empty"
    EMPTY_TEXT = ("Import domain skills from a marketplace; they appear here ready to refine: "
                  "open one, edit its SKILL.md, save.")

    def __init__(self, studio: SkillStudio, parent: QWidget | None = None) -> None:
        super().__init__(studio, Destination.LIBRARY, "Skill Library",
                         "Domain skills you refine. Double-click a skill (or Enter) to edit its SKILL.md.",
                         "Import from marketplace…", parent)
        self.remove_button = button("Remove…", lambda: self.remove_selected(),
                                    tip="Uninstall the selected skill (Delete); its folder is kept as a backup")
        self.toolbar.insertWidget(3, self.remove_button)
        self.new_button = button("New skill…", lambda: self.new_skill(),
                                 tip="Create a skill from a template and open it in the editor")
        self.toolbar.insertWidget(1, self.new_button)
        self.new_dialog: NewSkillDialog | None = None
        """The open *New skill…* dialog, or None (tests fill it in and accept it)."""
        self._select_after_refresh: str | None = None
        keyboard.chain([self.import_button, self.new_button, self.open_button, self.reveal_button, self.remove_button,
                        self.search, self.refresh_button, self.table])
        self._update_buttons()

    def new_skill(self) -> NewSkillDialog:
        """*New skill…*: ask for a name and description (window-modal), then create the skill in the
        background from the template and open it (issue 15)."""
        studio = self.studio
        dialog = NewSkillDialog(lambda name: studio.installed_skill(Destination.LIBRARY, name) is not None, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda d=dialog: self._create(*d.values()))
        dialog.finished.connect(lambda _r: setattr(self, "new_dialog", None))
        self.new_dialog = dialog
        dialog.open()
        dialog.activateWindow()
        return dialog

    def _create(self, name: str, description: str) -> None:
        studio = self.studio
        BackgroundOp(self, lambda _p: create_skill(studio, name, description), self._created) \
            .failure(lambda err: self.failed.emit(f"Could not create {name}", describe_error(err))) \
            .run_in_background()

    def _created(self, skill: InstalledSkill) -> None:
        self._select_after_refresh = skill.local_name
        self.refresh()
        self.open_requested.emit(skill)

    def _loaded(self, rows: list[InstalledRow]) -> None:
        super()._loaded(rows)
        name, self._select_after_refresh = self._select_after_refresh, None
        if name:
            self.select(name)

    def _update_buttons(self, *_: object) -> None:
        super()._update_buttons()
        if hasattr(self, "remove_button"):  # called by the base constructor too
            self.remove_button.setEnabled(self.selected_skill() is not None and self._removing_name is None)


class MarketplacePage(QWidget):
    """*Settings → Marketplace*: the registries (R-REG-2/3).

    Signals:
        registries_changed(): a registry was added, removed, enabled or disabled.
    """

    registries_changed = Signal()

    def __init__(self, studio: SkillStudio, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.studio = studio
        self._adding = False
        header = PageHeader(
            "Marketplace",
            "Registries are GitHub repositories (or folders of one) holding .claude-plugin/marketplace.json. "
            "Disabled registries stay in the list but are not fetched or browsed.")

        self.url_edit = QLineEdit()
        self.url_edit.setObjectName("registryUrl")
        keyboard.name(self.url_edit, "Registry to add", "owner/repo, owner/repo@ref or a GitHub URL; Enter adds it")
        self.url_edit.setPlaceholderText("owner/repo, owner/repo@ref or https://github.com/owner/repo/tree/ref/folder")
        self.url_edit.returnPressed.connect(self.add_registry)
        self.url_edit.textChanged.connect(lambda _: self._set_status("", ""))
        self.add_button = button("Add registry", self.add_registry, primary=True)
        self.cancel_add_button = button("Cancel", self.cancel_add, tip="Stop waiting for GitHub")
        self.cancel_add_button.setObjectName("cancelAdd")
        self.cancel_add_button.setVisible(False)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setFixedSize(90, 10)
        self.busy.setVisible(False)
        self.status = QLabel("")
        self.status.setObjectName("inlineStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status.setVisible(False)
        add_row = QHBoxLayout()
        add_row.addWidget(self.url_edit, 1)
        add_row.addWidget(self.add_button)
        status_row = QHBoxLayout()
        status_row.addWidget(self.busy, 0, Qt.AlignmentFlag.AlignVCenter)
        status_row.addWidget(self.status, 1)
        status_row.addWidget(self.cancel_add_button)

        self.model = RegistryTableModel(self)
        self.model.enabled_toggled.connect(self.set_enabled)
        self.table = QTableView()
        self.table.setObjectName("registryTable")
        self.table.setProperty("checks", True)  # style.qss draws its check boxes (QTableView[checks="true"])
        keyboard.name(self.table, "Registries")
        self.table.setToolTip("Space toggles Enabled. Delete removes the selected registry (asks first). "
                              "Tab leaves the table.")
        keyboard.select_on_focus(self.table)
        keyboard.on_keys(self.table, {Qt.Key.Key_Delete: lambda: self.remove_selected() or True})
        self.table.setModel(self.model)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        setup_table(self.table, RegistryTableModel.SOURCE, {RegistryTableModel.NAME: 300})
        self.table.setSortingEnabled(False)
        self.table.setItemDelegateForColumn(RegistryTableModel.NAME, BadgeDelegate(self.table, show_text=True))
        self.table.horizontalHeader().setSectionResizeMode(RegistryTableModel.ENABLED, QHeaderView.ResizeMode.ResizeToContents)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.remove_button = button("Remove", self.remove_selected, tip="Remove the selected registry")
        bottom = QHBoxLayout()
        bottom.addWidget(self.remove_button)
        self.remove_hint = QLabel("")
        self.remove_hint.setObjectName("hint")
        bottom.addWidget(self.remove_hint, 1)

        add_label = QLabel("Add a registry")
        add_label.setObjectName("sectionLabel")
        list_label = QLabel("Registries")
        list_label.setObjectName("sectionLabel")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(*PAGE_MARGINS)
        lay.setSpacing(8)
        lay.addWidget(header)
        lay.addWidget(add_label)
        lay.addLayout(add_row)
        lay.addLayout(status_row)
        lay.addSpacing(8)
        lay.addWidget(list_label)
        lay.addWidget(self.table, 1)
        lay.addLayout(bottom)
        self.reload()

    # -- list ----------------------------------------------------------------------------------

    def reload(self) -> None:
        """Re-read the registry list (a small database query)."""
        selected = self.selected_registry()
        self.model.set_rows(self.studio.registries())
        if selected is not None:
            self.select(selected.id)
        self._update_buttons()

    def registries(self) -> list[Registry]:
        """The registries shown."""
        return self.model.rows()

    def selected_registry(self) -> Registry | None:
        """The selected registry, or None."""
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return rows[0].data(ROW_ROLE) if rows else None

    def select(self, registry_id: int) -> None:
        """Select a registry row by id."""
        for i, r in enumerate(self.model.rows()):
            if r.id == registry_id:
                self.table.selectRow(i)
                return

    def _update_buttons(self, *_: object) -> None:
        reg = self.selected_registry()
        self.remove_button.setEnabled(reg is not None and not reg.is_default)
        if reg is not None and reg.is_default:
            self.remove_hint.setText(f"{reg.name} is the default registry: disable it instead of removing it.")
        else:
            self.remove_hint.setText("")

    # -- actions -------------------------------------------------------------------------------

    def _set_status(self, kind: str, text: str) -> None:
        self.status.setProperty("kind", kind)
        self.status.setText(text)
        self.status.setVisible(bool(text))
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)

    def add_registry(self) -> None:
        """Validate the URL, then fetch its catalog and add it in the background (R-REG-2)."""
        if self._adding:
            return
        url = self.url_edit.text().strip()
        if not url:
            self._set_status("error", "Type a registry: owner/repo or a GitHub URL.")
            return
        try:
            source = parse_registry_source(url)
        except RegistrySourceError as err:
            self._set_status("error", str(err))
            return
        self._adding = True
        self.add_button.setEnabled(False)
        self.url_edit.setReadOnly(True)
        self.busy.setVisible(True)
        self.cancel_add_button.setVisible(True)
        self._set_status("busy", f"Fetching the catalog of {source.slug}…")
        studio = self.studio
        BackgroundOp(self, lambda progress: studio.add_registry(url), self._added) \
            .failure(self._add_failed) \
            .finally_(self._add_done) \
            .run_in_background()

    def _added(self, reg: Registry) -> None:
        self.url_edit.clear()
        self.reload()
        self.select(reg.id)
        self._set_status("ok", f"Added “{reg.name}” ({reg.source.url}).")
        self.registries_changed.emit()

    def cancel_add(self) -> bool:
        """Stop adding a registry whose catalog is still being fetched (issue 15). Returns False
        when nothing was being added."""
        if not self._adding:
            return False
        self.studio.cancel_requests()
        return True

    def _add_failed(self, err: BaseException) -> None:
        if isinstance(err, CancelledError):
            self._set_status("", "Cancelled: the registry was not added.")
            return
        self._set_status("error", describe_error(err))

    def _add_done(self) -> None:
        self._adding = False
        self.add_button.setEnabled(True)
        self.url_edit.setReadOnly(False)
        self.busy.setVisible(False)
        if self.cancel_add_button.hasFocus():
            self.url_edit.setFocus()
        self.cancel_add_button.setVisible(False)

    def set_enabled(self, reg: Registry, enabled: bool) -> None:
        """Enable or disable a registry (R-REG-3); open browse dialogs follow at once."""
        try:
            self.studio.set_registry_enabled(reg.source.url, enabled)
        except Exception as err:  # noqa: BLE001 - shown to the user
            self._set_status("error", describe_error(err))
        self.reload()
        self.registries_changed.emit()

    def remove_selected(self, confirm: Callable[[Registry], bool] | None = None) -> bool:
        """Remove the selected registry after confirmation; the default cannot be removed."""
        reg = self.selected_registry()
        if reg is None or reg.is_default:
            return False
        ask = confirm or self._confirm_remove
        if not ask(reg):
            return False
        try:
            self.studio.remove_registry(reg.source.url)
        except Exception as err:  # noqa: BLE001 - shown to the user
            self._set_status("error", describe_error(err))
            return False
        self.reload()
        self._set_status("ok", f"Removed “{reg.name}”. Skills imported from it stay installed.")
        self.registries_changed.emit()
        return True

    def _confirm_remove(self, reg: Registry) -> bool:
        answer = QMessageBox.question(
            self, "Remove registry",
            f"Remove “{reg.name}” ({reg.source.url})?\n\nSkills imported from it stay installed.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Yes


class GeneralPage(QWidget):
    """*Settings → General*: update mode, GitHub token, agent workspace folder, data folder.

    The GitHub token row is a :class:`~skill_studio.ui.token_section.TokenSection` (host, password
    field, Test / Save / Forget, where the token comes from; R-NET-2).

    The update mode is read and stored through ``app.updates.get_update_mode/set_update_mode``
    (R-UPD-3). The workspace folder is ``studio.settings_skills.workspace_path()``; *Change…* moves it
    (``set_workspace_path``: the old folder loses what Skill Studio wrote, the new one gets the active
    skills), *Sync now* rewrites it (R-IMP-6); both run in the background and report inline.

    Signals:
        workspace_changed(str): the workspace folder moved (its new path).
    """

    workspace_changed = Signal(str)
    scheme_chosen = Signal(str)
    """The Appearance choice changed: "system", "light" or "dark" (the main window keeps and applies it)."""

    UPDATE_MODES = (("manual", "Manual — tell me when updates are available"),
                    ("auto", "Automatic — update skills without local edits, then tell me"))

    def __init__(self, studio: SkillStudio, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.studio = studio
        self._busy = False
        header = PageHeader("General", "How Skill Studio keeps skills current and where the agents find them.")

        self.update_mode = QComboBox()
        self.update_mode.setObjectName("updateMode")
        keyboard.name(self.update_mode, "Update mode")
        for value, label in self.UPDATE_MODES:
            self.update_mode.addItem(label, value)
        self.update_mode.setCurrentIndex(max(0, self.update_mode.findData(get_update_mode(studio).value)))
        self.update_mode.currentIndexChanged.connect(self._mode_changed)
        mode_hint = QLabel("Checked at startup, in the background. Skills with local edits are never updated "
                           "automatically unless merging is turned on below; updating one asks first, offers "
                           "to merge upstream's changes into your edits, and keeps your version as a backup.")
        mode_hint.setObjectName("hint")
        mode_hint.setWordWrap(True)

        self.token_section = TokenSection(studio)
        self.token = self.token_section.token
        """The password field of the GitHub token row (issue 6)."""

        self.workspace = QLineEdit(str(studio.settings_skills.workspace_path()))
        self.workspace.setObjectName("workspaceDir")
        keyboard.name(self.workspace, "Agent workspace folder")
        self.workspace.setReadOnly(True)
        self.workspace.setCursorPosition(0)
        self.change_workspace_button = button("Change…", lambda: self.change_workspace(),
                                              tip="Choose another folder; the active skills move there")
        self.open_workspace_button = button("Open folder", self.open_workspace,
                                            tip="Show the workspace in the file manager")
        self.sync_button = button("Sync now", self.sync_now,
                                  tip="Rewrite .claude/skills and CLAUDE.md from the active skills")
        ws_row = QHBoxLayout()
        ws_row.addWidget(self.workspace, 1)
        ws_row.addWidget(self.change_workspace_button)
        ws_row.addWidget(self.open_workspace_button)
        ws_row.addWidget(self.sync_button)
        ws_hint = QLabel("Active Settings skills are copied into <workspace>/.claude/skills and listed in its "
                         "CLAUDE.md, so Claude Code finds them on every run.")
        ws_hint.setObjectName("hint")
        ws_hint.setWordWrap(True)
        ws_hint.setTextFormat(Qt.TextFormat.PlainText)
        self.workspace_busy = QProgressBar()
        self.workspace_busy.setRange(0, 0)
        self.workspace_busy.setTextVisible(False)
        self.workspace_busy.setFixedSize(90, 10)
        self.workspace_busy.setVisible(False)
        self.workspace_status = QLabel("")
        self.workspace_status.setObjectName("inlineStatus")
        self.workspace_status.setWordWrap(True)
        self.workspace_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.workspace_status.setVisible(False)
        status_row = QHBoxLayout()
        status_row.addWidget(self.workspace_busy, 0, Qt.AlignmentFlag.AlignVCenter)
        status_row.addWidget(self.workspace_status, 1)
        ws_col = _with_hint(ws_row, ws_hint)
        ws_col.addLayout(status_row)

        data_dir = QLabel(str(studio.paths.data))
        data_dir.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        data_dir.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        data_dir.setContentsMargins(0, 4, 0, 0)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        form.setVerticalSpacing(18)
        form.setHorizontalSpacing(16)
        # issue 13: "merge customized skills when clean" for auto mode
        self.merge_customized = QCheckBox("In auto mode, also update skills with local edits when upstream's "
                                          "changes merge cleanly with them")
        self.merge_customized.setObjectName("mergeCustomized")
        self.merge_customized.setChecked(get_merge_customized(studio))
        self.merge_customized.toggled.connect(lambda on: set_merge_customized(self.studio, on))
        mode_col = _with_hint(self.update_mode, mode_hint)
        mode_col.addWidget(self.merge_customized)
        # issue 15: follow the system colour scheme, or force light or dark
        self.appearance = QComboBox()
        self.appearance.setObjectName("appearance")
        self.appearance.setAccessibleName("Appearance")
        self.appearance.setToolTip("Light or dark colours; \"Same as the system\" follows the desktop's setting")
        for value, label in SCHEME_CHOICES:
            self.appearance.addItem(label, value)
        self.appearance.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.appearance.setMinimumWidth(220)
        self.appearance.currentIndexChanged.connect(lambda _i: self.scheme_chosen.emit(str(self.appearance.currentData())))
        form.addRow(_form_label("Appearance"), self.appearance)
        form.addRow(_form_label("Updates"), mode_col)
        # issue 18: how often an external plugin's branch is asked again (a reload always asks)
        self.external_recheck = QSpinBox()
        self.external_recheck.setObjectName("externalRecheck")
        self.external_recheck.setAccessibleName("Minutes between checks of external plugins")
        self.external_recheck.setRange(0, int(MAX_RECHECK_MINUTES))
        self.external_recheck.setSuffix(" min")
        self.external_recheck.setKeyboardTracking(False)  # typed "120" is one setting, not 1, 12, 120
        self.external_recheck.setValue(round(studio.external_recheck_minutes()))
        self.external_recheck.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.external_recheck.valueChanged.connect(lambda v: self.studio.set_external_recheck_minutes(v))
        recheck_hint = QLabel("Plugins that live in another repository: their branch is asked again at most this "
                              "often when browsing (0: every time). Reload always asks.")
        recheck_hint.setObjectName("hint")
        recheck_hint.setWordWrap(True)
        form.addRow(_form_label("External plugins"), _with_hint(self.external_recheck, recheck_hint))
        form.addRow(_form_label("GitHub token"), self.token_section)
        form.addRow(_form_label("Agent workspace"), ws_col)
        form.addRow(_form_label("Data folder"), data_dir)
        box = QWidget()
        box.setMaximumWidth(860)
        box.setLayout(form)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(*PAGE_MARGINS)
        lay.setSpacing(12)
        lay.addWidget(header)
        lay.addWidget(box)
        lay.addStretch(1)

    # -- update mode ---------------------------------------------------------------------------

    def mode(self) -> str:
        """The selected update mode: ``"manual"`` or ``"auto"``."""
        return str(self.update_mode.currentData())

    def _mode_changed(self, _index: int) -> None:
        set_update_mode(self.studio, self.mode())  # one settings-table write

    # -- workspace -----------------------------------------------------------------------------

    def busy(self) -> bool:
        """True while a workspace change or sync runs."""
        return self._busy

    def _set_status(self, kind: str, text: str) -> None:
        self.workspace_status.setProperty("kind", kind)
        self.workspace_status.setText(text)
        self.workspace_status.setVisible(bool(text))
        self.workspace_status.style().unpolish(self.workspace_status)
        self.workspace_status.style().polish(self.workspace_status)

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self._busy = busy
        for b in (self.change_workspace_button, self.sync_button):
            b.setEnabled(not busy)
        self.workspace_busy.setVisible(busy)
        if busy:
            self._set_status("busy", text)

    def change_workspace(self, path: str | None = None) -> bool:
        """Move the agent workspace to ``path`` (default: ask with a folder dialog), in the
        background; errors are shown inline. Returns False when nothing was started."""
        if self._busy:
            return False
        if path is None:
            path = QFileDialog.getExistingDirectory(self, "Choose the agent workspace folder", self.workspace.text())
            if not path:
                return False
        ss = self.studio.settings_skills
        target = path
        self._set_busy(True, f"Moving the workspace to {target}…")
        BackgroundOp(self, lambda _p: ss.set_workspace_path(target), self._moved) \
            .failure(lambda err: self._set_status("error", describe_error(err))) \
            .finally_(lambda: self._set_busy(False)) \
            .run_in_background()
        return True

    def _moved(self, report: SyncReport) -> None:
        self.workspace.setText(str(report.workspace))
        self.workspace.setCursorPosition(0)
        n = len(report.skills)
        text = (f"The workspace is now {report.workspace}: {n} active skill{'s' if n != 1 else ''} "
                f"in .claude/skills and CLAUDE.md.")
        self._set_status("ok", " ".join([text, *report.messages]))
        self.workspace_changed.emit(str(report.workspace))

    def sync_now(self) -> bool:
        """Sync the workspace with the active skills in the background (R-IMP-6). Returns False when
        a change or sync is already running."""
        if self._busy:
            return False
        ss = self.studio.settings_skills
        self._set_busy(True, "Syncing the workspace…")
        BackgroundOp(self, lambda _p: ss.sync_workspace(), self._synced) \
            .failure(lambda err: self._set_status("error", describe_error(err))) \
            .finally_(lambda: self._set_busy(False)) \
            .run_in_background()
        return True

    def _synced(self, report: SyncReport) -> None:
        n = len(report.skills)
        if report.changed:
            parts = []
            if report.written:
                parts.append(f"wrote {', '.join(report.written)}")
            if report.removed:
                parts.append(f"removed {', '.join(report.removed)}")
            if report.claude_md_changed:
                parts.append("updated CLAUDE.md")
            text = f"Synced: {'; '.join(parts)}."
        else:
            text = f"Already in sync: {n} active skill{'s' if n != 1 else ''}."
        self._set_status("ok", " ".join([text, *report.messages]))

    def open_workspace(self) -> bool:
        """Show the workspace folder in the file manager; says so inline when that fails."""
        ok = widgets.reveal_in_file_manager(self.workspace.text())
        if not ok:
            self._set_status("error", f"Could not open {self.workspace.text()} in a file manager.")
        return ok


def _form_label(text: str) -> QLabel:
    """A form label that lines up with the first line of a field that has a hint below it."""
    label = QLabel(text)
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    label.setContentsMargins(0, 4, 0, 0)
    return label


def _with_hint(field: QWidget | QHBoxLayout, hint: QLabel) -> QVBoxLayout:
    """A field with its explanation right below (a column, so a wrapped hint never adds a gap)."""
    col = QVBoxLayout()
    col.setSpacing(4)
    if isinstance(field, QWidget):
        col.addWidget(field)
    else:
        col.addLayout(field)
    col.addWidget(hint)
    return col


def settings_file(studio: SkillStudio) -> str:
    """Path of the UI's INI file (window geometry, last page) under the config folder."""
    return str(studio.paths.config / "skill-studio-ui.ini")


def open_settings(studio: SkillStudio) -> QSettings:
    """The UI's ``QSettings`` (INI format, so ``SKILL_STUDIO_HOME`` isolates it)."""
    return QSettings(settings_file(studio), QSettings.Format.IniFormat)
