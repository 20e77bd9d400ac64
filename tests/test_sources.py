"""Registry URL forms (R-REG-1) and API base selection (R-NET-5)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skill_studio.core.errors import RegistrySourceError
from skill_studio.core.models import RegistrySource
from skill_studio.core.sources import api_base_for, parse_registry_source


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("acme/skills", RegistrySource("github.com", "acme", "skills")),
        ("  acme/skills  ", RegistrySource("github.com", "acme", "skills")),
        ("acme/skills@v2", RegistrySource("github.com", "acme", "skills", "v2")),
        ("acme/skills@feature/x", RegistrySource("github.com", "acme", "skills", "feature/x")),
        ("https://github.com/acme/skills", RegistrySource("github.com", "acme", "skills")),
        ("https://github.com/acme/skills.git", RegistrySource("github.com", "acme", "skills")),
        ("https://github.com/acme/skills/", RegistrySource("github.com", "acme", "skills")),
        ("https://www.github.com/acme/skills", RegistrySource("github.com", "acme", "skills")),
        ("https://github.com/acme/skills/tree/main", RegistrySource("github.com", "acme", "skills", "main")),
        ("https://github.com/acme/skills/tree/main/collections/data",
         RegistrySource("github.com", "acme", "skills", "main", "collections/data")),
        ("https://ghe.corp.example/team/skills", RegistrySource("ghe.corp.example", "team", "skills")),
        ("https://ghe.corp.example/team/skills/tree/v1/sub",
         RegistrySource("ghe.corp.example", "team", "skills", "v1", "sub")),
    ],
)
def test_accepted_forms(text: str, expected: RegistrySource) -> None:
    assert parse_registry_source(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "acme", "acme/skills/extra", "ftp://github.com/acme/skills", "https://github.com/acme",
     "https://github.com/acme/skills/blob/main/x", "https://github.com/acme/skills/tree/main/../x",
     "acme/skills@", "acme/sk ills", "-acme/skills", "https://user:pw@github.com/acme/skills",
     "https://github.com/acme/skills?tab=readme", "acme/..", "acme/skills@a..b"],
)
def test_refused_forms_name_the_accepted_ones(text: str) -> None:
    with pytest.raises(RegistrySourceError) as err:
        parse_registry_source(text)
    assert "Accepted forms" in str(err.value)
    assert "owner/repo@ref" in str(err.value)


@pytest.mark.parametrize("source", [
    RegistrySource("github.com", "acme", "skills"),
    RegistrySource("github.com", "acme", "skills", "v2"),
    RegistrySource("ghe.example", "acme", "skills", "main", "a/b"),
])
def test_canonical_url_round_trips(source: RegistrySource) -> None:
    assert parse_registry_source(source.url) == source


def test_catalog_path_joins_subpath() -> None:
    assert RegistrySource("github.com", "a", "b").catalog_path == ".claude-plugin/marketplace.json"
    assert RegistrySource("github.com", "a", "b", "main", "x/y").catalog_path == "x/y/.claude-plugin/marketplace.json"


def test_api_base(monkeypatch: pytest.MonkeyPatch) -> None:
    assert api_base_for("github.com") == "https://api.github.com"
    assert api_base_for("ghe.example") == "https://ghe.example/api/v3"
    monkeypatch.setenv("SKILL_STUDIO_GITHUB_API", "http://127.0.0.1:9/api/v3/")
    assert api_base_for("github.com") == "http://127.0.0.1:9/api/v3"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_arbitrary_text_raises_only_registry_source_error(text: str) -> None:
    try:
        src = parse_registry_source(text)
    except RegistrySourceError:
        return
    assert ".." not in src.subpath.split("/")
    assert "\\" not in src.subpath
    assert src.owner and src.repo
