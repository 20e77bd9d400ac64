"""External plugins remembered as "not found" in the browse dialog (issue 18 §2): the "not listed"
section of a registry tab shows "not found, checked N minutes ago" for each remembered 404 and a
per-plugin Retry (keyboard-reachable, with an accessible name) that asks GitHub again and adds the
plugin's skills when its repository now answers."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from uitools import shown_names, tab_of, wait_loaded

from skill_studio.app.studio import SkillStudio
from skill_studio.core.models import Destination
from skill_studio.ui.not_found import checked_text

pytestmark = [pytest.mark.gui, pytest.mark.integration]


def _skill(name: str) -> str:
    return f"---\nname: {name}\ndescription: The {name} skill.\n---\n# {name}\n"


@pytest.fixture
def hub(github, use_github):
    """acme/hub: a local plugin, an external one that resolves, and two whose repositories are missing."""
    github.add_repo_from_dir("acme", "hub", {
        ".claude-plugin/marketplace.json": json.dumps({"name": "hub", "owner": {"name": "Acme"}, "plugins": [
            {"name": "local", "source": "./plugins/local"},
            {"name": "fast", "source": {"source": "github", "repo": "acme/fast"}},
            {"name": "gone", "source": {"source": "github", "repo": "acme/missing"}},
            {"name": "lost", "source": {"source": "github", "repo": "acme/lost"}},
        ]}),
        "plugins/local/skills/l1/SKILL.md": _skill("l1"),
    })
    github.add_repo_from_dir("acme", "fast", {"skills/f1/SKILL.md": _skill("f1")})
    use_github(github)
    return github


@pytest.fixture
def hub_studio(hub, qapp):
    s = SkillStudio()
    s.set_registry_enabled(s.registries()[0].source.url, False)
    s.add_registry("acme/hub")
    yield s
    s.close()


def _open_not_found(qtbot, studio: SkillStudio, make_window):  # type: ignore[no-untyped-def]
    """The browse dialog on the hub, loaded, its "not listed" section opened (the list is laid out
    when it opens, issue 18) → (dialog, hub tab, not-found panel)."""
    dialog = make_window(studio).open_browse(Destination.LIBRARY)
    tab = tab_of(dialog, "hub")
    wait_loaded(qtbot, dialog)
    tab.details.excluded.set_expanded(True)
    return dialog, tab, tab.details.not_found


def test_a_remembered_404_shows_its_check_and_retry_brings_its_skills(qtbot, hub, hub_studio, make_window) -> None:
    dialog, tab, panel = _open_not_found(qtbot, hub_studio, make_window)
    assert sorted(shown_names(tab)) == ["fast:f1", "local:l1"]
    assert panel.isVisible() and panel.names() == ["gone", "lost"]
    assert panel.status_of("gone") == "not found, checked less than a minute ago"
    assert panel.list.accessibleName() and panel.retry_button.accessibleName()

    # the repository appears on GitHub; Retry on "gone" only, from the keyboard
    hub.add_repo_from_dir("acme", "missing", {"skills/m1/SKILL.md": _skill("m1"), "skills/m2/SKILL.md": _skill("m2")})
    hub.add_repo_from_dir("acme", "lost", {"skills/x1/SKILL.md": _skill("x1")})  # not retried: stays remembered
    assert panel.select("gone")
    assert panel.retry_button.accessibleName() == "Retry gone" and panel.retry_button.isEnabled()
    panel.list.setFocus()
    qtbot.keyClick(panel.list, Qt.Key.Key_Return)
    assert panel.status_of("gone") == "checking again…"
    qtbot.waitUntil(lambda: "gone:m1" in shown_names(tab), timeout=10000)
    assert sorted(shown_names(tab)) == ["fast:f1", "gone:m1", "gone:m2", "local:l1"]
    assert panel.names() == ["lost"]  # the other remembered 404 is not asked again
    assert panel.status_of("lost").startswith("not found, checked ")
    assert "gone" not in tab.details.excluded_view.toPlainText()

    # the button works as well: "lost" now resolves too, and the list disappears
    assert panel.select("lost")
    panel.retry_button.click()
    qtbot.waitUntil(lambda: "lost:x1" in shown_names(tab), timeout=10000)
    assert panel.names() == [] and not panel.isVisible()
    dialog.close()


def test_a_retry_that_is_still_missing_shows_a_fresh_check(qtbot, hub, hub_studio, make_window) -> None:
    dialog, tab, panel = _open_not_found(qtbot, hub_studio, make_window)
    before = hub.count("/repos/acme/missing")
    assert panel.select("gone") and panel.retry_selected()
    qtbot.waitUntil(lambda: panel.status_of("gone").startswith("not found, checked"), timeout=10000)
    assert hub.count("/repos/acme/missing") > before  # GitHub was asked again
    assert panel.names() == ["gone", "lost"] and sorted(shown_names(tab)) == ["fast:f1", "local:l1"]
    dialog.close()


def test_checked_text_counts_minutes(hub_studio) -> None:
    listing = hub_studio.resolve_external(hub_studio.list_registry(hub_studio.find_registry("hub"), external=False))
    gone = next(p for p in listing.unavailable_plugins if p.name == "gone")
    assert gone.checked_at is not None
    assert checked_text(gone, gone.checked_at + timedelta(minutes=5, seconds=10)) == "not found, checked 5 minutes ago"
    other = dataclasses.replace(gone, checked_at=None)
    assert checked_text(other) == other.reason
