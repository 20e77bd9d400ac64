"""Property-based tests with *structured* near-valid input (issue 7; R-REG-1, R-CAT-2/3, R-FM-1/2, R-DATA-2).

The unit modules already feed arbitrary text and bytes to the parsers; random text rarely gets past the
first check. These strategies build input that is almost right — real URL shapes with one bad part,
paths made of real words plus escape tokens, frontmatter with real keys and tricky YAML — so the deep
branches are exercised. Each property: only the documented error type is raised, and nothing resolved
ever points outside the registry (or, for installs, outside the skill folder).
"""

from __future__ import annotations

import json
import posixpath
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from skill_studio.core.catalog import SourceError, parse_catalog, resolve_source
from skill_studio.core.discovery import discover
from skill_studio.core.errors import FrontmatterError, InstallError, RegistrySourceError
from skill_studio.core.frontmatter import is_valid_skill_name, parse_skill_md
from skill_studio.core.installer import check_relative_path, write_folder
from skill_studio.core.models import RegistrySource, RepoTree, TreeEntry
from skill_studio.core.sources import parse_registry_source

CAT = ".claude-plugin/marketplace.json"

# ---------------------------------------------------------------- registry URLs (R-REG-1)

_NAMES = ["acme", "Acme-Corp", "a", "skills", "my.skills", "x_y", "a" * 39, "a" * 40, "r" * 100, "r" * 101]
_BAD = ["", ".", "..", "-x", "x-", "a b", "é", "%2e%2e", "%2E.", "a%2Fb", "a%5Cb", "a\\b", "@", "a@b", "~", "^",
        ":", "*", "?", "#", "\t", "repo.git", ".git", "tree", "blob", "%00", "\u2024\u2024"]
_part = st.one_of(st.sampled_from(_NAMES), st.sampled_from(_NAMES), st.sampled_from(_NAMES), st.sampled_from(_BAD))
_ref = st.one_of(st.sampled_from(["main", "v1.2.3", "feature/x", "HEAD", "a" * 40, "refs/heads/main", "é"]),
                 st.sampled_from(["", "..", "a..b", "x~1", "x^", "x:y", "/x", "x/", "a b", "@"]))
_host = st.one_of(st.sampled_from(["github.com", "www.github.com", "GitHub.com", "ghe.example.com",
                                    "ghe.example.com:8443", "127.0.0.1:9"]),
                  st.sampled_from(["", "user:pw@github.com", "user@github.com", "git hub.com", "ex_ample.com",
                                   "[::1]", "[::1", "github.com:notaport", "github.com:99999"]))
_scheme = st.one_of(st.sampled_from(["https://", "http://", "HTTPS://"]),
                    st.sampled_from(["ftp://", "git://", "ssh://", "https:/", "https:///"]))


@st.composite
def near_registry_urls(draw: st.DrawFn) -> str:
    """A registry reference in one of the accepted shapes with random parts swapped for bad ones."""
    owner, repo = draw(_part), draw(_part)
    if draw(st.booleans()):  # short form
        text = f"{owner}/{repo}"
        if draw(st.booleans()):
            text += "@" + draw(_ref)
        if draw(st.booleans()):
            text += "/" + draw(_part)
    else:
        text = f"{draw(_scheme)}{draw(_host)}/{owner}/{repo}"
        shape = draw(st.sampled_from(["plain", "git", "slash", "tree", "treesub", "blob", "extra"]))
        if shape == "git":
            text += ".git"
        elif shape == "slash":
            text += "/"
        elif shape in ("tree", "treesub", "blob"):
            text += f"/{'blob' if shape == 'blob' else 'tree'}/{draw(_ref)}"
            if shape == "treesub":
                text += "/" + "/".join(draw(st.lists(_part, min_size=1, max_size=4)))
        elif shape == "extra":
            text += "/" + draw(_part)
        text += draw(st.sampled_from(["", "", "", "", "", "?tab=readme", "#readme", "/", "//"]))
    pad = draw(st.sampled_from(["", "", "", " ", "\n", "\u00a0"]))
    return pad + text + pad


_OWNER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}$")
_REPO_RE = re.compile(r"^[A-Za-z0-9._-]{1,100}$")


@settings(max_examples=600, deadline=None)
@given(near_registry_urls())
def test_near_valid_registry_urls_parse_safely_or_raise_registry_source_error(text: str) -> None:
    try:
        src = parse_registry_source(text)
    except RegistrySourceError as err:
        assert "Accepted forms" in str(err)
        return
    assert _OWNER_RE.match(src.owner) and _REPO_RE.match(src.repo) and src.repo not in (".", "..")
    assert not src.repo.endswith(".git")
    parts = src.subpath.split("/") if src.subpath else []
    assert all(p not in ("", ".", "..") for p in parts) and "\\" not in src.subpath
    assert src.ref is None or (src.ref and ".." not in src.ref and not re.search(r"[\s~^:?*\[\\]", src.ref))
    # the catalog it names is inside the registry folder
    norm = posixpath.normpath(src.catalog_path)
    assert norm == src.catalog_path and not norm.startswith(("/", "..")) and norm.startswith(src.subpath)
    if src.ref is None or "/" not in src.ref:  # a slash in a ref is ambiguous in /tree/ URLs, as on GitHub
        assert parse_registry_source(src.url) == src


@settings(max_examples=100, deadline=None)
@given(st.one_of(st.none(), st.integers(), st.binary(max_size=10), st.lists(st.text(max_size=3), max_size=2)))
def test_non_text_registry_input_raises_registry_source_error(value: object) -> None:
    try:
        parse_registry_source(value)  # type: ignore[arg-type]
    except RegistrySourceError:
        return
    raise AssertionError("accepted a non-string")


# ---------------------------------------------------------------- source resolution (R-CAT-2/3)

_WORDS = ["plugins", "a", "my plugin", "x.y", "-", "é", "~", "$HOME", "%2e%2e", "\u2025", "\uff0e\uff0e", "...", " .."]
_ESCAPES = ["..", ".", "", "\\", "a\\b", "C:", "c:", "C:\\", "\x00", "//", "/"]
_seg = st.sampled_from(_WORDS + _ESCAPES)


@st.composite
def pathish(draw: st.DrawFn) -> str:
    prefix = draw(st.sampled_from(["", "", "./", "/", "../", ".\\", "file://", "~/"]))
    segments = draw(st.lists(_seg, max_size=5))
    return prefix + "/".join(segments) + draw(st.sampled_from(["", "/", "/."]))


def _inside(base: str, rel: str) -> bool:
    joined = posixpath.normpath(posixpath.join("/" + base, rel)) if rel else "/" + base
    return joined == "/" + base or joined.startswith(("/" + base + "/") if base else "/")


@settings(max_examples=500, deadline=None)
@given(pathish(), st.one_of(st.none(), pathish()))
def test_resolution_of_structured_paths_never_leaves_the_registry(source: str, root: str | None) -> None:
    try:
        rel = resolve_source(source, root)
    except SourceError as err:
        assert err.reason
        return
    segments = rel.split("/") if rel else []
    assert ".." not in segments and "" not in segments and "." not in segments
    assert "\\" not in rel and "\x00" not in rel and not rel.startswith("/")
    assert not re.match(r"^[A-Za-z]:", rel)
    assert _inside("registry/sub", rel)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(pathish(), st.fixed_dictionaries({"source": st.sampled_from(["github", "url", ""])})),
                max_size=6),
       st.one_of(st.none(), pathish()),
       st.sampled_from(["", "sub", "a/b"]),
       st.lists(st.lists(pathish(), max_size=3), max_size=6))
def test_catalog_and_discovery_never_leave_the_registry(sources: list, root: str | None, subpath: str,
                                                        skills_fields: list) -> None:
    plugins = [{"name": f"p{i}", "source": s} for i, s in enumerate(sources)]
    for plugin, skills in zip(plugins, skills_fields):
        plugin["skills"] = skills
    data = json.dumps({"name": "m", "metadata": {"pluginRoot": root}, "plugins": plugins}).encode()
    path = posixpath.join(subpath, CAT) if subpath else CAT
    cat = parse_catalog(data, path, subpath)
    assert len(cat.plugins) + len(cat.skipped) == len(plugins)
    for p in cat.plugins:
        assert p.path is not None and _inside(subpath, posixpath.relpath("/" + p.path, "/" + subpath)
                                              if subpath else p.path)
        assert ".." not in p.path.split("/")
    for s in cat.skipped:
        if not s.reason.startswith("external source"):
            assert f"(in {path}, plugins[" in s.reason
    # Discovery over a tree that has a skill wherever a listed path could point: still inside.
    entries = []
    for p in cat.plugins:
        for folder in {p.path, posixpath.join(p.path, "skills/s") if p.path else "skills/s"}:
            entries.append(TreeEntry(posixpath.join(folder, "SKILL.md") if folder else "SKILL.md", "100644",
                                     "blob", "0" * 40, 40))
    tree = RepoTree("o", "r", "c" * 40, tuple(sorted(set(entries), key=lambda e: e.path)))
    skill_md = b"---\nname: s\ndescription: d\n---\n"
    listing = discover(RegistrySource("github.com", "o", "r", None, subpath), tree, cat,
                       lambda paths: dict.fromkeys(paths, skill_md))
    for skill in listing.skills:
        assert ".." not in skill.path.split("/")
        assert not subpath or skill.path == subpath or skill.path.startswith(subpath + "/")


# ---------------------------------------------------------------- frontmatter (R-FM-1/2)

_good_scalar = st.sampled_from(["demo", "my-skill", "Writing Hookify Rules", "'quoted'", "1.2.3", "A description."])
_scalar = _good_scalar | _good_scalar | _good_scalar | _good_scalar | st.sampled_from([
    "demo", "Writing Hookify Rules", "'!!!'", '"quoted: colon"', "1.10", "1e3", "0x1F", "~", "null", "true", "no",
    "2024-01-01", "2024-13-45", "-", "--", "a--b", "|\n  block\n  text", ">\n  folded", "&a anchored", "*a", "*undefined",
    "!!binary aGVsbG8=", "!!python/object/apply:os.system ['true']", "!custom x", "[a, b]", "{k: v}", "[", "{",
    "'unterminated", "\"\\x00\"", "é" * 70, "x" * 1100, "\t tab", "# comment", ": colon", "? complex",
])
_key = st.sampled_from(["name", "description", "version", "metadata", "model", "purpose", "allowed-tools",
                        "license", "name", "<<", "? [a]", "1", "null", ""])


@st.composite
def frontmatter_docs(draw: st.DrawFn) -> str:
    lines = []
    for _ in range(draw(st.integers(0, 4))):
        key, value = draw(_key), draw(_scalar)
        indent = draw(st.sampled_from(["", "", "", "", "  ", "\t"]))
        if key == "metadata" and draw(st.booleans()):
            lines.append(f"{indent}metadata:\n{indent}  version: {value}")
        else:
            lines.append(f"{indent}{key}: {value}")
    if draw(st.integers(0, 3)):
        lines.insert(0, "name: " + draw(_scalar))
    nl = draw(st.sampled_from(["\n", "\r\n"]))
    opener = draw(st.sampled_from(["---"] * 6 + ["----", "--- ", "---\t", "--", "+++"]))
    closer = draw(st.sampled_from(["---"] * 6 + ["----", "...", ""]))
    text = opener + nl + nl.join(lines) + nl + closer + nl + draw(st.sampled_from(["", "# Body", "---\nmore"]))
    return draw(st.sampled_from(["", "\ufeff", "\n\n"])) + text


@settings(max_examples=500, deadline=None)
@given(frontmatter_docs(), st.booleans())
def test_structured_frontmatter_raises_only_frontmatter_error(text: str, as_bytes: bool) -> None:
    path = "plugins/p/skills/s/SKILL.md"
    try:
        meta = parse_skill_md(text.encode("utf-8") if as_bytes else text, path)
    except FrontmatterError as err:
        assert str(err).startswith(path + ": ")
        return
    assert isinstance(meta.name, str) and meta.name.strip() == meta.name and meta.name
    assert is_valid_skill_name(meta.local_name)
    assert meta.description is None or (isinstance(meta.description, str) and meta.description.strip())
    assert meta.version is None or isinstance(meta.version, str)
    json.dumps(meta.fields, allow_nan=False)


# ---------------------------------------------------------------- install paths (R-DATA-2)


@settings(max_examples=300, deadline=None)
@given(st.lists(pathish(), min_size=1, max_size=4))
def test_write_folder_never_writes_outside_the_folder(rels: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        target = base / "skill"
        files = dict.fromkeys(rels, b"x")
        try:
            for rel in rels:
                check_relative_path(rel)
        except InstallError:
            try:
                write_folder(target, files)
            except InstallError:
                pass
            else:
                raise AssertionError("write_folder accepted a path check_relative_path refused") from None
            assert list(base.iterdir()) == []  # refused before anything was written
            return
        assume(not any(a != b and b.startswith(a + "/") for a in rels for b in rels))  # file vs folder clash
        write_folder(target, files)
        for p in base.rglob("*"):
            assert p == target or target in p.parents
