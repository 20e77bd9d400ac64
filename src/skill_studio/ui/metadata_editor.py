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
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from skill_studio.core.errors import InstallError
from skill_studio.core.installer import check_local_name
from skill_studio.core.models import CatalogSkill, Destination, ImportOptions, InstalledSkill
from skill_studio.core.service import DEFAULT_VERSION
from skill_studio.ui.widgets import button

LIBRARY_PURPOSES = ("domain", "platform", "source", "data-engineering")
"""Purposes of Skill Library skills (R-IMP-4)."""

SETTINGS_SLOTS = ("research", "validate")
"""Known purpose slots of Settings → Skills (free text is allowed too)."""

MODELS = ("sonnet", "opus", "haiku", "inherit")
"""Suggestions for the ``model`` field; free text is allowed."""

MAX_DESCRIPTION = 1024


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
        self.name_edit = QLineEdit(skill.local_name)
        self.name_edit.setPlaceholderText("folder name: a-z, 0-9, '-'")
        self.name_message = QLabel("")
        self.name_message.setObjectName("fieldError")
        self.name_message.setWordWrap(True)

        self.conflict_box = QFrame()
        self.conflict_box.setObjectName("conflictBox")
        self.conflict_text = QLabel("")
        self.conflict_text.setWordWrap(True)
        self.replace_check = QCheckBox("Replace it")
        self.rename_button = QPushButton("Rename")
        self.rename_button.setToolTip("Use a free local name instead")
        self.rename_button.clicked.connect(self.rename_to_free_name)
        cl = QVBoxLayout(self.conflict_box)
        cl.setContentsMargins(10, 8, 10, 8)
        cl.addWidget(self.conflict_text)
        crow = QHBoxLayout()
        crow.addWidget(self.replace_check, 1)
        crow.addWidget(self.rename_button)
        cl.addLayout(crow)
        self.conflict_box.setVisible(False)

        self.description_edit = QPlainTextEdit(skill.description or "")
        self.description_edit.setTabChangesFocus(True)
        self.description_edit.setPlaceholderText("Required: what the skill does and when to use it")
        fm = self.description_edit.fontMetrics()
        self.description_edit.setFixedHeight(fm.lineSpacing() * 5 + 14)
        self.description_count = QLabel("")
        self.description_count.setObjectName("hint")

        self.version_edit = QLineEdit(skill.version or "")
        self.version_edit.setPlaceholderText(DEFAULT_VERSION)

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
            self.slot_combo.lineEdit().setPlaceholderText("none (or research, validate, …)")
            purpose_label, purpose_widget = "Slot", self.slot_combo
            self.purpose_combo = None

        self.model_combo = QComboBox()
        self.model_combo.setEditable(True)
        self.model_combo.addItems(("",) + MODELS)
        self.model_combo.setCurrentText((meta.model if meta else None) or "")
        self.model_combo.lineEdit().setPlaceholderText("default model")

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        name_col = QVBoxLayout()
        name_col.setSpacing(3)
        name_col.addWidget(self.name_edit)
        name_col.addWidget(self.name_message)
        form.addRow("Local name", name_col)
        form.addRow("", self.conflict_box)
        desc_col = QVBoxLayout()
        desc_col.setSpacing(2)
        desc_col.addWidget(self.description_edit)
        desc_col.addWidget(self.description_count, 0, Qt.AlignmentFlag.AlignRight)
        form.addRow("Description", desc_col)
        form.addRow("Version", self.version_edit)
        form.addRow(purpose_label, purpose_widget)
        form.addRow("Model", self.model_combo)

        self.import_button = button("Import", self.accept, primary=True)
        self.import_button.setDefault(True)
        self.skip_button = button("Skip", lambda: self.done(self.SKIPPED), tip="Do not import this skill; go on with the next")
        self.skip_button.setVisible(count > 1)
        self.cancel_button = button("Cancel", self.reject,
                                    tip="Cancel the import" + (" of every selected skill" if count > 1 else ""))
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
        self.validate()

    # -- state ---------------------------------------------------------------------------------

    def local_name(self) -> str:
        """The local name typed (trimmed)."""
        return self.name_edit.text().strip()

    def description(self) -> str:
        """The description typed (trimmed)."""
        return self.description_edit.toPlainText().strip()

    def conflict(self) -> Conflict | None:
        """The collision of the current local name, or None."""
        return self._conflict

    def validate(self) -> bool:
        """Refresh messages and the *Import* button; returns whether the form can be accepted."""
        name = self.local_name()
        ok = True
        message = ""
        try:
            check_local_name(name)
        except InstallError:
            ok = False
            message = ("A local name is required." if not name else
                       "Use 1–64 characters: a-z, 0-9, '-', '_' or '.', starting and ending with a letter or digit.")
        previous = self._conflict
        self._conflict = self._lookup(name) if ok else None
        if previous != self._conflict and (previous is None or self._conflict is None
                                           or previous.installed != self._conflict.installed):
            blocked = self.replace_check.blockSignals(True)  # a new collision needs a new confirmation
            self.replace_check.setChecked(False)
            self.replace_check.blockSignals(blocked)
        self._show_conflict(name)
        if self._conflict is not None:
            if self._conflict.planned:
                ok = False
            elif not self.replace_check.isChecked():
                ok = False
        self.name_message.setText(message)
        self.name_message.setVisible(bool(message))
        desc = self.description()
        if not desc:
            self.description_count.setText("A description is required to import.")
            self.description_count.setProperty("error", True)
            ok = False
        elif len(desc) > MAX_DESCRIPTION:
            self.description_count.setText(f"{len(desc)} / {MAX_DESCRIPTION} characters — too long")
            self.description_count.setProperty("error", True)
            ok = False
        else:
            self.description_count.setText(f"{len(desc)} / {MAX_DESCRIPTION}")
            self.description_count.setProperty("error", False)
        self.description_count.style().unpolish(self.description_count)
        self.description_count.style().polish(self.description_count)
        self.import_button.setEnabled(ok)
        return ok

    def _show_conflict(self, name: str) -> None:
        c = self._conflict
        self.conflict_box.setVisible(c is not None)
        if c is None:
            return
        where = self.destination.label
        if c.planned:
            self.conflict_text.setText(f"Another selected skill is being imported as <b>{html.escape(name)}</b>. "
                                       "Choose a different local name.")
            self.replace_check.setVisible(False)
            self.conflict_box.setProperty("severity", "error")
        else:
            inst = c.installed
            assert inst is not None
            src = f"{inst.qualified_name} {inst.version} from {inst.registry}" if inst.qualified_name else inst.origin
            text = (f"<b>{html.escape(name)}</b> is already in the {where} "
                    f"({html.escape(src)}).")
            if c.customized:
                text += (" It has <b>local edits</b>: replacing it keeps your edited version as a backup "
                         "you can restore.")
                self.replace_check.setText("Replace it, keeping a backup")
            else:
                text += " Rename this import, or replace the installed skill."
                self.replace_check.setText("Replace it")
            self.conflict_text.setText(text)
            self.replace_check.setVisible(True)
            self.conflict_box.setProperty("severity", "warning")
        self.conflict_box.style().unpolish(self.conflict_box)
        self.conflict_box.style().polish(self.conflict_box)

    def rename_to_free_name(self) -> None:
        """Put the first free ``name-2``, ``name-3``, … in the local name field."""
        base = self.local_name() or self.skill.local_name
        for n in range(2, 1000):
            suffix = f"-{n}"
            candidate = base[: 64 - len(suffix)].rstrip("-._") + suffix
            if self._lookup(candidate) is None:
                self.name_edit.setText(candidate)
                self.name_edit.setFocus()
                self.name_edit.selectAll()
                return

    def options(self) -> ImportOptions:
        """What to pass to ``SkillStudio.import_skill``."""
        c = self._conflict
        replace = c is not None and not c.planned and self.replace_check.isChecked()
        model = self.model_combo.currentText().strip() or None
        return ImportOptions(
            local_name=self.local_name(),
            description=self.description(),
            version=self.version_edit.text().strip() or None,
            purpose=self.purpose_combo.currentText() if self.purpose_combo is not None else None,
            slot=(self.slot_combo.currentText().strip() or None) if self.slot_combo is not None else None,
            model=model,
            replace=replace,
            force=replace and c is not None and c.customized,
        )

    def accept(self) -> None:
        if self.validate():
            super().accept()
