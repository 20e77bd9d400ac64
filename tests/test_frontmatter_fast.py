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


# -- python-frontmatter with the hardened handler (reading and writing) ----------------------------

def test_post_round_trip_keeps_body_and_key_order() -> None:
    import frontmatter as fm_lib

    from skill_studio.core.frontmatter import SkillYAMLHandler, dumps_post, load_post, new_post

    text = "---\nname: tidy\ndescription: Tidies things.\nmetadata:\n  version: 1.10\n---\n\n# Tidy\n\nBody  \n"
    post = load_post(text, "s/SKILL.md")
    assert isinstance(post, fm_lib.Post) and isinstance(post.handler, SkillYAMLHandler)
    assert post.metadata == {"name": "tidy", "description": "Tidies things.", "metadata": {"version": 1.1}}
    assert post.content == "\n# Tidy\n\nBody  \n"
    post["description"] = "Tidier: ünïcode"
    out = dumps_post(post)
    assert out.startswith("---\nname: tidy\ndescription: 'Tidier: ünïcode'\n")
    assert out.endswith("---\n\n# Tidy\n\nBody  \n")
    again = frontmatter.parse_skill_md(out, "s/SKILL.md")
    assert again.description == "Tidier: ünïcode" and again.body == post.content
    written = dumps_post(new_post({"name": "x", "description": "d"}, "body\n"))
    assert written == "---\nname: x\ndescription: d\n---\nbody\n"


def test_post_reader_uses_the_hardened_loader() -> None:
    from skill_studio.core.frontmatter import MAX_YAML_ALIASES, SkillYAMLHandler, load_post

    bomb = "---\na: &a [x]\n" + "".join(f"k{i}: *a\n" for i in range(MAX_YAML_ALIASES + 1)) + "---\n"
    with pytest.raises(FrontmatterError, match="aliases"):
        load_post(bomb, "b/SKILL.md")
    with pytest.raises(FrontmatterError, match="b/SKILL.md: no frontmatter"):
        load_post("# just markdown\n", "b/SKILL.md")
    with pytest.raises(FrontmatterError, match="expected a mapping"):
        load_post("---\n- a\n---\n", "b/SKILL.md")
    with pytest.raises(FrontmatterError, match=r"invalid YAML in frontmatter at line 4, column 1"):
        load_post("---\nname: a\nx: [\n---\n", "b/SKILL.md")
    handler = SkillYAMLHandler("b/SKILL.md")
    assert handler.detect("---\nname: a\n---\n") and not handler.detect("---\nname: a\n")
