"""The Agent Skills rules as a badge (issue 19): each rule reports a problem, nothing blocks."""

from __future__ import annotations

import pytest

from skill_studio.core.frontmatter import parse_skill_md
from skill_studio.core.models import CatalogSkill
from skill_studio.core.spec_check import DOCUMENTED_KEYS, check_fields, check_skill

GOOD = {"name": "pdf-tools", "description": "Works with PDF files."}


def test_a_conforming_skill_is_valid() -> None:
    fields = dict(GOOD, license="MIT", compatibility="Python 3", metadata={"version": "1.0"},
                  **{"allowed-tools": "Read Bash", "model": "sonnet", "argument-hint": "[file]",
                     "user-invocable": True, "disable-model-invocation": False})
    assert set(fields) <= DOCUMENTED_KEYS
    result = check_fields(fields, "pdf-tools")
    assert result.valid and result.problems == ()


@pytest.mark.parametrize(
    ("change", "folder", "phrase"),
    [
        ({"name": None}, "x", "'name' is missing"),
        ({"name": 7}, "x", "'name' is not a string"),
        ({"name": "a" * 65}, "a" * 65, "65 characters long"),
        ({"name": "PDF Tools"}, "PDF Tools", "characters other than"),
        ({"name": "-pdf"}, "-pdf", "starts or ends with '-'"),
        ({"name": "pdf-"}, "pdf-", "starts or ends with '-'"),
        ({"name": "pdf--tools"}, "pdf--tools", "has '--'"),
        ({"name": "café"}, "café", "characters other than"),
        ({}, "pdf", "differs from its folder name 'pdf'"),
        ({"description": None}, "pdf-tools", "'description' is missing"),
        ({"description": "  "}, "pdf-tools", "'description' is empty"),
        ({"description": "d" * 1025}, "pdf-tools", "1025 characters long (at most 1024)"),
        ({"compatibility": "c" * 501}, "pdf-tools", "'compatibility' is 501"),
        ({"metadata": ["a"]}, "pdf-tools", "'metadata' is not a mapping"),
        ({"metadata": {"version": 1.0}}, "pdf-tools", "'metadata' values must be strings: 'version'"),
        ({"version": "1.0", "tags": ["x"]}, "pdf-tools", "not in the Agent Skills spec: 'tags', 'version'"),
    ],
)
def test_each_rule_reports_one_problem(change: dict, folder: str, phrase: str) -> None:
    fields = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    result = check_fields(fields, folder)
    assert not result.valid
    assert len(result.problems) == 1, result.problems
    assert phrase in result.problems[0]


def test_boundaries_are_valid() -> None:
    assert check_fields({"name": "a" * 64, "description": "d" * 1024}, "a" * 64).valid
    assert check_fields({"name": "a", "description": "d"}, "a").valid
    assert check_fields({"name": "a", "description": "d"}, None).valid  # folder rule skipped


def test_check_skill_uses_the_folder_name() -> None:
    text = "---\nname: Writing Rules\ndescription: d\npurpose: research\n---\nbody\n"
    meta = parse_skill_md(text.encode(), "p/skills/writing-rules/SKILL.md")
    skill = CatalogSkill(qualified_name="p:Writing Rules", name=meta.name, local_name=meta.local_name,
                         name_valid=meta.name_valid, plugin="p", path="p/skills/writing-rules", version=None,
                         description="d", repo="o/r", commit="0" * 40, metadata=meta)
    problems = check_skill(skill).problems
    assert any("characters other than" in p for p in problems)
    assert any("differs from its folder name 'writing-rules'" in p for p in problems)
    assert any("'purpose'" in p for p in problems)
    root = CatalogSkill(qualified_name="r", name="r", local_name="r", name_valid=True, plugin=None, path="",
                        version=None, description="d", repo="o/r", commit="0" * 40,
                        metadata=parse_skill_md(b"---\nname: r\ndescription: d\n---\n", "SKILL.md"))
    assert check_skill(root).valid
