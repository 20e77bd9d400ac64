"""The Targets page and the *Deploy to…* action (issue 17), against the fake GitHub serving a small
synthetic marketplace, with HOME pointed at a temporary folder. Native dialogs are never shown:
the dialogs' ``exec`` is replaced by a function that fills them in and accepts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QMessageBox, QPushButton
from uitools import assert_no_background_work

from skill_studio.app import targets as app_targets
from skill_studio.app.studio import SkillStudio
from skill_studio.app.targets import Deployment, TargetView, UnmanagedSkill
from skill_studio.core.models import Destination
from skill_studio.ui.targets_page import AddTargetDialog, DeployDialog, TargetsPage

pytestmark = pytest.mark.gui

LIB = Destination.LIBRARY


def skill_md(name: str) -> str:
    return f"---\nname: {name}\ndescription: The {name} helper for analytics work.\n---\n# {name}\nDo {name}.\n"


MARKET = {
    ".claude-plugin/marketplace.json": json.dumps({"name": "acme-data", "owner": {"name": "Acme"}, "plugins": [
        {"name": "data", "source": "./plugins/data"}]}),
    "plugins/data/skills/sql-queries/SKILL.md": skill_md("sql-queries"),
    "plugins/data/skills/dbt-models/SKILL.md": skill_md("dbt-models"),
}


@pytest.fixture
def tstudio(github, use_github, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, qapp) -> Iterator[SkillStudio]:
    home = tmp_path / "user-home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    github.add_repo_from_dir("acme", "data-skills", MARKET)
    use_github(github)
    s = SkillStudio()
    for reg in s.registries():
        s.set_registry_enabled(reg.name, False)
    reg = s.add_registry("acme/data-skills")
    listing = s.list_registry(reg)
    s.import_skill(listing, next(k for k in listing.skills if k.name == "sql-queries"), LIB)
    yield s
    assert_no_background_work()
    s.close()


def rows(page: TargetsPage) -> list[tuple[str, list[tuple[str, str]]]]:
    out = []
    for i in range(page.tree.topLevelItemCount()):
        top = page.tree.topLevelItem(i)
        out.append((top.text(0), [(top.child(j).text(0), top.child(j).text(1)) for j in range(top.childCount())]))
    return out


def select(page: TargetsPage, target: str, child: str | None = None) -> None:
    page.tree.clearSelection()
    for i in range(page.tree.topLevelItemCount()):
        top = page.tree.topLevelItem(i)
        if top.text(0) != target:
            continue
        if child is None:
            top.setSelected(True)
            return
        for j in range(top.childCount()):
            if top.child(j).text(0) == child:
                top.child(j).setSelected(True)
                return
    raise AssertionError(f"no row {target}/{child}")


def refreshed(qtbot, page: TargetsPage) -> None:
    with qtbot.waitSignal(page.refreshed, timeout=10_000):
        page.refresh()


def test_targets_page_shows_deployments_unmanaged_and_cost(qtbot, tstudio: SkillStudio, tmp_path: Path) -> None:
    project = tmp_path / "proj"
    app_targets.add_target(tstudio, "claude-project", str(project))
    app_targets.deploy(tstudio, "sql-queries", "proj")
    hand = project / ".claude" / "skills" / "dbt-models"
    hand.mkdir(parents=True)
    (hand / "SKILL.md").write_text(MARKET["plugins/data/skills/dbt-models/SKILL.md"])
    page = TargetsPage(tstudio)
    qtbot.addWidget(page)
    refreshed(qtbot, page)
    assert rows(page) == [("proj", [("sql-queries", "in sync"), ("dbt-models", "unmanaged")])]
    unmanaged = page.tree.topLevelItem(0).child(1)
    assert "matches acme-data · data:dbt-models" in unmanaged.text(2)

    # the cost: one bar per target, figures labelled as estimates
    (report,) = page.cost_report.targets
    (bar,) = page.cost_bars()
    assert bar.objectName() == "costBar"
    assert bar.value == report.always_loaded_tokens > 0 and bar.maximum == report.budget_tokens
    assert "tokens always loaded" in bar.text
    assert "estimate" in page.method.text()

    # buttons follow the selection
    select(page, "proj", "sql-queries")
    assert page.undeploy_button.isEnabled() and not page.adopt_button.isEnabled() and not page.merge_button.isEnabled()
    select(page, "proj", "dbt-models")
    assert page.adopt_button.isEnabled() and not page.undeploy_button.isEnabled()

    # Adopt: the catalog skill is installed from the registry and the folder becomes a deployment
    with qtbot.waitSignal(page.refreshed, timeout=10_000):
        page.adopt_selected()
    installed = tstudio.store.skill(LIB, "dbt-models")
    assert installed is not None and installed.registry == "acme-data"
    assert rows(page) == [("proj", [("dbt-models", "in sync"), ("sql-queries", "in sync")])]

    # Undeploy removes only the app's folder
    select(page, "proj", "sql-queries")
    with qtbot.waitSignal(page.refreshed, timeout=10_000):
        page.undeploy_selected()
    assert not (project / ".claude" / "skills" / "sql-queries").exists()
    assert rows(page) == [("proj", [("dbt-models", "in sync")])]


def test_add_target_dialog_and_budget(qtbot, tstudio: SkillStudio, tmp_path: Path, monkeypatch) -> None:
    page = TargetsPage(tstudio)
    qtbot.addWidget(page)

    def fill(dlg: AddTargetDialog) -> int:
        dlg.kind_box.setCurrentIndex(dlg.kind_box.findData("custom"))
        assert dlg.path_edit.isEnabled()
        dlg.path_edit.setText(str(tmp_path / "agent-skills"))
        dlg.name_edit.setText("mine")
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(AddTargetDialog, "exec", fill)
    with qtbot.waitSignal(page.refreshed, timeout=10_000):
        page.add_target()
    assert rows(page) == [("mine", [])]
    assert tstudio.targets.get("mine").path == str(tmp_path / "agent-skills")
    assert [n.title for n in page.notices] == ["Added target mine"]
    dlg = page.add_dialog
    assert dlg is not None
    dlg.kind_box.setCurrentIndex(dlg.kind_box.findData("claude-user"))
    assert not dlg.path_edit.isEnabled() and dlg.path == "" and "code.claude.com" in dlg.doc.text()
    page.budget.setValue(500)
    with qtbot.waitSignal(page.refreshed, timeout=10_000):
        page._budget_changed()
    assert tstudio.targets.budget_tokens() == 500


def test_deploy_to_action_on_an_installed_skill(qtbot, tstudio: SkillStudio, tmp_path: Path, monkeypatch,
                                                make_window) -> None:
    app_targets.add_target(tstudio, "custom", str(tmp_path / "a"), "a")
    app_targets.add_target(tstudio, "custom", str(tmp_path / "b"), "b")
    w = make_window(tstudio)
    qtbot.waitUntil(lambda: w.library.model.rowCount() == 1)
    deploy_button = w.library.findChild(QPushButton, "deployButton")
    assert deploy_button is not None and not deploy_button.isEnabled()
    assert w.library.select("sql-queries")
    assert deploy_button.isEnabled()

    def tick_b(dlg: DeployDialog) -> int:
        for i in range(dlg.list.count()):
            if dlg.list.item(i).text().startswith("b "):
                dlg.list.item(i).setCheckState(Qt.CheckState.Checked)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(DeployDialog, "exec", tick_b)
    with qtbot.waitSignal(w.targets.refreshed, timeout=10_000):
        deploy_button.click()
    assert (tmp_path / "b" / "sql-queries" / "SKILL.md").read_text() == skill_md("sql-queries")
    assert not (tmp_path / "a" / "sql-queries").exists()
    assert any("Deployed sql-queries" in n.title for n in w.notifications.notifications())
    w.show_page("targets")
    assert w.current_page() == "targets"
    qtbot.waitUntil(lambda: any(r[0] == "b" and r[1] for r in rows(w.targets)), timeout=10_000)


def test_deploy_without_targets_says_so(qtbot, tstudio: SkillStudio, monkeypatch) -> None:
    page = TargetsPage(tstudio)
    qtbot.addWidget(page)
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: said.append(a[2]))
    page.deploy_skill(tstudio.store.skill(LIB, "sql-queries"))
    assert said and "Add a target first" in said[0]


def test_values_behind_the_rows(qtbot, tstudio: SkillStudio, tmp_path: Path) -> None:
    app_targets.add_target(tstudio, "custom", str(tmp_path / "t"), "t")
    app_targets.deploy(tstudio, "sql-queries", "t")
    page = TargetsPage(tstudio)
    qtbot.addWidget(page)
    refreshed(qtbot, page)
    select(page, "t")
    assert isinstance(page.selected_value(), TargetView) and page.remove_button.isEnabled()
    select(page, "t", "sql-queries")
    assert isinstance(page.selected_value(), Deployment)
    assert not isinstance(page.selected_value(), UnmanagedSkill)
