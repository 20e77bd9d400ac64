"""Settings → Skills (R-IMP-4, R-IMP-6, R-DATA-2): bundled skills seeded/restored and never removed,
zip uploads typed skill-builder, active flags with one active skill per slot, marketplace imports
into a held slot arriving inactive, the workspace following every change, and the CLI."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from test_archive import HOSTILE, SKILL_MD, make_zip

from skill_studio.cli import main
from skill_studio.core.errors import ArchiveError, CollisionError, InstallError
from skill_studio.core.installer import read_folder
from skill_studio.core.models import Destination, ImportOptions, RegistrySource
from skill_studio.app.studio import SkillStudio
from skill_studio.core.workspace import BEGIN_MARKER, END_MARKER, MANIFEST, SKILLS_DIR, WorkspaceError

BUNDLED = {"research": "research", "skill-builder-practices": "practices", "validate-skill": "validate"}
RESOURCES = Path(__file__).resolve().parents[1] / "resources" / "bundled-skills"


@pytest.fixture
def studio():
    s = SkillStudio()
    yield s
    s.close()


def reopen(studio: SkillStudio) -> SkillStudio:
    studio.close()
    return SkillStudio()


def states(studio: SkillStudio) -> dict[str, tuple[bool, str | None, str]]:
    return {s.local_name: (s.active, s.slot, s.origin) for s in studio.settings_skills.list()}


def workspace_skills(studio: SkillStudio) -> list[str]:
    d = studio.settings_skills.workspace_path() / SKILLS_DIR
    return sorted(p.name for p in d.iterdir()) if d.is_dir() else []


def claude_md_listing(studio: SkillStudio) -> list[str]:
    text = (studio.settings_skills.workspace_path() / "CLAUDE.md").read_text()
    block = text[text.index(BEGIN_MARKER):text.index(END_MARKER)]
    return sorted(line.split("`.claude/skills/")[1].split("/")[0] for line in block.splitlines() if line.startswith("- **"))


def upload_zip(tmp_path: Path, name: str = "my-research", slot: str | None = "research",
               extra: dict[str, bytes] | None = None, file: str = "up.zip") -> Path:
    fm = f"---\nname: {name}\ndescription: Researches the way my team does.\n" + (f"slot: {slot}\n" if slot else "") + "---\n# body\n"
    entries = [(f"{name}/SKILL.md", fm.encode())] + [(f"{name}/{k}", v) for k, v in (extra or {}).items()]
    return make_zip(tmp_path / file, entries)


# -- bundled -----------------------------------------------------------------------------------

def test_first_launch_seeds_three_bundled_skills_active(studio: SkillStudio) -> None:
    skills = studio.settings_skills.list()
    assert {s.local_name: s.slot for s in skills} == BUNDLED
    for s in skills:
        assert s.active and s.bundled and s.origin == "bundled" and s.purpose == "skill-builder"
        assert s.registry is None and s.version == "1.0.0"
        assert read_folder(Path(s.path)) == read_folder(RESOURCES / s.local_name)
        assert not studio.is_customized(s)  # the snapshot was recorded like any install
        assert (studio.paths.snapshots / s.snapshot_hash).is_dir()
    assert studio.installed(Destination.LIBRARY) == []
    assert workspace_skills(studio) == sorted(BUNDLED) == claude_md_listing(studio)
    assert studio.startup_messages == []


def test_second_launch_does_not_reseed_or_duplicate(studio: SkillStudio) -> None:
    studio.settings_skills.deactivate("research")
    studio = reopen(studio)
    try:
        assert states(studio)["research"] == (False, "research", "bundled")
        assert len(studio.settings_skills.list()) == 3 and studio.startup_messages == []
    finally:
        studio.close()


def test_bundled_skill_can_be_deactivated_but_never_removed(studio: SkillStudio) -> None:
    folder = Path(studio.settings_skills.get("validate-skill").path)
    for remove in (lambda: studio.settings_skills.remove("validate-skill"),
                   lambda: studio.remove_skill(Destination.SETTINGS, "validate-skill"),
                   lambda: studio.installer.remove(Destination.SETTINGS, "validate-skill")):
        with pytest.raises(InstallError, match="bundled skill and cannot be removed; deactivate it"):
            remove()
    assert folder.is_dir() and studio.settings_skills.get("validate-skill").active
    change = studio.settings_skills.deactivate("validate-skill")
    assert [s.local_name for s in change.deactivated] == ["validate-skill"] and not change.skill.active
    assert "validate-skill" not in workspace_skills(studio) and "validate-skill" not in claude_md_listing(studio)


def test_missing_bundled_folder_is_restored_keeping_active_flag(studio: SkillStudio) -> None:
    studio.settings_skills.deactivate("research")
    shutil.rmtree(studio.settings_skills.get("research").path)
    shutil.rmtree(studio.settings_skills.get("validate-skill").path)
    studio = reopen(studio)
    try:
        assert sorted(m for m in studio.startup_messages if "restored" in m) == [
            "The bundled skill 'research' was restored (its folder was missing).",
            "The bundled skill 'validate-skill' was restored (its folder was missing)."]
        st = states(studio)
        assert st["research"] == (False, "research", "bundled") and st["validate-skill"] == (True, "validate", "bundled")
        for name in ("research", "validate-skill"):
            assert read_folder(Path(studio.settings_skills.get(name).path)) == read_folder(RESOURCES / name)
        assert workspace_skills(studio) == ["skill-builder-practices", "validate-skill"]
    finally:
        studio.close()


def test_existing_user_skill_with_a_bundled_name_is_kept(isolated_home: Path) -> None:
    from skill_studio.core.installer import Installer
    from skill_studio.core.paths import AppPaths
    from skill_studio.core.store import Store

    paths = AppPaths.from_env().ensure()
    store = Store(paths.database, paths.skills_dir)
    mine = {"SKILL.md": b"---\nname: research\ndescription: mine\n---\n"}
    Installer(paths, store).install(mine, Destination.SETTINGS, "research",
                                    {"name": "research", "description": "mine", "version": "2.0.0",
                                     "origin": "upload", "slot": "research", "active": 1})
    store.close()
    with SkillStudio() as studio:
        assert any("already have a skill named 'research'" in m for m in studio.startup_messages)
        assert states(studio)["research"] == (True, "research", "upload")
        assert read_folder(Path(studio.settings_skills.get("research").path)) == mine
        assert len(studio.settings_skills.list()) == 3
    with SkillStudio() as studio:
        assert studio.startup_messages == []  # said once


def test_bundled_skill_edits_count_as_customized(studio: SkillStudio) -> None:
    s = studio.settings_skills.get("skill-builder-practices")
    (Path(s.path) / "references" / "examples.md").write_text("my examples")
    assert studio.is_customized(s)
    studio.settings_skills.sync_workspace()  # the edit reaches the workspace copy
    ws = studio.settings_skills.workspace_path() / SKILLS_DIR / "skill-builder-practices"
    assert (ws / "references" / "examples.md").read_text() == "my examples"


# -- upload ------------------------------------------------------------------------------------

def test_upload_into_held_slot_arrives_inactive_then_activation_switches(studio: SkillStudio, tmp_path: Path) -> None:
    ss = studio.settings_skills
    s = ss.upload(upload_zip(tmp_path, extra={"references/a.md": b"a"}))
    assert (s.local_name, s.origin, s.purpose, s.slot, s.active) == ("my-research", "upload", "skill-builder",
                                                                     "research", False)
    assert not s.bundled and s.registry is None
    assert s.messages == ("'my-research' arrived inactive: the research slot is held by 'research'. "
                          "Activate 'my-research' to switch (that deactivates 'research').",)
    assert read_folder(Path(s.path)) == {"SKILL.md": read_folder(Path(s.path))["SKILL.md"], "references/a.md": b"a"}
    assert "my-research" not in workspace_skills(studio)

    change = ss.activate("my-research")
    assert [d.local_name for d in change.deactivated] == ["research"]
    assert change.messages[:2] == ("Activated 'my-research' in the research slot.",
                                   "Deactivated 'research': it held the research slot.")
    st = states(studio)
    assert st["my-research"][0] is True and st["research"][0] is False
    assert workspace_skills(studio) == ["my-research", "skill-builder-practices", "validate-skill"]
    assert claude_md_listing(studio) == workspace_skills(studio)
    assert change.sync is not None and change.sync.removed == ("research",) and change.sync.written == ("my-research",)

    back = ss.activate("research")
    assert [d.local_name for d in back.deactivated] == ["my-research"]
    assert sum(s.active for s in ss.list() if s.slot == "research") == 1


def test_upload_with_activate_takes_the_slot(studio: SkillStudio, tmp_path: Path) -> None:
    s = studio.settings_skills.upload(upload_zip(tmp_path), activate=True)
    assert s.active
    assert "Deactivated 'research': it held the research slot." in s.messages
    assert states(studio)["research"][0] is False


def test_upload_without_slot_or_into_free_slot_is_active(studio: SkillStudio, tmp_path: Path) -> None:
    ss = studio.settings_skills
    a = ss.upload(upload_zip(tmp_path, "plain-helper", slot=None, file="a.zip"))
    assert a.active and a.slot is None and a.messages == ()
    b = ss.upload(upload_zip(tmp_path, "drafter", slot=None, file="b.zip"), slot="Drafting")
    assert b.active and b.slot == "drafting"
    assert {"plain-helper", "drafter"} <= set(workspace_skills(studio))


def test_activate_without_slot_and_activating_twice(studio: SkillStudio, tmp_path: Path) -> None:
    ss = studio.settings_skills
    ss.upload(upload_zip(tmp_path, "helper", slot=None))
    ss.deactivate("helper")
    assert ss.activate("helper").deactivated == ()
    again = ss.activate("helper")
    assert again.deactivated == () and "already active" in again.messages[0]
    assert ss.deactivate("helper").deactivated[0].local_name == "helper"
    assert ss.deactivate("helper").deactivated == ()


def test_upload_collisions(studio: SkillStudio, tmp_path: Path) -> None:
    ss = studio.settings_skills
    with pytest.raises(CollisionError, match="bundled skill .* cannot be replaced"):
        ss.upload(upload_zip(tmp_path, "research", file="r.zip"), replace=True)
    assert states(studio)["research"] == (True, "research", "bundled")
    ss.upload(upload_zip(tmp_path, slot=None))
    with pytest.raises(CollisionError, match="already installed"):
        ss.upload(upload_zip(tmp_path, slot=None))
    ss.deactivate("my-research")
    again = ss.upload(upload_zip(tmp_path, slot=None, extra={"new.md": b"n"}), replace=True)
    assert not again.active  # a replaced skill keeps its active flag
    assert "new.md" in read_folder(Path(again.path))
    assert ss.upload(upload_zip(tmp_path, slot=None, file="c.zip"), local_name="copy-of-it").local_name == "copy-of-it"


def test_invalid_slot_is_refused(studio: SkillStudio, tmp_path: Path) -> None:
    with pytest.raises(InstallError, match="cannot be a slot name"):
        studio.settings_skills.upload(upload_zip(tmp_path), slot="../x")
    with pytest.raises(InstallError, match="cannot be a slot name"):
        studio.settings_skills.set_slot("research", "no spaces")


def test_set_slot_takes_over_or_clears(studio: SkillStudio, tmp_path: Path) -> None:
    ss = studio.settings_skills
    ss.upload(upload_zip(tmp_path, "checker", slot=None))
    change = ss.set_slot("checker", "validate")
    assert [d.local_name for d in change.deactivated] == ["validate-skill"] and change.skill.slot == "validate"
    cleared = ss.set_slot("checker", None)
    assert cleared.skill.slot is None and cleared.deactivated == ()


def test_remove_upload_leaves_workspace(studio: SkillStudio, tmp_path: Path) -> None:
    ss = studio.settings_skills
    s = ss.upload(upload_zip(tmp_path, "helper", slot=None))
    assert "helper" in workspace_skills(studio)
    change = ss.remove("helper")
    assert change.deactivated[0].local_name == "helper" and change.messages[0].startswith("Removed 'helper'.")
    assert change.backup is not None and (change.backup / "SKILL.md").is_file()  # kept (issue 15)
    assert str(change.backup) in change.messages[0]
    assert not Path(s.path).exists() and studio.store.skill(Destination.SETTINGS, "helper") is None
    assert "helper" not in workspace_skills(studio) and "helper" not in claude_md_listing(studio)
    with pytest.raises(InstallError, match="No skill named 'helper'"):
        ss.remove("helper")
    with pytest.raises(InstallError, match="No skill named 'nope'"):
        ss.activate("nope")


def tree_state(root: Path) -> dict[str, tuple[bytes | str, int]]:
    out: dict[str, tuple[bytes | str, int]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            p = Path(dirpath) / d
            out[str(p) + "/"] = ("dir", p.stat().st_mtime_ns)
        for f in filenames:
            p = Path(dirpath) / f
            if p.name.endswith(("-wal", "-shm", "-journal")):
                continue  # SQLite's own files; the rows are compared instead
            out[str(p)] = (p.read_bytes(), p.stat().st_mtime_ns)
    return out


def test_every_hostile_zip_changes_nothing(studio: SkillStudio, tmp_path: Path, isolated_home: Path) -> None:
    zips = tmp_path / "zips"
    zips.mkdir()
    before = tree_state(isolated_home)
    rows = studio.store.skills()
    settings = {k: studio.store.get_setting(k) for k in ("workspace_path", "bundled_skills_seeded")}
    for i, (_case, (entries, reason)) in enumerate(sorted(HOSTILE.items())):
        z = make_zip(zips / f"{i}.zip", entries)
        with pytest.raises(ArchiveError, match=reason):
            studio.settings_skills.upload(z, slot="research", activate=True)
    assert tree_state(isolated_home) == before
    assert studio.store.skills() == rows
    assert {k: studio.store.get_setting(k) for k in settings} == settings


# -- marketplace imports into Settings ---------------------------------------------------------

def _marketplace(github, use_github) -> None:
    catalog = {"name": "acme-skills", "owner": {"name": "acme"},
               "plugins": [{"name": "builders", "source": "./", "skills": ["./skills/deep-research", "./skills/lint"]}]}
    github.add_repo_from_dir("acme", "skills", {
        ".claude-plugin/marketplace.json": json.dumps(catalog),
        "skills/deep-research/SKILL.md": "---\nname: deep-research\ndescription: Deeper research.\nslot: research\n---\n",
        "skills/lint/SKILL.md": "---\nname: lint\ndescription: Lints skills.\n---\n",
    })
    use_github(github)


@pytest.mark.integration
def test_marketplace_import_into_held_slot_arrives_inactive(github, use_github) -> None:
    _marketplace(github, use_github)
    with SkillStudio() as studio:
        listing = studio.list_registry(RegistrySource("github.com", "acme", "skills"))
        by = {s.name: s for s in listing.skills}
        deep = studio.import_skill(listing, by["deep-research"], Destination.SETTINGS)  # frontmatter slot
        assert (deep.active, deep.slot, deep.origin, deep.purpose) == (False, "research", "marketplace", "skill-builder")
        assert "held by 'research'" in deep.messages[0]
        lint = studio.import_skill(listing, by["lint"], Destination.SETTINGS, ImportOptions(slot="validate"))
        assert (lint.active, lint.slot) == (False, "validate") and "held by 'validate-skill'" in lint.messages[0]
        free = studio.import_skill(listing, by["lint"], Destination.SETTINGS,
                                   ImportOptions(slot="linting", local_name="lint-2"))
        assert free.active and free.messages == ()
        assert "lint-2" in workspace_skills(studio) and "deep-research" not in workspace_skills(studio)
        lib = studio.import_skill(listing, by["deep-research"], Destination.LIBRARY)
        assert lib.slot is None and lib.messages == ()
        with pytest.raises(CollisionError, match="bundled"):
            studio.import_skill(listing, by["lint"], Destination.SETTINGS,
                                ImportOptions(local_name="research", replace=True))
        # an update (re-import with replace) keeps the skill's active flag
        studio.settings_skills.activate("deep-research")
        again = studio.import_skill(listing, by["deep-research"], Destination.SETTINGS, ImportOptions(replace=True))
        assert again.active and again.messages == ()


def test_installs_made_elsewhere_reach_the_workspace(studio: SkillStudio) -> None:
    """The installer hook syncs after any Settings install/remove (e.g. the update checker)."""
    files = {"SKILL.md": b"---\nname: side\ndescription: Installed by another module.\n---\n"}
    studio.installer.install(files, Destination.SETTINGS, "side", {"name": "side", "description": "x",
                                                                    "version": "1", "origin": "marketplace"})
    assert "side" in workspace_skills(studio) and "side" in claude_md_listing(studio)
    studio.installer.remove(Destination.SETTINGS, "side")
    assert "side" not in workspace_skills(studio)
    # an install that ignores the slot rule cannot leave two active skills in one slot
    studio.installer.install(files, Destination.SETTINGS, "side", {"name": "side", "description": "x", "version": "1",
                                                                    "origin": "marketplace", "slot": "research",
                                                                    "active": 1})
    assert states(studio)["side"][0] is False and states(studio)["research"][0] is True
    assert "side" not in workspace_skills(studio)


# -- workspace path ----------------------------------------------------------------------------

def test_workspace_default_and_move(studio: SkillStudio, tmp_path: Path) -> None:
    ss = studio.settings_skills
    old = ss.workspace_path()
    assert old == studio.paths.workspace_default
    (old / "CLAUDE.md").write_text((old / "CLAUDE.md").read_text() + "\nmy line\n")
    (old / SKILLS_DIR / "mine").mkdir()
    new = tmp_path / "project"
    new.mkdir()
    (new / "CLAUDE.md").write_text("# Project rules\n")
    report = ss.set_workspace_path(new)
    assert ss.workspace_path() == new.resolve() and report.skills == tuple(sorted(BUNDLED))
    assert sorted(p.name for p in (old / SKILLS_DIR).iterdir()) == ["mine"]
    assert not (old / MANIFEST).exists()
    assert BEGIN_MARKER not in (old / "CLAUDE.md").read_text() and "my line" in (old / "CLAUDE.md").read_text()
    assert (new / "CLAUDE.md").read_text().startswith("# Project rules\n\n" + BEGIN_MARKER)
    assert workspace_skills(studio) == sorted(BUNDLED)


def test_workspace_path_refusals(studio: SkillStudio, tmp_path: Path) -> None:
    f = tmp_path / "file.txt"
    f.write_text("x")
    with pytest.raises(WorkspaceError, match="not a folder"):
        studio.settings_skills.set_workspace_path(f)
    with pytest.raises(WorkspaceError, match="data folder"):
        studio.settings_skills.set_workspace_path(studio.paths.skills_dir(Destination.SETTINGS))
    assert studio.settings_skills.workspace_path() == studio.paths.workspace_default


def test_unwritable_workspace_becomes_a_message_not_a_failure(studio: SkillStudio, tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the workspace folder should be")
    studio.store.set_setting("workspace_path", str(blocker / "ws"))
    change = studio.settings_skills.deactivate("research")
    assert not change.skill.active and change.sync is None
    assert any("could not be updated" in m and "workspace sync" in m for m in change.messages)


# -- CLI ---------------------------------------------------------------------------------------

def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_done_when_scenario(capsys, tmp_path: Path) -> None:
    code, out, err = run(capsys, "skills", "list", "--json")
    assert code == 0, err
    rows = json.loads(out)
    assert {r["local_name"]: (r["active"], r["bundled"], r["origin"], r["slot"]) for r in rows} == {
        n: (True, True, "bundled", slot) for n, slot in BUNDLED.items()}

    code, out, err = run(capsys, "workspace", "path")
    ws = Path(out.strip())
    claude = ws / "CLAUDE.md"
    mine_before, mine_after = "# My agent\n\nAlways answer in French.\n\n", "\n## Later notes\nkeep this line\n"
    text = claude.read_text()
    claude.write_text(mine_before + text.rstrip("\n") + mine_after)

    code, out, err = run(capsys, "skills", "upload", str(upload_zip(tmp_path)), "--slot", "research")
    assert code == 0, err
    assert "as 'my-research' (inactive, slot research)" in out and "held by 'research'" in out

    code, out, err = run(capsys, "skills", "activate", "my-research")
    assert code == 0, err
    assert "Activated 'my-research' in the research slot." in out
    assert "Deactivated 'research': it held the research slot." in out

    active = sorted(r["local_name"] for r in json.loads(run(capsys, "skills", "list", "--json")[1]) if r["active"])
    assert active == ["my-research", "skill-builder-practices", "validate-skill"]
    assert sorted(p.name for p in (ws / SKILLS_DIR).iterdir()) == active
    text = claude.read_text()
    assert text.startswith(mine_before + BEGIN_MARKER) and text.endswith(END_MARKER + mine_after)
    block = text[text.index(BEGIN_MARKER):]
    assert "Researches the way my team does." in block and "**research**" not in block

    before = claude.stat().st_mtime_ns
    code, out, err = run(capsys, "workspace", "sync", "--json")
    assert code == 0 and json.loads(out)["changed"] is False and claude.stat().st_mtime_ns == before


def test_cli_errors_and_json(capsys, tmp_path: Path) -> None:
    code, out, err = run(capsys, "skills", "remove", "research")
    assert code == 1 and err.strip() == ("skill-studio: 'research' is a bundled skill and cannot be removed; "
                                         "deactivate it instead.")
    bomb = make_zip(tmp_path / "bomb.zip", HOSTILE["bomb"][0])
    code, out, err = run(capsys, "skills", "upload", str(bomb))
    assert code == 1 and "zip bomb" in err and "Traceback" not in err and out == ""
    code, out, err = run(capsys, "skills", "upload", str(tmp_path / "nope.zip"))
    assert code == 1 and "no such file" in err
    code, out, err = run(capsys, "skills", "activate", "ghost")
    assert code == 1 and "No skill named 'ghost'" in err

    code, out, err = run(capsys, "skills", "upload", str(make_zip(tmp_path / "ok.zip", [("SKILL.md", SKILL_MD)])),
                         "--activate", "--json")
    assert code == 0, err
    up = json.loads(out)
    assert up["local_name"] == "my-research" and up["active"] and up["origin"] == "upload"
    assert "Deactivated 'research': it held the research slot." in up["messages"]
    code, out, err = run(capsys, "skills", "deactivate", "my-research", "--json")
    res = json.loads(out)
    assert res["deactivated"] == ["my-research"] and res["workspace"]["removed"] == ["my-research"]
    code, out, err = run(capsys, "skills", "slot", "my-research", "--json")
    assert json.loads(out)["skill"]["slot"] is None
    code, out, err = run(capsys, "skills", "remove", "my-research")
    assert code == 0 and "Removed 'my-research'." in out
    code, out, err = run(capsys, "skills", "list")
    assert code == 0 and "research" in out and "bundled" in out


def test_cli_workspace_set(capsys, tmp_path: Path) -> None:
    target = tmp_path / "proj"
    code, out, err = run(capsys, "workspace", "set", str(target))
    assert code == 0, err
    assert str(target) in out and "Wrote" in out
    assert run(capsys, "workspace", "path", "--json")[1].strip() == json.dumps({"workspace": str(target)}, indent=2)
    assert sorted(p.name for p in (target / SKILLS_DIR).iterdir()) == sorted(BUNDLED)
    code, out, err = run(capsys, "workspace", "sync")
    assert code == 0 and "Already up to date." in out
