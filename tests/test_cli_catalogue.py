"""``browse`` as a catalogue (issue 19): plugin_info and spec in --json, facet options across every
enabled registry, checked against the fixture catalogs (skipped when ../shared is absent)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import MARKETPLACES

from skill_studio.cli import main

pytestmark = pytest.mark.integration

JEREMY = "jeremylongshore/claude-code-plugins-plus"
SECONDSKY = "secondsky/claude-skills"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def catalog(slug: str) -> dict[str, dict[str, Any]]:
    """The fixture's catalog entries by plugin name (skips when absent)."""
    path = MARKETPLACES / slug.replace("/", "__") / "files" / ".claude-plugin" / "marketplace.json"
    if not path.is_file():
        pytest.skip(f"fixture catalog {path} is absent")
    doc = json.loads(path.read_text(encoding="utf-8"))
    return {e["name"]: e for e in doc["plugins"] if isinstance(e, dict) and isinstance(e.get("name"), str)}


@pytest.fixture
def fx(fixture_github, use_github, capsys):  # type: ignore[no-untyped-def]
    use_github(fixture_github)
    for slug in (JEREMY, SECONDSKY):
        if (MARKETPLACES / slug.replace("/", "__")).is_dir():
            assert run(capsys, "registry", "add", slug)[0] == 0
    return fixture_github


def browse(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, Any]]:
    code, out, err = run(capsys, "browse", *args, "--json")
    assert code == 0, err
    registries: list[dict[str, Any]] = json.loads(out)["registries"]
    assert all(r["errors"] == [] for r in registries)
    return registries


def test_each_skill_carries_its_catalog_entry_exactly(fx, capsys) -> None:  # type: ignore[no-untyped-def]
    entries = catalog(JEREMY)
    (reg,) = browse(capsys, JEREMY)
    assert len(reg["skills"]) == reg["total"] > 300
    for skill in reg["skills"]:
        entry, info = entries[skill["plugin"]], skill["plugin_info"]
        assert set(info) == {"display_name", "description", "category", "keywords", "author", "homepage", "license"}
        assert info["category"] == entry["category"]
        assert info["description"] == entry["description"]
        assert info["keywords"] == list(dict.fromkeys([*entry.get("keywords", []), *entry.get("tags", [])]))
        if entry.get("author") is not None:
            want = entry["author"]
            assert info["author"] == {"name": want.get("name"), "email": want.get("email"), "url": want.get("url")}
        assert isinstance(skill["spec"]["valid"], bool)
        assert skill["spec"]["valid"] == (skill["spec"]["problems"] == [])


def _expected(slug: str, skills: list[dict[str, Any]], want: dict[str, set[str]]) -> set[str]:
    """Qualified names of the unfiltered listing whose plugin's catalog entry passes ``want``
    (field → accepted case-folded values)."""
    entries = catalog(slug)
    out = set()
    for s in skills:
        entry = entries.get(s["plugin"])
        assert entry is not None, s["plugin"]
        ok = True
        if "category" in want:
            ok &= str(entry.get("category", "")).casefold() in want["category"]
        if "keyword" in want:
            ok &= bool({k.casefold() for k in [*entry.get("keywords", []), *entry.get("tags", [])]} & want["keyword"])
        if ok:
            out.add(s["qualified_name"])
    return out


def test_category_lists_exactly_the_plugins_of_that_category_across_registries(fx, capsys) -> None:  # type: ignore[no-untyped-def]
    catalog(JEREMY), catalog(SECONDSKY)
    full = {r["name"]: r for r in browse(capsys)}
    assert len(full) == 3  # the default registry, jeremylongshore, secondsky
    filtered = {r["name"]: r for r in browse(capsys, "--category", "Security")}
    assert set(filtered) == set(full)
    got_total = 0
    for slug, name in ((JEREMY, "claude-code-plugins-plus"), (SECONDSKY, "claude-skills")):
        got = {s["qualified_name"] for s in filtered[name]["skills"]}
        want = _expected(slug, full[name]["skills"], {"category": {"security"}})
        assert got == want and got, (name, sorted(got ^ want))
        assert filtered[name]["total"] == len(full[name]["skills"])
        got_total += len(got)
    assert filtered["anthropic-agent-skills"]["skills"] == []  # its catalog has no categories
    assert got_total > 27


def test_options_combine_with_and_and_values_with_or(fx, capsys) -> None:  # type: ignore[no-untyped-def]
    catalog(JEREMY)
    (full,) = browse(capsys, JEREMY)
    (both,) = browse(capsys, JEREMY, "--category", "devops", "--keyword", "KUBERNETES")
    want = _expected(JEREMY, full["skills"], {"category": {"devops"}, "keyword": {"kubernetes"}})
    assert {s["qualified_name"] for s in both["skills"]} == want and want
    (either,) = browse(capsys, JEREMY, "--category", "devops", "--category", "crypto")
    assert {s["qualified_name"] for s in either["skills"]} == _expected(
        JEREMY, full["skills"], {"category": {"devops", "crypto"}})
    (by_author,) = browse(capsys, JEREMY, "--author", "claude code plugin hub", "--sort", "category")
    assert by_author["skills"] and all(s["plugin_info"]["author"]["name"] == "Claude Code Plugin Hub"
                                       for s in by_author["skills"])
    cats = [s["plugin_info"]["category"] or "\uffff" for s in by_author["skills"]]
    assert cats == sorted(cats, key=str.casefold)
    plugin = full["skills"][0]["plugin"]
    (one,) = browse(capsys, JEREMY, "--plugin", plugin.upper())
    assert {s["plugin"] for s in one["skills"]} == {plugin}


def test_text_output_says_how_many_match(fx, capsys) -> None:  # type: ignore[no-untyped-def]
    catalog(JEREMY)
    (reg,) = browse(capsys, JEREMY, "--category", "crypto")
    code, out, err = run(capsys, "browse", JEREMY, "--category", "crypto")
    assert code == 0, err
    assert f"{len(reg['skills'])} of {reg['total']} skills match the filters" in out
    assert all(s["qualified_name"] in out for s in reg["skills"])
    code, out, _ = run(capsys, "browse", JEREMY, "--category", "no-such-category")
    assert code == 0 and f"0 of {reg['total']} skills match the filters" in out


def test_sort_choices_are_checked(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["browse", "--sort", "colour"]) == 1  # a usage error: exit 1, one line (issue 16)
    err = capsys.readouterr().err
    assert err.startswith("skill-studio: browse: unknown --sort 'colour'; choose from name, ") and err.count("\n") == 1


def test_external_plugins_carry_their_catalog_entry(fixture_github, use_github, capsys) -> None:  # type: ignore[no-untyped-def]
    slug = "anthropics/claude-plugins-official"
    entries = catalog(slug)
    use_github(fixture_github)
    assert run(capsys, "registry", "add", slug)[0] == 0
    (reg,) = browse(capsys, slug)
    external = [s for s in reg["skills"] if s["repo"] != slug]
    assert external, "the fixture lists skills of external plugins"
    matched_external = 0
    for skill in reg["skills"]:
        entry = entries.get(skill["plugin"])
        if entry is None:
            continue
        matched_external += skill["repo"] != slug
        assert skill["plugin_info"]["category"] == entry.get("category")
        assert skill["plugin_info"]["description"] == entry["description"].strip()
    assert matched_external > 0
