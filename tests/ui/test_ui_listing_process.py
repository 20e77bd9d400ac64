"""The desktop app lists cold registries in a child process (issue 18, ``app.listing_process``):
its event loop never waits for the interpreter lock while hundreds of files download and parse."""

from __future__ import annotations

import json

import pytest
from uitools import assert_no_background_work, shown_names

import skill_studio.app.studio as studio_module
from skill_studio.core.models import Destination
from skill_studio.ui.app import open_studio
from skill_studio.ui.browse_dialog import RegistryTab

CATALOG = {"name": "acme-skills", "owner": {"name": "Acme"}, "plugins": [{"name": "tools", "source": "./tools"}]}
FILES = {".claude-plugin/marketplace.json": json.dumps(CATALOG),
         "tools/skills/alpha/SKILL.md": "---\nname: alpha\ndescription: First.\n---\n# alpha\n",
         "tools/skills/beta/SKILL.md": "---\nname: beta\ndescription: Second.\n---\n# beta\n"}


def test_a_browse_tab_of_the_app_loads_through_the_child(qtbot, github, use_github,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    github.add_repo_from_dir("acme", "skills", FILES)
    use_github(github)

    def here(*args, **kwargs):
        raise AssertionError("listed in the GUI's process")

    monkeypatch.setattr(studio_module, "list_at_commit", here)
    studio = open_studio()
    try:
        tab = RegistryTab(studio, studio.add_registry("acme/skills"), Destination.LIBRARY)
        qtbot.addWidget(tab)
        tab.show()
        tab.load(force=True)
        qtbot.waitUntil(lambda: (tab.is_loaded() and not tab.is_resolving()) or tab.error is not None, timeout=20000)
        assert tab.error is None
        assert sorted(shown_names(tab)) == ["tools:alpha", "tools:beta"]
    finally:
        assert_no_background_work()
        studio.close()
