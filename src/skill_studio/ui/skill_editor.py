"""Refine an installed skill: edit its SKILL.md beside a live rendered preview, save, reveal the folder
(R-IMP-4: Skill Library skills are "ready to refine (open, edit, save)").

The preview shows the frontmatter as a table, any frontmatter problem or rule warning the core
finds (so a broken edit is visible before it is saved), then the Markdown body. A SKILL.md is a
few kilobytes: it is read and written on the GUI thread; the write is atomic (temp file + rename).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QFontDatabase, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from skill_studio.app import parse_skill_md
from skill_studio.core.errors import FrontmatterError
from skill_studio.core.models import InstalledSkill
from skill_studio.ui import widgets
from skill_studio.ui.widgets import MarkdownView, button

PREVIEW_DELAY_MS = 200


def _cell(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = " ".join(str(text).split())
    return text.replace("\\", "\\\\").replace("|", "\\|") or " "


def preview_markdown(text: str, path: str = "SKILL.md") -> str:
    """The Markdown the preview renders for a SKILL.md text.

    Args:
        text: the SKILL.md as edited.
        path: the name used in messages.

    Returns:
        A frontmatter table (GitHub Markdown), the core's warnings or the frontmatter error as a
        quote, a rule, then the body. An unparsable file is shown whole below the error, so nothing
        the user typed disappears from view.
    """
    try:
        meta = parse_skill_md(text, path)
    except FrontmatterError as err:
        return f"> **Frontmatter problem:** {_cell(str(err))}\n\n---\n\n{text}"
    rows = "\n".join(f"| {_cell(k)} | {_cell(v)} |" for k, v in meta.fields.items())
    parts = [f"| Field | Value |\n|---|---|\n{rows}"] if rows else []
    if meta.warnings:
        parts.append("\n".join(f"> ⚠ {_cell(w)}  " for w in meta.warnings))
    parts.append("---")
    parts.append(meta.body.strip() or "*(no body)*")
    return "\n\n".join(parts) + "\n"


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` via a temp file in the same folder and a rename.

    Raises:
        OSError: the folder is not writable; the original file is left untouched.
    """
    fd, tmp = tempfile.mkstemp(prefix=".skill-md-", dir=str(path.parent))
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class SkillEditor(QWidget):
    """A top-level window editing one installed skill's SKILL.md.

    Args:
        skill: the installed skill (its ``path`` is the folder).
        settings: where the splitter and window geometry are remembered (optional).
        parent: owner window; the editor stays a separate top-level window.

    Signals:
        saved(InstalledSkill): after a successful save (the dashboard refreshes its badges).
    """

    saved = Signal(object)

    def __init__(self, skill: InstalledSkill, settings: QSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setObjectName("skillEditor")
        self.skill = skill
        self.settings = settings
        self.file = Path(skill.path) / "SKILL.md"
        self.setWindowTitle(f"{skill.local_name} — SKILL.md [*] — Skill Studio")

        title = QLabel(skill.local_name)
        title.setObjectName("pageTitle")
        origin = (f"{skill.qualified_name} from {skill.registry}" if skill.qualified_name
                  else {"bundled": "bundled with Skill Studio", "upload": "uploaded"}.get(skill.origin, skill.origin))
        subtitle = QLabel(f"{skill.destination.label} · version {skill.version} · {origin}")
        subtitle.setObjectName("pageSubtitle")
        self.path_label = QLabel(str(self.file))
        self.path_label.setObjectName("hint")
        self.path_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.save_button = button("Save", self.save, primary=True, tip="Write SKILL.md (Ctrl+S)")
        self.revert_button = button("Revert", self.revert, tip="Discard unsaved changes")
        self.reveal_button = button("Reveal in file manager", self.reveal, tip=skill.path)
        self.status = QLabel("")
        self.status.setObjectName("hint")
        self.problem = QLabel("")
        """The frontmatter problem that stopped the last save, shown in place (issue 15)."""
        self.problem.setObjectName("inlineStatus")
        self.problem.setProperty("kind", "error")
        self.problem.setWordWrap(True)
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.problem.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problem.setVisible(False)
        bar = QHBoxLayout()
        bar.addWidget(self.save_button)
        bar.addWidget(self.revert_button)
        bar.addWidget(self.reveal_button)
        bar.addSpacing(12)
        bar.addWidget(self.status, 1)

        self.editor = QPlainTextEdit()
        self.editor.setObjectName("skillSource")
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.editor.setFont(font)
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.editor.setTabStopDistance(self.editor.fontMetrics().horizontalAdvance(" ") * 4)
        self.preview = MarkdownView()
        self.preview.setObjectName("skillPreview")
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(_titled("SKILL.md", self.editor))
        self.splitter.addWidget(_titled("Preview", self.preview))
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([1, 1])

        lay = QVBoxLayout(self)
        lay.setContentsMargins(16, 14, 16, 12)
        lay.addWidget(title)
        lay.addWidget(subtitle)
        lay.addWidget(self.path_label)
        lay.addSpacing(4)
        lay.addLayout(bar)
        lay.addWidget(self.problem)
        lay.addWidget(self.splitter, 1)
        self.editor.setAccessibleName("SKILL.md source")
        self.preview.setAccessibleName("SKILL.md preview")

        save = QAction(self)
        save.setShortcut(QKeySequence.StandardKey.Save)
        save.triggered.connect(self.save)
        self.addAction(save)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PREVIEW_DELAY_MS)
        self._timer.timeout.connect(self.render_preview)
        self.editor.textChanged.connect(self._timer.start)
        self.editor.modificationChanged.connect(self._modified)

        self.resize(1100, 720)
        if settings is not None:
            geo = settings.value("editor/geometry")
            if geo is not None:
                self.restoreGeometry(geo)
        self.load()
        self._modified(False)

    # -- file ----------------------------------------------------------------------------------

    def load(self) -> None:
        """(Re)read SKILL.md into the editor; shows the reason when it cannot be read."""
        try:
            text = self.file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            text = ""
            self.editor.setReadOnly(True)
            self.save_button.setEnabled(False)
            self.status.setText(f"Cannot read {self.file}: {err}")
        self.editor.setPlainText(text)
        self.editor.document().setModified(False)
        self.render_preview()

    def text(self) -> str:
        """The text being edited."""
        return self.editor.toPlainText()

    def is_modified(self) -> bool:
        """True while there are unsaved changes."""
        return self.editor.document().isModified()

    def frontmatter_problem(self) -> str | None:
        """Why the text's frontmatter cannot be saved (``parse_skill_md``'s error), or None."""
        try:
            parse_skill_md(self.text(), str(self.file))
        except FrontmatterError as err:
            return str(err)
        return None

    def save(self) -> bool:
        """Write the editor's text to SKILL.md after checking its frontmatter (issue 15: a broken
        frontmatter is refused and the reason shown above the editor). Returns False (and says
        why) when it cannot."""
        problem = self.frontmatter_problem()
        self.problem.setText(f"Not saved: {problem}" if problem else "")
        self.problem.setVisible(problem is not None)
        if problem is not None:
            self.status.setText("Fix the frontmatter, then save.")
            self.editor.setFocus()
            return False
        try:
            write_text_atomic(self.file, self.text())
        except OSError as err:
            QMessageBox.warning(self, "Save failed", f"Could not write {self.file}: {err}")
            return False
        self.editor.document().setModified(False)
        self.status.setText("Saved. Your edits mark the skill as customized; updates will ask before replacing it.")
        self.saved.emit(self.skill)
        return True

    def revert(self) -> None:
        """Drop unsaved changes (re-read the file)."""
        self.load()
        self.status.setText("Reverted to the saved file.")

    def reveal(self) -> None:
        """Open the skill's folder in the system file manager."""
        if not widgets.reveal_in_file_manager(self.skill.path):
            self.status.setText(f"Could not open a file manager; the folder is {self.skill.path}")

    # -- view ----------------------------------------------------------------------------------

    def render_preview(self) -> None:
        """Render the current text into the preview (also runs 200 ms after the last keystroke)."""
        self._timer.stop()
        bar = self.preview.verticalScrollBar()
        pos = bar.value()
        self.preview.set_markdown(preview_markdown(self.text(), str(self.file)), Path(self.skill.path))
        bar.setValue(pos)

    def _modified(self, modified: bool) -> None:
        self.setWindowModified(modified)
        self.save_button.setEnabled(modified and not self.editor.isReadOnly())
        self.revert_button.setEnabled(modified)
        if modified:
            self.status.setText("Unsaved changes")
        elif self.status.text() == "Unsaved changes":  # e.g. the file was just (re)loaded
            self.status.setText("")

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.is_modified():
            answer = QMessageBox.question(
                self, "Unsaved changes", f"Save your changes to {self.skill.local_name}'s SKILL.md?",
                QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Save)
            if answer == QMessageBox.StandardButton.Cancel or (
                    answer == QMessageBox.StandardButton.Save and not self.save()):
                event.ignore()
                return
        if self.settings is not None:
            self.settings.setValue("editor/geometry", self.saveGeometry())
        super().closeEvent(event)


def _titled(title: str, widget: QWidget) -> QWidget:
    box = QWidget()
    lay = QVBoxLayout(box)
    lay.setContentsMargins(0, 6, 0, 0)
    lay.setSpacing(4)
    label = QLabel(title)
    label.setObjectName("sectionLabel")
    lay.addWidget(label)
    lay.addWidget(widget, 1)
    return box
