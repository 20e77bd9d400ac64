"""Unit tests for skill_studio.core.frontmatter (R-FM-1, R-FM-2)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skill_studio.core.errors import FrontmatterError
from skill_studio.core.frontmatter import (
    MAX_SKILL_MD_BYTES,
    MAX_YAML_ALIASES,
    NAME_RE,
    is_valid_skill_name,
    parse_skill_md,
    propose_local_name,
    split_frontmatter,
)
from skill_studio.core.models import SkillMetadata

PATH = "plugins/demo/skills/demo/SKILL.md"


def md(frontmatter: str, body: str = "# Demo\n") -> str:
    return f"---\n{frontmatter}---\n{body}"


# ---------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    "name",
    ["a", "pdf", "skill-creator", "a1-b2-c3", "0", "x" * 64, "000-jeremy-validator"],
)
def test_valid_names(name: str) -> None:
    assert is_valid_skill_name(name)
    assert NAME_RE.match(name)


@pytest.mark.parametrize(
    "name",
    ["", "-a", "a-", "a--b", "A", "Writing Hookify Rules", "a_b", "a.b", "x" * 65, "a\n", "ui/web", "é"],
)
def test_invalid_names(name: str) -> None:
    assert not is_valid_skill_name(name)


def test_is_valid_skill_name_rejects_non_strings() -> None:
    assert not is_valid_skill_name(None)  # type: ignore[arg-type]
    assert not is_valid_skill_name(12)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Writing Hookify Rules", "writing-hookify-rules"),
        ("ui-toolkit/web", "ui-toolkit-web"),
        ("MCP Integration", "mcp-integration"),
        ("already-valid", "already-valid"),
        ("a--b", "a-b"),
        ("  --Lead & Trail--  ", "lead-trail"),
        ("Café Crème", "caf-cr-me"),
        ("v2.0_beta", "v2-0-beta"),
        ("!!!", None),
        ("", None),
        ("日本語", None),
    ],
)
def test_propose_local_name(name: str, expected: str | None) -> None:
    assert propose_local_name(name) == expected


def test_propose_local_name_cuts_to_64_without_trailing_hyphen() -> None:
    name = "a" * 63 + " tail"
    proposal = propose_local_name(name)
    assert proposal == "a" * 63
    assert len(propose_local_name("b" * 100) or "") == 64


@given(st.text(max_size=200))
def test_propose_local_name_is_always_valid(name: str) -> None:
    proposal = propose_local_name(name)
    assert proposal is None or is_valid_skill_name(proposal)
    if is_valid_skill_name(name):
        assert proposal == name


# ---------------------------------------------------------------------------- happy path


def test_parse_minimal_skill() -> None:
    meta = parse_skill_md(md("name: demo\ndescription: Does demo things.\n", "# Body\ntext\n"), PATH)
    assert isinstance(meta, SkillMetadata)
    assert meta.name == "demo"
    assert meta.name_valid is True
    assert meta.local_name == "demo"
    assert meta.description == "Does demo things."
    assert meta.version is None
    assert meta.model is None and meta.purpose is None
    assert meta.fields == {"name": "demo", "description": "Does demo things."}
    assert meta.body == "# Body\ntext\n"
    assert meta.warnings == ()


def test_parse_accepts_bytes_bom_crlf_and_leading_blank_lines() -> None:
    text = "\ufeff\r\n---\r\nname: demo\r\ndescription: d\r\n---\r\nbody\r\n"
    meta = parse_skill_md(text.encode("utf-8"), PATH)
    assert meta.name == "demo"
    assert meta.description == "d"
    assert meta.body == "body\r\n"


def test_optional_fields_and_unknown_keys_are_kept() -> None:
    meta = parse_skill_md(
        md(
            "name: demo\ndescription: d\nmodel: opus\npurpose: research\nallowed-tools: [Read, Grep]\n"
            "user-invocable: false\nx-custom: {a: 1}\n"
        ),
        PATH,
    )
    assert meta.model == "opus"
    assert meta.purpose == "research"
    assert meta.fields["allowed-tools"] == ["Read", "Grep"]
    assert meta.fields["user-invocable"] is False
    assert meta.fields["x-custom"] == {"a": 1}


def test_non_text_model_is_ignored_with_warning() -> None:
    meta = parse_skill_md(md("name: demo\ndescription: d\nmodel: [a]\n"), PATH)
    assert meta.model is None
    assert any("model" in w for w in meta.warnings)


def test_block_scalars_are_trimmed() -> None:
    meta = parse_skill_md(md("name: demo\ndescription: |\n  line one\n  line two\n"), PATH)
    assert meta.description == "line one\nline two"


@pytest.mark.parametrize(
    ("frontmatter", "version"),
    [
        ("version: 1.2.3\n", "1.2.3"),
        ("version: 1.0\n", "1.0"),
        ("version: 1.10\n", "1.10"),
        ("version: 2\n", "2"),
        ("version: '0.3.0'\n", "0.3.0"),
        ("metadata:\n  version: 2.0.0\nversion: 1.0.0\n", "2.0.0"),
        ("metadata:\n  version: 1.5\n", "1.5"),
        ("metadata:\n  author: x\nversion: 3.1.4\n", "3.1.4"),
        ("metadata: text\nversion: 0.1.0\n", "0.1.0"),
        ("", None),
    ],
)
def test_version(frontmatter: str, version: str | None) -> None:
    meta = parse_skill_md(md("name: demo\ndescription: d\n" + frontmatter), PATH)
    assert meta.version == version


def test_unusable_version_is_ignored_with_warning() -> None:
    meta = parse_skill_md(md("name: demo\ndescription: d\nversion: [1, 2]\n"), PATH)
    assert meta.version is None
    assert any("version" in w for w in meta.warnings)


def test_fields_are_json_serialisable() -> None:
    meta = parse_skill_md(
        md(
            "name: demo\ndescription: d\ncreated: 2024-05-01\nstamp: 2024-05-01 10:00:00\n"
            "1: one\nnull: nothing\nfalse: no\nbig: .inf\nblob: !!binary aGk=\nset: !!set {b, a}\n"
        ),
        PATH,
    )
    json.dumps(meta.fields, allow_nan=False)
    assert meta.fields["created"] == "2024-05-01"
    assert meta.fields["stamp"].startswith("2024-05-01")
    assert meta.fields["1"] == "one"
    assert meta.fields["null"] == "nothing"
    assert meta.fields["false"] is False
    assert meta.fields["set"] == ["a", "b"]


def test_huge_integers_stay_serialisable() -> None:
    meta = parse_skill_md(md("name: demo\ndescription: d\nbig: 0x" + "f" * 5000 + "\nwide: 18446744073709551616\n"), PATH)
    json.dumps(meta.fields)
    assert meta.fields["big"].startswith("0xfff")
    assert meta.fields["wide"] == "18446744073709551616"


def test_numeric_name_keeps_its_written_form() -> None:
    meta = parse_skill_md(md("name: 007\ndescription: d\n"), PATH)
    assert meta.name == "007"
    assert meta.name_valid


def test_aliases_within_the_limit_are_expanded() -> None:
    meta = parse_skill_md(md("name: demo\ndescription: d\nbase: &b {x: 1}\ncopy: *b\n"), PATH)
    assert meta.fields["copy"] == {"x": 1}


def test_accepts_str_input() -> None:
    assert parse_skill_md(md("name: demo\ndescription: d\n"), PATH).name == "demo"


# ---------------------------------------------------------------------------- warnings


def test_invalid_name_is_listed_with_warning_and_proposal() -> None:
    meta = parse_skill_md(md("name: Writing Hookify Rules\ndescription: d\n"), PATH)
    assert meta.name == "Writing Hookify Rules"
    assert meta.name_valid is False
    assert meta.local_name == "writing-hookify-rules"
    assert len(meta.warnings) == 1
    assert "writing-hookify-rules" in meta.warnings[0]


@pytest.mark.parametrize("frontmatter", ["name: demo\n", "name: demo\ndescription: ''\n", "name: demo\ndescription:\n"])
def test_missing_description_warns(frontmatter: str) -> None:
    meta = parse_skill_md(md(frontmatter), PATH)
    assert meta.description is None
    assert "no description: the import will ask for one" in meta.warnings


def test_long_description_warns() -> None:
    meta = parse_skill_md(md(f"name: demo\ndescription: {'x' * 1025}\n"), PATH)
    assert meta.description == "x" * 1025
    assert any("1024" in w for w in meta.warnings)
    assert parse_skill_md(md(f"name: demo\ndescription: {'x' * 1024}\n"), PATH).warnings == ()


def test_non_text_description_is_ignored_with_warning() -> None:
    meta = parse_skill_md(md("name: demo\ndescription: [a, b]\n"), PATH)
    assert meta.description is None
    assert any("description" in w for w in meta.warnings)


# ---------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"---\nname: d\xe9mo\n---\n", "not UTF-8"),
        ("# No frontmatter\nname: demo\n", "no frontmatter"),
        ("", "no frontmatter"),
        ("text first\n---\nname: demo\n---\n", "no frontmatter"),
        ("---\nname: demo\ndescription: d\n", "unterminated"),
        ("---\nname: demo\n  bad: [\n---\n", "invalid YAML"),
        ("---\n- a\n- b\n---\n", "expected a mapping"),
        ("---\njust text\n---\n", "expected a mapping"),
        ("---\n---\n", "no name"),
        ("---\ndescription: d\n---\n", "no name"),
        ("---\nname: ''\n---\n", "no name"),
        ("---\nname:   \n---\n", "no name"),
        ("---\nname: '!!!'\n---\n", "no usable character"),
        ("---\nname: [a]\n---\n", "expected text"),
        ("---\nname: true\n---\n", "expected text"),
        ("---\nname: !!python/object/apply:os.system [echo hi]\n---\n", "invalid YAML"),
        ("---\nname: 2024-13-45\n---\n", "invalid YAML"),
        ("---\nname: demo\nname2: x\n---\n---\n", None),  # a second block is just body text
    ],
)
def test_errors(data: bytes | str, reason: str | None) -> None:
    if reason is None:
        assert parse_skill_md(data, PATH).body == "---\n"
        return
    with pytest.raises(FrontmatterError) as info:
        parse_skill_md(data, PATH)
    assert PATH in str(info.value)
    assert reason in str(info.value)


def test_invalid_yaml_reports_file_line() -> None:
    with pytest.raises(FrontmatterError, match=r"line 3"):
        parse_skill_md("---\nname: demo\ndescription: a: b\n---\n", PATH)


def test_too_large_is_refused() -> None:
    data = md("name: demo\ndescription: d\n", "x" * MAX_SKILL_MD_BYTES).encode()
    with pytest.raises(FrontmatterError, match="too large"):
        parse_skill_md(data, PATH)
    with pytest.raises(FrontmatterError, match="too large"):
        parse_skill_md(data.decode(), PATH)


def test_unpaired_surrogate_in_str_is_refused() -> None:
    with pytest.raises(FrontmatterError, match="not UTF-8"):
        parse_skill_md("---\nname: \ud800\n---\n", PATH)


def test_alias_bomb_is_refused() -> None:
    lines = ["name: demo", "a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        refs = ", ".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    with pytest.raises(FrontmatterError, match="alias"):
        parse_skill_md(md("\n".join(lines) + "\n"), PATH)


def test_alias_expansion_is_bounded_even_under_the_alias_limit() -> None:
    # 3 levels of 10 aliases (30 < limit) expand to 10**3 * 20000 values.
    lines = ["name: demo", "a0: &a0 [" + ", ".join(["x"] * 20000) + "]"]
    for i in range(1, 4):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    assert MAX_YAML_ALIASES >= 30
    with pytest.raises(FrontmatterError, match="too large"):
        parse_skill_md(md("\n".join(lines) + "\n"), PATH)


def test_recursive_alias_is_refused() -> None:
    with pytest.raises(FrontmatterError, match="refers to itself"):
        parse_skill_md(md("name: demo\nloop: &l [*l]\n"), PATH)


def test_deep_nesting_is_refused() -> None:
    with pytest.raises(FrontmatterError, match=PATH):
        parse_skill_md(md("name: demo\ndeep: " + "[" * 5000 + "]" * 5000 + "\n"), PATH)
    with pytest.raises(FrontmatterError, match="nested too deeply"):
        parse_skill_md(md("name: demo\ndeep: " + "[" * 100 + "]" * 100 + "\n"), PATH)


def test_split_frontmatter() -> None:
    block, body, first = split_frontmatter("\n---\na: 1\n---\nbody", PATH)
    assert (block, body, first) == ("a: 1\n", "body", 3)


# ---------------------------------------------------------------------------- properties


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_crash(data: bytes) -> None:
    try:
        meta = parse_skill_md(data, PATH)
    except FrontmatterError as err:
        assert PATH in str(err)
    else:
        assert isinstance(meta, SkillMetadata)
        json.dumps(meta.fields, allow_nan=False)


_yamlish = st.text(alphabet=st.sampled_from(list("ab:-[]{}&*!|>'\"\n #.,?0123456789")), max_size=300)


@settings(max_examples=200, deadline=None)
@given(_yamlish)
def test_arbitrary_frontmatter_never_crashes(block: str) -> None:
    try:
        meta = parse_skill_md(f"---\nname: demo\n{block}\n---\nbody", PATH)
    except FrontmatterError as err:
        assert PATH in str(err)
    else:
        assert is_valid_skill_name(meta.local_name)
        json.dumps(meta.fields, allow_nan=False)
