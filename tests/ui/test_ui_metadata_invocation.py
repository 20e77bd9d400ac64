"""Issue 13 settings in the GUI: the metadata editor's Model field hides while
disable-model-invocation is on, and the choice reaches ImportOptions (written into the installed
SKILL.md by the import); the General page's "merge customized skills when clean" switch."""

from __future__ import annotations

import pytest
from uitools import *  # noqa: F403 - GUI fixtures and helpers

from skill_studio.app import parse_skill_md
from skill_studio.core.models import CatalogSkill, Destination
from skill_studio.ui.metadata_editor import MetadataEditor

pytestmark = pytest.mark.gui


def _skill(extra: str) -> CatalogSkill:
    text = f"---\nname: notes\ndescription: Tidy notes.\nmodel: sonnet\n{extra}---\nbody\n"
    meta = parse_skill_md(text, "SKILL.md")
    return CatalogSkill("notes", "notes", "notes", True, None, "skills/notes", "1.0.0", meta.description,
                        "acme/m", "0" * 40, meta, text)


def _editor(qtbot, extra: str = "") -> MetadataEditor:
    editor = MetadataEditor(_skill(extra), "acme", Destination.LIBRARY, lambda _name: None)
    qtbot.addWidget(editor)
    editor.show()
    return editor


def test_model_hides_while_model_invocation_is_disabled(qtbot) -> None:
    editor = _editor(qtbot)
    assert not editor.invocation_check.isChecked() and editor.model_combo.isVisible()
    opts = editor.options()
    assert (opts.model, opts.disable_model_invocation) == ("sonnet", False)
    editor.invocation_check.setChecked(True)
    assert not editor.model_combo.isVisible()
    opts = editor.options()
    assert (opts.model, opts.disable_model_invocation) == (None, True)


def test_a_skill_that_disables_model_invocation_opens_without_the_model_field(qtbot) -> None:
    editor = _editor(qtbot, "disable-model-invocation: true\n")
    assert editor.invocation_check.isChecked() and not editor.model_combo.isVisible()
    editor.invocation_check.setChecked(False)
    assert editor.model_combo.isVisible()


def test_merge_customized_setting_on_the_general_page(qtbot, studio, make_window) -> None:
    from skill_studio.app.merge import get_merge_customized

    win = make_window(studio)
    box = win.general.merge_customized
    assert not box.isChecked() and not get_merge_customized(studio)
    box.setChecked(True)
    assert get_merge_customized(studio)
    win.close()
    assert make_window(studio).general.merge_customized.isChecked()
