"""The *Targets* page and the *Deploy to…* action (issue 17).

A target is a folder an agent reads skills from (``~/.claude/skills``, a project's
``.claude/skills``, Codex's ``.agents/skills``…). The page shows, per target, what Skill Studio
deployed there with its state (*in sync*, *edited here*, *behind*, *missing*), the skill folders it
did not deploy (*unmanaged*, with the catalog skill they match and an *Adopt* button), and the
estimated context cost with one bar per target (always-loaded tokens against the budget).

Everything that reads or writes the disk or the network runs on a background thread
(:class:`~skill_studio.ui.workers.BackgroundOp`) through ``skill_studio.app.targets``; results and
errors come back as :class:`~skill_studio.ui.settings_skills_page.Notice` values on ``notice``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from skill_studio.app import SkillStudio
from skill_studio.app import targets as app_targets
from skill_studio.app.targets import KINDS, CostReport, Deployment, DeployState, Scope, TargetView, UnmanagedSkill
from skill_studio.core.models import InstalledSkill
from skill_studio.ui.notifications import Level
from skill_studio.ui.settings_skills_page import Notice
from skill_studio.ui.widgets import button
from skill_studio.ui.workers import BackgroundOp, describe_error

STATE_LABELS = {DeployState.IN_SYNC: "in sync", DeployState.EDITED_HERE: "edited here",
                DeployState.BEHIND: "behind", DeployState.MISSING: "missing"}
"""Words shown for each deployment state."""

ITEM_ROLE = Qt.ItemDataRole.UserRole + 1
"""Tree item role holding the row's value: a TargetView, a Deployment or an UnmanagedSkill."""


class CostBar(QWidget):
    """One target's always-loaded tokens against its budget, painted with palette roles only.

    A plain painted widget rather than ``QProgressBar``: this is a static figure against a limit,
    not the progress of a task, and it marks the budget's place when the total is over it.

    Attributes:
        value: the always-loaded tokens.
        maximum: the budget (tokens); the bar fills ``value / maximum`` and marks the budget's place
            when over it.
        text: the figures written on the bar.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.value = 0
        self.maximum = 1
        self.text = ""
        self.setMinimumHeight(self.fontMetrics().height() + 8)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_figures(self, value: int, maximum: int, text: str) -> None:
        """Show ``value`` of ``maximum`` with ``text`` on the bar (also its accessible description)."""
        self.value, self.maximum, self.text = value, max(1, maximum), text
        self.setAccessibleDescription(text)
        self.setToolTip(text)
        self.update()

    def paintEvent(self, _event: Any) -> None:  # noqa: N802 - Qt override
        """Paint the bar: ``value`` (always-loaded tokens) filled against ``maximum`` (the budget), the
        budget's place marked when the value is over it."""
        p = QPainter(self)
        pal = self.palette()
        r = self.rect().adjusted(0, 0, -1, -1)
        p.setPen(pal.color(QPalette.ColorRole.Mid))
        p.setBrush(pal.color(QPalette.ColorRole.Base))
        p.drawRoundedRect(r, 3, 3)
        scale = max(self.maximum, self.value)
        filled = int(r.width() * min(self.value, scale) / scale)
        if filled > 0:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(pal.color(QPalette.ColorRole.Highlight))
            p.drawRoundedRect(r.adjusted(1, 1, filled - r.width(), -1), 2, 2)
        if self.value > self.maximum:  # the budget's place on an overfull bar
            x = r.left() + int(r.width() * self.maximum / scale)
            p.setPen(pal.color(QPalette.ColorRole.Text))
            p.drawLine(x, r.top(), x, r.bottom())
        p.setPen(pal.color(QPalette.ColorRole.Text))
        p.drawText(r.adjusted(6, 0, -6, 0), int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft), self.text)
        p.end()


class AddTargetDialog(QDialog):
    """Ask for a target's kind, folder and name.

    Attributes:
        kind, path, name: the answers (``path`` is "" for user kinds; ``name`` "" for the default).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add a target")
        self.kind_box = QComboBox()
        self.kind_box.setAccessibleName("Kind of target")
        for spec in KINDS.values():
            self.kind_box.addItem(f"{spec.agent} — {spec.describe()}", spec.kind)
        self.path_edit = QLineEdit()
        self.path_edit.setAccessibleName("Folder")
        self.browse = QPushButton("Choose…")
        self.browse.clicked.connect(self._choose)
        self.name_edit = QLineEdit()
        self.name_edit.setAccessibleName("Target name")
        self.name_edit.setPlaceholderText("default: the folder's name")
        self.doc = QLabel()
        self.doc.setOpenExternalLinks(True)
        self.doc.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.browse)
        form = QFormLayout()
        form.addRow("Kind", self.kind_box)
        form.addRow("Folder", row)
        form.addRow("Name", self.name_edit)
        form.addRow("", self.doc)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(buttons)
        self.kind_box.currentIndexChanged.connect(self._kind_changed)
        self._kind_changed()

    @property
    def kind(self) -> str:
        """The chosen kind's CLI name."""
        return str(self.kind_box.currentData())

    @property
    def path(self) -> str:
        """The folder typed or chosen ("" for user kinds)."""
        return self.path_edit.text().strip() if KINDS[self.kind].scope is not Scope.USER else ""

    @property
    def name(self) -> str:
        """The name typed ("" keeps the default)."""
        return self.name_edit.text().strip()

    def _kind_changed(self) -> None:
        spec = KINDS[self.kind]
        user = spec.scope is Scope.USER
        self.path_edit.setEnabled(not user)
        self.browse.setEnabled(not user)
        self.path_edit.setPlaceholderText("" if user else ("project folder" if spec.scope is Scope.PROJECT
                                                           else "skills folder"))
        self.doc.setText(f'Folder documented at <a href="{spec.doc_url}">{spec.doc_url}</a>' if spec.doc_url else "")

    def _choose(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a folder", self.path_edit.text() or str(Path.home()))
        if folder:
            self.path_edit.setText(folder)


class DeployDialog(QDialog):
    """Choose the targets to deploy one installed skill to, and copy or link.

    Attributes:
        chosen: names of the ticked targets.
        symlink: True when *Link instead of copying* is ticked.
    """

    def __init__(self, skill: InstalledSkill, targets: list[Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Deploy {skill.local_name}")
        self.list = QListWidget()
        self.list.setAccessibleName("Targets")
        for t in targets:
            item = QListWidgetItem(f"{t.name}  ({t.agent})  {t.path}")
            item.setData(ITEM_ROLE, t.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.list.addItem(item)
        self.link = QCheckBox("Link instead of copying (where the system allows symlinks)")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Deploy")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(f"Copy <b>{skill.local_name}</b> into the folders these agents read skills from:"))
        lay.addWidget(self.list, 1)
        lay.addWidget(self.link)
        lay.addWidget(buttons)

    @property
    def chosen(self) -> list[str]:
        """Names of the ticked targets."""
        return [self.list.item(i).data(ITEM_ROLE) for i in range(self.list.count())
                if self.list.item(i).checkState() == Qt.CheckState.Checked]

    @property
    def symlink(self) -> bool:
        """Link instead of copy."""
        return self.link.isChecked()


class TargetsPage(QWidget):
    """Targets: what is deployed where, unmanaged skills with *Adopt*, and the context cost.

    Args:
        studio: the app facade.

    Signals:
        notice(Notice): an outcome to post in the notification area.
        refreshed(): the page finished reloading.
    """

    notice = Signal(object)
    refreshed = Signal()

    def __init__(self, studio: SkillStudio) -> None:
        super().__init__()
        self.setObjectName("targetsPage")
        self.studio = studio
        self.views: list[TargetView] = []
        self.cost_report: CostReport | None = None
        self._busy = 0
        self.add_dialog: AddTargetDialog | None = None
        """The *Add target* dialog, created on first use."""
        self.notices: deque[Notice] = deque(maxlen=50)
        """The latest notices sent (for the tests and the accessibility tree of the page). The signal
        always has this receiver: emitting a Python object on a signal nobody listens to was seen
        crashing PySide 6.11 in the offscreen test platform."""
        self.notice.connect(self.notices.append)

        title = QLabel("Targets")
        title.setObjectName("pageTitle")
        subtitle = QLabel("Folders your agents read skills from. Deploy installed skills there; edits made "
                          "there are kept through updates.")
        subtitle.setObjectName("pageSubtitle")
        subtitle.setWordWrap(True)

        self.add_button = button("Add target…", self.add_target, primary=True)
        self.remove_button = button("Remove target", self.remove_target,
                                    tip="Forget the target; what Skill Studio deployed there is removed")
        self.undeploy_button = button("Undeploy", self.undeploy_selected,
                                      tip="Remove the skill from this target (edits made there go to the backups)")
        self.merge_button = button("Merge…", self.merge_selected,
                                   tip="Merge the edits made in the target with the installed skill's changes")
        self.adopt_button = button("Adopt", self.adopt_selected,
                                   tip="Install the catalog skill this folder matches and manage the folder")
        self.refresh_button = button("Refresh", self.refresh)
        for b in (self.add_button, self.remove_button, self.undeploy_button, self.merge_button, self.adopt_button,
                  self.refresh_button):
            b.setAccessibleName(b.text().rstrip("…"))
        bar = QHBoxLayout()
        for b in (self.add_button, self.remove_button, self.undeploy_button, self.merge_button, self.adopt_button):
            bar.addWidget(b)
        bar.addStretch(1)
        bar.addWidget(self.refresh_button)

        self.tree = QTreeWidget()
        self.tree.setObjectName("targetsTree")
        self.tree.setAccessibleName("Targets and deployed skills")
        self.tree.setHeaderLabels(["Target / skill", "State", "From", "Folder"])
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        header.setMinimumSectionSize(90)
        for column in range(3):  # names, states and sources whole; the folder takes the rest and elides
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.tree.itemSelectionChanged.connect(self._update_buttons)

        self.method = QLabel()
        self.method.setObjectName("costMethod")
        self.method.setWordWrap(True)
        self.budget = QSpinBox()
        self.budget.setAccessibleName("Always-loaded budget per target, tokens")
        self.budget.setRange(100, 1_000_000)
        self.budget.setSingleStep(500)
        self.budget.setSuffix(" tokens")
        self.budget.setValue(app_targets.DEFAULT_BUDGET_TOKENS)
        self.budget.setToolTip(f"Default {app_targets.DEFAULT_BUDGET_TOKENS:,} tokens: Claude Code's skill list budget "
                               f"of {app_targets.DEFAULT_LISTING_BUDGET_CHARS:,} characters for a 200k-token window.")
        self.budget.editingFinished.connect(self._budget_changed)
        self.cost_grid = QGridLayout()
        self._cost_rows: list[tuple[QLabel, CostBar, QLabel]] = []
        cost_box = QWidget()
        cost_box.setObjectName("costBox")
        cl = QVBoxLayout(cost_box)
        head = QHBoxLayout()
        head.addWidget(QLabel("<b>Context cost</b> (estimates)"))
        head.addStretch(1)
        head.addWidget(QLabel("Budget:"))
        head.addWidget(self.budget)
        cl.addLayout(head)
        cl.addLayout(self.cost_grid)
        cl.addWidget(self.method)
        cl.addStretch(1)

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.tree)
        split.addWidget(cost_box)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        cost_box.setMinimumHeight(170)
        self.cost_grid.setVerticalSpacing(8)
        self.cost_grid.setColumnStretch(1, 1)

        lay = QVBoxLayout(self)
        lay.addWidget(title)
        lay.addWidget(subtitle)
        lay.addLayout(bar)
        lay.addWidget(split, 1)
        self._update_buttons()

    # -- loading -----------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload targets, states, unmanaged matches and the cost in the background."""
        studio = self.studio

        def load(_progress: Any) -> tuple[list[TargetView], CostReport, int, list[str]]:
            warnings: list[str] = []
            views = app_targets.list_targets(studio, warn=warnings.append)
            return views, app_targets.cost(studio), app_targets.budget(studio), warnings

        self._run(load, self._loaded)

    def _loaded(self, result: tuple[list[TargetView], CostReport, int, list[str]]) -> None:
        self.views, self.cost_report, budget, warnings = result
        self.budget.blockSignals(True)
        self.budget.setValue(budget)
        self.budget.blockSignals(False)
        self._fill_tree()
        self._fill_cost()
        for w in warnings:
            self.notice.emit(Notice(Level.WARNING, "Unmanaged skills not matched against a registry", w,
                                    key="targets-match"))
        self.refreshed.emit()

    def _fill_tree(self) -> None:
        selected = self._selected_key()
        self.tree.clear()
        for v in self.views:
            t = v.target
            top = QTreeWidgetItem([t.name, f"{t.agent}" + (f" · set {t.skill_set}" if t.skill_set else ""), "", t.path])
            top.setData(0, ITEM_ROLE, v)
            self.tree.addTopLevelItem(top)
            for d in v.deployments:
                state = STATE_LABELS[d.state] + (" — merge available" if d.merge_available else "")
                item = QTreeWidgetItem([d.local_name, state, d.destination.label + (" (link)" if d.mode.value == "symlink" else ""),
                                        d.path])
                item.setData(0, ITEM_ROLE, d)
                top.addChild(item)
            for u in v.unmanaged:
                match = f"matches {u.match.registry} · {u.match.qualified_name}" if u.match else "no catalog match"
                item = QTreeWidgetItem([u.name, "unmanaged", match, u.path])
                item.setData(0, ITEM_ROLE, u)
                top.addChild(item)
            top.setExpanded(True)
        for i in range(4):
            self.tree.resizeColumnToContents(i)
        if selected is not None:
            self._select_key(selected)
        self._update_buttons()

    def _cost_row(self, row: int) -> tuple[QLabel, CostBar, QLabel]:
        """The widgets of cost row ``row``, created on first use and reused by later refreshes (rows
        beyond the number of targets are hidden)."""
        while len(self._cost_rows) <= row:
            name, bar, detail = QLabel(), CostBar(), QLabel()
            bar.setObjectName("costBar")
            n = len(self._cost_rows)
            self.cost_grid.addWidget(name, n, 0)
            self.cost_grid.addWidget(bar, n, 1)
            self.cost_grid.addWidget(detail, n, 2)
            self._cost_rows.append((name, bar, detail))
        return self._cost_rows[row]

    def _fill_cost(self) -> None:
        report = self.cost_report
        targets = report.targets if report is not None else ()
        if report is not None:
            self.method.setText(f"How: {report.method}.")
        for row, t in enumerate(targets):
            name, bar, detail = self._cost_row(row)
            name.setText(t.name)
            bar.setAccessibleName(f"Always-loaded tokens of {t.name}")
            bar.set_figures(t.always_loaded_tokens, t.budget_tokens,
                            f"~{t.always_loaded_tokens:,} of {t.budget_tokens:,} tokens always loaded")
            bar.setProperty("overBudget", t.over_budget)
            detail.setText(f"~{t.on_use_tokens:,} tokens on use · {len(t.skills)} skill(s)"
                           + (" · over budget" if t.over_budget else ""))
            detail.setToolTip("\n".join(f"{s.local_name}: ~{s.always_loaded_tokens:,} always, ~{s.on_use_tokens:,} "
                                        f"on use, {s.other_bytes:,} bytes of other files" for s in t.skills))
            warning = t.warning()
            if warning:
                self.notice.emit(Notice(Level.WARNING, f"{t.name} is over its context budget", warning,
                                        key=f"budget-{t.name}"))
        for row, widgets in enumerate(self._cost_rows):
            for w in widgets:
                w.setVisible(row < len(targets))

    def cost_bars(self) -> list[CostBar]:
        """The visible cost bars, one per target in name order."""
        return [bar for _, bar, _ in self._cost_rows if not bar.isHidden()]

    # -- selection ---------------------------------------------------------------------------------

    def selected_value(self) -> Any:
        """The selected row's value (TargetView, Deployment or UnmanagedSkill), or None."""
        items = self.tree.selectedItems()
        return items[0].data(0, ITEM_ROLE) if items else None

    def _target_of(self, value: Any) -> str | None:
        if isinstance(value, TargetView):
            return value.target.name
        if isinstance(value, (Deployment, UnmanagedSkill)):
            return value.target
        return None

    def _selected_key(self) -> tuple[str, str] | None:
        v = self.selected_value()
        t = self._target_of(v)
        if t is None:
            return None
        return t, getattr(v, "local_name", getattr(v, "name", "")) if not isinstance(v, TargetView) else ""

    def _select_key(self, key: tuple[str, str]) -> None:
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            if top is None or top.text(0) != key[0]:
                continue
            if not key[1]:
                top.setSelected(True)
                return
            for j in range(top.childCount()):
                child = top.child(j)
                if child is not None and child.text(0) == key[1]:
                    child.setSelected(True)
                    return

    def _update_buttons(self) -> None:
        v = self.selected_value()
        self.remove_button.setEnabled(self._target_of(v) is not None)
        self.undeploy_button.setEnabled(isinstance(v, Deployment))
        self.merge_button.setEnabled(isinstance(v, Deployment) and v.merge_available)
        self.adopt_button.setEnabled(isinstance(v, UnmanagedSkill) and v.match is not None)

    # -- actions -----------------------------------------------------------------------------------

    def _run(self, op: Callable[[Any], Any], done: Callable[[Any], None], title: str = "Targets") -> None:
        self._busy += 1
        self.refresh_button.setEnabled(False)

        def failed(err: BaseException) -> None:
            self.notice.emit(Notice(Level.ERROR, f"{title}: failed", describe_error(err)))

        def finished() -> None:
            self._busy -= 1
            self.refresh_button.setEnabled(self._busy == 0)

        BackgroundOp(self, op, done).failure(failed).finally_(finished).run_in_background()

    def _announce(self, say: Callable[[Any], tuple[str, str]]) -> Callable[[Any], None]:
        """A success callback posting ``say(result)`` = ``(title, text)`` and reloading the page."""
        def done(result: Any) -> None:
            title, text = say(result)
            self.notice.emit(Notice(Level.SUCCESS, title, text))
            self.refresh()
        return done

    def _after(self, title: str) -> Callable[[Any], None]:
        def done(result: Any) -> None:
            messages = list(getattr(result, "messages", ()) or ())
            self.notice.emit(Notice(Level.SUCCESS if not messages else Level.WARNING, title, "\n".join(messages)))
            self.refresh()
        return done

    def add_target(self) -> None:
        """Ask for a target and add it."""
        if self.add_dialog is None:  # one dialog, kept (and reused) for the page's lifetime
            self.add_dialog = AddTargetDialog(self)
        dlg = self.add_dialog
        dlg.name_edit.clear()
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        kind, path, name = dlg.kind, dlg.path or None, dlg.name or None
        self._run(lambda _p: app_targets.add_target(self.studio, kind, path, name),
                  self._announce(lambda t: (f"Added target {t.name}", t.path)), "Add target")

    def remove_target(self) -> None:
        """Remove the selected target after confirmation."""
        name = self._target_of(self.selected_value())
        if name is None:
            return
        answer = QMessageBox.question(self, "Remove target", f"Forget the target {name}? The skills Skill Studio "
                                      "deployed there are removed (copies edited there are kept in the backups).")
        if answer != QMessageBox.StandardButton.Yes:
            return
        self._run(lambda _p: app_targets.remove_target(self.studio, name), self._after(f"Removed target {name}"),
                  "Remove target")

    def undeploy_selected(self) -> None:
        """Undeploy the selected deployment."""
        v = self.selected_value()
        if isinstance(v, Deployment):
            self._run(lambda _p: app_targets.undeploy(self.studio, v.local_name, v.target),
                      self._after(f"Removed {v.local_name} from {v.target}"), "Undeploy")

    def merge_selected(self) -> None:
        """Merge the selected deployment; on conflicts, offer to keep the target's side or take the installed one."""
        v = self.selected_value()
        if not isinstance(v, Deployment):
            return
        studio = self.studio

        def done(res: Any) -> None:
            if res.merged:
                self.notice.emit(Notice(Level.SUCCESS, f"Merged {v.local_name} in {v.target}", res.deployment.path))
                self.refresh()
                return
            box = QMessageBox(self)
            box.setWindowTitle("Merge conflicts")
            box.setText(f"{v.local_name} in {v.target}: both sides changed the same lines.\n\n"
                        + "\n".join(res.conflicts[:10]))
            ours = box.addButton("Keep the target's lines", QMessageBox.ButtonRole.AcceptRole)
            theirs = box.addButton("Take the installed skill's lines", QMessageBox.ButtonRole.AcceptRole)
            box.addButton(QMessageBox.StandardButton.Cancel)
            box.exec()
            prefer = "ours" if box.clickedButton() is ours else "theirs" if box.clickedButton() is theirs else None
            box.deleteLater()
            if prefer:
                self._run(lambda _p: app_targets.merge_deployment(studio, v.target, v.local_name, prefer=prefer),
                          self._announce(lambda _r: (f"Merged {v.local_name} in {v.target}", "")), "Merge")

        self._run(lambda _p: app_targets.merge_deployment(studio, v.target, v.local_name), done, "Merge")

    def adopt_selected(self) -> None:
        """Adopt the selected unmanaged skill (install its catalog match into the Skill Library)."""
        v = self.selected_value()
        if not isinstance(v, UnmanagedSkill) or v.match is None:
            return
        self._run(lambda _p: app_targets.adopt(self.studio, v.target, v.name),
                  self._announce(lambda r: (f"Adopted {v.name}", _adopted_text(r[0]))), "Adopt")

    def _budget_changed(self) -> None:
        value = self.budget.value()
        self._run(lambda _p: app_targets.set_budget(self.studio, value), lambda _v: self.refresh(), "Budget")

    def deploy_skill(self, skill: InstalledSkill, parent: QWidget | None = None) -> None:
        """Ask where to deploy ``skill`` (the *Deploy to…* action) and deploy it in the background."""
        targets = app_targets.targets(self.studio)
        if not targets:
            QMessageBox.information(parent or self, "Deploy", "Add a target first (Targets page → Add target…).")
            return
        dlg = DeployDialog(skill, targets, parent or self)
        accepted = dlg.exec() == QDialog.DialogCode.Accepted
        chosen, mode, dest = dlg.chosen, "symlink" if dlg.symlink else "copy", skill.destination
        dlg.deleteLater()
        if not accepted or not chosen:
            return

        def op(_p: Any) -> list[Deployment]:
            return [app_targets.deploy(self.studio, skill.local_name, name, destination=dest, mode=mode)
                    for name in chosen]

        self._run(op, self._announce(lambda deps: (f"Deployed {skill.local_name}", "\n".join(d.path for d in deps))),
                  "Deploy")


def _adopted_text(skill: InstalledSkill) -> str:
    return f"Installed from {skill.registry} ({skill.qualified_name}); it gets updates from now on."


def attach_deploy_action(page: Any, targets_page: TargetsPage) -> QPushButton:
    """Give an installed-skills page a *Deploy to…* button (after its first buttons) that opens the
    deploy dialog for the selected skill.

    Args:
        page: an ``InstalledSkillsPage`` (``toolbar``, ``table``, ``selected_skill()``).
        targets_page: the Targets page that runs the deployment and reports it.
    """
    b = button("Deploy to…", lambda: _deploy_selected(page, targets_page),
               tip="Copy the selected skill into the folders your agents read skills from")
    b.setObjectName("deployButton")
    b.setAccessibleName("Deploy to")
    toolbar = getattr(page, "toolbar", None)
    if toolbar is not None:
        toolbar.insertWidget(3, b)

    def sync(*_: object) -> None:
        b.setEnabled(page.selected_skill() is not None)

    page.table.selectionModel().selectionChanged.connect(sync)
    page.model.modelReset.connect(sync)
    sync()
    return b


def _deploy_selected(page: Any, targets_page: TargetsPage) -> None:
    skill = page.selected_skill()
    if skill is not None:
        targets_page.deploy_skill(skill, page)


__all__ = ["AddTargetDialog", "DeployDialog", "TargetsPage", "attach_deploy_action"]
