"""The metadata editor of an import (R-IMP-3) and its collision confirmation (R-IMP-2, R-UPD-4).

One editor per selected skill, prefilled from the frontmatter. A local name that is already
installed in the destination must be renamed or explicitly replaced; a customized installed copy
says that replacing keeps the local version as a backup. The editor never touches the disk or the
network: it asks a ``NameLookup`` (a quick database query) and returns ``ImportOptions``.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from skill_studio.app import DEFAULT_VERSION, MAX_DESCRIPTION_CHARS
from skill_studio.core.models import LIBRARY_PURPOSES, CatalogSkill, Destination, ImportOptions, InstalledSkill
from skill_studio.ui import keyboard
from skill_studio.ui.widgets import DescriptionField, LocalNameField, button

SETTINGS_SLOTS = ("research", "validate")
"""Known purpose slots of Settings → Skills (free text is allowed too)."""

MODELS = ("sonnet", "opus", "haiku", "inherit")
"""Suggestions for the ``model`` field; free text is allowed."""

MAX_DESCRIPTION = MAX_DESCRIPTION_CHARS


@dataclass(frozen=True)
class Conflict:
    """Why a local name cannot be used as is.

    Attributes:
        installed: the skill installed under that name in the destination, or None.
        customized: that installed copy has local edits (R-UPD-2/4).
        planned: another skill of the same import batch will take that name.
    """

    installed: InstalledSkill | None
    customized: bool = False
    planned: bool = False


NameLookup = Callable[[str], "Conflict | None"]


class MetadataEditor(QDialog):
    """Confirm a skill's metadata before importing it (R-IMP-3), and any collision (R-IMP-2/R-UPD-4).

    Prefilled from the frontmatter: local name, description, version, purpose (Skill Library) or
    slot (Settings → Skills), model. A local name already installed in the destination shows the
    installed skill and must either be renamed (*Rename* proposes a free name) or explicitly
    replaced (*Replace* check box; for a customized copy the text says the local version is kept as
    a backup). *Import* stays disabled until the form is valid.

    Result: ``Accepted`` → import with :meth:`options`; :attr:`SKIPPED` → skip this skill;
    ``Rejected`` → cancel the whole batch.
    """

    SKIPPED = 2

    def __init__(self, skill: CatalogSkill, registry_name: str, destination: Destination, lookup: NameLookup,
                 position: tuple[int, int] = (1, 1), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("metadataEditor")
        self.skill = skill
        self.destination = destination
        self._lookup = lookup
        self._conflict: Conflict | None = None
        index, count = position
        self.setWindowTitle(f"Import {skill.qualified_name}" + (f" ({index} of {count})" if count > 1 else ""))
        self.setMinimumWidth(620)

        head = QLabel(f"Import <b>{html.escape(skill.qualified_name)}</b>")
        head.setObjectName("dialogTitle")
        sub = QLabel(f"from {html.escape(registry_name)} into <b>{destination.label}</b>"
                     + (f" — skill {index} of {count}" if count > 1 else ""))
        sub.setObjectName("pageSubtitle")
        sub.setWordWrap(True)

        meta = skill.metadata
        self.name_field = LocalNameField(skill.local_name, self.rename_to_free_name)
        self.name_edit = self.name_field.name_edit
        self.name_message = self.name_field.name_message
        self.conflict_box = self.name_field.conflict_box
        self.conflict_text = self.name_field.conflict_text
        self.replace_check = self.name_field.replace_check
        self.rename_button = self.name_field.rename_button

        self.description_field = DescriptionField(skill.description or "", lines=5, action="import")
        self.description_edit = self.description_field.edit
        self.description_count = self.description_field.count

        self.version_edit = QLineEdit(skill.version or "")
        self.version_edit.setPlaceholderText(DEFAULT_VERSION)

        self.purpose_combo: QComboBox | None
        if destination is Destination.LIBRARY:
            self.purpose_combo = QComboBox()
            self.purpose_combo.addItems(LIBRARY_PURPOSES)
            wanted = (meta.purpose if meta else None) or "domain"
            self.purpose_combo.setCurrentIndex(max(0, self.purpose_combo.findText(wanted)))
            purpose_label, purpose_widget = "Purpose", self.purpose_combo
            self.slot_combo = None
        else:
            self.slot_combo = QComboBox()
            self.slot_combo.setEditable(True)
            self.slot_combo.addItems(("",) + SETTINGS_SLOTS)
            slot = meta.fields.get("slot") if meta else None
            self.slot_combo.setCurrentText(slot if isinstance(slot, str) else "")
            if (line_edit := self.slot_combo.lineEdit()) is not None:
                line_edit.setPlaceholderText("none (or research, validate, …)")
            purpose_label, purpose_widget = "Slot", self.slot_combo
            self.purpose_combo = None
        self.activate_check: QCheckBox | None = None
        if destination is Destination.SETTINGS:
            self.activate_check = QCheckBox("Activate now")
            self.activate_check.setObjectName("activateNow")
            self.activate_check.setToolTip("Arrive active even when another active skill holds the slot; that "
                                           "skill is deactivated (as when uploading a zip)")

        self.model_combo = QComboBox()
        self.model_combo.setEditable(True)
        self.model_combo.addItems(("",) + MODELS)
        self.model_combo.setCurrentText((meta.model if meta else None) or "")
        if (line_edit := self.model_combo.lineEdit()) is not None:
            line_edit.setPlaceholderText("default model")

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.name_field.add_to_form(form)
        desc_col = QVBoxLayout()
        desc_col.setSpacing(2)
        desc_col.addWidget(self.description_edit)
        desc_col.addWidget(self.description_count, 0, Qt.AlignmentFlag.AlignRight)
        form.addRow("Description", desc_col)
        form.addRow("Version", self.version_edit)
        form.addRow(purpose_label, purpose_widget)
        if self.activate_check is not None:
            form.addRow("", self.activate_check)
        # disable-model-invocation: the agent never picks the skill by itself, so no model runs it
        # on its own; the Model field hides while it is on (issue 13)
        self.invocation_check = QCheckBox("Only when invoked by name (disable-model-invocation)")
        self.invocation_check.setChecked(bool(meta and meta.fields.get("disable-model-invocation") is True))
        form.addRow("Invocation", self.invocation_check)
        form.addRow("Model", self.model_combo)
        self._form = form
        self.invocation_check.toggled.connect(self._show_model)
        self._show_model(self.invocation_check.isChecked())

        self.import_button = button("Import", self.accept, primary=True, tip="Import with these details (Enter)")
        self.import_button.setDefault(True)
        self.skip_button = button("Skip", lambda: self.done(self.SKIPPED), tip="Do not import this skill; go on with the next")
        self.skip_button.setVisible(count > 1)
        self.cancel_button = button("Cancel", self.reject,
                                    tip="Cancel the import" + (" of every selected skill" if count > 1 else "")
                                        + " (Escape)")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.skip_button)
        buttons.addWidget(self.import_button)

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
        self._keyboard(purpose_label)
        self.validate()

    def _keyboard(self, purpose_label: str) -> None:
        """Issue 15: focus starts in the local name; Enter imports from every field (Shift+Enter
        still breaks a description line), Escape cancels; every field has an accessible name."""
        keyboard.on_enter(self.description_edit, self._enter_imports)
        keyboard.name(self.description_edit, "Description")
        keyboard.name(self.name_edit, "Local name")
        keyboard.name(self.version_edit, "Version")
        keyboard.name(self.model_combo, "Model")
        if self.purpose_combo is not None:
            keyboard.name(self.purpose_combo, purpose_label)
        if self.slot_combo is not None:
            keyboard.name(self.slot_combo, purpose_label)
        self.setToolTip("Enter: import · Escape: cancel")
        self.name_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def _enter_imports(self) -> bool:
        self.accept()
        return True

    # -- state ---------------------------------------------------------------------------------

    def local_name(self) -> str:
        """The local name typed (trimmed)."""
        return self.name_field.text()

    def description(self) -> str:
        """The description typed (trimmed)."""
        return self.description_field.text()

    def conflict(self) -> Conflict | None:
        """The collision of the current local name, or None."""
        return self._conflict

    def validate(self) -> bool:
        """Refresh messages and the *Import* button; returns whether the form can be accepted."""
        name = self.local_name()
        ok = self.name_field.check_name()
        previous = self._conflict
        self._conflict = self._lookup(name) if ok else None
        if previous != self._conflict and (previous is None or self._conflict is None
                                           or previous.installed != self._conflict.installed):
            self.name_field.clear_replace()  # a new collision needs a new confirmation
        self._show_conflict(name)
        if self._conflict is not None and (self._conflict.planned or not self.name_field.replace_confirmed()):
            ok = False
        if not self.description_field.check():
            ok = False
        self.import_button.setEnabled(ok)
        return ok

    def _show_conflict(self, name: str) -> None:
        c = self._conflict
        if c is None:
            self.name_field.show_conflict(None)
        elif c.planned:
            self.name_field.show_conflict(f"Another selected skill is being imported as <b>{html.escape(name)}</b>. "
                                          "Choose a different local name.", replaceable=False)
        else:
            inst = c.installed
            assert inst is not None
            src = f"{inst.qualified_name} {inst.version} from {inst.registry}" if inst.qualified_name else inst.origin
            text = (f"<b>{html.escape(name)}</b> is already in the {self.destination.label} "
                    f"({html.escape(src)}).")
            if c.customized:
                text += (" It has <b>local edits</b>: replacing it keeps your edited version as a backup "
                         "you can restore.")
            else:
                text += " Rename this import, or replace the installed skill."
            self.name_field.show_conflict(text, customized=c.customized)

    def rename_to_free_name(self) -> None:
        """Put the first free ``name-2``, ``name-3``, … in the local name field."""
        self.name_field.rename_to_free(self.skill.local_name, lambda candidate: self._lookup(candidate) is None)

    def _show_model(self, disabled: bool) -> None:
        """Hide the Model row while model invocation is disabled."""
        self._form.setRowVisible(self.model_combo, not disabled)

    def options(self) -> ImportOptions:
        """What to pass to ``SkillStudio.import_skill``; the edited keys are written into the
        installed ``SKILL.md`` (issue 13)."""
        c = self._conflict
        replace = c is not None and not c.planned and self.name_field.replace_confirmed()
        disabled = self.invocation_check.isChecked()
        model = None if disabled else (self.model_combo.currentText().strip() or None)
        return ImportOptions(
            local_name=self.local_name(),
            description=self.description(),
            version=self.version_edit.text().strip() or None,
            purpose=self.purpose_combo.currentText() if self.purpose_combo is not None else None,
            slot=(self.slot_combo.currentText().strip() or None) if self.slot_combo is not None else None,
            model=model,
            replace=replace,
            force=replace and c is not None and c.customized,
            disable_model_invocation=disabled,
            activate=self.activate_check is not None and self.activate_check.isChecked(),
        )

    def accept(self) -> None:
        if self.validate():
            super().accept()
