"""External plugin sources in the browse dialog (issue 9): local plugins are shown first and external
ones filled in progressively with progress, without resetting the selection; plugins whose target
is unavailable are listed in the details with their source and reason."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from uitools import assert_no_background_work, shown_names, tab_of, wait_loaded

from skill_studio.core.models import Destination
from skill_studio.app.studio import SkillStudio

pytestmark = [pytest.mark.gui, pytest.mark.integration]


def test_unavailable_plugins_are_listed_in_the_details_with_their_reason(qtbot, studio: SkillStudio,
                                                                         make_window) -> None:
    # netresearch/claude-code-marketplace lists only external plugins: 13 skills resolve, 28
    # targets are absent from the snapshot (404 → "not found").
    reg = studio.add_registry("netresearch/claude-code-marketplace")
    win = make_window(studio)
    dialog = win.open_browse(Destination.LIBRARY)
    wait_loaded(qtbot, dialog, timeout=30000)
    tab = tab_of(dialog, reg.name)
    dialog.tabs.setCurrentWidget(tab)
    assert tab.model.rowCount() == 13 and not tab.is_resolving()
    assert tab.data is not None and len(tab.data.listing.unavailable_plugins) == 28
    section = tab.details.excluded
    assert section.button.isEnabled()
    assert section.button.text().startswith("Not listed: 28 unavailable plugins")
    assert tab.details.excluded_view.toPlainText() == ""  # issue 18: laid out when the section opens
    section.set_expanded(True)
    text = tab.details.excluded_view.toPlainText()
    assert text.count("unavailable plugin") == 28
    assert "typo3-ddev (github: netresearch/typo3-ddev-skill) — netresearch/typo3-ddev-skill not found" in text
    assert "28 plugins unavailable" in tab.summary.text()
    assert dialog.tabs.tabText(dialog.tabs.indexOf(tab)) == f"{reg.name} (13)"
    dialog.close()


def _skill(name: str) -> str:
    return f"---\nname: {name}\ndescription: The {name} skill.\n---\n# {name}\n"


@pytest.fixture
def hub(github, use_github):
    """acme/hub: one local plugin and three external ones (acme/fast, acme/slow, a missing repo)."""
    github.add_repo_from_dir("acme", "hub", {
        ".claude-plugin/marketplace.json": json.dumps({"name": "hub", "plugins": [
            {"name": "local", "source": "./plugins/local"},
            {"name": "fast", "source": {"source": "github", "repo": "acme/fast"}},
            {"name": "slow", "source": {"source": "github", "repo": "acme/slow"}},
            {"name": "gone", "source": {"source": "github", "repo": "acme/missing"}},
        ]}),
        "plugins/local/skills/l1/SKILL.md": _skill("l1"),
    })
    github.add_repo_from_dir("acme", "fast", {"skills/f1/SKILL.md": _skill("f1")})
    github.add_repo_from_dir("acme", "slow", {"skills/s1/SKILL.md": _skill("s1"), "skills/s2/SKILL.md": _skill("s2")})
    use_github(github)
    return github


@contextmanager
def hub_studio() -> Iterator[SkillStudio]:
    """A studio browsing acme/hub alone (the default registry disabled); when done, no background
    work is left and the studio is closed."""
    s = SkillStudio()
    try:
        s.set_registry_enabled(s.registries()[0].source.url, False)
        s.add_registry("acme/hub")
        yield s
    finally:
        assert_no_background_work()
        s.close()


def test_local_plugins_first_then_external_ones_fill_in_without_losing_the_selection(qtbot, hub, make_window) -> None:
    hub.hang("/repos/acme/fast/", 0.5, times=1)
    hub.hang("/repos/acme/slow/git/trees/", 1.5, times=1)  # targets are listed as each finishes
    with hub_studio() as s:
        win = make_window(s)
        dialog = win.open_browse(Destination.LIBRARY)
        tab = tab_of(dialog, "hub")
        resets: list[int] = []
        tab.model.modelReset.connect(lambda: resets.append(1))

        # The local plugin is shown while the external ones are still being resolved.
        qtbot.waitUntil(tab.is_loaded, timeout=10000)
        assert tab.is_resolving() and shown_names(tab) == ["local:l1"]
        assert tab.external_bar.isVisible() and "resolving external plugins" in tab.summary.text()
        assert dialog.tabs.tabText(dialog.tabs.indexOf(tab)) == "hub (1…)"
        assert "resolving 3 external plugins" in tab.details.excluded.button.text()
        assert tab.select(["local:l1"]) == 1 and dialog.import_button.isEnabled()  # usable already

        # The fast target arrives first, then the slow one; rows are appended, the selection stays.
        qtbot.waitUntil(lambda: "fast:f1" in shown_names(tab), timeout=10000)
        assert tab.is_resolving() and "slow:s1" not in shown_names(tab)
        assert [r.skill.qualified_name for r in tab.selected_rows()] == ["local:l1"]

        assert resets == []  # filling in never resets the table

        # An import while the rest arrives: the refreshed state survives the later rows.
        listing = tab.data.listing
        s.import_skill(listing, next(k for k in listing.skills if k.name == "l1"), Destination.LIBRARY)
        tab.refresh_states()

        def state_of(name: str) -> str:
            return tab.model.row_at(tab.model.find(name)).state.value

        qtbot.waitUntil(lambda: state_of("local:l1") == "up_to_date")
        wait_loaded(qtbot, dialog)
        qtbot.waitUntil(lambda: not tab._states_dirty)
        assert state_of("local:l1") == "up_to_date" and state_of("slow:s1") == "not_installed"
        assert sorted(shown_names(tab)) == ["fast:f1", "local:l1", "slow:s1", "slow:s2"]
        assert [r.skill.qualified_name for r in tab.selected_rows()] == ["local:l1"]
        assert not tab.external_bar.isVisible() and tab.external_bar.maximum() == 3
        assert "1 plugin unavailable" in tab.summary.text()
        assert tab.details.excluded.button.text().startswith("Not listed: 1 unavailable plugin, ")  # + a warning: no owner
        tab.details.excluded.set_expanded(True)
        assert "gone (github: acme/missing) — acme/missing not found" in tab.details.excluded_view.toPlainText()
        assert dialog.tabs.tabText(dialog.tabs.indexOf(tab)) == "hub (4)"

        # The resolved listing is the session's: reopening costs no request.
        before = hub.request_count
        dialog.close()
        again = win.open_browse(Destination.SETTINGS)
        wait_loaded(qtbot, again)
        assert tab_of(again, "hub").model.rowCount() == 4 and hub.request_count == before
        again.close()


def test_external_plugins_resolve_once_the_local_rows_are_in_the_table(qtbot, hub, make_window,
                                                                      monkeypatch) -> None:
    """Issue 18: resolving external plugins while the tab fills its local rows made the tab's
    longest event-loop gap; the load waits (at most ``LOCAL_FIRST_WAIT_S``) for the rows."""
    from skill_studio.ui.browse_dialog import RegistryTab

    rows_then: list[int] = []
    resolve = SkillStudio.resolve_external
    tabs: list[RegistryTab] = []

    def spy(self, listing, *args, **kwargs):  # type: ignore[no-untyped-def]
        rows_then.append(tabs[0].model.rowCount() if tabs else -1)  # the table, seen from the worker
        return resolve(self, listing, *args, **kwargs)

    monkeypatch.setattr(SkillStudio, "resolve_external", spy)
    monkeypatch.setattr(RegistryTab, "LOCAL_FIRST_WAIT_S", 30.0)  # would hang the test if never released
    with hub_studio() as s:
        win = make_window(s)
        dialog = win.open_browse(Destination.LIBRARY)
        tabs.append(tab_of(dialog, "hub"))
        wait_loaded(qtbot, dialog)
        assert rows_then == [1]  # local:l1 was in the table when resolving began
        assert sorted(shown_names(tabs[0])) == ["fast:f1", "local:l1", "slow:s1", "slow:s2"]
        dialog.close()


def test_offline_listing_does_not_resolve_external_plugins(fixture_github, use_github) -> None:
    """Offline, every external target would fail the same way (slowly): the tab leaves them skipped."""
    import dataclasses

    from skill_studio.core.sources import parse_registry_source
    from skill_studio.app.studio import has_pending_external

    use_github(fixture_github)
    with SkillStudio() as studio:
        local = studio.list_registry(parse_registry_source("obra/superpowers-marketplace"), external=False)
    assert has_pending_external(local)
    assert not has_pending_external(dataclasses.replace(local, offline=True, offline_reason="rate limited"))
