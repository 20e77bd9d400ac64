"""Issue 18: how often external plugins' branches are asked again is a setting (Settings → General),
and the browse dialog's Reload asks anyway."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from uitools import tab_of, wait_loaded

from skill_studio.app.studio import SkillStudio
from skill_studio.core.models import Destination

pytestmark = [pytest.mark.gui, pytest.mark.integration]


def _skill(name: str) -> str:
    return f"---\nname: {name}\ndescription: The {name} skill.\n---\n# {name}\n"


def test_reload_asks_external_branches_again_and_the_interval_is_a_setting(qtbot, github, use_github,
                                                                           make_window) -> None:
    github.add_repo_from_dir("acme", "hub", {
        ".claude-plugin/marketplace.json": json.dumps({"name": "hub", "plugins": [
            {"name": "ext", "source": {"source": "github", "repo": "acme/ext"}}]}),
    })
    github.add_repo_from_dir("acme", "ext", {"skills/e1/SKILL.md": _skill("e1")})
    use_github(github)
    studio = SkillStudio()
    try:
        studio.set_registry_enabled(studio.registries()[0].source.url, False)
        studio.add_registry("acme/hub")
        win = make_window(studio)
        spin = win.general.external_recheck
        assert spin.value() == 10 and spin.accessibleName()
        dialog = win.open_browse(Destination.LIBRARY)
        wait_loaded(qtbot, dialog)
        tab = tab_of(dialog, "hub")
        assert tab.model.rowCount() == 1
        github.reset_counters()
        dialog.reload_current()  # the user reloads: asked again within the interval
        wait_loaded(qtbot, dialog)
        assert github.count("/repos/acme/ext/commits/") == 1 and tab.model.rowCount() == 1
        dialog.close()

        spin.setValue(0)  # stored at once, read by the next listing
        assert studio.external_recheck_minutes() == 0
        with SkillStudio() as other:
            assert other.external_recheck_minutes() == 0
        spin.setFocus()
        spin.lineEdit().selectAll()
        qtbot.keyClicks(spin, "45")  # typed: stored once, when confirmed (not 4, then 45)
        assert studio.external_recheck_minutes() == 0
        qtbot.keyClick(spin, Qt.Key.Key_Return)
        assert studio.external_recheck_minutes() == 45
    finally:
        studio.close()
