"""Merge view: resolve the conflicts of a three-way skill update file by file (issue 13).

Shown when merging a customized skill with its upstream update leaves conflicts. For each file:
*Yours* (the installed copy), *Upstream* (the new version) and the *Result*, side by side, with
changed lines marked (yours/upstream: lines that differ from the version you installed; result:
where each line comes from). Each conflict is resolved by choosing a side or by editing its text;
nothing is written until *Apply merge* — the dialog only returns the chosen content
(:meth:`MergeView.resolutions`), the caller applies it.

Keyboard: Alt+Y / Alt+U use yours / upstream for the selected conflict, Alt+E edits it, F8 /
Shift+F8 go to the next / previous conflict (across files), Enter on *Apply merge* confirms.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QKeySequence, QShortcut, QTextCharFormat, QTextCursor, QTextFormat
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from skill_studio.app.merge import FileMerge
from skill_studio.ui.models import BadgeKind
from skill_studio.ui.theme import SchemeColors

__all__ = ["MergeView"]

_COLORS = SchemeColors({  # line backgrounds in the scheme shown (issue 15: readable in dark too)
    "ours": (BadgeKind.OK, "bg"),         # green: your change
    "theirs": (BadgeKind.INFO, "bg"),     # blue: upstream's change
    "both": (BadgeKind.NEUTRAL, "bg"),
    "conflict": (BadgeKind.ERROR, "bg"),  # red: still to decide
    "resolved": (BadgeKind.WARN, "bg"),   # amber: decided
})
_SIDE_LABEL = {"ours": "yours", "theirs": "upstream", "base": "original"}


def _text(data: bytes | None) -> str:
    if data is None:
        return ""
    return data.decode("utf-8", errors="replace")


def _pane(title: str, name: str, editable: bool = False) -> tuple[QWidget, QPlainTextEdit]:
    box = QWidget()
    lay = QVBoxLayout(box)
    lay.setContentsMargins(0, 0, 0, 0)
    label = QLabel(f"<b>{title}</b>")
    edit = QPlainTextEdit()
    edit.setObjectName(name)
    edit.setReadOnly(not editable)
    edit.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
    font = QFont("monospace")
    font.setStyleHint(QFont.StyleHint.TypeWriter)
    edit.setFont(font)
    label.setBuddy(edit)
    lay.addWidget(label)
    lay.addWidget(edit)
    return box, edit


def _mark(edit: QPlainTextEdit, lines: dict[int, QColor]) -> None:
    """Give whole lines of ``edit`` a background colour (0-based line → colour)."""
    selections = []
    doc = edit.document()
    for line, color in sorted(lines.items()):
        block = doc.findBlockByNumber(line)
        if not block.isValid():
            continue
        sel = QTextEdit.ExtraSelection()
        fmt = QTextCharFormat()
        fmt.setBackground(color)
        fmt.setProperty(QTextFormat.Property.FullWidthSelection, True)
        sel.format = fmt
        cursor = QTextCursor(block)
        cursor.clearSelection()
        sel.cursor = cursor
        selections.append(sel)
    edit.setExtraSelections(selections)


class MergeView(QDialog):
    """Resolve every conflict of a merge, file by file; returns the files' final content.

    Args:
        skill_label: the skill's name for the title.
        files: the files with conflicts (:class:`FileMerge` from the merge use case).
        parent: parent widget.

    After ``exec()`` returns ``Accepted``, :meth:`resolutions` gives ``{path: bytes or None}``
    (None: the chosen side deletes the file) for every file shown. *Apply merge* stays disabled
    until every conflict has a choice.
    """

    def __init__(self, skill_label: str, files: list[FileMerge], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mergeView")
        self.files = [f for f in files if f.conflicts]
        self.choices: dict[str, dict[int, object]] = {f.path: {} for f in self.files}
        count = sum(len(f.conflicts) for f in self.files)
        self.setWindowTitle(f"Merge {skill_label}")
        self.resize(1100, 680)

        head = QLabel(f"Merge <b>{html.escape(skill_label)}</b>: {count} conflict{'s' if count != 1 else ''} "
                      f"in {len(self.files)} file{'s' if len(self.files) != 1 else ''}. Your edits and "
                      "upstream's changes that do not overlap are already merged; choose a side or edit the "
                      "text for each conflict. Nothing is written until you apply.")
        head.setWordWrap(True)
        head.setObjectName("dialogTitle")

        self.file_list = QListWidget()
        self.file_list.setObjectName("mergeFiles")
        for f in self.files:
            self.file_list.addItem(QListWidgetItem(f.path))
        self.file_list.setMaximumWidth(220)

        ours_box, self.ours_edit = _pane("Yours (installed)", "mergeOurs")
        theirs_box, self.theirs_edit = _pane("Upstream (new version)", "mergeTheirs")
        result_box, self.result_edit = _pane("Result", "mergeResult")
        split = QSplitter(Qt.Orientation.Horizontal)
        for w in (ours_box, theirs_box, result_box):
            split.addWidget(w)

        self.conflict_list = QListWidget()
        self.conflict_list.setObjectName("mergeConflicts")
        self.conflict_list.setMaximumHeight(110)
        self.use_ours = QPushButton("Use &yours")
        self.use_ours.setToolTip("Keep your lines for the selected conflict (Alt+Y)")
        self.use_theirs = QPushButton("Use &upstream")
        self.use_theirs.setToolTip("Take upstream's lines for the selected conflict (Alt+U)")
        self.edit_button = QPushButton("&Edit…")
        self.edit_button.setToolTip("Write the lines of the selected conflict yourself (Alt+E)")
        self.editor = QPlainTextEdit()
        self.editor.setObjectName("mergeConflictEditor")
        self.editor.setVisible(False)
        self.editor.setMaximumHeight(120)
        self.keep_edit = QPushButton("&Keep this text")
        self.keep_edit.setVisible(False)
        self.use_ours.clicked.connect(lambda: self.choose("ours"))
        self.use_theirs.clicked.connect(lambda: self.choose("theirs"))
        self.edit_button.clicked.connect(self.start_edit)
        self.keep_edit.clicked.connect(self.keep_edited_text)

        self.apply_button = QPushButton("&Apply merge")
        self.apply_button.setObjectName("mergeApply")
        self.apply_button.setDefault(True)
        self.apply_button.clicked.connect(self.accept)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        self.status = QLabel()

        QShortcut(QKeySequence(Qt.Key.Key_F8), self, lambda: self.step(1))
        QShortcut(QKeySequence(Qt.Modifier.SHIFT | Qt.Key.Key_F8), self, lambda: self.step(-1))

        side_buttons = QHBoxLayout()
        for b in (self.use_ours, self.use_theirs, self.edit_button):
            side_buttons.addWidget(b)
        side_buttons.addStretch(1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(cancel)
        bottom.addWidget(self.apply_button)

        center = QVBoxLayout()
        center.addWidget(split, 1)
        legend = QLabel("Marked lines — green: your change · blue: upstream's change · red: still to decide · "
                        "amber: decided. Conflicts in this file (F8: next, Shift+F8: previous):")
        legend.setWordWrap(True)
        center.addWidget(legend)
        center.addWidget(self.conflict_list)
        center.addLayout(side_buttons)
        center.addWidget(self.editor)
        center.addWidget(self.keep_edit, 0, Qt.AlignmentFlag.AlignLeft)
        body = QHBoxLayout()
        body.addWidget(self.file_list)
        body.addLayout(center, 1)
        lay = QVBoxLayout(self)
        lay.addWidget(head)
        lay.addLayout(body, 1)
        lay.addLayout(bottom)

        self.file_list.currentRowChanged.connect(self._show_file)
        self.conflict_list.currentRowChanged.connect(self._show_conflict)
        if self.files:
            self.file_list.setCurrentRow(0)
        self._refresh_state()
        self.conflict_list.setFocus()

    # -- state -------------------------------------------------------------------------------------

    def current_file(self) -> FileMerge | None:
        """The file shown."""
        row = self.file_list.currentRow()
        return self.files[row] if 0 <= row < len(self.files) else None

    def current_conflict(self) -> int | None:
        """Index into the current file's ``conflicts`` of the selected conflict, or None."""
        row = self.conflict_list.currentRow()
        f = self.current_file()
        return row if f is not None and 0 <= row < len(f.conflicts) else None

    def unresolved(self) -> int:
        """How many conflicts still have no choice, over every file."""
        return sum(1 for f in self.files for c in f.conflicts if c.chunk not in self.choices[f.path])

    def resolutions(self) -> dict[str, bytes | None]:
        """``{path: final bytes, or None to delete}`` for every file shown, from the choices made."""
        return {f.path: f.resolve(self.choices[f.path]) for f in self.files}  # type: ignore[arg-type]

    # -- actions -----------------------------------------------------------------------------------

    def choose(self, side: str) -> None:
        """Resolve the selected conflict with ``"ours"`` or ``"theirs"``; go to the next open one."""
        f, i = self.current_file(), self.current_conflict()
        if f is None or i is None:
            return
        self.choices[f.path][f.conflicts[i].chunk] = side
        self._cancel_edit()
        self._show_file(self.file_list.currentRow(), keep_conflict=i)
        self._refresh_state()
        self.step(1, only_open=True)

    def start_edit(self) -> None:
        """Open the selected conflict's current text for editing (text files only)."""
        f, i = self.current_file(), self.current_conflict()
        if f is None or i is None or not f.chunks:
            return
        chunk_index = f.conflicts[i].chunk
        chunk = f.chunks[chunk_index]
        choice = self.choices[f.path].get(chunk_index)
        if isinstance(choice, bytes):
            current = choice
        elif choice in ("ours", "theirs", "base"):
            current = b"".join(getattr(chunk, str(choice)))
        else:
            current = b"".join(chunk.ours)
        self.editor.setPlainText(_text(current))
        self.editor.setVisible(True)
        self.keep_edit.setVisible(True)
        self.editor.setFocus()

    def keep_edited_text(self) -> None:
        """Use the edited text for the selected conflict."""
        f, i = self.current_file(), self.current_conflict()
        if f is None or i is None:
            return
        text = self.editor.toPlainText()
        chunk = f.chunks[f.conflicts[i].chunk]
        sample = (chunk.ours or chunk.theirs or (b"\n",))[0]
        eol = "\r\n" if sample.endswith(b"\r\n") else "\n"
        if text and not text.endswith("\n"):
            text += "\n"
        data = text.replace("\r\n", "\n").replace("\n", eol).encode("utf-8")
        self.choices[f.path][f.conflicts[i].chunk] = data
        self._cancel_edit()
        self._show_file(self.file_list.currentRow(), keep_conflict=i)
        self._refresh_state()
        self.conflict_list.setFocus()

    def step(self, delta: int, *, only_open: bool = False) -> None:
        """Select the next (``delta=1``) or previous conflict, moving across files; with
        ``only_open``, the next one still unresolved (stays put when there is none)."""
        order = [(fi, ci) for fi, f in enumerate(self.files) for ci in range(len(f.conflicts))]
        if not order:
            return
        here = (self.file_list.currentRow(), max(self.conflict_list.currentRow(), 0))
        start = order.index(here) if here in order else 0
        for k in range(1, len(order) + 1):
            fi, ci = order[(start + delta * k) % len(order)]
            f = self.files[fi]
            if only_open and f.conflicts[ci].chunk in self.choices[f.path]:
                continue
            if fi != self.file_list.currentRow():
                self.file_list.setCurrentRow(fi)
            self.conflict_list.setCurrentRow(ci)
            return

    def accept(self) -> None:
        if self.unresolved():
            return
        super().accept()

    # -- display -----------------------------------------------------------------------------------

    def _cancel_edit(self) -> None:
        self.editor.setVisible(False)
        self.keep_edit.setVisible(False)

    def _show_file(self, row: int, keep_conflict: int | None = None) -> None:
        if not 0 <= row < len(self.files):
            return
        f = self.files[row]
        self._cancel_edit()
        choices = self.choices[f.path]
        whole = not f.chunks
        if whole:
            def side(data: bytes | None) -> str:
                if data is None:
                    return "(deleted on this side)"
                return f"(binary file, {len(data)} bytes)" if b"\0" in data[:8000] else _text(data)
            self.ours_edit.setPlainText(side(f.ours))
            self.theirs_edit.setPlainText(side(f.theirs))
            choice = choices.get(-1)
            self.result_edit.setPlainText(
                f"Choose a side: {f.conflicts[0].describe()}" if choice is None
                else f"Using {_SIDE_LABEL.get(str(choice), str(choice))}'s version.")
        else:
            self.ours_edit.setPlainText(_text(f.ours))
            self.theirs_edit.setPlainText(_text(f.theirs))
            self.result_edit.setPlainText(_text(f.resolve(choices)))  # type: ignore[arg-type]
            _mark(self.ours_edit, dict.fromkeys(f.changed_lines("ours"), _COLORS["ours"]))
            _mark(self.theirs_edit, dict.fromkeys(f.changed_lines("theirs"), _COLORS["theirs"]))
            _mark(self.result_edit, {n: _COLORS[o] for n, o in enumerate(f.result_origins(choices))
                                     if o in _COLORS})
        self.edit_button.setEnabled(not whole)
        self.conflict_list.blockSignals(True)
        self.conflict_list.clear()
        for c in f.conflicts:
            choice = choices.get(c.chunk)
            state = "unresolved" if choice is None else (
                "edited" if isinstance(choice, bytes) else f"using {_SIDE_LABEL.get(str(choice), str(choice))}")
            where = c.describe().removeprefix(f.path).strip()
            self.conflict_list.addItem(f"{where} — {state}")
        self.conflict_list.blockSignals(False)
        self.conflict_list.setCurrentRow(keep_conflict if keep_conflict is not None else 0)
        self._show_conflict(self.conflict_list.currentRow())

    def _show_conflict(self, row: int) -> None:
        f = self.current_file()
        if f is None or not 0 <= row < len(f.conflicts):
            return
        c = f.conflicts[row]
        for edit, rng in ((self.ours_edit, c.ours_lines), (self.theirs_edit, c.theirs_lines)):
            if rng is not None:
                block = edit.document().findBlockByNumber(max(rng[0] - 1, 0))
                if block.isValid():
                    cursor = QTextCursor(block)
                    edit.setTextCursor(cursor)
                    edit.centerCursor()

    def _refresh_state(self) -> None:
        left = self.unresolved()
        self.apply_button.setEnabled(left == 0)
        self.status.setText("Every conflict has a choice: apply the merge." if left == 0
                            else f"{left} conflict{'s' if left != 1 else ''} left to resolve.")
        for row, f in enumerate(self.files):
            open_ = sum(1 for c in f.conflicts if c.chunk not in self.choices[f.path])
            item = self.file_list.item(row)
            item.setText(f.path + (f"  ({open_} left)" if open_ else "  ✓"))
