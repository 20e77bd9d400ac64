"""Context-cost estimates (issue 17): the listing line as Claude Code builds it, tokens, budget."""

from __future__ import annotations

from skill_studio.core.cost import (
    CHARS_PER_TOKEN,
    DEFAULT_BUDGET_TOKENS,
    DEFAULT_LISTING_BUDGET_CHARS,
    MAX_LISTED_DESCRIPTION_CHARS,
    METHOD,
    estimate_tokens,
    listing_line,
    skill_cost,
    target_cost,
)


def md(front: str, body: str = "Body text.\n") -> bytes:
    return f"---\n{front}---\n{body}".encode()


def test_sourced_defaults_and_method() -> None:
    assert DEFAULT_LISTING_BUDGET_CHARS == 8000  # 200k tokens x 4 chars x 1 %
    assert DEFAULT_BUDGET_TOKENS == 2000
    assert MAX_LISTED_DESCRIPTION_CHARS == 1536
    assert "estimate" in METHOD and f"/ {CHARS_PER_TOKEN}" in METHOD
    assert [estimate_tokens(s) for s in ("", "a", "abcd", "abcde")] == [0, 1, 1, 2]


def test_listing_line_like_claude_code() -> None:
    assert listing_line("pdf", "pdf", "Read PDFs.") == "- pdf: Read PDFs."
    assert listing_line("pdf-tools", "pdf", "Read PDFs.") == "- pdf-tools (pdf): Read PDFs."
    assert listing_line("pdf", "pdf", "Read PDFs.", "When a PDF is attached.") == \
        "- pdf: Read PDFs. - When a PDF is attached."
    assert listing_line("pdf", "pdf", None) == "- pdf"
    long = listing_line("x", "x", "d" * 5000)
    assert long == "- x: " + "d" * MAX_LISTED_DESCRIPTION_CHARS


def test_skill_cost_tiers() -> None:
    files = {"SKILL.md": md("name: pdf\ndescription: Read PDFs.\n", "B" * 400), "scripts/a.py": b"x" * 1000,
             ".skill-studio.json": b"{}"}
    c = skill_cost("pdf", files)
    assert (c.listing, c.always_loaded_tokens, c.on_use_tokens, c.other_bytes) == ("- pdf: Read PDFs.", 5, 100, 1000)
    assert c.to_json() == {"local_name": "pdf", "always_loaded_tokens": 5, "on_use_tokens": 100, "other_bytes": 1000}
    hidden = skill_cost("pdf", {"SKILL.md": md("name: pdf\ndescription: d\ndisable-model-invocation: true\n")})
    assert hidden.hidden and hidden.always_loaded_tokens == 0 and hidden.listing == ""
    broken = skill_cost("bad", {"SKILL.md": b"no frontmatter at all\n"})
    assert broken.warning and broken.on_use_tokens == estimate_tokens("no frontmatter at all\n")


def test_target_totals_and_warning() -> None:
    a = skill_cost("a", {"SKILL.md": md("name: a\ndescription: " + "w" * 400 + "\n")})
    b = skill_cost("b", {"SKILL.md": md("name: b\ndescription: short\n", "x" * 80)})
    t = target_cost("proj", [b, a], budget_tokens=100)
    assert [s.local_name for s in t.skills] == ["a", "b"]
    assert t.always_loaded_tokens == a.always_loaded_tokens + b.always_loaded_tokens
    assert t.on_use_tokens == a.on_use_tokens + b.on_use_tokens
    assert t.listing_chars == len(a.listing) + 1 + len(b.listing)
    assert t.over_budget and "proj" in t.warning()
    assert target_cost("proj", [b]).warning() is None
    assert t.to_json()["skills"][0]["local_name"] == "a"
