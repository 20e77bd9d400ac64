"""*New skill…* of the Skill Library (issue 15): a name and a description, checked as you type
against the Agent Skills rules (``app.create.check_new_skill``), then the skill is created from the
template (``app.create.create_skill``) and opened in the SKILL.md editor. Enter creates, Escape
cancels."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from skill_studio.app.create import check_new_skill
from skill_studio.core.errors import InstallError
from skill_studio.ui import keyboard
from skill_studio.ui.widgets import DescriptionField, button


class NewSkillDialog(QDialog):
    """Ask for a new Library skill's name and description.

    Args:
        taken: ``taken(name) -> bool``: a skill of that name is installed already (a quick query).
        parent: the main window.

    After ``Accepted``, :meth:`values` gives ``(name, description)``, valid by the rules.
    """

    def __init__(self, taken: Callable[[str], bool], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("newSkillDialog")
        self.setWindowTitle("New skill — Skill Library")
        self.setMinimumWidth(560)
        self._taken = taken
        head = QLabel("New skill in the <b>Skill Library</b>")
        head.setObjectName("dialogTitle")
        sub = QLabel("A SKILL.md is created from a template and opened for you to write its instructions.")
        sub.setObjectName("pageSubtitle")
        sub.setWordWrap(True)
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("newSkillName")
        self.name_edit.setPlaceholderText("lower-case-with-hyphens, e.g. warehouse-notes")
        keyboard.name(self.name_edit, "Skill name")
        self.description_field = DescriptionField("", lines=3, action="create the skill")
        self.description_edit = self.description_field.edit
        keyboard.name(self.description_edit, "Description")
        self.message = QLabel("")
        self.message.setObjectName("inlineStatus")
        self.message.setProperty("kind", "error")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        form = QFormLayout()
        form.addRow("Name", self.name_edit)
        form.addRow("", self.message)
        desc = QVBoxLayout()
        desc.addWidget(self.description_edit)
        desc.addWidget(self.description_field.count, 0, Qt.AlignmentFlag.AlignRight)
        form.addRow("Description", desc)
        self.create_button = button("Create", self.accept, primary=True, tip="Create the skill and open it (Enter)")
        self.create_button.setDefault(True)
        self.cancel_button = button("Cancel", self.reject, tip="Escape")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.create_button)
        lay = QVBoxLayout(self)
        lay.addWidget(head)
        lay.addWidget(sub)
        lay.addSpacing(6)
        lay.addLayout(form)
        lay.addLayout(buttons)
        keyboard.on_enter(self.description_edit, self._enter_creates)
        self.name_edit.textChanged.connect(self.validate)
        self.description_edit.textChanged.connect(self.validate)
        self.validate()
        self.name_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def _enter_creates(self) -> bool:
        self.accept()
        return True

    def values(self) -> tuple[str, str]:
        """``(name, description)`` as typed (trimmed)."""
        return self.name_edit.text().strip(), self.description_field.text()

    def problem(self) -> str | None:
        """Why the skill cannot be created yet, or None."""
        name, description = self.values()
        if not name:
            return "Type a name."
        try:
            check_new_skill(name, description or "x")
        except InstallError as err:
            return str(err)
        if self._taken(name):
            return f"A skill named {name!r} is already in the Skill Library."
        return None

    def validate(self) -> bool:
        """Show the first problem under the name and enable *Create* when there is none."""
        problem = self.problem()
        name_typed = bool(self.name_edit.text().strip())
        self.message.setText(problem if problem and name_typed else "")
        self.message.setVisible(bool(problem and name_typed))
        ok = problem is None and self.description_field.check()
        self.create_button.setEnabled(ok)
        return ok

    def accept(self) -> None:
        if self.validate():
            super().accept()
