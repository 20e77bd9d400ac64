"""Updates that keep your edits (issue 13): the merge use case against the fake GitHub.

A synthetic one-skill marketplace; the user edits the installed copy, upstream publishes a new
version, and the update merges instead of replacing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skill_studio.app.merge import apply_merge, plan_merge
from skill_studio.core.installer import read_folder
from skill_studio.core.models import Destination
from skill_studio.app import SkillStudio

pytestmark = pytest.mark.integration

LIB = Destination.LIBRARY
OWNER, REPO = "acme", "merge-market"
PREFIX = "skills/notes/"
BODY = "".join(f"Step {i}: do thing {i}.\n" for i in range(1, 13))


def skill_md(version: str = "1.0.0", body: str = BODY, description: str = "Tidy notes.") -> str:
    return f"---\nname: notes\ndescription: {description}\nmetadata:\n  version: \"{version}\"\n---\n# Notes\n\n{body}"


def repo(skill: str, extra: dict[str, str | bytes] | None = None) -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {
        ".claude-plugin/marketplace.json": json.dumps({"name": "merge-market", "owner": {"name": "Acme"},
                                                       "plugins": [{"name": "notes", "source": "./",
                                                                    "skills": ["./skills/notes"]}]}),
        PREFIX + "SKILL.md": skill,
        PREFIX + "references/guide.md": "guide\n",
        PREFIX + "assets/logo.png": b"\x89PNG\0v1",
    }
    files.update(extra or {})
    return files


@pytest.fixture
def gh(github, use_github):
    github.add_repo_from_dir(OWNER, REPO, repo(skill_md()))
    use_github(github)
    return github


@pytest.fixture
def studio(gh):
    with SkillStudio.open() as s:
        s.add_registry(f"{OWNER}/{REPO}")
        yield s


def _listing(studio: SkillStudio):
    listing = studio.list_registry(studio.find_registry("merge-market"))
    (skill,) = [s for s in listing.skills if s.name == "notes"]
    return listing, skill


def _import(studio: SkillStudio):
    listing, skill = _listing(studio)
    return studio.import_skill(listing, skill, LIB)


def _edit(path: Path, old: str, new: str) -> None:
    f = path / "SKILL.md"
    f.write_bytes(f.read_bytes().replace(old.encode(), new.encode()))


def test_local_body_edit_and_upstream_top_change_with_version_bump_merge_and_roll_back(studio, gh) -> None:
    inst = _import(studio)
    folder = Path(inst.path)
    _edit(folder, "Step 11: do thing 11.", "Step 11: do MY thing.")
    (folder / "mine.md").write_text("my notes\n")
    before = read_folder(folder)
    gh.push(OWNER, REPO, repo(skill_md("1.1.0", BODY.replace("Step 1: do thing 1.", "Step 1: do it better."))))
    listing, skill = _listing(studio)
    assert skill.version == "1.1.0"
    outcome = apply_merge(studio, listing, skill, studio.store.skill(LIB, "notes"))
    assert outcome.clean and outcome.applied
    text = (folder / "SKILL.md").read_text()
    assert "Step 1: do it better." in text and "Step 11: do MY thing." in text and 'version: "1.1.0"' in text
    assert (folder / "mine.md").read_text() == "my notes\n"
    assert outcome.skill.version == "1.1.0" and outcome.skill.commit == skill.commit
    assert studio.is_customized(outcome.skill)  # your edits are still yours after the merge
    # the new base is the new upstream: a second check finds nothing to merge
    assert plan_merge(studio, outcome.skill, studio.download_skill(listing, skill)).result.files == read_folder(folder)
    restored = studio.installer.rollback(LIB, "notes")
    assert read_folder(folder) == before  # byte for byte
    assert restored.version == "1.0.0"


def test_same_line_on_both_sides_changes_nothing_and_names_the_lines(studio, gh) -> None:
    inst = _import(studio)
    folder = Path(inst.path)
    _edit(folder, "Step 6: do thing 6.", "Step 6: mine.")
    before = read_folder(folder)
    row_before = studio.store.skill_row(LIB, "notes")
    gh.push(OWNER, REPO, repo(skill_md("1.1.0", BODY.replace("Step 6: do thing 6.", "Step 6: theirs."))))
    listing, skill = _listing(studio)
    outcome = apply_merge(studio, listing, skill, studio.store.skill(LIB, "notes"))
    assert not outcome.clean and not outcome.applied
    (c,) = outcome.merge.conflicts
    assert (c.path, c.ours_lines, c.theirs_lines) == ("SKILL.md", (14, 14), (14, 14))  # 6 frontmatter lines, title, blank, step 6
    assert read_folder(folder) == before and studio.store.skill_row(LIB, "notes") == row_before
    assert studio.store.history(LIB, "notes") == []
    # prefer resolves it one way
    outcome = apply_merge(studio, listing, skill, studio.store.skill(LIB, "notes"), prefer="theirs")
    assert outcome.applied and "Step 6: theirs." in (folder / "SKILL.md").read_text()


def test_merge_works_when_upstream_history_was_force_pushed(studio, gh) -> None:
    inst = _import(studio)
    folder = Path(inst.path)
    _edit(folder, "Step 12: do thing 12.", "Step 12: mine.")
    # history rewritten: the installed commit no longer exists upstream
    gh.add_repo_from_dir(OWNER, REPO, repo(skill_md("2.0.0", BODY.replace("Step 2: do thing 2.", "Step 2: new.")),
                                           {PREFIX + "assets/logo.png": b"\x89PNG\0v2"}), message="rewritten")
    listing, skill = _listing(studio)
    assert skill.commit != inst.commit
    outcome = apply_merge(studio, listing, skill, studio.store.skill(LIB, "notes"))
    assert outcome.applied
    text = (folder / "SKILL.md").read_text()
    assert "Step 2: new." in text and "Step 12: mine." in text
    assert (folder / "assets" / "logo.png").read_bytes() == b"\x89PNG\0v2"


def test_import_time_description_survives_an_upstream_description_change(studio, gh) -> None:
    # until the import writes metadata itself (issue 13, after the app layer), write it as an edit
    inst = _import(studio)
    folder = Path(inst.path)
    _edit(folder, "description: Tidy notes.", "description: My words.")
    gh.push(OWNER, REPO, repo(skill_md("1.1.0", description="Upstream words.")))
    listing, skill = _listing(studio)
    outcome = apply_merge(studio, listing, skill, studio.store.skill(LIB, "notes"))
    # a description the user edited after import conflicts with upstream's new one
    assert [c.key for c in outcome.merge.conflicts] == ["description"]


# -- the CLI ---------------------------------------------------------------------------------------

def run(capsys, *args: str) -> tuple[int, str, str]:
    from skill_studio.cli import main

    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_merge_clean_then_rollback_byte_for_byte(studio, gh, capsys) -> None:
    folder = Path(_import(studio).path)
    _edit(folder, "Step 11: do thing 11.", "Step 11: do MY thing.")
    (folder / "assets" / "logo.png").unlink()  # a deletion of ours, upstream left the file alone
    before = read_folder(folder)
    gh.push(OWNER, REPO, repo(skill_md("1.1.0", BODY.replace("Step 1: do thing 1.", "Step 1: do it better.")),
                              {PREFIX + "references/new.md": "new upstream file\n"}))
    code, out, err = run(capsys, "update", "--check", "--json")
    assert code == 0, err
    (item,) = json.loads(out)["destinations"]["library"]
    assert (item["status"], item["merge"], item["merge_files"]) == ("customized", "clean", [])
    code, out, err = run(capsys, "update", "notes", "--to", "library")
    assert code == 1 and "--merge" in err and read_folder(folder) == before
    code, out, err = run(capsys, "update", "notes", "--to", "library", "--merge")
    assert code == 0, err
    assert "merged upstream's changes with your edits" in out and "merged (your edits kept)" in out
    merged = read_folder(folder)
    text = merged["SKILL.md"].decode()
    assert "Step 1: do it better." in text and "Step 11: do MY thing." in text and 'version: "1.1.0"' in text
    assert "assets/logo.png" not in merged and merged["references/new.md"] == b"new upstream file\n"
    assert studio.installed_skill(LIB, "notes").version == "1.1.0"
    code, out, err = run(capsys, "rollback", "notes", "--to", "library")
    assert code == 0, err
    assert read_folder(folder) == before


def test_cli_merge_conflict_exits_1_names_lines_and_changes_nothing(studio, gh, capsys) -> None:
    folder = Path(_import(studio).path)
    _edit(folder, "Step 6: do thing 6.", "Step 6: mine.")
    before = read_folder(folder)
    gh.push(OWNER, REPO, repo(skill_md("1.1.0", BODY.replace("Step 6: do thing 6.", "Step 6: theirs."))))
    code, out, err = run(capsys, "update", "--check", "--json")
    (item,) = json.loads(out)["destinations"]["library"]
    assert (item["merge"], item["merge_files"]) == ("conflicts", ["SKILL.md"])
    assert item["merge_conflicts"][0]["ours_lines"] == [14, 14]
    code, out, err = run(capsys, "update", "notes", "--merge")
    assert code == 1
    assert "the merge has conflicts, nothing was changed" in err and "SKILL.md line 14 (upstream: line 14)" in err
    assert "Traceback" not in err and read_folder(folder) == before
    assert studio.store.history(LIB, "notes") == []
    code, out, err = run(capsys, "update", "notes", "--merge", "--prefer", "ours")
    assert code == 0, err
    text = (folder / "SKILL.md").read_text()
    assert "Step 6: mine." in text and 'version: "1.1.0"' in text
    assert run(capsys, "update", "notes", "--prefer", "ours")[0] == 1  # --prefer needs --merge
    assert run(capsys, "update", "notes", "--merge", "--force")[0] == 1


def test_auto_mode_merges_customized_skills_only_when_turned_on_and_clean(studio, gh, capsys) -> None:
    folder = Path(_import(studio).path)
    _edit(folder, "Step 12: do thing 12.", "Step 12: mine.")
    before = read_folder(folder)
    gh.push(OWNER, REPO, repo(skill_md("1.1.0")))
    assert run(capsys, "config", "set", "update_mode", "auto")[0] == 0
    code, out, err = run(capsys, "update")
    assert code == 0 and read_folder(folder) == before  # customized: untouched by default
    assert run(capsys, "config", "set", "merge_customized", "on")[1] == "merge_customized = on\n"
    assert run(capsys, "config", "set", "merge_customized", "maybe")[0] == 1
    code, out, err = run(capsys, "update")
    assert code == 0, err
    text = (folder / "SKILL.md").read_text()
    assert 'version: "1.1.0"' in text and "Step 12: mine." in text


def test_resolutions_from_a_merge_view_settle_the_conflicts(studio, gh) -> None:
    folder = Path(_import(studio).path)
    _edit(folder, "Step 6: do thing 6.", "Step 6: mine.")
    before = read_folder(folder)
    gh.push(OWNER, REPO, repo(skill_md("1.1.0", BODY.replace("Step 6: do thing 6.", "Step 6: theirs."))))
    listing, skill = _listing(studio)
    outcome = apply_merge(studio, listing, skill, studio.store.skill(LIB, "notes"))
    (fm,) = outcome.merge.merged
    chosen = fm.resolve({fm.conflicts[0].chunk: b"Step 6: both.\n"})
    # a partial answer (a file that is not in conflict) applies nothing
    partial = apply_merge(studio, listing, skill, studio.store.skill(LIB, "notes"), resolutions={"other.md": b"x"})
    assert not partial.applied and read_folder(folder) == before
    done = apply_merge(studio, listing, skill, studio.store.skill(LIB, "notes"), resolutions={"SKILL.md": chosen})
    assert done.applied
    text = (folder / "SKILL.md").read_text()
    assert "Step 6: both." in text and 'version: "1.1.0"' in text
    assert studio.installer.rollback(LIB, "notes") and read_folder(folder) == before
