"""Bad input gets a clear, typed error and never changes the store (issue 7; R-CAT-1/3, R-FM-2, R-DATA-2).

Every case of ``tests/corpus`` is served by the fake GitHub server and driven end to end through the
CLI (exit code + the one-line message on stderr) and through ``SkillStudio`` (the exact error type and
message). Before each case a good skill is installed, and the whole store — database rows, installed
folders, snapshots, backups, staging — is fingerprinted before and after: a bad catalog, a bad SKILL.md,
a link in a tree, a tampered blob or a captive portal must leave it byte-for-byte unchanged.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from fake_github import FakeGitHub, git_blob_sha
from storecheck import assert_consistent, diff, fingerprint

from skill_studio.cli import main
from skill_studio.app import studio as service_module
from skill_studio.core.catalog import parse_catalog
from skill_studio.core.errors import (
    CatalogError,
    FrontmatterError,
    GitHubError,
    InstallError,
    IntegrityError,
)
from skill_studio.core.frontmatter import MAX_SKILL_MD_BYTES, parse_skill_md
from skill_studio.core.installer import read_folder
from skill_studio.core.models import Destination
from skill_studio.app.studio import SkillStudio

pytestmark = pytest.mark.integration

CORPUS = Path(__file__).parent / "corpus"
CATALOG = ".claude-plugin/marketplace.json"
TIDY = "plugins/notes/skills/tidy-notes"


@dataclass
class Env:
    gh: FakeGitHub
    home: Path
    capsys: pytest.CaptureFixture[str]
    good_commit: str = ""

    def run(self, *args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = self.capsys.readouterr()
        assert "Traceback" not in err
        return code, out, err

    def cold(self) -> None:
        """Forget the listing cache, so the next listing downloads again (these cases test the
        network path; the warm and offline paths are covered by tests/test_network.py)."""
        shutil.rmtree(self.home / "cache", ignore_errors=True)

    def serve(self, case: str, repo: str | None = None, **kwargs: object) -> str:
        return self.gh.add_repo_from_dir("corpus", repo or case, CORPUS / case, **kwargs)


@pytest.fixture
def env(github: FakeGitHub, use_github, isolated_home: Path, capsys) -> Env:
    """A store holding one installed skill (good-market notes:tidy-notes in the Skill Library)."""
    e = Env(github, isolated_home, capsys)
    e.good_commit = e.serve("good")
    use_github(github)
    code, out, err = e.run("registry", "add", "corpus/good")
    assert code == 0, err
    code, out, err = e.run("import", "good-market", "notes:tidy-notes", "--to", "library")
    assert code == 0, err
    return e


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("skill-studio: ")
    return lines[0][len("skill-studio: "):]


# ---------------------------------------------------------------- catalog: fatal (R-CAT-1)

FATAL = {
    "catalog-not-json": f"{CATALOG}: not valid JSON: Expecting value at line 5, column 1",
    "catalog-not-object": f"{CATALOG}: the top level is an array, expected an object",
    "catalog-plugins-missing": f"{CATALOG}: no 'plugins' array",
    "catalog-plugins-not-list": f"{CATALOG}: 'plugins' is an object, expected an array",
    "catalog-plugins-null": f"{CATALOG}: 'plugins' is a null, expected an array",
    "catalog-not-utf8": f"{CATALOG}: not UTF-8 text (invalid byte at offset 13)",
}


@pytest.mark.parametrize("case", sorted(FATAL))
def test_fatal_catalog_refused_on_add(env: Env, case: str) -> None:
    env.serve(case)
    before = fingerprint(env.home)
    code, _, err = env.run("registry", "add", f"corpus/{case}")
    assert code == 2
    assert one_line(err) == FATAL[case]
    with SkillStudio() as studio, pytest.raises(CatalogError) as info:
        studio.add_registry(f"corpus/{case}")
    assert str(info.value) == FATAL[case]
    assert diff(before, fingerprint(env.home)) == []


@pytest.mark.parametrize("case", sorted(FATAL))
def test_catalog_broken_upstream_fails_browse_and_import(env: Env, case: str) -> None:
    """A configured registry whose catalog breaks later: browse and import fail with the reason,
    never an empty result, and the installed skill is untouched."""
    env.gh.push("corpus", "good", CORPUS / case)
    before = fingerprint(env.home)
    code, out, err = env.run("browse", "good-market", "--json")
    assert code == 2
    assert one_line(err) == f"good-market: {FATAL[case]}"
    assert json.loads(out)["registries"][0]["errors"] == [FATAL[case]]
    code, _, err = env.run("import", "good-market", "notes:tidy-notes", "--to", "settings")
    assert (code, one_line(err)) == (2, FATAL[case])
    with SkillStudio() as studio, pytest.raises(CatalogError, match=f"^{re.escape(FATAL[case])}$"):
        studio.list_registry(studio.find_registry("good-market"))
    assert diff(before, fingerprint(env.home)) == []


def test_missing_catalog_is_not_a_marketplace(env: Env) -> None:
    sha = env.serve("catalog-missing")
    before = fingerprint(env.home)
    want = f"corpus/catalog-missing has no {CATALOG} at {sha[:12]}: it is not a plugin marketplace."
    code, _, err = env.run("registry", "add", "corpus/catalog-missing")
    assert (code, one_line(err)) == (2, want)
    with SkillStudio() as studio, pytest.raises(CatalogError, match=f"^{re.escape(want)}$"):
        studio.add_registry("corpus/catalog-missing")
    assert diff(before, fingerprint(env.home)) == []


# ---------------------------------------------------------------- catalog: per-entry (R-CAT-2/3)

SKIPPED = {
    "catalog-entries-not-objects": [
        (None, f"plugins[0] is a number, expected an object (in {CATALOG})"),
        (None, f"plugins[1] is a string, expected an object (in {CATALOG})"),
        (None, f"plugins[2] is a null, expected an object (in {CATALOG})"),
        (None, f"plugins[3] is an array, expected an object (in {CATALOG})"),
        ("no-source", f"no 'source' (in {CATALOG}, plugins[4])"),
        ("numeric-source", f"'source' is a number, expected a path or an object (in {CATALOG}, plugins[5].source)"),
    ],
    "sources-escape": [
        ("dotdot", f"path escapes the registry: source '../outside' has a '..' segment (in {CATALOG}, plugins[0].source)"),
        ("dotdot-inner", "path escapes the registry: source './plugins/../../outside' has a '..' segment "
                         f"(in {CATALOG}, plugins[1].source)"),
        ("absolute", f"path escapes the registry: source '/etc' is an absolute path (in {CATALOG}, plugins[2].source)"),
        ("drive", "path escapes the registry: source 'C:/Windows' is an absolute (drive) path "
                  f"(in {CATALOG}, plugins[3].source)"),
        ("backslash", "path escapes the registry: source './plugins\\\\good' contains a backslash "
                      f"(in {CATALOG}, plugins[4].source)"),
    ],
    "plugin-root-escape": [
        ("evil", "path escapes the registry: pluginRoot '../../outside' has a '..' segment (used for source 'evil') "
                 f"(in {CATALOG}, plugins[0].source)"),
    ],
}


@pytest.mark.parametrize("case", sorted(SKIPPED))
def test_bad_entries_are_skipped_with_file_and_field_and_the_rest_loads(env: Env, case: str) -> None:
    env.serve(case)
    code, out, err = env.run("registry", "add", f"corpus/{case}")
    assert code == 0, err
    name = json.loads((CORPUS / case / CATALOG).read_text())["name"]
    before = fingerprint(env.home)
    code, out, err = env.run("browse", name, "--json")
    assert code == 0, err
    (reg,) = json.loads(out)["registries"]
    assert [(p["name"], p["reason"]) for p in reg["skipped_plugins"]] == SKIPPED[case]
    assert [s["qualified_name"] for s in reg["skills"]] == ["good:good-skill"]
    assert all(s["path"] == "plugins/good/skills/good-skill" for s in reg["skills"])
    code, out, err = env.run("browse", name, "--details")
    for _plugin, reason in SKIPPED[case]:
        assert f": {reason}" in out
    # the catalog parser agrees, and every resolved path stays inside the registry
    cat = parse_catalog((CORPUS / case / CATALOG).read_bytes(), CATALOG)
    assert [(s.name, s.reason) for s in cat.skipped] == SKIPPED[case]
    assert all(p.path is not None and ".." not in p.path.split("/") and not p.path.startswith("/")
               for p in cat.plugins)
    assert diff(before, fingerprint(env.home)) == []


# ---------------------------------------------------------------- SKILL.md (R-FM-1/2)

FM = "plugins/fm/skills"
EXCLUDED = {
    "no-frontmatter": "no frontmatter (the file must start with a '---' line)",
    "unterminated": "unterminated frontmatter (no closing '---' line)",
    "invalid-yaml": "invalid YAML in frontmatter at line 4, column 1: expected ',' or ']', but got '<stream end>'",
    "alias-bomb": "invalid frontmatter: more than 32 YAML aliases",
    "not-utf8": "not UTF-8 text (invalid byte at offset 50)",
    "punctuation-name": "the name '!!! --- ???' has no usable character (a-z, 0-9)",
    # issue 16 item 1: a control character made PyYAML raise outside the try; now one excluded skill
    "control-bel": "invalid YAML in frontmatter: control character U+0007 at line 3 (not allowed in YAML)",
    "control-nul": "invalid YAML in frontmatter: control character U+0000 at line 3 (not allowed in YAML)",
    "huge": None,  # depends on the generated size; checked below
}
HUGE_BYTES = 20 * 1024 * 1024


def frontmatter_repo(env: Env) -> bytes:
    """Serve corpus/frontmatter with a 20 MB SKILL.md for ``huge``; returns that file's bytes."""
    files = {p.relative_to(CORPUS / "frontmatter").as_posix(): p.read_bytes()
             for p in (CORPUS / "frontmatter").rglob("*") if p.is_file()}
    head = files[f"{FM}/huge/SKILL.md"]
    huge = head + b"x" * (HUGE_BYTES - len(head))
    files[f"{FM}/huge/SKILL.md"] = huge
    env.gh.add_repo_from_dir("corpus", "frontmatter", files)
    return huge


@pytest.mark.parametrize("case", sorted(EXCLUDED))
def test_bad_skill_md_is_excluded_naming_file_and_reason(env: Env, case: str) -> None:
    huge = frontmatter_repo(env)
    code, out, err = env.run("registry", "add", "corpus/frontmatter")
    assert code == 0, err
    path = f"{FM}/{case}/SKILL.md"
    data = huge if case == "huge" else (CORPUS / "frontmatter" / path).read_bytes()
    reason = EXCLUDED[case] or f"too large to list ({HUGE_BYTES} bytes; the limit is {MAX_SKILL_MD_BYTES} bytes)"
    want = f"{path}: {reason}"
    with pytest.raises(FrontmatterError) as info:
        parse_skill_md(data, path)
    assert str(info.value) == want

    env.gh.reset_counters()
    before = fingerprint(env.home)
    code, out, err = env.run("browse", "frontmatter-cases", "--json")
    assert code == 0, err
    (reg,) = json.loads(out)["registries"]
    excluded = {e["path"]: e["reason"] for e in reg["excluded"]}
    assert excluded[f"{FM}/{case}"] == want
    assert [s["qualified_name"] for s in reg["skills"]] == ["fm:good-skill"]
    if case == "huge":  # refused from the tree's size: the 20 MB were never downloaded
        assert env.gh.count(git_blob_sha(huge)) == 0
    code, _, err = env.run("import", "frontmatter-cases", f"fm:{case}", "--to", "library")
    assert code == 1 and "lists no skill" in one_line(err)
    assert diff(before, fingerprint(env.home)) == []


# ---------------------------------------------------------------- links (R-DIS-5, R-DATA-2)

LINK_REASON = "symlinks and submodules are never followed"


def test_symlinks_and_submodules_are_never_followed(env: Env, tmp_path: Path) -> None:
    src = tmp_path / "links"
    shutil.copytree(CORPUS / "links", src)
    skills = src / "plugins" / "lk" / "skills"
    (skills / "linked-folder").symlink_to("../../../elsewhere/target-skill")
    (skills / "linked-md").mkdir()
    (skills / "linked-md" / "SKILL.md").symlink_to("../../../../elsewhere/target-skill/SKILL.md")
    (skills / "has-links" / "evil").symlink_to("/etc/passwd")
    (skills / "has-links" / "up").symlink_to("../../../..")
    (src / "plugins" / "alias").symlink_to("lk")
    env.gh.add_repo_from_dir("corpus", "links", src, submodules={
        "plugins/lk/skills/vendored": "a" * 40, "plugins/lk/skills/has-links/sub": "b" * 40})
    assert env.run("registry", "add", "corpus/links")[0] == 0
    before = fingerprint(env.home)

    code, out, err = env.run("browse", "links", "--json")
    assert code == 0, err
    (reg,) = json.loads(out)["registries"]
    excluded = {e["path"]: e["reason"] for e in reg["excluded"]}
    assert excluded == {
        "plugins/lk/skills/linked-folder": f"plugins/lk/skills/linked-folder: this skill folder is a symlink; {LINK_REASON}",
        "plugins/lk/skills/linked-md": f"plugins/lk/skills/linked-md: its SKILL.md is a symlink; {LINK_REASON}",
        "plugins/lk/skills/vendored": f"plugins/lk/skills/vendored: this skill folder is a submodule; {LINK_REASON}",
    }
    assert "plugin 'aliased': its folder 'plugins/alias' is a symlink, not followed" in reg["warnings"]
    (skill,) = reg["skills"]
    assert skill["qualified_name"] == "lk:has-links"
    assert [w for w in skill["warnings"] if "not copied" in w] == [
        "plugins/lk/skills/has-links/evil: a symlink, not copied on import (links are never followed)",
        "plugins/lk/skills/has-links/sub: a submodule, not copied on import (links are never followed)",
        "plugins/lk/skills/has-links/up: a symlink, not copied on import (links are never followed)",
    ]
    assert diff(before, fingerprint(env.home)) == []

    code, out, err = env.run("import", "links", "lk:has-links", "--to", "library")
    assert code == 0, err
    folder = env.home / "data" / "skills" / "library" / "has-links"
    assert read_folder(folder) == {"SKILL.md": (src / "plugins/lk/skills/has-links/SKILL.md").read_bytes(),
                                   "ok.md": b"A regular file.\n"}
    assert not any(p.is_symlink() for p in (env.home / "data").rglob("*"))
    assert_consistent(env.home)


# ---------------------------------------------------------------- integrity and protocol (R-DATA-2)


def test_tampered_blob_fails_import_with_integrity_error(env: Env) -> None:
    guide = (CORPUS / "good" / TIDY / "references/guide.md").read_bytes()
    sha = git_blob_sha(guide)
    env.gh.corrupt_blob(sha)
    before = fingerprint(env.home)
    want = (f"Downloaded {TIDY}/references/guide.md in corpus/good does not match its git SHA {sha[:12]}; "
            "refusing to use it.")
    code, _, err = env.run("import", "good-market", "notes:tidy-notes", "--to", "settings")
    assert (code, one_line(err)) == (2, want)
    code, _, err = env.run("import", "good-market", "notes:tidy-notes", "--to", "library", "--as", "tidy-copy")
    assert (code, one_line(err)) == (2, want)
    with SkillStudio() as studio:
        listing = studio.list_registry(studio.find_registry("good-market"))
        (skill,) = listing.skills
        with pytest.raises(IntegrityError, match=f"^{re.escape(want)}$"):
            studio.import_skill(listing, skill, Destination.SETTINGS)
    assert diff(before, fingerprint(env.home)) == []
    env.gh.clear_faults()
    assert env.run("import", "good-market", "notes:tidy-notes", "--to", "settings")[0] == 0


def test_tampered_skill_md_fails_the_listing_naming_the_file(env: Env) -> None:
    sha = git_blob_sha((CORPUS / "good" / TIDY / "SKILL.md").read_bytes())
    env.gh.corrupt_blob(sha, b"---\nname: evil\ndescription: swapped\n---\n")
    env.cold()
    before = fingerprint(env.home)
    want = f"Downloaded {TIDY}/SKILL.md in corpus/good does not match its git SHA {sha[:12]}; refusing to use it."
    code, _, err = env.run("browse", "good-market")
    assert (code, one_line(err)) == (2, f"good-market: {want}")
    assert diff(before, fingerprint(env.home)) == []


@pytest.mark.parametrize(("pattern", "command", "want"), [
    ("/commits/", ("browse", "good-market"),
     "good-market: {base} answered an HTML page instead of JSON for corpus/good@default branch "
     "(a proxy or captive portal?)."),
    ("/git/trees/", ("browse", "good-market"),
     "good-market: {base} answered an HTML page instead of JSON for the file tree of corpus/good@{commit} "
     "(a proxy or captive portal?)."),
    ("/commits/", ("registry", "add", "corpus/sources-escape"),
     "{base} answered an HTML page instead of JSON for corpus/sources-escape@default branch "
     "(a proxy or captive portal?)."),
    ("/git/blobs/", ("import", "good-market", "notes:tidy-notes", "--to", "settings"), None),
])
def test_html_instead_of_json(env: Env, pattern: str, command: tuple[str, ...], want: str | None) -> None:
    env.serve("sources-escape")
    env.cold()
    before = fingerprint(env.home)
    if pattern == "/git/blobs/":
        # the listing reads SKILL.md first; only the import's downloads see the portal
        with SkillStudio() as studio:
            listing = studio.list_registry(studio.find_registry("good-market"))
            env.gh.serve_html(re.compile("/git/blobs/|/_raw/"))  # the API and the raw host alike
            with pytest.raises(IntegrityError, match=r"does not match its git SHA"):
                studio.import_skill(listing, listing.skills[0], Destination.SETTINGS)
        code, _, err = env.run(*command)
        assert code == 2 and "does not match its git SHA" in one_line(err)
    else:
        env.gh.serve_html(pattern)
        with SkillStudio() as studio, pytest.raises(GitHubError, match="an HTML page instead of JSON"):
            if command[0] == "browse":
                studio.list_registry(studio.find_registry("good-market"))
            else:
                studio.add_registry(command[2])
        code, _, err = env.run(*command)
        assert (code, one_line(err)) == (2, want.format(base=env.gh.base_url, commit=env.good_commit[:12]))
    assert diff(before, fingerprint(env.home)) == []


def test_oversized_skill_folder_is_refused_before_download(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    files = {p.relative_to(CORPUS / "good").as_posix(): p.read_bytes() for p in (CORPUS / "good").rglob("*")
             if p.is_file()}
    blob = b"\0" * (2 * 1024 * 1024)
    files[f"{TIDY}/assets/model.bin"] = blob
    env.gh.push("corpus", "good", files)
    monkeypatch.setattr(service_module, "MAX_IMPORT_FILE_BYTES", 1024 * 1024)
    before = fingerprint(env.home)
    env.gh.reset_counters()
    code, _, err = env.run("import", "good-market", "notes:tidy-notes", "--to", "settings")
    assert code == 1
    assert one_line(err) == (f"notes:tidy-notes: {TIDY}/assets/model.bin is {len(blob)} bytes; files over "
                             f"{1024 * 1024} bytes are not imported (R-DATA-2).")
    assert env.gh.count(git_blob_sha(blob)) == 0
    monkeypatch.setattr(service_module, "MAX_IMPORT_FILE_BYTES", 50 * 1024 * 1024)
    monkeypatch.setattr(service_module, "MAX_IMPORT_TOTAL_BYTES", 1024 * 1024)
    with SkillStudio() as studio:
        listing = studio.list_registry(studio.find_registry("good-market"))
        with pytest.raises(InstallError, match=r"^notes:tidy-notes: plugins/notes/skills/tidy-notes holds \d+ bytes"):
            studio.import_skill(listing, listing.skills[0], Destination.SETTINGS)
    assert diff(before, fingerprint(env.home)) == []


# ---------------------------------------------------------------- issue 16: second hostile pass


def good_files() -> dict[str, bytes]:
    """The files of corpus/good as a mapping (to push variants of it)."""
    return {p.relative_to(CORPUS / "good").as_posix(): p.read_bytes()
            for p in (CORPUS / "good").rglob("*") if p.is_file()}


def test_control_character_in_an_imported_from_registry_excludes_one_skill(env: Env) -> None:
    """Item 1: a BEL in one SKILL.md of the registry a skill was imported from: browse and the
    update check keep working; the file is one excluded skill with its reason."""
    files = good_files()
    files["plugins/notes/skills/bell/SKILL.md"] = b"---\nname: bell\ndescription: ding \x07\n---\n"
    env.gh.push("corpus", "good", files)
    env.cold()
    before = fingerprint(env.home)
    code, out, err = env.run("browse", "good-market", "--json")
    assert code == 0, err
    (reg,) = json.loads(out)["registries"]
    assert {e["path"]: e["reason"] for e in reg["excluded"]} == {
        "plugins/notes/skills/bell": "plugins/notes/skills/bell/SKILL.md: invalid YAML in frontmatter: "
                                     "control character U+0007 at line 3 (not allowed in YAML)"}
    code, out, err = env.run("update", "--check")
    assert code == 0, err
    assert "internal error" not in out + err
    assert [d for d in diff(before, fingerprint(env.home)) if not d.startswith("settings:")] == []


@pytest.mark.parametrize("name", ["pdf\n", "", "a--b", "con", "nul.md", "COM1"])
def test_bad_local_names_are_refused_before_anything_is_written(env: Env, name: str) -> None:
    """Item 5: a trailing newline, an empty --as, '--', Windows device names."""
    before = fingerprint(env.home)
    code, _, err = env.run("import", "good-market", "notes:tidy-notes", "--to", "settings", "--as", name)
    assert code == 1
    assert "cannot be a local name" in one_line(err)
    assert diff(before, fingerprint(env.home)) == []
    assert not (env.home / "data" / "workspace").exists() or not any(
        "\n" in p.name for p in (env.home / "data" / "workspace").rglob("*"))


@pytest.mark.parametrize(("extra", "want"), [
    ({"README.md": b"a", "readme.md": b"b"}, "differ only in letter case or Unicode normalisation"),
    ({"caf\u00e9.md": b"a", "cafe\u0301.md": b"b"}, "differ only in letter case or Unicode normalisation"),
    ({"evil\nname.md": b"a"}, "contains a control character"),
    ({"\x1b[2J.md": b"a"}, "contains a control character"),
], ids=["case-only", "nfc-nfd", "newline", "escape"])
def test_tree_paths_that_collide_or_hold_control_characters_are_refused(env: Env, extra: dict, want: str) -> None:
    """Items 5 and 10: refused before any download, naming the skill."""
    files = good_files()
    for rel, data in extra.items():
        files[f"{TIDY}/{rel}"] = data
    env.gh.push("corpus", "good", files)
    env.cold()
    before = fingerprint(env.home)
    env.gh.reset_counters()
    code, _, err = env.run("import", "good-market", "notes:tidy-notes", "--to", "library", "--as", "tidy-two")
    assert code == 1
    line = one_line(err)
    assert line.startswith("notes:tidy-notes: ") and want in line
    assert "\n" not in line and "\x1b" not in line
    for data in extra.values():
        assert env.gh.count(git_blob_sha(data)) == 0
    assert diff(before, fingerprint(env.home)) == []


def test_a_catalog_taking_an_existing_registry_name_is_disambiguated(env: Env) -> None:
    """Item 10: name lookups stay unambiguous."""
    env.serve("catalog-name-taken")
    code, out, err = env.run("registry", "add", "corpus/catalog-name-taken")
    assert code == 0, err
    with SkillStudio() as studio:
        names = [r.name for r in studio.registries()]
        assert "GOOD-market (corpus/catalog-name-taken)" in names
        assert studio.find_registry("good-market").source.slug == "corpus/good"
    code, out, err = env.run("browse", "good-market", "--json")
    assert code == 0, err


def test_a_hostile_catalog_name_is_stored_clean_and_short(env: Env) -> None:
    """Item 10: ANSI escapes, a newline and 5,000 characters in the catalog name."""
    env.serve("catalog-name-hostile")
    code, out, err = env.run("registry", "add", "corpus/catalog-name-hostile")
    assert code == 0, err
    with SkillStudio() as studio:
        (reg,) = [r for r in studio.registries() if r.source.slug == "corpus/catalog-name-hostile"]
    assert reg.name.startswith("evil skill-studio: fake line?xxx")
    assert len(reg.name) == 64 and reg.name.endswith("…")
    assert not any(ord(c) < 0x20 for c in reg.name)


# ---------------------------------------------------------------- item 11: the file system says no


def test_a_data_folder_that_is_a_file_is_one_sentence(isolated_home: Path, capsys) -> None:
    shutil.rmtree(isolated_home / "data", ignore_errors=True)
    isolated_home.mkdir(parents=True, exist_ok=True)
    (isolated_home / "data").write_bytes(b"not a folder")
    assert main(["list"]) == 1
    err = capsys.readouterr().err
    assert one_line(err) == (f"{isolated_home / 'data'} is a file, but Skill Studio needs a folder there; move the "
                             "file away (or set SKILL_STUDIO_HOME to another folder).")


def test_a_file_name_too_long_for_the_file_system_is_refused_before_download(env: Env) -> None:
    files = good_files()
    long_name = "n" * 300 + ".md"
    files[f"{TIDY}/{long_name}"] = b"long\n"
    env.gh.push("corpus", "good", files)
    env.cold()
    before = fingerprint(env.home)
    env.gh.reset_counters()
    code, _, err = env.run("import", "good-market", "notes:tidy-notes", "--to", "library", "--as", "tidy-two")
    assert code == 1
    assert one_line(err) == (f"notes:tidy-notes: Refusing file path {long_name[:40]!r}… in a skill folder: a name "
                             "of 303 bytes is too long for the file system (most allow 255).")
    assert env.gh.count(git_blob_sha(b"long\n")) == 0
    assert diff(before, fingerprint(env.home)) == []


def test_a_full_disk_is_one_sentence_and_leaves_nothing(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno
    import os

    from skill_studio.core import installer as installer_module

    real_fsync = os.fsync
    calls = {"n": 0}

    def fsync(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] > 2:  # the snapshot is written, then the disk fills up
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    before = fingerprint(env.home)
    monkeypatch.setattr(installer_module.os, "fsync", fsync)
    code, _, err = env.run("import", "good-market", "notes:tidy-notes", "--to", "library", "--as", "tidy-two")
    monkeypatch.setattr(installer_module.os, "fsync", real_fsync)
    assert code == 1
    line = one_line(err)
    assert line.startswith("tidy-two was not installed, nothing changed: The disk holding ")
    assert line.endswith(" is full (or over its quota); free some space and try again.")
    assert diff(before, fingerprint(env.home)) == []  # no folder, no row, no orphan snapshot


def test_an_unwritable_workspace_is_one_sentence(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    from skill_studio.core import settings_skills as settings_module

    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(env.home / "data" / "workspace" / "CLAUDE.md"))

    monkeypatch.setattr(settings_module, "sync_workspace", denied)
    code, _, err = env.run("workspace", "sync")
    assert code == 1  # (the start-up sync said it first, as a notice)
    assert "Traceback" not in err and "internal error" not in err
    assert err.strip().splitlines()[-1] == "skill-studio: " + (f"The workspace {env.home / 'data' / 'workspace'} could not be updated: "
                             f"{env.home / 'data' / 'workspace' / 'CLAUDE.md'} cannot be written: permission "
                             "denied. Check the folder's owner and permissions.")
    code, _, err = env.run("import", "good-market", "notes:tidy-notes", "--to", "settings")
    assert code == 0
    assert "WARNING" not in err and "could not be updated" in err


def test_an_executable_upstream_stays_executable(env: Env, tmp_path: Path) -> None:
    src = tmp_path / "good"
    shutil.copytree(CORPUS / "good", src)
    script = src / TIDY / "scripts" / "count.sh"
    script.chmod(0o755)
    env.gh.push("corpus", "good", src)
    env.cold()
    code, _, err = env.run("import", "good-market", "notes:tidy-notes", "--to", "library", "--as", "tidy-exec")
    assert code == 0, err
    installed = env.home / "data" / "skills" / "library" / "tidy-exec"
    assert (installed / "scripts" / "count.sh").stat().st_mode & 0o111
    assert not (installed / "SKILL.md").stat().st_mode & 0o111


# ---------------------------------------------------------------- item 10: nothing reaches the terminal raw

RAW_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def test_hostile_catalog_strings_are_printed_safely(env: Env) -> None:
    env.serve("catalog-name-hostile")
    assert env.run("registry", "add", "corpus/catalog-name-hostile")[0] == 0
    for command in (("registry", "list"), ("browse", "corpus/catalog-name-hostile"),
                    ("browse", "corpus/catalog-name-hostile", "--details"),
                    ("browse", "corpus/catalog-name-hostile", "--json"),
                    ("import", "corpus/catalog-name-hostile", "nope", "--to", "library")):
        code, out, err = env.run(*command)
        assert not RAW_CONTROLS.search(out + err), (command, out, err)
        assert not any(line.startswith(("forged", "skill-studio: fake line")) for line in (out + err).splitlines())
        if "--json" not in command:  # JSON keeps the data whole (escaped); text is cut for the terminal
            assert all(len(line) < 2100 for line in (out + err).splitlines()), command
    code, out, _ = env.run("browse", "corpus/catalog-name-hostile", "--json")
    (reg,) = json.loads(out)["registries"]
    assert reg["skills"][0]["qualified_name"] == "good\x1b[1m\nforged:good-skill"  # the data is kept, escaped


def test_diff_headers_cannot_be_forged(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    folder = env.home / "data" / "skills" / "library" / "tidy-notes"
    (folder / "evil\n+++ x").write_bytes(b"\x1b[2Jhi\n")
    code, out, err = env.run("diff", "tidy-notes")  # into a pipe: exact bytes for patch, quoted header
    assert code == 0, err
    assert "+\x1b[2Jhi\n" in out
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    code, out, err = env.run("diff", "tidy-notes")  # on a terminal: nothing raw
    assert code == 0, err
    assert not RAW_CONTROLS.search(out)
    headers = [line for line in out.splitlines() if line.startswith(("---", "+++"))]
    assert headers == ["--- /dev/null", '+++ "b/evil\\n+++ x"']
