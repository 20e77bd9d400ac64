"""Per-skill import progress in the browse dialog (issue 18 §3): a batch downloads in parallel and
each skill's line says where it is — a failing skill is named with its reason while the others
go on, and Cancel still stops what is not installed."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt
from fake_github import git_blob_sha
from keytools import *  # noqa: F403 - key_studio, kwin, browse, …
from keytools import skill_md

from skill_studio.app.studio import SkillStudio
from skill_studio.core.models import Destination
from skill_studio.ui.main_window import MainWindow

pytestmark = [pytest.mark.gui, pytest.mark.integration]


def start_batch(qtbot, kwin: MainWindow, names: list[str], faults=lambda: None):
    dialog = browse(qtbot, kwin)  # noqa: F405
    tab = dialog.current_tab()
    assert tab is not None and tab.select(names) == len(names)
    dialog.import_selected()
    for n, _ in enumerate(names):
        qtbot.waitUntil(lambda: dialog.editor is not None and dialog.editor.isVisible())
        if n == len(names) - 1:
            faults()  # listed and reviewed: only the import's downloads meet them
        dialog.editor.import_button.click()
    qtbot.waitUntil(lambda: dialog._importing)
    return dialog


def test_each_skill_shows_its_progress_and_a_failure_is_named(qtbot, github, kwin: MainWindow,
                                                              key_studio: SkillStudio) -> None:
    key_studio.recent_blobs.max_bytes = 0  # the import downloads (a review's bytes are not reused)
    csv = skill_md("csv-cleaner", "Clean CSV files.").encode()

    def faults() -> None:
        github.fail("csv-cleaner/SKILL.md", 404)  # gone from the raw host and the API: csv-cleaner fails
        github.fail(f"/git/blobs/{git_blob_sha(csv)}", 404)
        sql = git_blob_sha(skill_md("sql-review", "Review SQL for correctness.").encode())
        github.hang(re.compile(f"sql-review/SKILL.md|/git/blobs/{sql}"), 60, times=1)  # sql-review's download is held

    dialog = start_batch(qtbot, kwin, ["tools:csv-cleaner", "tools:dbt-modeling", "tools:sql-review"], faults)
    progress = dialog.import_list
    assert progress.isVisible()
    # while sql-review is held, the others have finished: the failure is named with its reason
    qtbot.waitUntil(lambda: progress.status_of("dbt-modeling") == "installed", timeout=10000)
    assert progress.status_of("csv-cleaner").startswith("failed: ")
    assert "not found" in progress.status_of("csv-cleaner").lower() or "404" in progress.status_of("csv-cleaner")
    assert progress.status_of("sql-review").startswith("downloading")
    assert dialog._importing
    dialog.cancel_import_button.click()
    qtbot.waitUntil(lambda: not dialog._importing, timeout=5000)
    assert progress.statuses() == {"csv-cleaner": progress.status_of("csv-cleaner"), "dbt-modeling": "installed",
                                   "sql-review": "cancelled"}
    assert progress.isVisible()  # a skill failed: the reasons stay readable
    assert "csv-cleaner" in dialog.status.text() and "Import cancelled." in dialog.status.text()
    assert [s.local_name for s in key_studio.installed(Destination.LIBRARY)] == ["dbt-modeling"]
    item = progress.topLevelItem(0)  # screen readers hear the name with its status
    assert item.data(0, Qt.ItemDataRole.AccessibleTextRole).startswith("csv-cleaner: failed: ")


def test_a_batch_that_succeeds_hides_the_list(qtbot, github, kwin: MainWindow, key_studio: SkillStudio) -> None:
    dialog = start_batch(qtbot, kwin, ["tools:csv-cleaner", "tools:sql-review"])
    qtbot.waitUntil(lambda: not dialog._importing, timeout=10000)
    assert dialog.import_list.statuses() == {"csv-cleaner": "installed", "sql-review": "installed"}
    assert not dialog.import_list.isVisible()
    assert sorted(s.local_name for s in key_studio.installed(Destination.LIBRARY)) == ["csv-cleaner", "sql-review"]
