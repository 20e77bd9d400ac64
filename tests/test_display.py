"""The display sanitizer and registry-name disambiguation (issue 16 item 10)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skill_studio.core.display import MAX_REGISTRY_NAME_CHARS, clean, unique_registry_name


@pytest.mark.parametrize(("raw", "shown"), [
    ("plain name", "plain name"),
    ("\x1b[31mred\x1b[0m", "red"),
    ("\x1b[2Jclear", "clear"),
    ("\x1b]0;title\x07after", "after"),
    ("\x1b]8;;http://evil\x1b\\link", "link"),
    ("two\nlines", "two lines"),
    ("cr\r\nlf", "cr lf"),
    ("tab\there", "tab here"),
    ("bell\x07", "bell?"),
    ("nul\x00", "nul?"),
    ("del\x7f", "del?"),
    ("c1\x9b31m", "c1"),
    ("rtl\u202eevil", "rtl?evil"),
    ("zero\u200bwidth", "zero?width"),
    ("caf\u00e9 \u2713", "caf\u00e9 \u2713"),
    (None, ""),
    (42, "42"),
])
def test_clean(raw: object, shown: str) -> None:
    assert clean(raw) == shown


def test_clean_cuts_overlong_text() -> None:
    assert clean("x" * 5000) == "x" * 199 + "…"
    assert len(clean("y" * 5000, 40)) == 40
    assert clean("short", None) == "short"


def test_multiline_keeps_line_breaks_only() -> None:
    assert clean("a\nb\x1b[31m\tc\r\nd", None, multiline=True) == "a\nb c\nd"


@given(st.text())
def test_clean_output_has_no_control_or_escape(text: str) -> None:
    out = clean(text)
    assert "\x1b" not in out and "\n" not in out and "\r" not in out
    assert all(ord(ch) >= 0x20 and not 0x7f <= ord(ch) < 0xa0 for ch in out)
    assert len(out) <= 200


def test_unique_registry_name() -> None:
    taken = ["good-market", "acme/skills", "other"]
    assert unique_registry_name("fresh", "a/b", taken) == "fresh"
    assert unique_registry_name("GOOD-market", "a/b", taken) == "GOOD-market (a/b)"
    assert unique_registry_name("acme/skills", "a/b", taken) == "acme/skills (a/b)"
    assert unique_registry_name("good-market", "a/b", [*taken, "good-market (a/b)"]) == "good-market (a/b) 2"
    assert unique_registry_name("\x1b[31m\n", "a/b", taken) == "a/b"
    assert len(unique_registry_name("z" * 5000, "a/b", taken)) == MAX_REGISTRY_NAME_CHARS
