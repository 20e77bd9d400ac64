#!/usr/bin/env python3
"""Regenerate docs/screenshots/*.png from the fake GitHub server (what a user sees).

Usage::

    .venv/bin/python scripts/screenshots.py [--shared ../shared] [--out docs/screenshots]

Starts ``tests/fake_github.py`` with the shared marketplace fixtures (``../shared`` beside the
repository, ``$SKILL_STUDIO_SHARED``, or ``--shared``) plus a small "acme/data-skills" marketplace
built here (so one installed skill can show *update available*), points a temporary
``SKILL_STUDIO_HOME`` at it, drives the real windows offscreen at 1280×800 and saves:

- ``update-notification.png``  the startup update check's notification (manual mode) over the
  dashboard: one update available, a *Review* button, the *update available* badge
- ``update-review.png``    *Review in Skill Library*: the browse dialog showing only the updates, selected
- ``main-window.png``      Skill Library dashboard with badges and notifications
- ``marketplace.png``      Settings → Marketplace after adding a registry
- ``browse-dialog.png``    browse dialog loaded with a real fixture, a skill selected
- ``browse-facets.png``    the facet panel on jeremylongshore (category "devops" and a search), sorted by plugin,
  the details pane with the plugin's metadata and the spec badge
- ``browse-grouped.png``   the same catalog grouped by plugin: plugin rows with description, category, author
- ``browse-facets-dark.png``, ``browse-grouped-dark.png``  the same two in the dark scheme
- ``targets.png``, ``targets-dark.png``  the Targets page (issue 17): deployments with their states, an
  unmanaged folder, the context cost per target against the budget
- ``metadata-editor.png``  the metadata editor showing a local-name collision
- ``error-state.png``      a registry tab that failed (not found or private) with Retry
- ``offline-tab.png``      a registry tab showing its cached catalog while GitHub is rate limited:
  the offline banner with the cache's age, the reason and Retry
- ``skill-editor.png``     the SKILL.md editor with its rendered preview
- ``upload-dialog.png``    uploading a zip into an occupied slot (Settings → Skills)
- ``settings-skills.png``  Settings → Skills: bundled, imported and uploaded skills, the Active switch
- ``settings-general.png`` Settings → General: update mode, a GitHub token saved in the keyring and
  tested, and the agent workspace after a sync
- ``{light,dark}-{1024x640,1600x1000}-library.png``  the Skill Library in each colour scheme at the
  minimum and a large size, the keyboard focus on *Import from marketplace…*
- ``{light,dark}-{1024x640,1600x1000}-browse.png``  the *All registries* tab searching "sql" with the
  hits per registry in the tab titles, the keyboard focus in the table
- ``dark-1024x640-no-match.png``  a registry tab without hits saying where they are
- ``dark-1024x640-general.png``  Settings → General with the Appearance choice focused

The keyring is an in-memory one (the user's real keyring is never touched).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SIZE = (1280, 800)

ACME = {
    ".claude-plugin/marketplace.json": """{
  "name": "acme-data-skills",
  "owner": {"name": "Acme Data Platform"},
  "plugins": [{"name": "warehouse", "source": "./plugins/warehouse", "description": "Warehouse modelling"}]
}
""",
    "plugins/warehouse/skills/dbt-modeling/SKILL.md": """---
name: dbt-modeling
description: Model warehouse tables with dbt - staging, intermediate and mart layers, tests and docs.
metadata:
  version: {version}
---
# dbt modeling

Use this skill when the user builds or reviews dbt models.

## Layers
1. **staging**: one model per source table, renamed and typed.
2. **intermediate**: joins and business logic.
3. **marts**: wide tables for analysts.

## Checks
- every model has a `unique` and `not_null` test on its key
- sources declare freshness
""",
    "plugins/warehouse/skills/sql-style/SKILL.md": """---
name: sql-style
description: House SQL style - lower-case keywords, trailing commas, CTEs over sub-queries.
metadata:
  version: 2.0.1
---
# SQL style

Write SQL the way the team reads it.
""",
}


DEEP_RESEARCH = """---
name: deep-research
description: Research for regulated domains - primary sources first, every claim cited, open questions listed for the expert.
slot: research
metadata:
  version: 2.1.0
---
# Deep research

Start from primary sources; cite every claim.
"""


def acme_files(version: str) -> dict[str, str]:
    return {k: v.replace("{version}", version) for k, v in ACME.items()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path,
                    default=Path(os.environ.get("SKILL_STUDIO_SHARED") or ROOT.parent / "shared"))
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = ap.parse_args()
    fixtures = args.shared / "fixtures"
    if not (fixtures / "marketplaces").is_dir():
        sys.exit(f"shared fixtures not found at {fixtures} (use --shared)")
    args.out.mkdir(parents=True, exist_ok=True)
    home = tempfile.mkdtemp(prefix="skill-studio-shots-")
    os.environ["SKILL_STUDIO_HOME"] = home
    os.environ.pop("GITHUB_TOKEN", None)

    import keyring
    from fake_github import FakeGitHub
    from memory_keyring import MemoryKeyring

    keyring.set_keyring(MemoryKeyring())
    from PySide6.QtCore import QCoreApplication, QEvent, QSettings, Qt
    from PySide6.QtWidgets import QApplication, QWidget

    from skill_studio.core.models import Destination, ImportOptions
    from skill_studio.app.studio import SkillStudio
    from skill_studio.ui.app import prepare_application
    from skill_studio.ui.browse_dialog import BrowseDialog
    from skill_studio.ui.main_window import MainWindow
    from skill_studio.ui.notifications import Level

    app = QApplication([sys.argv[0]])
    prepare_application(app)

    def wait_until(cond: Callable[[], bool], timeout: float = 30.0, what: str = "") -> None:
        end = time.monotonic() + timeout
        while not cond():
            if time.monotonic() > end:
                raise SystemExit(f"timed out waiting for {what}")
            QCoreApplication.processEvents()
            time.sleep(0.01)

    def settle(seconds: float = 0.3) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            QCoreApplication.processEvents()
            time.sleep(0.01)

    def save(widget: QWidget, name: str) -> None:
        settle()
        # the column fitter measures a big table over several turns (issue 18): shoot it sized
        from PySide6.QtWidgets import QTableView

        fitters = [f for t in widget.findChildren(QTableView) if t.isVisible()
                   and (f := getattr(t, "column_fitter", None)) is not None]
        end = time.monotonic() + 5
        while time.monotonic() < end and not all(f.is_settled() for f in fitters):
            settle(0.05)
        path = args.out / name
        widget.grab().save(str(path))
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")

    with FakeGitHub() as gh:
        gh.add_fixtures(fixtures)
        gh.add_repo_from_dir("acme", "data-skills", acme_files("1.0.0"))
        os.environ["SKILL_STUDIO_GITHUB_API"] = gh.base_url
        studio = SkillStudio()
        try:
            # A populated library: real fixture skills, one customized, one with an update upstream.
            acme = studio.add_registry("acme/data-skills")
            listing = studio.list_registry(acme)
            dbt = next(s for s in listing.skills if s.name == "dbt-modeling")
            studio.import_skill(listing, dbt, Destination.LIBRARY, ImportOptions(purpose="data-engineering"))
            default = studio.registries()[0]
            listing = studio.list_registry(default)
            for name in ("pdf", "xlsx", "doc-coauthoring"):
                skill = next(s for s in listing.skills if s.name == name)
                studio.import_skill(listing, skill, Destination.LIBRARY)
            pdf = studio.store.skill(Destination.LIBRARY, "pdf")
            assert pdf is not None
            md = Path(pdf.path) / "SKILL.md"
            md.write_text(md.read_text(encoding="utf-8") + "\n## Team notes\n\nPrefer pdfplumber for tables.\n",
                          encoding="utf-8")
            gh.push("acme", "data-skills", acme_files("1.1.0"), message="dbt-modeling 1.1.0")

            settings = QSettings(str(Path(home) / "shots.ini"), QSettings.Format.IniFormat)
            window = MainWindow(studio, settings, startup_check=True)
            window.resize(*SIZE)
            window.show()

            # The startup check runs once the window is shown: dbt-modeling has an update upstream.
            wait_until(lambda: window.update_center.report is not None and not window.update_center.checking,
                       what="the startup update check")
            wait_until(lambda: window.library.model.rowCount() == 4 and not window.library._loading,
                       what="library rows")
            wait_until(lambda: window.library.model.row_at(window.library.model.find("pdf")).customized,
                       what="customized state")
            window.library.select("dbt-modeling")
            save(window, "update-notification.png")

            # Review: the browse dialog opens with the update marked (the check's listing is reused).
            card = window.notifications.card("updates")
            assert card is not None
            card.action_buttons[0].click()
            review: BrowseDialog = window.browse_dialogs[Destination.LIBRARY]
            review.resize(*SIZE)
            wait_until(lambda: all((t.is_loaded() and not t.is_resolving()) or t.error for t in review.tabs_list()),
                       what="review tabs")
            wait_until(lambda: bool(review.current_tab() and review.current_tab().selected_rows()), what="marked rows")
            save(review, "update-review.png")
            review.close()
            settle()
            window.notifications.clear()

            # Settings → Marketplace: add a registry through the UI.
            window.show_page("settings/marketplace")
            page = window.marketplace
            page.url_edit.setText("https://github.com/anthropics/knowledge-work-plugins")
            page.add_registry()
            wait_until(lambda: not page._adding, what="registry add")
            save(window, "marketplace.png")

            # Browse: learn states (acme shows an update), then screenshot the default registry tab.
            window.show_page("library")
            dialog: BrowseDialog = window.open_browse(Destination.LIBRARY)
            dialog.resize(*SIZE)
            wait_until(lambda: all((t.is_loaded() and not t.is_resolving()) or t.error for t in dialog.tabs_list()),
                       what="browse tabs")
            wait_until(lambda: "dbt-modeling" in window.library.updates, what="update state")
            tab = dialog.tab_for("knowledge-work-plugins")
            assert tab is not None
            dialog.tabs.setCurrentWidget(tab)
            dialog.search.setText("data")
            names = [r.skill.qualified_name for r in tab.model.rows()]
            target = next(n for n in names if n.endswith(":sql-queries")) if any(
                n.endswith(":sql-queries") for n in names) else tab.proxy.index(0, 0).data()
            tab.select([target])
            save(dialog, "browse-dialog.png")

            # Metadata editor with a collision: pdf is installed (and customized).
            dialog.search.setText("")
            main_tab = dialog.tab_for("anthropic-agent-skills")
            assert main_tab is not None
            dialog.tabs.setCurrentWidget(main_tab)
            main_tab.select(["document-skills:pdf"])
            dialog.import_selected()
            wait_until(lambda: dialog.editor is not None and dialog.editor.isVisible(), what="metadata editor")
            editor = dialog.editor
            assert editor is not None
            editor.adjustSize()
            editor.resize(max(editor.width(), 640), editor.sizeHint().height())
            save(editor, "metadata-editor.png")
            editor.reject()
            dialog.close()
            settle()

            # Browse like a catalogue (issue 19): the facet panel and the grouped view on a real catalog,
            # in both colour schemes (light: browse-facets.png, dark: browse-facets-dark.png).
            studio.add_registry("jeremylongshore/claude-code-plugins-plus")
            for scheme, suffix in (("light", ""), ("dark", "-dark")):
                window.set_scheme(scheme)
                dialog = window.open_browse(Destination.LIBRARY)
                dialog.resize(*SIZE)
                wait_until(lambda: all((t.is_loaded() and not t.is_resolving()) or t.error for t in dialog.tabs_list()),
                           what="browse tabs")
                jeremy = dialog.tab_for("claude-code-plugins-plus")
                assert jeremy is not None
                dialog.tabs.setCurrentWidget(jeremy)
                dialog.filters.setChecked(True)  # shown (the *Filters* toggle)
                jeremy.splitter.setSizes([230, 640, 410])
                panel = jeremy.catalogue.panel
                wait_until(lambda: panel.categories.count() > 0, what="facet counts")
                for i in range(panel.categories.count()):
                    if panel.categories.item(i).text().startswith("devops ("):
                        panel.categories.item(i).setCheckState(Qt.CheckState.Checked)
                panel.sort.setCurrentIndex(panel.sort.findData("plugin"))
                dialog.search.setText("deploy")
                jeremy.table.selectRow(0)
                save(dialog, f"browse-facets{suffix}.png")
                dialog.search.setText("")
                panel.group.setChecked(True)
                groups = jeremy.catalogue.groups
                groups.setColumnWidth(groups.NAME, 250)
                for i in range(min(3, groups.topLevelItemCount())):
                    item = groups.topLevelItem(i)
                    if item is not None:
                        item.setExpanded(True)
                first = groups.topLevelItem(0)
                if first is not None and first.childCount():
                    groups.setCurrentItem(first.child(0))
                save(dialog, f"browse-grouped{suffix}.png")
                dialog.close()
                QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # a fresh dialog next
                settle()

            window.set_scheme("system")

            # The dashboard with badges and a notification.
            window.library.refresh()
            wait_until(lambda: window.library.model.rowCount() == 4, what="library rows")
            window.update_center.post_summary(at_check=True)  # the startup check's real notification
            window.notifications.post(Level.SUCCESS, "Imported into Skill Library", "pdf, xlsx, doc-coauthoring, dbt-modeling",
                                      actions=[("Open", lambda: None)])
            window.library.select("pdf")
            save(window, "main-window.png")

            # Settings → Skills: a marketplace import, a customized bundled skill, and a zip uploaded
            # through the UI into the research slot (switching it over from the bundled skill).
            listing = studio.list_registry(default)
            coauthor = next(s for s in listing.skills if s.name == "doc-coauthoring")
            studio.import_skill(listing, coauthor, Destination.SETTINGS, ImportOptions(slot="writing"))
            practices = studio.settings_skills.get("skill-builder-practices")
            md = Path(practices.path) / "SKILL.md"
            md.write_text(md.read_text(encoding="utf-8") + "\n## House rules\n\nKeep SKILL.md under 300 lines.\n",
                          encoding="utf-8")
            zip_path = Path(home) / "deep-research.zip"
            with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as zf:
                zf.writestr("deep-research/SKILL.md", DEEP_RESEARCH)
                zf.writestr("deep-research/references/sources.md", "# Preferred sources\n")
            window.notifications.clear()
            window.show_page("settings/skills")
            skills_page = window.settings_skills
            skills_page.refresh()
            wait_until(lambda: skills_page.model.rowCount() == 4 and not skills_page._loading, what="settings rows")
            skills_page.upload_zip(str(zip_path))
            wait_until(lambda: skills_page.upload_dialog is not None, what="upload dialog")
            upload = skills_page.upload_dialog
            assert upload is not None
            upload.activate_check.setChecked(True)
            upload.adjustSize()
            upload.resize(max(upload.width(), 640), upload.sizeHint().height())
            save(upload, "upload-dialog.png")
            upload.upload_button.click()
            wait_until(lambda: not skills_page._uploading and skills_page.model.find("deep-research") >= 0
                       and not skills_page._loading, what="the upload")
            skills_page.select("deep-research")
            save(window, "settings-skills.png")

            # Settings → General after a workspace sync.
            window.notifications.clear()
            window.show_page("settings/general")
            tokens = window.general.token_section
            wait_until(lambda: not tokens.busy(), what="token status")
            tokens.token.setText("ghp_exampleTokenForTheScreenshot0000")
            tokens.save()
            wait_until(lambda: not tokens.busy(), what="token save")
            tokens.test()
            wait_until(lambda: not tokens.busy(), what="token test")
            window.general.sync_now()
            wait_until(lambda: not window.general.busy(), what="workspace sync")
            save(window, "settings-general.png")
            window.show_page("library")

            # The SKILL.md editor.
            editor_window = window.open_editor(pdf)
            editor_window.resize(*SIZE)
            editor_window.editor.moveCursor(editor_window.editor.textCursor().MoveOperation.End)
            editor_window.editor.insertPlainText("\nAlso check form fields with pypdf.\n")
            editor_window.render_preview()
            editor_window.preview.verticalScrollBar().setValue(0)
            editor_window.editor.verticalScrollBar().setValue(0)
            save(editor_window, "skill-editor.png")
            editor_window.editor.document().setModified(False)
            editor_window.close()

            # Offline: the user reloads a registry while GitHub's rate limit is exhausted; the tab shows
            # the cached catalog under a banner saying since when and why, with Retry.
            gh.rate_limit(int(time.time()) + 1800, pattern="/repos/anthropics/knowledge-work-plugins")
            window.notifications.clear()
            dialog = window.open_browse(Destination.LIBRARY)
            dialog.resize(*SIZE)
            wait_until(lambda: all((t.is_loaded() and not t.is_resolving()) or t.error for t in dialog.tabs_list()),
                       what="browse tabs")
            bad = dialog.tab_for("knowledge-work-plugins")
            assert bad is not None
            dialog.tabs.setCurrentWidget(bad)
            dialog.reload_current()
            wait_until(lambda: bad.is_offline() and not bad.is_resolving(), what="the rate-limited reload to go offline")
            save(dialog, "offline-tab.png")
            gh.clear_faults()

            # Error state: a registry GitHub no longer shows (deleted, or made private): no cached
            # catalog is shown for a 404; the tab says why and offers Retry.
            gh.set_private("anthropics", "knowledge-work-plugins", "someone-elses-token")
            dialog.reload_current()
            wait_until(lambda: bad.error is not None, what="the reload of a vanished registry to fail")
            save(dialog, "error-state.png")
            gh.set_private("anthropics", "knowledge-work-plugins", None)
            dialog.close()
            settle()

            # Issue 15: light and dark, at the minimum size and a large one; keyboard focus visible.
            for scheme in ("light", "dark"):
                window.set_scheme(scheme)
                for w, h in ((1024, 640), (1600, 1000)):
                    size = f"{w}x{h}"
                    window.notifications.clear()
                    window.show_page("library")
                    window.resize(w, h)
                    window.library.select("pdf")
                    window.library.import_button.setFocus(Qt.FocusReason.TabFocusReason)
                    save(window, f"{scheme}-{size}-library.png")
                    dialog = window.open_browse(Destination.LIBRARY)
                    dialog.resize(w, h)
                    wait_until(lambda: all((t.is_loaded() and not t.is_resolving()) or t.error
                                           for t in dialog.tabs_list()), what="browse tabs")
                    all_tab = dialog.all_tab
                    assert all_tab is not None
                    dialog.tabs.setCurrentWidget(all_tab)
                    dialog.search.setText("sql")
                    settle()
                    dialog.focus_table()  # as the Down key does: the focus ring on the table
                    save(dialog, f"{scheme}-{size}-browse.png")
                    if scheme == "dark" and w == 1024:
                        acme_tab = dialog.tab_for("acme-data-skills")
                        assert acme_tab is not None
                        dialog.tabs.setCurrentWidget(acme_tab)
                        dialog.search.setText("pdf")
                        save(dialog, f"{scheme}-{size}-no-match.png")
                    dialog.close()
                    settle()
                    if scheme == "dark" and w == 1024:
                        window.show_page("settings/general")
                        window.general.appearance.setFocus(Qt.FocusReason.TabFocusReason)
                        save(window, f"{scheme}-{size}-general.png")
            # Issue 17: the Targets page, in both schemes: deployments with their states, an unmanaged
            # folder matching a catalog skill, the context cost per target against the budget.
            from skill_studio.app import targets as app_targets

            project = Path(home) / "work" / "analytics"
            app_targets.add_target(studio, "claude-project", str(project), "analytics")
            app_targets.add_target(studio, "custom", str(Path(home) / "agent-skills"), "shared-agents")
            for name, target in (("pdf", "analytics"), ("dbt-modeling", "analytics"), ("xlsx", "shared-agents")):
                app_targets.deploy(studio, name, target)
            hand = project / ".claude" / "skills" / "release-notes"
            hand.mkdir(parents=True, exist_ok=True)
            (hand / "SKILL.md").write_text("---\nname: release-notes\ndescription: Draft release notes from merged "
                                           "pull requests.\n---\n\n# Release notes\n")
            window.resize(*SIZE)
            for scheme, suffix in (("light", ""), ("dark", "-dark")):
                window.set_scheme(scheme)
                window.show_page("targets")
                done = []
                window.targets.refreshed.connect(lambda: done.append(1))
                window.targets.refresh()
                wait_until(lambda: bool(done), what="the targets page")
                for i in range(window.targets.tree.topLevelItemCount()):
                    item = window.targets.tree.topLevelItem(i)
                    if item is not None:
                        item.setExpanded(True)
                save(window, f"targets{suffix}.png")
            window.set_scheme("system")
            window.close()
            settle()
        finally:
            from PySide6.QtCore import QThreadPool

            QThreadPool.globalInstance().waitForDone(10000)
            studio.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
