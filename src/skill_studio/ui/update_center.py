"""The GUI side of updates (issue 4, R-UPD-1..5): the startup check, its notifications, and the
update / roll back / show-local-changes actions.

The application layer does the work (:mod:`skill_studio.app.updates`); this module only decides when to call it
(always through :class:`~skill_studio.ui.workers.BackgroundOp`) and how to tell the user:

- **Startup check** (R-UPD-1/3): :meth:`UpdateCenter.start_check` runs ``run_startup_check`` in the
  background; the main window calls it right after it is first shown (unless disabled with
  ``MainWindow(startup_check=False)`` or the ``SKILL_STUDIO_NO_STARTUP_CHECK`` environment variable).
  The result is one notification (key ``"updates"``) grouped by destination: in manual mode
  "N updates available" with one *Review in …* button per destination, which opens the browse
  dialog of that destination with the updates marked; in auto mode "Updated N skills" plus the
  customized skills left alone ("update available — customized"). The dashboards get their
  *update available* badges from the same report, and the session's listing cache is seeded with
  the listings the check fetched (opening the browse dialog then costs no request).
- **Failed check** (R-UPD-5): a persistent error notification (key ``"update-check-error"``) with
  each registry's reason and a *Retry* button. It stays until the user closes it (recorded with
  ``dismiss_check_errors``, so it does not come back on the next start) or a later check
  succeeds. An error recorded by the previous session is shown again at startup.
- **Update** (R-UPD-4): :meth:`UpdateCenter.request_update` re-evaluates the chosen skills against
  the catalog in the background; a customized skill needs confirmation in a dialog showing its
  local changes ("your edits will be kept as a backup; you can roll back"); then the update runs in
  the background and a notification offers *Roll back*.
- **Roll back** and **Show local changes**: :meth:`UpdateCenter.rollback` (after a confirmation)
  and :meth:`UpdateCenter.show_changes` (a read-only, monospace unified diff).

The dashboards (Skill Library, Settings → Skills) get an *Update…* button and a context menu with
these actions through :meth:`UpdateCenter.attach_page`.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol, cast

import shiboken6
from PySide6.QtCore import QObject, QPoint, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontDatabase, QSyntaxHighlighter, QTextCharFormat
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from skill_studio.app import SkillStudio
from skill_studio.app import updates as upd
from skill_studio.app.updates import (
    CheckOutcome,
    PreparedUpdate,
    RollbackResult,
    apply_prepared,
    prepare_updates,
    rollback_and_evaluate,
    run_check,
)
from skill_studio.core.errors import CancelledError
from skill_studio.core.models import Destination, InstalledSkill, Listing
from skill_studio.ui.browse_dialog import BrowseDialog, ListingCache
from skill_studio.ui.merge_view import MergeView
from skill_studio.ui.models import ROW_ROLE, BadgeKind, InstalledRow
from skill_studio.ui.notifications import Level, NotificationArea
from skill_studio.ui.pages import InstalledSkillsPage
from skill_studio.ui.review_jobs import preview_then
from skill_studio.ui.theme import muted_text, tone
from skill_studio.ui.widgets import button
from skill_studio.ui.workers import BackgroundOp, describe_error


class UpdateHost(Protocol):
    """What the update center needs from its window (the main window); a protocol, so that
    ``ui.update_center`` does not import ``ui.main_window`` back (no import cycle)."""

    @property
    def studio(self) -> SkillStudio: ...

    @property
    def notifications(self) -> NotificationArea: ...

    @property
    def listings(self) -> ListingCache: ...

    @property
    def browse_dialogs(self) -> Mapping[Destination, BrowseDialog]: ...

    def page_for(self, destination: Destination) -> InstalledSkillsPage: ...

    def open_browse(self, destination: Destination = ...) -> BrowseDialog: ...

    def open_editor(self, skill: InstalledSkill) -> Any: ...

UPDATES_KEY = "updates"
"""Notification key of the check's result (R-UPD-3)."""
ERROR_KEY = "update-check-error"
"""Notification key of the persistent check error (R-UPD-5)."""
NO_STARTUP_CHECK_ENV = "SKILL_STUDIO_NO_STARTUP_CHECK"
"""Set to a non-empty value other than ``0`` to skip the startup check (tests, offline demos)."""


def startup_check_enabled(flag: bool | None = None) -> bool:
    """Whether the main window runs the update check after it is shown: ``flag`` when given,
    else True unless ``SKILL_STUDIO_NO_STARTUP_CHECK`` is set (to anything but ``""``/``"0"``)."""
    if flag is not None:
        return flag
    return os.environ.get(NO_STARTUP_CHECK_ENV, "").strip() in ("", "0")


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


# -- local changes dialog -------------------------------------------------------------------------------

class DiffHighlighter(QSyntaxHighlighter):
    """Colours a unified diff: additions green, deletions red, hunk headers blue, file headers bold."""

    def __init__(self, document: Any) -> None:
        super().__init__(document)

        def fmt(color: str, bold: bool = False, background: str | None = None) -> QTextCharFormat:
            f = QTextCharFormat()
            f.setForeground(QColor(color))
            if bold:
                f.setFontWeight(700)
            if background:
                f.setBackground(QColor(background))
            return f

        ok, err, info = tone(BadgeKind.OK), tone(BadgeKind.ERROR), tone(BadgeKind.INFO)  # issue 15: both schemes
        self.added = fmt(ok[1].name(), background=ok[0].name())
        self.removed = fmt(err[1].name(), background=err[0].name())
        self.hunk = fmt(info[1].name())
        self.header = fmt(tone(BadgeKind.NEUTRAL)[1].name(), bold=True)
        self.note = fmt(muted_text().name())

    def highlightBlock(self, text: str) -> None:
        if text.startswith(("+++", "---")):
            f = self.header
        elif text.startswith("+"):
            f = self.added
        elif text.startswith("-"):
            f = self.removed
        elif text.startswith("@@"):
            f = self.hunk
        elif text.startswith(("\\", "Binary files", "Empty file")):
            f = self.note
        else:
            return
        self.setFormat(0, len(text), f)


class DiffDialog(QDialog):
    """Read-only view of a skill's local edits: the unified diff of its import snapshot against its
    folder (``app.updates.diff_skill``), in a monospace font."""

    def __init__(self, skill_name: str, destination: Destination, diff: str, changes: Sequence[upd.FileChange],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("diffDialog")
        self.setWindowTitle(f"Local changes — {skill_name} ({destination.label})")
        if changes:
            files = ", ".join(f"{c.path} ({c.status})" for c in changes[:8])
            more = f" and {len(changes) - 8} more" if len(changes) > 8 else ""
            summary = (f"{_plural(len(changes), 'file')} differ from what was imported or last updated: "
                       f"{files}{more}.")
        else:
            summary = f"{skill_name} has no local changes: it is exactly what was imported or last updated."
        self.summary = QLabel(summary)
        self.summary.setWordWrap(True)
        self.summary.setObjectName("hint")
        self.text = QPlainTextEdit()
        self.text.setObjectName("diffText")
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setStyleHint(QFont.StyleHint.Monospace)
        mono.setFixedPitch(True)
        self.text.setFont(mono)
        self.text.setPlainText(diff or "(no changes)")
        self.highlighter = DiffHighlighter(self.text.document())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.summary)
        lay.addWidget(self.text, 1)
        lay.addWidget(buttons)
        self.resize(820, 560)


# -- the controller ---------------------------------------------------------------------------------------

class UpdateCenter(QObject):
    """Runs the update check and the update actions for a main window (see the module docstring).

    Args:
        window: the main window (its studio, notification area, pages, browse dialogs and listing
            cache are used; nothing else creates core services).

    Attributes:
        report: the last check's report (updates applied since then recorded in it), or None.
        checking: a check is running.
        confirm_box: the confirmation shown for a customized update or a rollback, while open.
        merge_view: the merge view of a customized update with conflicts, while open (issue 13).

    Signals:
        check_finished(object): a check ended: its ``UpdateReport``, or None when it failed outright.
        updated(object): an update batch ended: its ``UpdateReport`` (applied, skipped, failed).
        rolled_back(object): a rollback ended: the restored ``InstalledSkill``.
    """

    check_finished = Signal(object)
    updated = Signal(object)
    rolled_back = Signal(object)

    def __init__(self, window: UpdateHost) -> None:
        super().__init__(cast(QWidget, window))
        self.window = window
        self.widget = cast(QWidget, window)
        """The window as a widget: parent of dialogs and background operations."""
        self.studio: SkillStudio = window.studio
        self.report: upd.UpdateReport | None = None
        self.checking = False
        self.confirm_box: QMessageBox | None = None
        self.merge_view: MergeView | None = None
        self.preview_dialog: QDialog | None = None  # issue 14: the update review, while open
        self.diff_dialogs: list[DiffDialog] = []
        self._dismissing = False
        self._in_flight: set[tuple[str, str]] = set()
        """(destination value, local name) of skills between *Update* and its outcome."""
        self._listings: dict[tuple[str, str], Listing] = {}
        """Listing each reported or updated skill was compared with, by item key (for rollback)."""
        window.notifications.dismissed.connect(self._note_dismissed)

    # -- check --------------------------------------------------------------------------------------

    def show_last_errors(self) -> None:
        """Show the error of the previous session's check again, unless it was dismissed (R-UPD-5)."""
        last = upd.last_check(self.studio)
        if last is not None and last.active_errors:
            self._post_errors(last.active_errors, f"The last update check ({last.checked_at[:16].replace('T', ' ')} UTC) "
                                                  "could not reach every registry.")

    def start_check(self, mode: upd.UpdateMode | str | None = None) -> bool:
        """Check for updates in the background (auto mode also applies them); False when a check
        is already running. The result arrives as notifications and dashboard badges."""
        if self.checking:
            return False
        self.checking = True
        studio = self.studio
        BackgroundOp(self.widget, lambda progress: run_check(studio, mode, progress), self._checked) \
            .failure(self._check_failed) \
            .finally_(self._check_done) \
            .run_in_background()
        return True

    def _check_done(self) -> None:
        self.checking = False

    def _check_failed(self, err: BaseException) -> None:
        if isinstance(err, CancelledError):  # the window closed, or a Cancel abandoned the requests
            self.check_finished.emit(None)
            return
        self._post_errors([], f"The update check failed: {describe_error(err)}")
        self.check_finished.emit(None)

    def _checked(self, outcome: CheckOutcome) -> None:
        report = outcome.report
        self.report = report
        for reg, listing in outcome.listings:
            if self.window.listings.get(reg) is None:
                self.window.listings.put(reg, listing)
        for item in report.items:
            if item.listing is not None:
                self._listings[item.key] = item.listing
        if report.errors:
            self._post_errors(report.errors, "")
        else:
            self._dismiss(ERROR_KEY)
        self._feed_badges(report)
        self.post_summary(at_check=True)
        if report.applied:
            self._refresh_views({i.destination for i in report.applied})
        self.check_finished.emit(report)

    def _post_errors(self, errors: Iterable[upd.RegistryCheckError], intro: str) -> None:
        errs = list(errors)
        lines = [intro] if intro else []
        lines += [f"{e.registry}: {e.message}" for e in errs]
        title = ("Update check failed" if not errs else
                 f"Could not check {errs[0].registry} for updates" if len(errs) == 1 else
                 f"Could not check {len(errs)} registries for updates")
        self.window.notifications.post(Level.ERROR, title, "\n".join(lines), actions=[("Retry", self.start_check)],
                                       persistent=True, key=ERROR_KEY)

    def _dismiss(self, key: str) -> None:
        self._dismissing = True
        try:
            self.window.notifications.dismiss(key)
        finally:
            self._dismissing = False

    def _note_dismissed(self, key: str) -> None:
        if key == ERROR_KEY and not self._dismissing:  # the user closed it: remember (R-UPD-5)
            try:
                upd.dismiss_check_errors(self.studio)
            except Exception as err:  # noqa: BLE001 - shown to the user
                self.window.notifications.post(Level.ERROR, "Could not save the dismissal", describe_error(err))

    def pending(self, destination: Destination | None = None) -> list[upd.UpdateItem]:
        """Updates of the last check not applied yet (optionally of one destination)."""
        if self.report is None:
            return []
        return [i for i in self.report.pending if destination is None or i.destination is destination]

    def _feed_badges(self, report: upd.UpdateReport) -> None:
        """The dashboards' *update available* badges follow the check (R-UPD-1)."""
        for dest in Destination:
            page = self.window.page_for(dest)
            page.updates.clear()
            page.updates.update(i.local_name for i in report.pending if i.destination is dest)
            page.model.set_updates(page.updates)

    def summary(self) -> tuple[Level, str, str, bool] | None:
        """(level, title, text, persistent) of the ``"updates"`` notification for the current
        report, or None when there is nothing to say (R-UPD-3, grouped by destination)."""
        report = self.report
        if report is None:
            return None
        lines = report.summary_lines()[: len(report.summary_lines()) - len(report.errors)]
        if not lines:
            return None
        pending, applied = report.pending, report.applied
        failed = [f for f in report.failed if f.item.key not in {a.key for a in applied}]
        parts = []
        if applied:
            parts.append(f"Updated {_plural(len(applied), 'skill')}")
        if pending:
            n_custom = sum(1 for i in pending if i.customized)
            if applied and n_custom == len(pending):
                parts.append(f"{n_custom} customized {'skill has' if n_custom == 1 else 'skills have'} an update")
            else:
                parts.append(f"{_plural(len(pending), 'update')} available")
        if not parts:
            removed = [i for i in report.items if not i.is_update]
            parts.append(f"{_plural(len(removed), 'skill')} removed upstream")
        level = Level.WARNING if failed else Level.INFO if pending else Level.SUCCESS if applied else Level.INFO
        text = "\n".join(lines)
        if any(i.customized for i in pending):
            text += "\nCustomized skills are never updated automatically; updating one keeps your version as a backup."
        return level, "; ".join(parts), text, bool(pending) or bool(failed)

    def post_summary(self, at_check: bool = False) -> None:
        """Post (or replace) the ``"updates"`` notification for the current report; after the
        check (``at_check``) it says what was found, later it is dismissed once nothing is pending."""
        summary = self.summary()
        if summary is None or (not at_check and not self.pending()):
            self._dismiss(UPDATES_KEY)
            return
        level, title, text, persistent = summary
        actions = [(f"Review in {dest.label}", lambda d=dest: self.review(d))
                   for dest in Destination if self.pending(dest)]
        self.window.notifications.post(level, title, text, actions=actions, persistent=persistent, key=UPDATES_KEY)

    def review(self, destination: Destination) -> Any:
        """Open the browse dialog of ``destination`` with the pending updates marked (R-UPD-3)."""
        dialog = self.window.open_browse(destination)
        marks: dict[str, set[str]] = {}
        for item in self.pending(destination):
            marks.setdefault(item.registry_source, set()).add(item.local_name)
        dialog.mark_updates(marks)
        return dialog

    # -- update -------------------------------------------------------------------------------------

    def request_update(self, destination: Destination, names: Sequence[str], listing: Listing | None = None,
                       parent: QWidget | None = None) -> None:
        """Update installed skills (local names in ``destination``): re-evaluate them in the
        background, ask for confirmation when one is customized (R-UPD-4), then apply."""
        names = [n for n in dict.fromkeys(names) if (destination.value, n) not in self._in_flight]
        if not names:  # empty, or already being updated (a second click)
            return
        self._in_flight.update((destination.value, n) for n in names)
        known = {i.key: i for i in self.report.items} if self.report is not None else {}
        studio = self.studio
        what = names[0] if len(names) == 1 else _plural(len(names), "skill")
        self.window.notifications.post(Level.INFO, f"Checking {what} for updates…", "", key=f"update-{destination.value}")

        def failed(err: BaseException) -> None:
            self._release(destination, names)
            self._action_failed(destination, "Could not check for updates", err)

        BackgroundOp(self.widget, lambda progress: prepare_updates(studio, destination, names, listing, known),
                     lambda prep: self._prepared(prep, parent)) \
            .failure(failed) \
            .run_in_background()

    def busy(self, destination: Destination, name: str) -> bool:
        """True while a skill is being checked, confirmed or updated."""
        return (destination.value, name) in self._in_flight

    def _release(self, destination: Destination, names: Iterable[str]) -> None:
        self._in_flight.difference_update((destination.value, n) for n in names)

    def _prepared(self, prep: PreparedUpdate, parent: QWidget | None) -> None:
        dest = prep.destination
        if not prep.items:
            self._release(dest, prep.requested)
            self.window.notifications.dismiss(f"update-{dest.value}")
            if prep.problems:
                self.window.notifications.post(Level.WARNING, "Nothing to update", "\n".join(prep.problems),
                                               persistent=True, key=f"update-{dest.value}")
            else:
                self.window.notifications.post(Level.INFO, "Already up to date",
                                               f"{', '.join(prep.up_to_date)}: the catalog has nothing newer.",
                                               key=f"update-{dest.value}")
            for name in prep.up_to_date:
                self._forget_update(dest, name)
            return
        # Issue 14: the update review (files, diff, commits, new findings) before any write.
        host = parent if parent is not None and shiboken6.isValid(parent) else self.widget
        self.preview_dialog = preview_then(host, self.studio, dest, prep.items,
                                           lambda: self._previewed(prep, parent, True),
                                           lambda: self._previewed(prep, parent, False))

    def _previewed(self, prep: PreparedUpdate, parent: QWidget | None, accepted: bool) -> None:
        self.preview_dialog = None
        if not accepted:
            self._release(prep.destination, prep.requested)
            names = ", ".join(i.local_name for i in prep.items)
            self.window.notifications.post(Level.INFO, "Update cancelled", f"{names}: nothing was changed.",
                                           key=f"update-{prep.destination.value}")
        elif prep.customized:
            self._confirm_customized(prep, parent)
        else:
            self._apply(prep, force=False)

    def _confirm_customized(self, prep: PreparedUpdate, parent: QWidget | None) -> None:
        custom = prep.customized
        names = ", ".join(i.local_name for i in custom)
        versions = "; ".join(f"{i.local_name} {i.version_change}" for i in custom)
        box = QMessageBox(parent if parent is not None and shiboken6.isValid(parent) else self.widget)
        box.setObjectName("confirmCustomizedUpdate")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Update a customized skill")
        box.setText(f"<b>{names}</b> {'has' if len(custom) == 1 else 'have'} local edits.")
        box.setInformativeText(
            f"Updating replaces {'it' if len(custom) == 1 else 'them'} with the catalog's version ({versions}). "
            "Your edits will be kept as a backup; you can roll back to them at any time.")
        box.setDetailedText("\n".join(prep.diffs.get(i.local_name, "") for i in custom))
        merge_button = None
        if prep.can_merge:  # issue 13: merge upstream's changes into the edits instead of replacing them
            conflicts = sum(len(prep.merges[i.local_name].conflicts) for i in custom)
            merge_button = box.addButton("Merge (keeps your edits)" if prep.merge_clean
                                         else f"Merge… ({_plural(conflicts, 'conflict')} to resolve)",
                                         QMessageBox.ButtonRole.AcceptRole)
            box.setInformativeText(
                ("Merging takes upstream's changes and keeps your edits" + (
                    "; they do not overlap." if prep.merge_clean else
                    f"; {_plural(conflicts, 'place')} changed on both sides need{'s' if conflicts == 1 else ''} "
                    "your choice first.")) + " " + box.informativeText())
        update_button = box.addButton("Update and keep a backup", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        if merge_button is not None and prep.merge_clean:
            box.setDefaultButton(merge_button)
        else:
            box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.confirm_box = box

        def finished(_result: int) -> None:
            self.confirm_box = None
            if merge_button is not None and box.clickedButton() is merge_button:
                if prep.merge_clean:
                    self._apply(prep, force=False, merge=True)
                else:
                    self._resolve_conflicts(prep, parent)
            elif box.clickedButton() is update_button:
                self._apply(prep, force=True)
            else:
                self._release(prep.destination, prep.requested)
                self.window.notifications.post(Level.INFO, "Update cancelled", f"{names} kept as {'it is' if len(custom) == 1 else 'they are'}.",
                                               key=f"update-{prep.destination.value}")

        box.finished.connect(finished)
        box.open()

    def _resolve_conflicts(self, prep: PreparedUpdate, parent: QWidget | None,
                           resolutions: dict[str, dict[str, bytes | None]] | None = None) -> None:
        """Open a merge view for each customized skill whose merge has conflicts, one after the
        other; nothing is written until the last one is confirmed (issue 13)."""
        resolutions = dict(resolutions or {})
        todo = [i for i in prep.customized
                if not prep.merges[i.local_name].clean and i.local_name not in resolutions]
        if not todo:
            self._apply(prep, force=False, merge=True, resolutions=resolutions)
            return
        item = todo[0]
        files = [f for f in prep.merges[item.local_name].merged if f.conflicts]
        host = parent if parent is not None and shiboken6.isValid(parent) else self.widget
        view = MergeView(f"{item.local_name} ({item.installed_version} → {item.available_version})", files, host)
        view.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.merge_view = view

        def finished(result: int) -> None:
            self.merge_view = None
            if result == QDialog.DialogCode.Accepted:
                resolutions[item.local_name] = view.resolutions()
                self._resolve_conflicts(prep, parent, resolutions)
            else:
                self._release(prep.destination, prep.requested)
                self.window.notifications.post(Level.INFO, "Merge cancelled",
                                               f"{item.local_name} kept as it is; nothing was written.",
                                               key=f"update-{prep.destination.value}")

        view.finished.connect(finished)
        view.open()

    def _apply(self, prep: PreparedUpdate, force: bool, merge: bool = False,
               resolutions: Mapping[str, Mapping[str, bytes | None]] | None = None) -> None:
        dest, items, studio = prep.destination, list(prep.items), self.studio
        what = items[0].local_name if len(items) == 1 else _plural(len(items), "skill")
        self.window.notifications.post(Level.INFO, f"{'Merging' if merge else 'Updating'} {what} in {dest.label}…",
                                       "", key=f"update-{dest.value}")
        BackgroundOp(self.widget, lambda progress: apply_prepared(studio, items, force, progress, merge=merge,
                                                                  resolutions=resolutions),
                     lambda report: self._applied(prep, report)) \
            .failure(lambda err: self._action_failed(dest, f"Could not update {what}", err)) \
            .finally_(lambda: self._release(dest, prep.requested)) \
            .run_in_background()

    def _applied(self, prep: PreparedUpdate, report: upd.UpdateReport) -> None:
        dest = prep.destination
        for item in report.items:
            if item.listing is not None:
                self._listings[item.key] = item.listing
        if self.report is not None:  # the check's notification follows what was applied since
            done = {i.key for i in report.applied}
            self.report.items = [i for i in self.report.items if i.key not in done] + list(report.applied)
            self.report.applied = [i for i in self.report.applied if i.key not in done] + list(report.applied)
            self.report.failed = [f for f in self.report.failed if f.item.key not in done]
        for item in report.applied:
            self._forget_update(dest, item.local_name)
        lines, actions = [], []
        for item in report.applied:
            line = f"{item.local_name}: {item.version_change}"
            merged = report.merges.get(item.key)
            if merged is not None and merged.applied:
                line += " — merged with your edits (the previous version is kept as a backup)"
            elif item.customized:
                line += " — your edited version is kept as a backup"
            lines.append(line)
        if len(report.applied) == 1:
            item = report.applied[0]
            actions.append(("Roll back", lambda n=item.local_name: self.rollback(dest, n)))
        for item in report.skipped_customized:
            merged = report.merges.get(item.key)
            if merged is not None and merged.state == "conflicts":
                lines.append(f"{item.local_name} was not updated: its merge has conflicts "
                             f"({'; '.join(merged.describe())}); update it again to resolve them.")
            else:
                lines.append(f"{item.local_name} was edited meanwhile and was not updated; update it again to confirm.")
        for f in report.failed:
            lines.append(f"{f.item.local_name} was not updated: {f.message}")
        if report.applied:
            title = f"Updated {report.applied[0].local_name if len(report.applied) == 1 else _plural(len(report.applied), 'skill')} in {dest.label}"
        else:
            title = f"Nothing was updated in {dest.label}"
        level = Level.SUCCESS if report.applied and not report.failed and not report.skipped_customized else \
            Level.WARNING if report.applied else Level.ERROR
        self.window.notifications.post(level, title, "\n".join(lines), actions=actions,
                                       persistent=level is not Level.SUCCESS, key=f"update-{dest.value}")
        self._refresh_views({dest})
        self.post_summary()
        self.updated.emit(report)

    def skill_replaced(self, destination: Destination, name: str) -> None:
        """A skill was uninstalled or replaced by an import (issue 15: fresh state): it leaves the
        last check's report, its badge goes, and the update card's count follows."""
        if self.report is not None:
            key = (destination.value, name)
            self.report.items = [i for i in self.report.items if i.key != key]
            self.report.applied = [i for i in self.report.applied if i.key != key]
            self.report.failed = [f for f in self.report.failed if f.item.key != key]
        self._forget_update(destination, name)
        self.post_summary()

    def _forget_update(self, destination: Destination, name: str) -> None:
        page = self.window.page_for(destination)
        page.updates.discard(name)
        page.model.set_updates(page.updates)

    def _refresh_views(self, destinations: Iterable[Destination]) -> None:
        for dest in set(destinations):
            self.window.page_for(dest).refresh()
            dialog = self.window.browse_dialogs.get(dest)
            if dialog is not None and shiboken6.isValid(dialog):
                dialog.refresh_states()

    def _action_failed(self, destination: Destination, title: str, err: BaseException) -> None:
        self.window.notifications.post(Level.ERROR, title, describe_error(err), persistent=True,
                                       key=f"update-{destination.value}")

    # -- rollback, local changes ----------------------------------------------------------------------

    def rollback(self, destination: Destination, name: str, parent: QWidget | None = None) -> bool:
        """Ask, then restore the previous version of a skill in the background (R-UPD-4). Returns
        False (after saying why) when there is no previous version."""
        history = upd.skill_history(self.studio, destination, name)  # one small query
        if not history:
            self.window.notifications.post(Level.INFO, f"{name} has no previous version",
                                           "Nothing to roll back to: it has not been updated or replaced since it was imported.",
                                           key=f"update-{destination.value}")
            return False
        prev = history[0]
        box = QMessageBox(parent if parent is not None and shiboken6.isValid(parent) else self.widget)
        box.setObjectName("confirmRollback")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Roll back")
        box.setText(f"Roll back <b>{name}</b> to version {prev['version']}?")
        box.setInformativeText(f"It was replaced by an {prev['kind']} on {str(prev['created_at'])[:16].replace('T', ' ')} UTC. "
                               "The current version is kept too, so you can roll back again.")
        ok = box.addButton("Roll back", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.confirm_box = box

        def finished(_result: int) -> None:
            self.confirm_box = None
            if box.clickedButton() is ok:
                self._run_rollback(destination, name)

        box.finished.connect(finished)
        box.open()
        return True

    def _run_rollback(self, destination: Destination, name: str) -> None:
        studio, listing = self.studio, self._listings.get((destination.value, name))
        self.window.notifications.post(Level.INFO, f"Rolling back {name}…", "", key=f"update-{destination.value}")
        BackgroundOp(self.widget, lambda progress: rollback_and_evaluate(studio, destination, name, listing),
                     lambda result: self._rolled_back(destination, result)) \
            .failure(lambda err: self._action_failed(destination, f"Could not roll back {name}", err)) \
            .run_in_background()

    def _rolled_back(self, destination: Destination, result: RollbackResult) -> None:
        skill = result.skill
        page = self.window.page_for(destination)
        if result.item is not None and result.item.is_update:
            page.updates.add(skill.local_name)
            if self.report is not None:
                key = result.item.key
                self.report.items = [i for i in self.report.items if i.key != key] + [result.item]
                self.report.applied = [i for i in self.report.applied if i.key != key]
        else:
            page.updates.discard(skill.local_name)
        page.model.set_updates(page.updates)
        self.window.notifications.post(Level.SUCCESS, f"Rolled back {skill.local_name} to {skill.version}",
                                       "The version it replaced is kept: roll back again to return to it.",
                                       actions=[("Open", functools.partial(self.window.open_editor, skill))],
                                       key=f"update-{destination.value}")
        self._refresh_views({destination})
        self.post_summary()  # the card's count follows the rollback (issue 15)
        self.rolled_back.emit(skill)

    def show_changes(self, destination: Destination, name: str) -> None:
        """Show a skill's local edits (import snapshot → folder) in a read-only diff dialog."""
        studio = self.studio

        def op(progress: Callable[[int, int], None]) -> tuple[str, list[upd.FileChange]]:
            return upd.diff_skill(studio, destination, name), upd.local_changes(studio, destination, name)

        def shown(result: tuple[str, list[upd.FileChange]]) -> None:
            dialog = DiffDialog(name, destination, result[0], result[1], self.widget)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.diff_dialogs.append(dialog)
            dialog.destroyed.connect(lambda *_: self.diff_dialogs.remove(dialog) if dialog in self.diff_dialogs else None)
            dialog.show()

        BackgroundOp(self.widget, op, shown) \
            .failure(lambda err: self._action_failed(destination, f"Could not compare {name} with its import", err)) \
            .run_in_background()

    # -- dashboards -----------------------------------------------------------------------------------

    def attach_page(self, page: InstalledSkillsPage) -> None:
        """Give an installed-skills page an *Update…* button and a context menu with *Update*,
        *Show local changes*, *Roll back* (R-UPD-4)."""
        update_button = button("Update…", lambda: self._update_page_selection(page),
                               tip="Update the selected skill to the catalog's version (local edits are kept as a backup)")
        update_button.setObjectName("dashboardUpdate")
        update_all = button("Update all", lambda: self.update_all(page.destination, parent=page),
                            tip="Update every skill of this page that has an update (skills with local edits "
                                "ask first and keep a backup)")
        update_all.setObjectName("dashboardUpdateAll")
        toolbar = getattr(page, "toolbar", None)
        if toolbar is not None:
            before = toolbar.itemAt(2).widget() if toolbar.count() > 2 else None
            toolbar.insertWidget(3, update_button)
            toolbar.insertWidget(4, update_all)
            if before is not None:  # the focus follows the toolbar's order (issue 15)
                QWidget.setTabOrder(before, update_button)
                QWidget.setTabOrder(update_button, update_all)
        page.update_button = update_button  # type: ignore[attr-defined]
        page.update_all_button = update_all  # type: ignore[attr-defined]

        def sync(*_: object) -> None:
            row = self._page_row(page)
            update_button.setEnabled(row is not None and row.update_available)
            n = len(page.updates)
            update_all.setEnabled(n > 0)
            update_all.setVisible(n > 0)  # shown only when there is something to update (a narrow toolbar)
            update_all.setText(f"Update all ({n})" if n else "Update all")

        # A refresh started before the check ended carries the badges of its start: re-apply them.
        page.refreshed.connect(lambda: page.model.set_updates(page.updates))
        page.table.selectionModel().selectionChanged.connect(sync)
        page.model.dataChanged.connect(sync)
        page.model.modelReset.connect(sync)
        sync()
        page.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        page.table.customContextMenuRequested.connect(lambda pos: self._page_menu(page, pos))

    def update_all(self, destination: Destination, parent: QWidget | None = None) -> list[str]:
        """*Update all* of a page (issue 15): update every skill of ``destination`` that shows
        *update available*, through the same confirmation as *Update…* (customized skills ask
        first). Returns the local names asked for."""
        names = sorted(self.window.page_for(destination).updates)
        if names:
            self.request_update(destination, names, parent=parent)
        return names

    @staticmethod
    def _page_row(page: InstalledSkillsPage) -> InstalledRow | None:
        rows = page.table.selectionModel().selectedRows()
        return rows[0].data(ROW_ROLE) if rows else None

    def _update_page_selection(self, page: InstalledSkillsPage) -> None:
        row = self._page_row(page)
        if row is not None:
            self.request_update(page.destination, [row.skill.local_name], parent=page)

    def page_menu(self, page: InstalledSkillsPage) -> QMenu:
        """The context menu of the selected row of an installed-skills page."""
        row = self._page_row(page)
        menu = QMenu(page)
        menu.setObjectName("skillMenu")
        if row is None:
            return menu
        skill, dest = row.skill, page.destination
        menu.addAction("Open", lambda: page.open_requested.emit(skill))
        menu.addSeparator()
        update = menu.addAction("Update to the catalog's version…",
                                lambda: self.request_update(dest, [skill.local_name], parent=page))
        update.setEnabled(row.update_available)
        changes = menu.addAction("Show local changes…", lambda: self.show_changes(dest, skill.local_name))
        changes.setEnabled(row.customized)
        has_history = bool(self.studio.history(dest, skill.local_name))
        back = menu.addAction("Roll back to the previous version…", lambda: self.rollback(dest, skill.local_name, page))
        back.setEnabled(has_history)
        menu.addSeparator()
        menu.addAction("Reveal in file manager", page.reveal_selected)
        return menu

    def _page_menu(self, page: InstalledSkillsPage, pos: QPoint) -> None:
        index = page.table.indexAt(pos)
        if index.isValid():
            page.table.selectRow(index.row())
        menu = self.page_menu(page)
        if not menu.isEmpty():
            menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            menu.popup(page.table.viewport().mapToGlobal(pos))


__all__ = ["ERROR_KEY", "NO_STARTUP_CHECK_ENV", "UPDATES_KEY", "CheckOutcome", "DiffDialog", "PreparedUpdate",
           "UpdateCenter", "apply_prepared", "prepare_updates", "run_check", "startup_check_enabled"]
