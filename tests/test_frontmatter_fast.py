"""The libyaml fast path of SKILL.md parsing gives exactly what the pure-Python loader gives: on
every SKILL.md of the shared fixtures and on malformed input (same values, same messages)."""

from __future__ import annotations


import pytest
from conftest import SHARED

from skill_studio.core import frontmatter
from skill_studio.core.errors import FrontmatterError


def _parse(data: bytes, path: str) -> tuple:
    try:
        m = frontmatter.parse_skill_md(data, path)
    except FrontmatterError as err:
        return ("error", str(err))
    return (m.name, m.name_valid, m.local_name, m.description, m.version, m.model, m.purpose, m.fields, m.body,
            m.warnings)


def _both(data: bytes, path: str, monkeypatch: pytest.MonkeyPatch) -> tuple[tuple, tuple]:
    fast = _parse(data, path)
    with monkeypatch.context() as m:
        m.setattr(frontmatter, "_CSafeLoader", None)
        slow = _parse(data, path)
    return fast, slow


def test_fast_loader_is_used_when_safe() -> None:
    if frontmatter._CSafeLoader is None:
        pytest.skip("PyYAML without libyaml")
    assert frontmatter._fast_load("name: x\n")[0] == {"name": "x"}
    assert frontmatter._fast_load("a: &x 1\nb: *x\n") is None  # anchors: the alias cap applies
    assert frontmatter._fast_load("a: " + "[" * 300 + "]" * 300 + "\n") is None  # deep nesting
    assert frontmatter._fast_load("a: [\n") is None  # errors are worded by the Python loader


def test_same_result_on_every_fixture_skill_md(monkeypatch: pytest.MonkeyPatch) -> None:
    files = sorted((SHARED / "fixtures").glob("*/*/files/**/SKILL.md"))
    if not files:
        pytest.skip("shared fixtures absent")
    for f in files:
        data = f.read_bytes()
        fast, slow = _both(data, str(f), monkeypatch)
        assert fast == slow, f


@pytest.mark.parametrize("text", [
    "---\nname: demo\n  bad: [\n---\n",
    "---\nname: [unclosed\n---\n",
    "---\nname: x\nname: y\n---\n",
    "---\nname: !!python/object/apply:os.system [echo hi]\n---\n",
    "---\nname: 2024-13-45\n---\n",
    "---\nname: \"tab\there\"\ndescription: 'it''s'\n---\n",
    "---\n- a\n- b\n---\n",
    "---\nname: x\nversion: 1.10\nmetadata: {version: 2.0, tags: [a, b]}\n---\nbody\n",
    "---\nname: x\ndate: 2024-01-02\nk: {? [1, 2] : v}\n---\n",
    "---\nname: \"\\ud800\"\n---\n",
    "---\n\tname: x\n---\n",
])
def test_same_result_on_tricky_input(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fast, slow = _both(text.encode("utf-8", "surrogatepass"), "s/SKILL.md", monkeypatch)
    assert fast == slow
