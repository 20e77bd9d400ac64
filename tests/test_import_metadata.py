"""Issue 13: metadata chosen at import is written into the installed SKILL.md, and the installed
files are the truth for every list and for CLAUDE.md — against the fake GitHub, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skill_studio.app import SkillStudio
from skill_studio.cli import main
from skill_studio.core.frontmatter import parse_skill_md
from skill_studio.core.installer import read_folder
from skill_studio.core.models import Destination, ImportOptions

pytestmark = pytest.mark.integration

OWNER, REPO = "acme", "meta-market"
UPSTREAM = ("---\n# keep this comment\nname: notes\ndescription: Upstream words.\nlicense: MIT\n"
            "purpose: platform\nmodel: sonnet\n---\n# Notes\r\n\r\nBody with CRLF.\r\n")


@pytest.fixture
def gh(github, use_github):
    github.add_repo_from_dir(OWNER, REPO, {
        ".claude-plugin/marketplace.json": json.dumps({"name": "meta-market", "owner": {"name": "Acme"},
                                                       "plugins": [{"name": "notes", "source": "./",
                                                                    "skills": ["./skills/notes"]}]}),
        "skills/notes/SKILL.md": UPSTREAM,
        "skills/notes/ref.md": "ref\n",
    })
    use_github(github)
    return github


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def cli(gh, capsys):
    assert run(capsys, "registry", "add", f"{OWNER}/{REPO}")[0] == 0
    return lambda *args: run(capsys, *args)


def _studio() -> SkillStudio:
    return SkillStudio.open()


def test_import_description_is_written_and_the_rest_is_upstream_bytes(cli) -> None:
    code, out, err = cli("import", "meta-market", "notes:notes", "--to", "settings", "--description", "X")
    assert code == 0, err
    with _studio() as studio:
        inst = studio.installed_skill(Destination.SETTINGS, "notes")
        folder = read_folder(Path(inst.path))
        assert folder["SKILL.md"] == UPSTREAM.replace("description: Upstream words.", "description: X").encode()
        assert folder["ref.md"] == b"ref\n"
        assert not studio.is_customized(inst)  # the snapshot is what was written
        assert studio.installer.bases.files(inst)["SKILL.md"] == UPSTREAM.encode()  # the base is upstream's
        claude_md = (studio.settings_skills.workspace_path() / "CLAUDE.md").read_text()
        assert "**notes** (`.claude/skills/notes/SKILL.md`): X" in claude_md
        ws_copy = studio.settings_skills.workspace_path() / ".claude" / "skills" / "notes" / "SKILL.md"
        assert parse_skill_md(ws_copy.read_bytes(), "SKILL.md").description == "X"


def test_untouched_import_keeps_the_file_byte_identical(cli) -> None:
    assert cli("import", "meta-market", "notes:notes", "--to", "library")[0] == 0
    with _studio() as studio:
        inst = studio.installed_skill(Destination.LIBRARY, "notes")
        assert (Path(inst.path) / "SKILL.md").read_bytes() == UPSTREAM.encode()
        assert inst.purpose == "domain"  # set by the destination, not the file's 'platform' (R-IMP-5)


def test_purpose_model_and_invocation_flags(cli) -> None:
    code, out, err = cli("import", "meta-market", "notes:notes", "--to", "library", "--purpose", "source",
                         "--model", "opus", "--argument-hint", "[file]")
    assert code == 0, err
    with _studio() as studio:
        inst = studio.installed_skill(Destination.LIBRARY, "notes")
        meta = parse_skill_md((Path(inst.path) / "SKILL.md").read_bytes(), "SKILL.md")
        assert (inst.purpose, inst.model, meta.model, meta.fields["argument-hint"]) == ("source", "opus", "opus",
                                                                                          "[file]")
        assert meta.fields["purpose"] == "platform"  # the file's own key is left alone
    assert cli("import", "meta-market", "notes:notes", "--to", "settings", "--purpose", "source")[0] == 1
    code, out, err = cli("import", "meta-market", "notes:notes", "--to", "settings", "--disable-model-invocation")
    assert code == 0, err
    with _studio() as studio:
        inst = studio.installed_skill(Destination.SETTINGS, "notes")
        meta = parse_skill_md((Path(inst.path) / "SKILL.md").read_bytes(), "SKILL.md")
        assert meta.fields["disable-model-invocation"] is True and inst.model is None


def test_renamed_local_name_becomes_the_frontmatter_name(gh) -> None:
    with _studio() as studio:
        studio.add_registry(f"{OWNER}/{REPO}")
        listing = studio.list_registry(studio.find_registry("meta-market"))
        (skill,) = listing.skills
        inst = studio.import_skill(listing, skill, Destination.LIBRARY, ImportOptions(local_name="my-notes"))
        assert parse_skill_md((Path(inst.path) / "SKILL.md").read_bytes(), "SKILL.md").name == "my-notes"
        assert inst.name == "my-notes"


def test_lists_and_claude_md_follow_an_edit_made_in_the_installed_file(cli) -> None:
    assert cli("import", "meta-market", "notes:notes", "--to", "settings")[0] == 0
    with _studio() as studio:
        path = Path(studio.installed_skill(Destination.SETTINGS, "notes").path) / "SKILL.md"
    path.write_bytes(path.read_bytes().replace(b"Upstream words.", b"Edited in the file."))
    code, out, err = cli("workspace", "sync")
    assert code == 0, err
    with _studio() as studio:
        assert studio.installed_skill(Destination.SETTINGS, "notes").description == "Edited in the file."
        assert [s.description for s in studio.installed(Destination.SETTINGS) if s.local_name == "notes"] == [
            "Edited in the file."]
        claude_md = (studio.settings_skills.workspace_path() / "CLAUDE.md").read_text()
        assert "Edited in the file." in claude_md and "Upstream words." not in claude_md


def test_skills_list_shows_the_description_of_the_installed_file(cli) -> None:
    assert cli("import", "meta-market", "notes:notes", "--to", "settings")[0] == 0
    with _studio() as studio:
        path = Path(studio.installed_skill(Destination.SETTINGS, "notes").path) / "SKILL.md"
    path.write_bytes(path.read_bytes().replace(b"Upstream words.", b"Edited in the file."))
    code, out, err = cli("skills", "list", "--json")
    assert code == 0, err
    assert [s["description"] for s in json.loads(out) if s["local_name"] == "notes"] == ["Edited in the file."]
