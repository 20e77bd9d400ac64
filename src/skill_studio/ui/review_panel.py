"""Security review widgets (issue 14): risk badges, the files + findings of a skill, the high-risk
confirmation, and the update preview (files with diffs, commits, new findings).

Thin views over plain values the application layer returns; they read attributes only:

- a review: ``risk`` (``none``/``low``/``medium``/``high``), ``files`` (``path``, ``size``, ``mode``,
  ``kind``), ``findings`` (``rule``, ``severity``, ``path``, ``line``, ``message``);
- an update preview: ``files`` (``path``, ``status``, ``diff``), ``commits`` (``sha``, ``date``,
  ``message``), ``new_findings`` (findings), ``from_commit``, ``to_commit``.

Nothing here does I/O: the reviews are computed in the background by the caller.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from skill_studio.ui.models import BadgeKind
from skill_studio.ui.theme import SchemeColors, tone

RISK_COLORS = SchemeColors({"none": ((BadgeKind.OK, "fg"), (BadgeKind.OK, "bg")),
                            "low": ((BadgeKind.NEUTRAL, "fg"), (BadgeKind.NEUTRAL, "bg")),
                            "medium": ((BadgeKind.WARN, "fg"), (BadgeKind.WARN, "bg")),
                            "high": ((BadgeKind.ERROR, "fg"), (BadgeKind.ERROR, "bg"))}, as_hex=True)
"""Foreground and background colour (``#rrggbb``) of each risk level's badge, in the scheme shown."""


def risk_text(risk: str | None) -> str:
    """The badge text of a risk level: ``risk: high``; ``…`` while the review runs (None)."""
    return "risk …" if risk is None else f"risk: {risk}"


def risk_badge_html(risk: str | None) -> str:
    """An inline HTML badge for ``risk`` (rich-text labels)."""
    fg, bg = RISK_COLORS.get(risk or "", RISK_COLORS["low"])
    return (f"<span style='color:{fg};background:{bg};font-weight:600'>&nbsp;"
            f"{html.escape(risk_text(risk))}&nbsp;</span>")


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KiB"
    return f"{n / (1024 * 1024):.1f} MiB"


def _shown(text: str) -> str:
    """``text`` with invisible and control characters written as ``\\uXXXX`` (file names)."""
    return "".join(f"\\u{ord(c):04x}" if unicodedata.category(c) in ("Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp")
                   else c for c in text)


def _where(f: Any) -> str:
    path = _shown(f.path)
    return f"{path}:{f.line}" if f.line else path


def _fill_findings(tree: QTreeWidget, findings: Sequence[Any]) -> None:
    tree.clear()
    for f in findings:
        item = QTreeWidgetItem([f.severity, f.rule, _where(f), f.message])
        fg, _bg = RISK_COLORS.get(f.severity, RISK_COLORS["low"])
        item.setForeground(0, QColor(fg))
        item.setToolTip(3, f.message)
        tree.addTopLevelItem(item)


def _findings_tree(name: str) -> QTreeWidget:
    tree = QTreeWidget()
    tree.setObjectName(name)
    tree.setAccessibleName("Security findings")
    tree.setHeaderLabels(["Severity", "Rule", "Where", "Message"])
    tree.setRootIsDecorated(False)
    tree.setWordWrap(True)
    tree.setAlternatingRowColors(True)
    header = tree.header()
    for col in (0, 1, 2):
        header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return tree


class ReviewPanel(QWidget):
    """The review of one skill: a risk line, its files (path, size, mode, kind) and its findings.

    Signals:
        review_requested(): the user clicked *Review now* (shown by ``show_pending(..., can_request=True)``).
    """

    review_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reviewPanel")
        self.summary = QLabel("")
        self.summary.setObjectName("reviewSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.findings = _findings_tree("reviewFindings")
        self.files = QTreeWidget()
        self.files.setObjectName("reviewFiles")
        self.files.setAccessibleName("Reviewed files")
        self.files.setHeaderLabels(["File", "Size", "Mode", "Kind"])
        self.files.setRootIsDecorated(False)
        self.files.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.findings, "Findings")
        self.tabs.addTab(self.files, "Files")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.review_now = QPushButton("Review now")
        self.review_now.setObjectName("reviewNow")
        self.review_now.setAutoDefault(False)
        self.review_now.clicked.connect(self.review_requested)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.review_now, 0, Qt.AlignmentFlag.AlignTop)
        lay.addLayout(top)
        lay.addWidget(self.tabs, 1)
        self.review: Any = None
        self.show_pending()

    def show_pending(self, text: str = "Reviewing the skill's files…", can_request: bool = False) -> None:
        """Nothing known yet (the review runs in the background); with ``can_request`` a *Review
        now* button asks for it."""
        self.review = None
        self.summary.setText(f"{risk_badge_html(None)} {html.escape(text)}")
        self.review_now.setVisible(can_request)
        self.findings.clear()
        self.files.clear()

    def show_error(self, text: str) -> None:
        """The review failed (e.g. offline); ``text`` is the error sentence (*Review now* retries)."""
        self.review = None
        self.summary.setText(f"<b>Security review unavailable:</b> {html.escape(text)}")
        self.review_now.setVisible(True)
        self.findings.clear()
        self.files.clear()

    def show_review(self, review: Any) -> None:
        """Show a review (see the module docstring for the attributes read)."""
        self.review = review
        self.review_now.setVisible(False)
        n, m = len(review.findings), len(review.files)
        what = "no findings" if n == 0 else f"{n} finding{'s' if n != 1 else ''}"
        self.summary.setText(f"{risk_badge_html(review.risk)} {what} in {m} file{'s' if m != 1 else ''}")
        _fill_findings(self.findings, review.findings)
        self.files.clear()
        for f in review.files:
            item = QTreeWidgetItem([_shown(f.path), _size(f.size), f.mode, f.kind])
            item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.files.addTopLevelItem(item)
        self.tabs.setTabText(0, f"Findings ({n})")
        self.tabs.setTabText(1, f"Files ({m})")


class HighRiskDialog(QDialog):
    """Before importing ``high``-risk skills: their findings, and an "I have read this" tick that
    enables the Import button (issue 14)."""

    def __init__(self, reviews: Sequence[tuple[str, Any]], parent: QWidget | None = None) -> None:
        """``reviews``: ``(qualified name, review)`` of each high-risk skill about to be imported."""
        super().__init__(parent)
        self.setObjectName("highRiskDialog")
        self.setWindowTitle("High-risk skill")
        names = ", ".join(name for name, _ in reviews)
        intro = QLabel(f"{risk_badge_html('high')} <b>{html.escape(names)}</b>: the security review found "
                       "things that deserve a look before an agent follows these instructions or runs these "
                       "scripts.")
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        self.findings = _findings_tree("highRiskFindings")
        rows = []
        for name, review in reviews:
            for f in review.findings:
                rows.append(_Prefixed(f, name if len(reviews) > 1 else ""))
        _fill_findings(self.findings, rows)
        self.tick = QCheckBox("I have read this and trust the skill")
        self.tick.setObjectName("highRiskTick")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = self.buttons.addButton("Import", QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setEnabled(False)
        self.tick.toggled.connect(self.import_button.setEnabled)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addWidget(self.findings, 1)
        lay.addWidget(self.tick)
        lay.addWidget(self.buttons)
        self.resize(760, 420)

    def accept(self) -> None:
        """Accepted only once the tick is set."""
        if self.tick.isChecked():
            super().accept()


class _Prefixed:
    """A finding shown with its skill's name before the path (several skills in one dialog)."""

    def __init__(self, f: Any, prefix: str) -> None:
        self.severity, self.rule, self.message, self.line = f.severity, f.rule, f.message, f.line
        self.path = f"{prefix} › {f.path}" if prefix else f.path


class _DiffHighlighter(QSyntaxHighlighter):
    """Colours a unified diff: added lines green, removed red, hunk headers blue."""

    def highlightBlock(self, text: str) -> None:  # noqa: N802 - Qt override
        fmt = QTextCharFormat()
        if text.startswith(("+++", "---")):
            fmt.setFontWeight(QFont.Weight.Bold)
        elif text.startswith("+"):
            fmt.setForeground(tone(BadgeKind.OK)[1])
            fmt.setBackground(tone(BadgeKind.OK)[0])
        elif text.startswith("-"):
            fmt.setForeground(tone(BadgeKind.ERROR)[1])
            fmt.setBackground(tone(BadgeKind.ERROR)[0])
        elif text.startswith("@@"):
            fmt.setForeground(tone(BadgeKind.INFO)[1])
        else:
            return
        self.setFormat(0, len(text), fmt)


class UpdatePreviewPanel(QWidget):
    """What an update changes and adds, before anything is written (issue 14): the commits that
    touched the skill's folder, the files added/modified/removed with the selected file's diff, and
    the findings the new version adds."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("updatePreview")
        self.summary = QLabel("")
        self.summary.setObjectName("previewSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.new_findings = _findings_tree("previewNewFindings")
        self.files = QTreeWidget()
        self.files.setObjectName("previewFiles")
        self.files.setAccessibleName("Changed files")
        self.files.setHeaderLabels(["Status", "File"])
        self.files.setRootIsDecorated(False)
        self.files.header().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.diff = QPlainTextEdit()
        self.diff.setObjectName("previewDiff")
        self.diff.setAccessibleName("Diff")
        self.diff.setReadOnly(True)
        self.diff.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.TypeWriter)
        self.diff.setFont(mono)
        self._highlighter = _DiffHighlighter(self.diff.document())
        self.commits = QTreeWidget()
        self.commits.setObjectName("previewCommits")
        self.commits.setAccessibleName("Commits")
        self.commits.setHeaderLabels(["Commit", "Date", "Message"])
        self.commits.setRootIsDecorated(False)
        self.commits.header().setStretchLastSection(True)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.files)
        split.addWidget(self.diff)
        split.setSizes([220, 520])
        self.tabs = QTabWidget()
        self.tabs.addTab(self.new_findings, "New findings")
        self.tabs.addTab(split, "Files")
        self.tabs.addTab(self.commits, "Commits")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.summary)
        lay.addWidget(self.tabs, 1)
        self.files.currentItemChanged.connect(self._show_diff)
        self.preview: Any = None
        self.show_pending()

    def show_pending(self, text: str = "Comparing the installed version with the update…") -> None:
        """Nothing known yet (the preview is computed in the background)."""
        self.preview = None
        self.summary.setText(html.escape(text))
        for w in (self.new_findings, self.files, self.commits):
            w.clear()
        self.diff.setPlainText("")

    def show_error(self, text: str) -> None:
        """The preview could not be computed; ``text`` is the error sentence."""
        self.show_pending()
        self.summary.setText(f"<b>Update preview unavailable:</b> {html.escape(text)}")

    def show_preview(self, preview: Any) -> None:
        """Show a preview (see the module docstring for the attributes read)."""
        self.preview = preview
        counts: dict[str, int] = {}
        for f in preview.files:
            counts[f.status] = counts.get(f.status, 0) + 1
        changed = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "no file changes"
        new = preview.new_findings
        worst = max((f.severity for f in new), key=("low", "medium", "high").index, default=None)
        adds = (f"the update adds {len(new)} finding{'s' if len(new) != 1 else ''} (worst: {risk_badge_html(worst)})"
                if new else "the update adds no findings")
        span = f"{(preview.from_commit or '?')[:7]} → {(preview.to_commit or '?')[:7]}"
        self.summary.setText(f"<b>{html.escape(span)}</b>: {html.escape(changed)}; {adds}; "
                             f"{len(preview.commits)} commit{'s' if len(preview.commits) != 1 else ''}")
        _fill_findings(self.new_findings, new)
        self.files.clear()
        for f in preview.files:
            item = QTreeWidgetItem([f.status, _shown(f.path)])
            item.setData(0, Qt.ItemDataRole.UserRole, f.diff)
            self.files.addTopLevelItem(item)
        self.commits.clear()
        for c in preview.commits:
            first = (c.message or "").strip().splitlines()[0] if (c.message or "").strip() else ""
            item = QTreeWidgetItem([c.sha[:7], c.date, first])
            item.setToolTip(2, c.message)
            self.commits.addTopLevelItem(item)
        self.tabs.setTabText(0, f"New findings ({len(new)})")
        self.tabs.setTabText(1, f"Files ({len(preview.files)})")
        self.tabs.setTabText(2, f"Commits ({len(preview.commits)})")
        first = self.files.topLevelItem(0)
        if first is not None:
            self.files.setCurrentItem(first)
        else:
            self.diff.setPlainText("")

    def _show_diff(self, current: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None = None) -> None:
        self.diff.setPlainText("" if current is None else str(current.data(0, Qt.ItemDataRole.UserRole) or ""))


class UpdatePreviewDialog(QDialog):
    """The update review: the preview of one skill's update, then Update or Cancel. Nothing is
    written until the caller sees ``Accepted``."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("updatePreviewDialog")
        self.setWindowTitle(title)
        self.panel = UpdatePreviewPanel()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.update_button = self.buttons.addButton("Update", QDialogButtonBox.ButtonRole.AcceptRole)
        self.update_button.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._layout = QVBoxLayout(self)
        self._layout.addWidget(self.panel, 1)
        self._layout.addWidget(self.buttons)
        self.resize(900, 560)

    def add_top(self, widget: QWidget) -> None:
        """Put ``widget`` above the preview (e.g. a picker of the skills being updated)."""
        self._layout.insertWidget(0, widget)

    def show_preview(self, preview: Any) -> None:
        """Show the preview and enable Update."""
        self.panel.show_preview(preview)
        self.update_button.setEnabled(True)

    def show_error(self, text: str) -> None:
        """Say why there is no preview; Update stays possible (the user decides)."""
        self.panel.show_error(text)
        self.update_button.setEnabled(True)
