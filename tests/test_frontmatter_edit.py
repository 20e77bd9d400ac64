"""Byte-preserving frontmatter edits (issue 13: metadata chosen at import is written into SKILL.md).

Synthetic SKILL.md texts pin the exact bytes; the shared marketplace fixtures (skipped when
absent) check that editing a description of every real SKILL.md changes only that entry.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import marketplace_fixtures
from hypothesis import given, settings
from hypothesis import strategies as st

from skill_studio.core.errors import FrontmatterEditError, FrontmatterError
from skill_studio.core.frontmatter import parse_skill_md
from skill_studio.core.frontmatter_edit import (
    REMOVE,
    edit_frontmatter,
    edit_skill_md,
    emit_scalar,
    import_changes,
    write_changes,
)
from skill_studio.core.models import ImportOptions

SKILL = """\
---
# leading comment
name: pdf-tools   # kept comment
description: Old text.
license: MIT
allowed-tools: [Read, Write]
---
# Body

Keep me.
"""


def test_only_the_edited_line_changes() -> None:
    out = edit_frontmatter(SKILL, {"description": "New text."})
    assert out == SKILL.replace("description: Old text.", "description: New text.")


def test_unchanged_value_returns_the_same_text() -> None:
    assert edit_frontmatter(SKILL, {"description": "Old text.", "name": "pdf-tools"}) == SKILL
    data = SKILL.encode()
    assert edit_skill_md(data, {}) is data


def test_values_are_quoted_when_plain_text_would_change_meaning() -> None:
    for value in ("a: b", "yes", "1.10", "#hash", " lead", "[x]", "null", "it's", 'say "hi"', "@at", "*star"):
        out = edit_frontmatter(SKILL, {"description": value})
        assert yaml.safe_load(out.split("---\n")[1])["description"] == value
        assert parse_skill_md(out, "SKILL.md").description == value.strip()
    assert emit_scalar("plain words") == "plain words"
    assert emit_scalar(True) == "true"
    assert emit_scalar("1.10") == "'1.10'"


def test_multi_line_value_becomes_one_escaped_line() -> None:
    out = edit_frontmatter(SKILL, {"description": "line one\nline two"})
    assert 'description: "line one\\nline two"\n' in out
    assert parse_skill_md(out, "SKILL.md").description == "line one\nline two"


def test_folded_value_is_replaced_and_blank_lines_after_it_stay() -> None:
    text = "---\nname: x\ndescription: >\n  folded old\n  text\n\n# note\nmodel: sonnet\n---\nbody\n"
    out = edit_frontmatter(text, {"description": "short"})
    assert out == "---\nname: x\ndescription: short\n\n# note\nmodel: sonnet\n---\nbody\n"
    text = "---\nname: x\ndescription: |-\n  literal\n    kept?\nmodel: sonnet\n---\n"
    assert edit_frontmatter(text, {"description": "d"}) == "---\nname: x\ndescription: d\nmodel: sonnet\n---\n"


def test_value_on_the_next_line_is_pulled_up_beside_its_key() -> None:
    text = "---\nname: x\ndescription:\n  plain value\n  over two lines\nmodel: a\n---\n"
    assert edit_frontmatter(text, {"description": "d"}) == "---\nname: x\ndescription: d\nmodel: a\n---\n"


def test_empty_value_is_filled_in_place() -> None:
    text = "---\nname: x\nmodel:\ndescription: d\n---\n"
    assert edit_frontmatter(text, {"model": "opus"}) == "---\nname: x\nmodel: opus\ndescription: d\n---\n"


def test_crlf_and_bom_are_kept() -> None:
    text = "\ufeff" + SKILL.replace("\n", "\r\n")
    data = text.encode("utf-8")
    out = edit_skill_md(data, {"description": "New", "model": "opus"})
    assert out.startswith(b"\xef\xbb\xbf---\r\n")
    assert b"\n" not in out.replace(b"\r\n", b"")
    assert out.decode("utf-8") == text.replace("Old text.", "New").replace(
        "allowed-tools: [Read, Write]\r\n", "allowed-tools: [Read, Write]\r\nmodel: opus\r\n")


def test_new_description_goes_after_the_name_other_new_keys_at_the_end() -> None:
    text = "---\nname: x\nlicense: MIT\n---\nbody\n"
    out = edit_frontmatter(text, {"description": "d", "argument-hint": "[file]", "disable-model-invocation": True})
    assert out == "---\nname: x\ndescription: d\nlicense: MIT\nargument-hint: '[file]'\n" \
                  "disable-model-invocation: true\n---\nbody\n"


def test_remove_cuts_the_whole_entry() -> None:
    out = edit_frontmatter(SKILL, {"license": REMOVE})
    assert out == SKILL.replace("license: MIT\n", "")
    text = "---\nname: x\ndescription: |\n  a\n  b\n\nmodel: m\n---\n"
    assert edit_frontmatter(text, {"description": REMOVE}) == "---\nname: x\n\nmodel: m\n---\n"
    assert edit_frontmatter(text, {"absent": REMOVE}) == text


@pytest.mark.parametrize(("before", "after"), [
    # metadata.version wins (R-FM-1): edit it where it is
    ("---\nname: x\nmetadata:\n  author: me\n  version: 1.10\n---\n",
     "---\nname: x\nmetadata:\n  author: me\n  version: 2.0.0\n---\n"),
    ("---\nname: x\nversion: \"1.0\"   # pinned\n---\n", "---\nname: x\nversion: 2.0.0   # pinned\n---\n"),
    # both: keep them agreeing
    ("---\nname: x\nversion: 1.0.0\nmetadata:\n  version: 1.0.0\n---\n",
     "---\nname: x\nversion: 2.0.0\nmetadata:\n  version: 2.0.0\n---\n"),
    # none, but a metadata block: add it there, with its indentation
    ("---\nname: x\nmetadata:\n    author: me\nlicense: MIT\n---\n",
     "---\nname: x\nmetadata:\n    author: me\n    version: 2.0.0\nlicense: MIT\n---\n"),
    # none at all: top level
    ("---\nname: x\n---\n", "---\nname: x\nversion: 2.0.0\n---\n"),
])
def test_version_is_written_where_the_file_keeps_it(before: str, after: str) -> None:
    out = edit_frontmatter(before, {"version": "2.0.0"})
    assert out == after
    assert parse_skill_md(out, "SKILL.md").version == "2.0.0"


def test_version_written_as_a_number_counts_as_its_text() -> None:
    text = "---\nname: x\nversion: 1.10\n---\n"
    assert edit_frontmatter(text, {"version": "1.10"}) == text
    assert edit_frontmatter(text, {"version": "1.9"}) == "---\nname: x\nversion: '1.9'\n---\n"


def test_flow_mapping_root_edits_in_place_but_cannot_grow() -> None:
    text = "---\n{name: x, description: old, model: m}\n---\n"
    assert edit_frontmatter(text, {"description": "new"}) == "---\n{name: x, description: new, model: m}\n---\n"
    with pytest.raises(FrontmatterEditError, match="flow"):
        edit_frontmatter(text, {"license": "MIT"})
    with pytest.raises(FrontmatterEditError, match="SKILL.md"):
        edit_frontmatter(text, {"model": REMOVE})


def test_bad_input_is_refused_with_the_file_named() -> None:
    for text in ("no frontmatter\n", "---\nname: x\n", "---\nname: [unclosed\n---\n", "---\n- a list\n---\n"):
        with pytest.raises(FrontmatterEditError, match="skills/x/SKILL.md"):
            edit_frontmatter(text, {"description": "d"}, "skills/x/SKILL.md")
    with pytest.raises(FrontmatterEditError, match="not UTF-8"):
        edit_skill_md(b"---\nname: \xff\n---\n", {"description": "d"})
    with pytest.raises(FrontmatterEditError, match="cannot write a dict"):
        edit_frontmatter(SKILL, {"description": {"a": 1}})
    assert issubclass(FrontmatterEditError, FrontmatterError)


def test_alias_bombs_are_refused() -> None:
    lines = ["---", "name: x", "a0: &a0 [x, x]"]
    lines += [f"a{i}: &a{i} [*a{i-1}, *a{i-1}]" for i in range(1, 40)]
    with pytest.raises(FrontmatterEditError, match="aliases"):
        edit_frontmatter("\n".join(lines + ["---", ""]), {"description": "d"})


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=80))
def test_any_text_reads_back_exactly(value: str) -> None:
    out = edit_frontmatter(SKILL, {"description": value})
    assert yaml.safe_load(out.split("---\n")[1])["description"] == value
    head, body = out.split("---\n", 2)[1:]
    assert body == "# Body\n\nKeep me.\n"


def test_import_changes_are_only_what_the_user_edited() -> None:
    meta = parse_skill_md(SKILL.replace("license: MIT\n", "license: MIT\nmodel: sonnet\n"), "SKILL.md")
    shown = dict(shown_version="1.2.0", proposed_local_name="pdf-tools")
    untouched = ImportOptions(local_name="pdf-tools", description="Old text.", version="1.2.0", model="sonnet",
                              purpose="domain")
    assert import_changes(meta, opts=untouched, **shown) == {}
    edited = ImportOptions(local_name="pdf-2", description=" New. ", version="2.0", model="opus",
                           argument_hint="[file]", disable_model_invocation=False)
    assert import_changes(meta, opts=edited, **shown) == {
        "name": "pdf-2", "description": "New.", "version": "2.0", "model": "opus", "argument-hint": "[file]"}
    # model invocation disabled: the model field is hidden, so no model is written
    off = ImportOptions(model="opus", disable_model_invocation=True)
    assert import_changes(meta, opts=off, **shown) == {"disable-model-invocation": True}
    hinted = parse_skill_md("---\nname: x\ndescription: d\nargument-hint: '[a]'\n---\n", "SKILL.md")
    assert import_changes(hinted, opts=ImportOptions(argument_hint=""), shown_version=None,
                          proposed_local_name="x") == {"argument-hint": REMOVE}


def test_write_changes_edits_only_skill_md() -> None:
    files = {"SKILL.md": SKILL.encode(), "ref.md": b"ref\n"}
    out = write_changes(files, {"description": "X"})
    assert out["ref.md"] is files["ref.md"] and parse_skill_md(out["SKILL.md"], "SKILL.md").description == "X"
    assert write_changes(files, {}) == files
    with pytest.raises(FrontmatterEditError, match="missing"):
        write_changes({"ref.md": b""}, {"description": "X"})


# -- every SKILL.md of the shared marketplace fixtures ------------------------------------------

def _entry_region(text: str, key: str) -> tuple[int, int] | None:
    """File offsets of the whole lines holding a top-level key and its value (None: no such key)."""
    start = text.index("\n", text.index("---")) + 1
    end = start
    for line in text[start:].splitlines(keepends=True):
        if line.rstrip("\r\n").rstrip(" \t").startswith("---") and set(line.strip()) == {"-"}:
            break
        end += len(line)
    root = yaml.compose(text[start:end], Loader=yaml.SafeLoader)
    for k, v in root.value:
        if k.value == key:
            a = text.rfind("\n", 0, start + k.start_mark.index) + 1
            b = start + v.end_mark.index
            return a, (b if text[b - 1] == "\n" else text.find("\n", b) + 1)
    return None


@pytest.mark.parametrize("folder", marketplace_fixtures() or [None], ids=lambda p: p.name if p else "absent")
def test_editing_the_description_of_every_fixture_skill_changes_only_it(folder: Path | None) -> None:
    if folder is None:
        pytest.skip("../shared/fixtures/marketplaces is absent")
    checked = 0
    for path in sorted(folder.rglob("SKILL.md")):
        data = path.read_bytes()
        try:
            before = parse_skill_md(data, str(path))
        except FrontmatterError:
            continue  # excluded from listings; never imported (R-FM-2)
        new = "Edited at import: it's \"mine\" #1"
        out = edit_skill_md(data, {"description": new}, str(path))
        after = parse_skill_md(out, str(path))
        assert after.description == new, path
        assert after.body == before.body and after.name == before.name, path
        assert {k: v for k, v in after.fields.items() if k != "description"} == \
               {k: v for k, v in before.fields.items() if k != "description"}, path
        old_text, new_text = data.decode("utf-8"), out.decode("utf-8")
        p = 0
        while p < min(len(old_text), len(new_text)) and old_text[p] == new_text[p]:
            p += 1
        q = 0
        while q < min(len(old_text), len(new_text)) - p and old_text[-1 - q] == new_text[-1 - q]:
            q += 1
        region = _entry_region(old_text.lstrip("\ufeff\r\n \t"), "description")
        lead = len(old_text) - len(old_text.lstrip("\ufeff\r\n \t"))
        if region is None:  # added after the name: a pure insertion of one line
            assert old_text[p:len(old_text) - q] == ""
            assert new_text[p:len(new_text) - q].lstrip("\r\n").startswith("description: ")
        else:
            assert lead + region[0] <= p and len(old_text) - q <= lead + region[1], path
        if b"\r\n" in data:
            assert out.count(b"\r\n") - out.count(b"\n") == data.count(b"\r\n") - data.count(b"\n"), path
        checked += 1
    if not checked:
        pytest.skip(f"{folder.name} has no parsable SKILL.md of its own (external sources only)")
