"""Updates in the GUI (issue 4, R-UPD-1..5): the startup check after the window is shown, its
notification grouped by destination with *Review* opening the browse dialog with the updates
marked, auto mode, the persistent error of a failed check, a confirmed update of a customized skill,
rollback, and the local-changes diff — against a fake GitHub serving two commits of a small
marketplace (as tests/test_updates.py does for the core).

Upstream commit 1 → commit 2: alpha 1.0.0 → 1.1.0 ("update available"); beta keeps 2.0.0 but its
script changes ("changed upstream").
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox, QPushButton
from uitools import assert_no_background_work, shown_names, tab_of, wait_loaded

from skill_studio.app import updates as upd
from skill_studio.core.models import Destination, ImportOptions
from skill_studio.app.studio import SkillStudio
from skill_studio.ui.main_window import MainWindow
from skill_studio.ui.notifications import Level, Notification
from skill_studio.ui.update_center import ERROR_KEY, UPDATES_KEY, startup_check_enabled

pytestmark = [pytest.mark.gui, pytest.mark.integration]

LIB, SET = Destination.LIBRARY, Destination.SETTINGS
REGISTRY = "acme-tools"


def skill_md(name: str, version: str, extra: str = "") -> str:
    return (f"---\nname: {name}\ndescription: The {name} helper for tests.\nmetadata:\n  version: \"{version}\"\n---\n"
            f"# {name}\n\nDo {name} things.\n{extra}")


V1: dict[str, str | bytes] = {
    ".claude-plugin/marketplace.json": json.dumps({
        "name": REGISTRY, "owner": {"name": "Acme"},
        "plugins": [{"name": "toolkit", "source": "./plugins/toolkit", "description": "Tools"}]}),
    "plugins/toolkit/skills/alpha/SKILL.md": skill_md("alpha", "1.0.0"),
    "plugins/toolkit/skills/beta/SKILL.md": skill_md("beta", "2.0.0"),
    "plugins/toolkit/skills/beta/scripts/run.py": "print('v1')\n",
}
ALPHA_V2 = skill_md("alpha", "1.1.0", "New step.\n")


def publish_v2(gh) -> None:
    files = dict(V1)
    files["plugins/toolkit/skills/alpha/SKILL.md"] = ALPHA_V2
    files["plugins/toolkit/skills/beta/scripts/run.py"] = "print('v2')\n"
    gh.push("acme", "market", files, message="v2")


@pytest.fixture
def acme(github, use_github):
    github.add_repo_from_dir("acme", "market", V1)
    use_github(github)
    return github


@pytest.fixture
def astudio(acme, qapp):
    """A studio with only the acme registry enabled (the default one is not served here)."""
    s = SkillStudio()
    s.set_registry_enabled(s.registries()[0].source.url, False)
    s.add_registry("acme/market")
    yield s
    assert_no_background_work()
    s.close()


def install(studio: SkillStudio, dest: Destination, *names: str, **opts) -> None:
    listing = studio.list_registry(studio.find_registry(REGISTRY))
    for name in names:
        skill = next(s for s in listing.skills if s.name == name)
        studio.import_skill(listing, skill, dest, ImportOptions(**opts))


def edit(studio: SkillStudio, dest: Destination, name: str, text: str) -> Path:
    md = Path(studio.store.skill(dest, name).path) / "SKILL.md"
    md.write_text(md.read_text(encoding="utf-8") + text, encoding="utf-8")
    return md


def checked_window(qtbot, make_window, studio: SkillStudio) -> MainWindow:
    """A window whose startup check ran (it starts by itself once the window is shown)."""
    win = make_window(studio, startup_check=True)
    qtbot.waitUntil(lambda: win.update_center.report is not None or win.notifications.card(ERROR_KEY) is not None,
                    timeout=15000)
    qtbot.waitUntil(lambda: not win.update_center.checking)
    return win


def note(win: MainWindow, key: str) -> Notification:
    card = win.notifications.card(key)
    assert card is not None, [n.key for n in win.notifications.notifications()]
    return card.note


def click_action(win: MainWindow, key: str, label: str) -> None:
    card = win.notifications.card(key)
    assert card is not None
    buttons = {b.text(): b for b in card.action_buttons}
    assert label in buttons, list(buttons)
    buttons[label].click()


def row(win: MainWindow, dest: Destination, name: str):
    page = win.page_for(dest)
    return page.model.row_at(page.model.find(name))


def accept_preview(qtbot, win: MainWindow) -> None:
    """Click Update in the update review (issue 14: the preview comes before any write)."""
    qtbot.waitUntil(lambda: win.update_center.preview_dialog is not None
                    and win.update_center.preview_dialog.update_button.isEnabled(), timeout=15000)
    win.update_center.preview_dialog.update_button.click()


def confirm(qtbot, win: MainWindow, label: str) -> QMessageBox:
    qtbot.waitUntil(lambda: win.update_center.confirm_box is not None and win.update_center.confirm_box.isVisible())
    box = win.update_center.confirm_box
    assert box is not None
    target = next(b for b in box.buttons() if b.text() == label)
    assert isinstance(target, QPushButton)
    target.click()
    return box


def test_startup_check_switch(monkeypatch) -> None:
    monkeypatch.delenv("SKILL_STUDIO_NO_STARTUP_CHECK", raising=False)
    assert startup_check_enabled() and not startup_check_enabled(False)
    monkeypatch.setenv("SKILL_STUDIO_NO_STARTUP_CHECK", "1")
    assert not startup_check_enabled() and startup_check_enabled(True)


def test_manual_check_notifies_per_destination_and_review_marks_the_updates(qtbot, acme, astudio, make_window) -> None:
    install(astudio, LIB, "alpha", "beta")
    install(astudio, SET, "alpha", slot="research")
    publish_v2(acme)
    win = checked_window(qtbot, make_window, astudio)

    # One notification, grouped by destination, with a Review button per destination (R-UPD-3).
    n = note(win, UPDATES_KEY)
    assert n.title == "3 updates available" and n.persistent and n.level is Level.INFO
    assert n.text.splitlines() == ["Settings → Skills: update available: alpha 1.0.0 → 1.1.0",
                                   "Skill Library: update available: alpha 1.0.0 → 1.1.0, beta (changed upstream)"]
    assert [label for label, _ in n.actions] == ["Review in Settings → Skills", "Review in Skill Library"]
    assert win.notifications.card(ERROR_KEY) is None
    # Manual mode installs nothing; the dashboards show the badges.
    assert astudio.store.skill(LIB, "alpha").version == "1.0.0"
    assert row(win, LIB, "alpha").update_available and row(win, LIB, "beta").update_available
    assert row(win, SET, "alpha").update_available

    # Review opens the Skill Library's browse dialog with exactly the updates shown and selected,
    # from the listing the check already fetched (no new tree request).
    trees = acme.count("/git/trees/")
    click_action(win, UPDATES_KEY, "Review in Skill Library")
    dialog = win.browse_dialogs[LIB]
    wait_loaded(qtbot, dialog)
    tab = tab_of(dialog, REGISTRY)
    assert dialog.current_tab() is tab and dialog.updates_only.isChecked()
    assert sorted(shown_names(tab)) == ["toolkit:alpha", "toolkit:beta"]
    assert sorted(r.skill.qualified_name for r in tab.selected_rows()) == ["toolkit:alpha", "toolkit:beta"]
    assert all("update available" in [b.text for b in r.badges()] for r in tab.selected_rows())
    assert acme.count("/git/trees/") == trees

    # Update them from the dialog (not customized: no question asked).
    assert dialog.update_button.isEnabled() and dialog.update_button.text() == "Update 2 skills…"
    dialog.update_button.click()
    dialog.update_button.click()  # an impatient second click does not update twice
    accept_preview(qtbot, win)
    qtbot.waitUntil(lambda: astudio.store.skill(LIB, "alpha").version == "1.1.0", timeout=15000)
    qtbot.waitUntil(lambda: note(win, f"update-{LIB.value}").title == "Updated 2 skills in Skill Library")
    qtbot.waitUntil(lambda: not win.update_center.busy(LIB, "alpha"))
    assert [h["version"] for h in upd.skill_history(astudio, LIB, "alpha")] == ["1.0.0"]
    assert win.update_center.confirm_box is None
    qtbot.waitUntil(lambda: not row(win, LIB, "alpha").update_available and row(win, LIB, "alpha").skill.version == "1.1.0")
    qtbot.waitUntil(lambda: tab.model.rowCount() == 2 and tab.proxy.rowCount() == 0)  # no update left here
    # The check's notification now says what was done and keeps the Settings review.
    n = note(win, UPDATES_KEY)
    assert "Skill Library: updated: alpha 1.0.0 → 1.1.0, beta (changed upstream)" in n.text
    assert [label for label, _ in n.actions] == ["Review in Settings → Skills"]
    assert astudio.store.skill(SET, "alpha").version == "1.0.0"  # each destination on its own
    dialog.close()


def test_auto_mode_updates_the_plain_skill_and_leaves_the_customized_one(qtbot, acme, astudio, make_window) -> None:
    upd.set_update_mode(astudio, "auto")
    install(astudio, LIB, "alpha", "beta")
    md = edit(astudio, LIB, "beta", "\nOur note.\n")
    publish_v2(acme)
    win = checked_window(qtbot, make_window, astudio)

    assert astudio.store.skill(LIB, "alpha").version == "1.1.0"
    assert (Path(astudio.store.skill(LIB, "alpha").path) / "SKILL.md").read_text(encoding="utf-8") == ALPHA_V2
    assert md.read_text(encoding="utf-8").endswith("Our note.\n")  # untouched
    assert (Path(md.parent) / "scripts" / "run.py").read_text(encoding="utf-8") == "print('v1')\n"
    n = note(win, UPDATES_KEY)
    assert n.title == "Updated 1 skill; 1 customized skill has an update"
    assert n.text.splitlines()[0] == ("Skill Library: updated: alpha 1.0.0 → 1.1.0; "
                                      "update available — customized: beta")
    assert "never updated automatically" in n.text
    assert [label for label, _ in n.actions] == ["Review in Skill Library"]
    qtbot.waitUntil(lambda: row(win, LIB, "alpha").skill.version == "1.1.0")
    beta = row(win, LIB, "beta")
    assert beta.customized and beta.update_available and not row(win, LIB, "alpha").update_available


def test_failed_check_shows_a_persistent_error_until_dismissed_or_a_later_check_succeeds(
        qtbot, acme, astudio, make_window) -> None:
    install(astudio, LIB, "alpha")
    acme.rate_limit(int(time.time()) + 3600, pattern="/repos/acme/market")
    win = checked_window(qtbot, make_window, astudio)
    win.notifications.timeout_ms = 100  # what is not persistent goes quickly from here on
    n = note(win, ERROR_KEY)
    assert n.level is Level.ERROR and n.persistent
    assert n.title == f"Could not check {REGISTRY} for updates"
    assert "rate limit" in n.text.lower() and n.text.startswith(f"{REGISTRY}: ")
    assert [label for label, _ in n.actions] == ["Retry"]
    assert win.notifications.card(UPDATES_KEY) is None

    # Still failing: Retry posts it again; it outlives the short timeout.
    click_action(win, ERROR_KEY, "Retry")
    qtbot.waitUntil(lambda: not win.update_center.checking)
    qtbot.wait(400)
    assert note(win, ERROR_KEY).persistent

    # The next session shows the recorded error at once, before any check.
    again = make_window(astudio)
    assert "could not reach every registry" in note(again, ERROR_KEY).text
    again.close()

    # A later successful check removes it.
    acme.clear_faults()
    click_action(win, ERROR_KEY, "Retry")
    qtbot.waitUntil(lambda: win.notifications.card(ERROR_KEY) is None, timeout=15000)
    assert upd.last_check(astudio).active_errors == ()

    # Dismissed by the user: recorded, so the next session does not show it again.
    acme.rate_limit(int(time.time()) + 3600, pattern="/repos/acme/market")
    win.update_center.start_check()
    qtbot.waitUntil(lambda: win.notifications.card(ERROR_KEY) is not None, timeout=15000)
    qtbot.waitUntil(lambda: not win.update_center.checking)
    win.notifications.card(ERROR_KEY).close_button.click()
    assert win.notifications.card(ERROR_KEY) is None
    assert upd.last_check(astudio).dismissed and upd.last_check(astudio).active_errors == ()
    third = make_window(astudio)
    assert third.notifications.card(ERROR_KEY) is None


def test_confirmed_update_of_a_customized_skill_then_rollback_restores_the_edit(qtbot, acme, astudio, make_window) -> None:
    install(astudio, LIB, "alpha")
    md = edit(astudio, LIB, "alpha", "\nMy house rule.\n")
    edited = md.read_text(encoding="utf-8")
    publish_v2(acme)
    win = checked_window(qtbot, make_window, astudio)
    page = win.library
    qtbot.waitUntil(lambda: row(win, LIB, "alpha").customized)
    alpha = row(win, LIB, "alpha")
    assert alpha.update_available
    assert note(win, UPDATES_KEY).text.startswith("Skill Library: update available — customized: alpha")

    # Context menu: update, local changes and (not yet) rollback.
    assert page.select("alpha")
    menu = win.update_center.page_menu(page)
    enabled = {a.text(): a.isEnabled() for a in menu.actions() if a.text()}
    assert enabled["Update to the catalog's version…"] and enabled["Show local changes…"]
    assert not enabled["Roll back to the previous version…"]
    menu.deleteLater()

    # Show local changes: a read-only monospace diff.
    win.update_center.show_changes(LIB, "alpha")
    qtbot.waitUntil(lambda: bool(win.update_center.diff_dialogs))
    diff = win.update_center.diff_dialogs[-1]
    assert "+My house rule." in diff.text.toPlainText() and "a/SKILL.md" in diff.text.toPlainText()
    assert diff.text.isReadOnly() and diff.text.font().fixedPitch()
    assert "SKILL.md (modified)" in diff.summary.text()
    diff.close()

    # Cancel first: nothing changes.
    assert page.update_button.isEnabled()
    page.update_button.click()
    accept_preview(qtbot, win)
    box = confirm(qtbot, win, "Cancel")
    assert "backup" in box.informativeText() and "roll back" in box.informativeText()
    assert "+My house rule." in box.detailedText()
    qtbot.waitUntil(lambda: note(win, f"update-{LIB.value}").title == "Update cancelled")
    assert md.read_text(encoding="utf-8") == edited

    # Confirm: updated, the edit kept as a backup.
    page.update_button.click()
    accept_preview(qtbot, win)
    confirm(qtbot, win, "Update and keep a backup")
    qtbot.waitUntil(lambda: astudio.store.skill(LIB, "alpha").version == "1.1.0", timeout=15000)
    assert md.read_text(encoding="utf-8") == ALPHA_V2
    qtbot.waitUntil(lambda: note(win, f"update-{LIB.value}").title == "Updated alpha in Skill Library")
    n = note(win, f"update-{LIB.value}")
    assert "kept as a backup" in n.text and [label for label, _ in n.actions] == ["Roll back"]
    assert win.notifications.card(UPDATES_KEY) is None  # nothing pending any more
    qtbot.waitUntil(lambda: row(win, LIB, "alpha").skill.version == "1.1.0" and not row(win, LIB, "alpha").customized)

    # Roll back: the edited version is back, byte for byte, and the update is offered again.
    click_action(win, f"update-{LIB.value}", "Roll back")
    box = confirm(qtbot, win, "Roll back")
    assert "version 1.0.0" in box.text()
    qtbot.waitUntil(lambda: astudio.store.skill(LIB, "alpha").version == "1.0.0", timeout=15000)
    assert md.read_text(encoding="utf-8") == edited
    qtbot.waitUntil(lambda: note(win, f"update-{LIB.value}").title == "Rolled back alpha to 1.0.0")
    qtbot.waitUntil(lambda: row(win, LIB, "alpha").customized and row(win, LIB, "alpha").update_available)
