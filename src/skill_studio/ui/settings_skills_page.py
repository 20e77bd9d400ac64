"""*Settings → Skills*: the skills the Skill Builder agents use, and the switches that wire them into
the agent workspace (R-IMP-4, R-IMP-6, R-DATA-2).

The page lists bundled skills (padlock, origin *Bundled*), marketplace imports and zip uploads with
their origin, version, slot and an *Active* check box. Everything that touches the disk goes through
``SkillStudio.settings_skills`` (:class:`~skill_studio.app.settings.SettingsSkillsApi`) on a background thread
(:class:`~skill_studio.ui.workers.BackgroundOp`):

- ticking *Active* calls ``activate`` (the previous holder of the slot is switched off, and the
  notification names it) and unticking calls ``deactivate``; the box shows the new state at once
  and the row is confirmed from the result;
- *Upload zip…* asks for a file, validates it in the background (a refused archive shows the
  reason in a message box and changes nothing), then asks for the local name, slot, description
  and whether to take an occupied slot (:class:`UploadDialog`);
- *Remove…* asks for confirmation; bundled skills cannot be removed (the button says why);
- saving a skill in the editor re-syncs the workspace, so the agents see the edit.

User-facing outcomes leave the page as :class:`Notice` values on the ``notice`` signal; the main
window posts them in its notification area.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from skill_studio.app import DEFAULT_VERSION, SkillStudio
from skill_studio.app.settings import SkillArchive, SkillChange, frontmatter_slot, normalize_slot, read_skill_zip
from skill_studio.core.errors import ArchiveError, InstallError
from skill_studio.core.models import Destination, InstalledSkill
from skill_studio.ui.metadata_editor import SETTINGS_SLOTS
from skill_studio.ui.models import (
    BADGES_ROLE,
    SEARCH_ROLE,
    SORT_ROLE,
    Badge,
    BadgeKind,
    Index,
    InstalledRow,
    InstalledTableModel,
    _fold,
    _one_line,
    _wrap_tip,
    version_key,
)
from skill_studio.ui.notifications import Action, Level
from skill_studio.ui.pages import InstalledSkillsPage
from skill_studio.ui.widgets import (
    BadgeDelegate,
    CenteredCheckDelegate,
    DescriptionField,
    LocalNameField,
    button,
    lock_icon,
    setup_table,
)
from skill_studio.ui.workers import BackgroundOp, describe_error

SETTINGS = Destination.SETTINGS

_INSPECT_DESCRIPTION = "(checked in the upload dialog)"
"""Passed to ``read_skill_zip`` while inspecting, so a zip without a description is still read; the
dialog then asks for one (the upload itself validates again with the real description)."""


@dataclass(frozen=True)
class Notice:
    """A notification a page asks the main window to post (``NotificationArea.post`` arguments)."""

    level: Level
    title: str
    text: str = ""
    actions: tuple[Action, ...] = ()
    persistent: bool = False
    key: str | None = None


def _names(names: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def activation_title(change: SkillChange) -> str:
    """The headline of an activation notification, e.g. ``"Activated my-research in slot research;
    research was deactivated."`` (R-IMP-4: activating one deactivates the other, and says so)."""
    skill = change.skill
    if not skill.active:
        return f"Deactivated {skill.local_name}."
    off = [s.local_name for s in change.deactivated if s.local_name != skill.local_name]
    title = f"Activated {skill.local_name}" + (f" in slot {skill.slot}" if skill.slot else "")
    if off:
        return f"{title}; {_names(off)} {'was' if len(off) == 1 else 'were'} deactivated."
    return title + "."


# -- model -------------------------------------------------------------------------------------

def _blank_icon() -> QIcon:
    pm = QPixmap(16, 16)
    pm.fill(QColor(0, 0, 0, 0))
    return QIcon(pm)


class SettingsSkillsModel(InstalledTableModel):
    """Settings skills with an *Active* check box (R-IMP-4).

    Rows are :class:`~skill_studio.ui.models.InstalledRow`. The model never changes a skill by
    itself: ticking *Active* emits ``active_toggled(skill, bool)``; the page applies it through the
    core, shows the wanted state meanwhile (:meth:`set_pending`) and then :meth:`apply_skills`.

    Signals:
        active_toggled(InstalledSkill, bool): the user ticked (True) or unticked (False) *Active*.
    """

    ACTIVE, NAME, ORIGIN, VERSION, SLOT, STATUS, DESCRIPTION = range(7)
    HEADERS = ("Active", "Name", "Origin", "Version", "Slot", "Status", "Description")
    HEADER_TIPS: ClassVar[dict[int, str]] = {
        ACTIVE: "Active skills are copied into the agent workspace and listed in its CLAUDE.md",
        SLOT: "Purpose slot: at most one active skill per slot",
    }

    active_toggled = Signal(object, bool)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._pending: dict[str, bool] = {}
        self._lock = lock_icon()
        self._blank = _blank_icon()

    # -- state ---------------------------------------------------------------------------------

    def is_active(self, row: InstalledRow) -> bool:
        """The active state shown: the wanted one while a change is running, else the stored one."""
        return self._pending.get(row.skill.local_name, row.skill.active)

    def set_pending(self, local_name: str, active: bool | None) -> None:
        """Show ``active`` for a skill until its change completes (None: show the stored state)."""
        if active is None:
            self._pending.pop(local_name, None)
        else:
            self._pending[local_name] = active
        i = self.find(local_name)
        if i >= 0:
            self.dataChanged.emit(self.index(i, 0), self.index(i, self.columnCount() - 1))

    def apply_skills(self, skills: Sequence[InstalledSkill]) -> None:
        """Replace the skills of the rows with these local names (e.g. from a ``SkillChange``)."""
        for s in skills:
            i = self.find(s.local_name)
            if i >= 0:
                r = self.row_at(i)
                self.replace_row(i, InstalledRow(s, r.customized, r.update_available))

    def holder(self, slot: str | None, exclude: str | None = None) -> InstalledSkill | None:
        """The skill shown active in ``slot`` (other than ``exclude``), or None."""
        if not slot:
            return None
        for r in self._rows:
            if r.skill.slot == slot and r.skill.local_name != exclude and self.is_active(r):
                return r.skill
        return None

    # -- Qt ------------------------------------------------------------------------------------

    def row_data(self, row: InstalledRow, col: int, role: int) -> Any:
        s = row.skill
        if role == SEARCH_ROLE:
            return f"{_fold(s.local_name)}\n{_fold(s.description)}\n{_fold(s.slot)}"
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.NAME:
                return s.local_name
            if col == self.ORIGIN:
                return _origin(s)
            if col == self.VERSION:
                return s.version
            if col == self.SLOT:
                return s.slot or "—"
            if col == self.STATUS:
                return ", ".join(b.text for b in settings_badges(row))
            if col == self.DESCRIPTION:
                return _one_line(s.description)
            return None
        if role == Qt.ItemDataRole.CheckStateRole and col == self.ACTIVE:
            return Qt.CheckState.Checked if self.is_active(row) else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.DecorationRole and col == self.NAME:
            return self._lock if s.bundled else self._blank
        if role == BADGES_ROLE:
            return settings_badges(row) if col == self.STATUS else []
        if role == SORT_ROLE:
            if col == self.ACTIVE:
                return int(self.is_active(row))
            if col == self.VERSION:
                return version_key(s.version)
            if col == self.SLOT:
                return _fold(s.slot) or "\uffff"
            if col == self.STATUS:
                return int(row.customized) * 2 + int(row.update_available)
            return _fold(str(self.row_data(row, col, Qt.ItemDataRole.DisplayRole)))
        if role == Qt.ItemDataRole.ForegroundRole and col == self.SLOT and not s.slot:
            return QApplication.palette().placeholderText()
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, col)
        return None

    def _tooltip(self, row: InstalledRow, col: int) -> str | None:
        s = row.skill
        if col == self.ACTIVE:
            if self.is_active(row):
                return f"Active: the agents use {s.local_name} (untick to deactivate it; it stays installed)."
            holder = self.holder(s.slot, exclude=s.local_name)
            if holder is not None:
                return (f"Inactive. Tick to activate it: {holder.local_name} holds the {s.slot} slot "
                        "and would be deactivated.")
            return "Inactive: installed, but the agents do not see it. Tick to activate it."
        if col == self.NAME:
            if s.bundled:
                return f"{s.local_name} is bundled with Skill Studio: it can be deactivated, not removed.\n{s.path}"
            return f"{s.local_name}\n{s.path}"
        if col == self.ORIGIN:
            if s.bundled:
                return "Shipped with Skill Studio"
            if s.origin == "upload":
                return "Uploaded from a zip archive"
            if s.qualified_name:
                return f"{s.qualified_name} from {s.registry or 'a marketplace'}" + (
                    f"\n{s.registry_source}" if s.registry_source else "")
        if col == self.SLOT:
            return f"Purpose slot {s.slot}: at most one active skill holds it" if s.slot else "No slot"
        if col == self.DESCRIPTION and s.description:
            return _wrap_tip(s.description)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid() and index.column() == self.ACTIVE:
            return base | Qt.ItemFlag.ItemIsUserCheckable
        return base

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or index.column() != self.ACTIVE or role != Qt.ItemDataRole.CheckStateRole:
            return False
        checked = value if isinstance(value, bool) else Qt.CheckState(value) == Qt.CheckState.Checked
        row: InstalledRow = self._rows[index.row()]
        if checked != self.is_active(row):
            self.active_toggled.emit(row.skill, checked)
        return True


def _origin(s: InstalledSkill) -> str:
    if s.bundled:
        return "Bundled"
    if s.origin == "upload":
        return "Uploaded"
    return s.registry or "Marketplace"


def settings_badges(row: InstalledRow) -> list[Badge]:
    """Status pills of a row on this page: local edits and updates (the origin, slot and active
    state have their own columns)."""
    out: list[Badge] = []
    if row.customized:
        out.append(Badge("customized", BadgeKind.WARN))
    if row.update_available:
        out.append(Badge("update available", BadgeKind.INFO))
    return out


# -- upload dialog -----------------------------------------------------------------------------

@dataclass(frozen=True)
class UploadOptions:
    """What the user confirmed in the :class:`UploadDialog` (arguments of ``SettingsSkills.upload``).

    Attributes:
        local_name: folder/database name.
        description: a description typed by the user, or None to keep the SKILL.md's.
        slot: the slot (``""``: none).
        replace, force: replace the installed skill of that name (``force`` when it has local edits;
            it is kept as a backup).
        activate: take the slot from the skill holding it (that one is deactivated).
    """

    local_name: str
    description: str | None
    slot: str
    replace: bool = False
    force: bool = False
    activate: bool = False


class UploadDialog(QDialog):
    """Confirm a validated zip upload into Settings → Skills (R-IMP-4).

    Prefilled from the archive's ``SKILL.md``: local name, description (required when the zip has
    none), slot (the frontmatter ``slot``). A local name taken by an uploaded or imported skill must
    be renamed or explicitly replaced; a bundled skill's name cannot be used. When the chosen slot
    is held by another active skill, a check box offers to activate the upload now (deactivating
    that skill); otherwise it arrives inactive. *Upload* stays disabled until the form is valid.

    Args:
        zip_path: the archive (shown by name).
        archive: its validated content (``read_skill_zip``).
        installed: the Settings rows shown on the page (names, slots, active states, local edits).
    """

    def __init__(self, zip_path: str, archive: SkillArchive, installed: Sequence[InstalledRow],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("uploadDialog")
        self.zip_path = zip_path
        self.archive = archive
        self._rows = {r.skill.local_name: r for r in installed}
        meta = archive.metadata
        self._meta_description = (meta.description or "").strip()
        self.setWindowTitle(f"Upload {meta.name}")
        self.setMinimumWidth(600)

        head = QLabel(f"Upload <b>{html.escape(meta.name)}</b>")
        head.setObjectName("dialogTitle")
        n = len(archive.files)
        sub = QLabel(f"from {html.escape(Path(zip_path).name)} into <b>{SETTINGS.label}</b> — version "
                     f"{html.escape(meta.version or DEFAULT_VERSION)}, {n} file{'s' if n != 1 else ''}")
        sub.setObjectName("pageSubtitle")
        sub.setWordWrap(True)

        self.name_field = LocalNameField(meta.local_name, self.rename_to_free_name)
        self.name_edit = self.name_field.name_edit
        self.name_message = self.name_field.name_message
        self.conflict_box = self.name_field.conflict_box
        self.conflict_text = self.name_field.conflict_text
        self.replace_check = self.name_field.replace_check
        self.rename_button = self.name_field.rename_button

        self.description_field = DescriptionField(self._meta_description, lines=4, action="upload")
        self.description_edit = self.description_field.edit
        self.description_count = self.description_field.count
        self.description_hint = QLabel("The SKILL.md in this zip has no description; write one for the agents.")
        self.description_hint.setObjectName("hint")
        self.description_hint.setWordWrap(True)
        self.description_hint.setVisible(not self._meta_description)

        slots = sorted(set(SETTINGS_SLOTS) | {r.skill.slot for r in installed if r.skill.slot})
        self.slot_combo = QComboBox()
        self.slot_combo.setEditable(True)
        self.slot_combo.addItems(["", *slots])
        self.slot_combo.setCurrentText(frontmatter_slot(meta) or "")
        if (line_edit := self.slot_combo.lineEdit()) is not None:
            line_edit.setPlaceholderText("none (or research, validate, …)")
        self.slot_message = QLabel("")
        self.slot_message.setObjectName("fieldError")
        self.slot_message.setWordWrap(True)

        self.slot_box = QFrame()
        self.slot_box.setObjectName("conflictBox")
        self.slot_box.setProperty("severity", "warning")
        self.slot_text = QLabel("")
        self.slot_text.setWordWrap(True)
        self.activate_check = QCheckBox("Activate it now")
        sl = QVBoxLayout(self.slot_box)
        sl.setContentsMargins(10, 8, 10, 8)
        sl.addWidget(self.slot_text)
        sl.addWidget(self.activate_check)
        self.slot_box.setVisible(False)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.name_field.add_to_form(form)
        desc_col = QVBoxLayout()
        desc_col.setSpacing(2)
        desc_col.addWidget(self.description_hint)
        desc_col.addWidget(self.description_edit)
        desc_col.addWidget(self.description_count, 0, Qt.AlignmentFlag.AlignRight)
        form.addRow("Description", desc_col)
        slot_col = QVBoxLayout()
        slot_col.setSpacing(3)
        slot_col.addWidget(self.slot_combo)
        slot_col.addWidget(self.slot_message)
        form.addRow("Slot", slot_col)
        form.addRow("", self.slot_box)

        self.upload_button = button("Upload", self.accept, primary=True)
        self.upload_button.setDefault(True)
        self.cancel_button = button("Cancel", self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.upload_button)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(18, 16, 18, 14)
        lay.addWidget(head)
        lay.addWidget(sub)
        lay.addSpacing(8)
        lay.addLayout(form)
        lay.addSpacing(6)
        lay.addLayout(buttons)

        self.name_edit.textChanged.connect(self.validate)
        self.description_edit.textChanged.connect(self.validate)
        self.replace_check.toggled.connect(self.validate)
        self.slot_combo.currentTextChanged.connect(self.validate)
        self._last_name = ""
        self.validate()

    # -- state ---------------------------------------------------------------------------------

    def local_name(self) -> str:
        """The local name typed (trimmed)."""
        return self.name_field.text()

    def description(self) -> str:
        """The description typed (trimmed)."""
        return self.description_field.text()

    def slot(self) -> str:
        """The slot typed or chosen (trimmed; ``""`` for none)."""
        return self.slot_combo.currentText().strip()

    def existing(self) -> InstalledRow | None:
        """The Settings skill installed under the current local name, or None."""
        return self._rows.get(self.local_name())

    def slot_holder(self) -> InstalledSkill | None:
        """The active skill (other than the one replaced) holding the chosen slot, or None."""
        try:
            slot = normalize_slot(self.slot())
        except InstallError:
            return None
        if not slot:
            return None
        for r in self._rows.values():
            if r.skill.active and r.skill.slot == slot and r.skill.local_name != self.local_name():
                return r.skill
        return None

    def validate(self) -> bool:
        """Refresh messages and the *Upload* button; returns whether the form can be accepted."""
        name = self.local_name()
        ok = self.name_field.check_name()
        if name != self._last_name:  # a different collision needs a new confirmation
            self.name_field.clear_replace()
            self._last_name = name
        existing = self.existing() if ok else None
        self._show_conflict(existing)
        if existing is not None and (existing.skill.bundled or not self.name_field.replace_confirmed()):
            ok = False

        if not self.description_field.check():
            ok = False

        slot_message = ""
        try:
            normalize_slot(self.slot())
        except InstallError as err:
            slot_message = str(err)
            ok = False
        self.slot_message.setText(slot_message)
        self.slot_message.setVisible(bool(slot_message))
        holder = self.slot_holder()
        self.slot_box.setVisible(holder is not None)
        if holder is not None:
            who = f"{holder.local_name} (bundled)" if holder.bundled else holder.local_name
            slot = normalize_slot(self.slot())
            self.slot_text.setText(f"The <b>{html.escape(str(slot))}</b> slot is held by <b>{html.escape(who)}</b>. "
                                   "Without switching, the upload arrives inactive.")
            self.activate_check.setText(f"Activate {name or 'it'} now ({holder.local_name} is deactivated)")
        self.upload_button.setEnabled(ok)
        return ok

    def _show_conflict(self, existing: InstalledRow | None) -> None:
        if existing is None:
            self.name_field.show_conflict(None)
            return
        s = existing.skill
        name = html.escape(s.local_name)
        if s.bundled:
            self.name_field.show_conflict(f"<b>{name}</b> is a bundled skill; it cannot be replaced. "
                                          "Choose another local name.", replaceable=False)
            return
        where = html.escape(f"{_origin(s).lower()}, {s.version}")
        text = f"<b>{name}</b> is already in {SETTINGS.label} ({where})."
        if existing.customized:
            text += " It has <b>local edits</b>: replacing it keeps your edited version as a backup."
        else:
            text += " Rename this upload, or replace the installed skill."
        self.name_field.show_conflict(text, customized=existing.customized)

    def rename_to_free_name(self) -> None:
        """Put the first free ``name-2``, ``name-3``, … in the local name field."""
        self.name_field.rename_to_free(self.archive.metadata.local_name, lambda candidate: candidate not in self._rows)

    def options(self) -> UploadOptions:
        """What to pass to ``SettingsSkills.upload``."""
        existing = self.existing()
        replace = existing is not None and not existing.skill.bundled and self.name_field.replace_confirmed()
        desc = self.description()
        return UploadOptions(
            local_name=self.local_name(),
            description=desc if desc != self._meta_description else None,
            slot=self.slot(),
            replace=replace,
            force=replace and existing is not None and existing.customized,
            activate=self.slot_holder() is not None and self.activate_check.isChecked(),
        )

    def accept(self) -> None:
        if self.validate():
            super().accept()


# -- page --------------------------------------------------------------------------------------

class SettingsSkillsPage(InstalledSkillsPage):
    """*Settings → Skills*: the skills used by the Skill Builder agents (R-IMP-4, R-IMP-6).

    Signals (besides those of :class:`~skill_studio.ui.pages.InstalledSkillsPage`):
        notice(Notice): something the user should be told (activation, upload, removal, errors).

    Attributes:
        upload_dialog: the open :class:`UploadDialog`, or None (tests fill it in and accept it).
    """

    model: SettingsSkillsModel

    notice = Signal(object)

    EMPTY_TITLE = "No Skill Builder skills installed"
    EMPTY_TEXT = "Import skills the Skill Builder agents should use, such as research or validation skills."

    def __init__(self, studio: SkillStudio, parent: QWidget | None = None) -> None:
        super().__init__(studio, SETTINGS, "Skills",
                         "Skills the Skill Builder agents use. Active skills are wired into the agent workspace; "
                         "at most one skill per purpose slot is active.", "Import…", parent)
        self.settings_skills = studio.settings_skills
        self.changing: set[str] = set()
        """Local names whose activation change is running."""
        self.upload_dialog: UploadDialog | None = None
        self._uploading = False
        self._removing = False
        self._upload_dir = str(Path.home())
        self._select_after: str | None = None

        self.import_button.setToolTip(f"Browse the marketplaces and import skills into {SETTINGS.label}")
        self.upload_button = button("Upload zip…", lambda: self.upload_zip(),
                                    tip="Install a skill from a .zip archive (SKILL.md at its root or in one folder)")
        self.toolbar.insertWidget(1, self.upload_button)

        self.remove_button = button("Remove…", lambda: self.remove_selected(), tip="Uninstall the selected skill")
        self.remove_hint = QLabel("")
        self.remove_hint.setObjectName("hint")
        self.workspace_label = QLabel("")
        self.workspace_label.setObjectName("hint")
        self.workspace_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bottom = QHBoxLayout()
        bottom.addWidget(self.remove_button)
        bottom.addWidget(self.remove_hint, 1)
        bottom.addWidget(self.workspace_label)
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.addLayout(bottom)

        self.model.active_toggled.connect(self.set_active)
        self._show_workspace()
        self._update_buttons()

    # -- table ---------------------------------------------------------------------------------

    def _create_model(self) -> SettingsSkillsModel:
        return SettingsSkillsModel(self)

    def _configure_table(self) -> None:
        m = SettingsSkillsModel
        setup_table(self.table, m.DESCRIPTION, {m.ACTIVE: 64, m.NAME: 200, m.ORIGIN: 170, m.VERSION: 72, m.SLOT: 96,
                                                m.STATUS: 124})
        self.table.horizontalHeader().setSectionResizeMode(m.ACTIVE, QHeaderView.ResizeMode.Fixed)
        self.table.setItemDelegateForColumn(m.ACTIVE, CenteredCheckDelegate(self.table))
        self.table.setItemDelegateForColumn(m.STATUS, BadgeDelegate(self.table))
        self.table.sortByColumn(m.NAME, Qt.SortOrder.AscendingOrder)

    def _opens_on_double_click(self, index: QModelIndex) -> bool:
        return index.column() != SettingsSkillsModel.ACTIVE

    @property
    def skills_model(self) -> SettingsSkillsModel:
        """The model, typed."""
        assert isinstance(self.model, SettingsSkillsModel)
        return self.model

    def _loaded(self, rows: list[InstalledRow]) -> None:
        super()._loaded(rows)
        self._show_workspace()
        if self._select_after is not None:
            self.select(self._select_after)
            self._select_after = None

    def _show_workspace(self) -> None:
        path = self.settings_skills.workspace_path()  # one settings-table read
        self.workspace_label.setText(f"Agent workspace: {path}")
        self.workspace_label.setToolTip(f"Active skills are copied into {path / '.claude' / 'skills'} "
                                        f"and listed in {path / 'CLAUDE.md'}. Change it in Settings → General.")

    def _update_buttons(self, *_: object) -> None:
        super()._update_buttons()
        if not hasattr(self, "remove_button"):  # called by the base constructor
            return
        skill = self.selected_skill()
        busy = self._removing or (skill is not None and skill.local_name in self.changing)
        self.remove_button.setEnabled(skill is not None and not skill.bundled and not busy)
        if skill is not None and skill.bundled:
            why = (f"{skill.local_name} is bundled with Skill Studio: untick Active to stop using it; "
                   "it cannot be removed.")
            self.remove_button.setToolTip(why)
            self.remove_hint.setText(why)
        else:
            self.remove_button.setToolTip("Uninstall the selected skill (asks first)")
            self.remove_hint.setText("")
        self.upload_button.setEnabled(not self._uploading)

    # -- activation ----------------------------------------------------------------------------

    def set_active(self, skill: InstalledSkill, active: bool) -> bool:
        """Activate or deactivate a skill in the background (R-IMP-4); the notification says which
        skill the slot was taken from. Returns False when a change of that skill is still running."""
        name = skill.local_name
        if name in self.changing:
            return False
        self.changing.add(name)
        self.skills_model.set_pending(name, active)
        self._update_buttons()
        ss = self.settings_skills
        op: Callable[[Any], SkillChange] = ((lambda _p: ss.activate(name)) if active
                                            else (lambda _p: ss.deactivate(name)))
        BackgroundOp(self, op, self._activation_done) \
            .failure(functools.partial(self._activation_failed, name, active)) \
            .finally_(functools.partial(self._activation_finished, name)) \
            .run_in_background()
        return True

    def _activation_done(self, change: SkillChange) -> None:
        skill = change.skill
        self.skills_model.set_pending(skill.local_name, None)
        self.skills_model.apply_skills([skill, *change.deactivated])
        level = Level.SUCCESS if skill.active else Level.INFO
        if skill.active:
            text = "The agents now find it in the workspace's .claude/skills and CLAUDE.md."
        else:
            text = "It stays installed; the agents no longer see it."
        if change.sync is None:
            level, text = Level.WARNING, change.messages[-1] if change.messages else text
        elif change.sync.messages:
            level, text = Level.WARNING, f"{text} {' '.join(change.sync.messages)}"
        self.notice.emit(Notice(level, activation_title(change), text, key="settings-activation"))

    def _activation_failed(self, name: str, active: bool, err: BaseException) -> None:
        self.skills_model.set_pending(name, None)
        self.notice.emit(Notice(Level.ERROR, f"Could not {'activate' if active else 'deactivate'} {name}",
                                describe_error(err), persistent=True, key="settings-activation"))

    def _activation_finished(self, name: str) -> None:
        self.changing.discard(name)
        self._update_buttons()
        self.refresh()

    def report_imports(self, installed: Sequence[InstalledSkill]) -> None:
        """Tell what the slot rule did to marketplace imports into Settings (R-IMP-4): a skill that
        arrived inactive because its slot is held gets a notice with an *Activate* button."""
        noted = [s for s in installed if s.destination is SETTINGS and s.messages]
        if not noted:
            return
        inactive = [s for s in noted if not s.active]
        if len(noted) == 1 and inactive:
            title = f"{noted[0].local_name} arrived inactive"
        else:
            title = f"Notes on the import into {SETTINGS.label}"
        actions: tuple[Action, ...] = ()
        if len(inactive) == 1:
            skill = inactive[0]
            actions = ((f"Activate {skill.local_name}", functools.partial(self.set_active, skill, True)),)
        text = " ".join(m for s in noted for m in s.messages)
        self.notice.emit(Notice(Level.INFO, title, text, actions, key="settings-import-notes"))

    # -- upload --------------------------------------------------------------------------------

    def upload_zip(self, path: str | None = None) -> bool:
        """Upload a skill zip: ask for the file (unless ``path`` is given), validate it in the
        background, then open the :class:`UploadDialog`. Returns False when nothing was started."""
        if self._uploading:
            if self.upload_dialog is not None:
                self.upload_dialog.raise_()
                self.upload_dialog.activateWindow()
            return False
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Upload a skill zip", self._upload_dir,
                                                  "Zip archives (*.zip);;All files (*)")
            if not path:
                return False
        self._upload_dir = str(Path(path).parent)
        self._set_uploading(True)
        zip_path = path
        BackgroundOp(self, lambda _p: read_skill_zip(zip_path, description=_INSPECT_DESCRIPTION),
                     lambda archive: self._inspected(zip_path, archive)) \
            .failure(lambda err: self._upload_failed(zip_path, err)) \
            .run_in_background()
        return True

    def _set_uploading(self, uploading: bool) -> None:
        self._uploading = uploading
        self._update_buttons()

    def _inspected(self, zip_path: str, archive: SkillArchive) -> None:
        dialog = UploadDialog(zip_path, archive, self.model.rows(), self)
        self.upload_dialog = dialog
        dialog.finished.connect(lambda result, d=dialog: self._dialog_finished(d, result))
        dialog.open()

    def _dialog_finished(self, dialog: UploadDialog, result: int) -> None:
        self.upload_dialog = None
        dialog.deleteLater()
        if result != QDialog.DialogCode.Accepted:
            self._set_uploading(False)
            return
        opts = dialog.options()
        holder = dialog.slot_holder() if opts.activate else None
        ss, zip_path = self.settings_skills, dialog.zip_path
        BackgroundOp(self, lambda _p: ss.upload(zip_path, slot=opts.slot, local_name=opts.local_name,
                                                description=opts.description, replace=opts.replace,
                                                force=opts.force, activate=opts.activate),
                     lambda skill: self._uploaded(skill, holder)) \
            .failure(lambda err: self._upload_failed(zip_path, err)) \
            .finally_(lambda: self._set_uploading(False)) \
            .run_in_background()

    def _uploaded(self, skill: InstalledSkill, holder: InstalledSkill | None) -> None:
        self._select_after = skill.local_name
        self.refresh()
        messages = list(skill.messages)
        if skill.active and holder is not None:
            title = f"Uploaded {skill.local_name}: activated in slot {skill.slot}; {holder.local_name} was deactivated."
            messages = [m for m in messages if not m.startswith(("Activated ", "Deactivated "))]  # said above
        else:
            title = f"Uploaded {skill.local_name} into {SETTINGS.label}"
        text = " ".join(messages) or (
            "The agents now find it in the workspace's .claude/skills and CLAUDE.md." if skill.active
            else "It is installed, inactive.")
        actions: tuple[Action, ...] = (("Open", functools.partial(self.open_requested.emit, skill)),)
        self.notice.emit(Notice(Level.SUCCESS, title, text, actions, key="settings-upload"))

    def _upload_failed(self, zip_path: str, err: BaseException) -> None:
        self._set_uploading(False)
        if isinstance(err, ArchiveError):
            title = "The archive was refused"
        else:
            title = f"Could not upload {Path(zip_path).name}"
        self.show_error(title, f"{describe_error(err)}\n\nNothing was installed or changed.")

    def show_error(self, title: str, text: str) -> None:
        """A warning message box (tests replace ``QMessageBox.warning``)."""
        QMessageBox.warning(self, title, text)

    # -- remove --------------------------------------------------------------------------------

    def remove_selected(self, confirm: Callable[[InstalledSkill], bool] | None = None) -> bool:
        """Uninstall the selected skill after confirmation, in the background; bundled skills cannot
        be removed (R-IMP-4). Returns True when the removal was started."""
        skill = self.selected_skill()
        if skill is None or skill.bundled or self._removing or skill.local_name in self.changing:
            return False
        if not (confirm or self._confirm_remove)(skill):
            return False
        self._removing = True
        self._update_buttons()
        ss, name = self.settings_skills, skill.local_name
        BackgroundOp(self, lambda _p: ss.remove(name), self._removed) \
            .failure(lambda err: self.notice.emit(Notice(Level.ERROR, f"Could not remove {name}", describe_error(err),
                                                         persistent=True, key="settings-remove"))) \
            .finally_(self._remove_finished) \
            .run_in_background()
        return True

    def _confirm_remove(self, skill: InstalledSkill) -> bool:
        extra = " It is active: it is also taken out of the agent workspace." if skill.active else ""
        answer = QMessageBox.question(
            self, "Remove skill",
            f"Remove “{skill.local_name}” from {SETTINGS.label}?\n\nIts folder, including any local edits, "
            f"is kept as a backup in Skill Studio's data folder.{extra}",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Yes

    def _removed(self, change: SkillChange) -> None:
        name = change.skill.local_name
        self.uninstalled.emit(SETTINGS, name)
        text = "It was also taken out of the agent workspace." if change.deactivated else ""
        level = Level.SUCCESS
        if change.sync is None:
            level, text = Level.WARNING, change.messages[-1]
        self.notice.emit(Notice(level, f"Removed {name} from {SETTINGS.label}", text, key="settings-remove"))

    def _remove_finished(self) -> None:
        self._removing = False
        self.refresh()

    # -- edits ---------------------------------------------------------------------------------

    def skill_saved(self, skill: InstalledSkill) -> None:
        """The editor saved a Settings skill: re-sync the workspace (an active skill's copy there
        must follow the edit, R-IMP-6), then re-read the table."""
        ss = self.settings_skills
        BackgroundOp(self, lambda _p: ss.sync_workspace()) \
            .failure(lambda err: self.notice.emit(Notice(
                Level.WARNING, "The agent workspace could not be updated", describe_error(err),
                persistent=True, key="settings-sync"))) \
            .finally_(self.refresh) \
            .run_in_background()
