"""Deploy targets (issue 17): kinds and paths, deploy/undeploy, states, propagation, unmanaged
skills, skill sets, and that nothing outside the app's folders and the chosen targets is written."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from fake_github import git_blob_sha as fake_blob_sha
from fake_github import git_tree_sha as fake_tree_sha

from skill_studio.core.errors import TargetError
from skill_studio.core.installer import Installer, content_hash, read_folder
from skill_studio.core.models import Destination
from skill_studio.core.paths import AppPaths
from skill_studio.core.store import Store
from skill_studio.core.targets import (
    KINDS,
    MARKER_FILE,
    DeployMode,
    DeployState,
    Scope,
    Targets,
    default_name,
    deployed_files,
    git_tree_sha,
    read_marker,
    resolve_folder,
)

LIB = Destination.LIBRARY


def skill_files(name: str = "sql-queries", body: str = "# SQL\nWrite careful queries.\n", extra: bytes = b"SELECT 1;\n"):
    md = f"---\nname: {name}\ndescription: Write and review SQL queries for analytics.\n---\n{body}".encode()
    return {"SKILL.md": md, "references/example.sql": extra}


@pytest.fixture
def user_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HOME points at a temporary folder (user kinds resolve under it)."""
    home = tmp_path / "user-home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))
    return home


@pytest.fixture
def env(user_home: Path):
    paths = AppPaths.from_env().ensure()
    store = Store(paths.database, paths.skills_dir)
    installer = Installer(paths, store)
    targets = Targets(paths, store, installer)
    yield paths, store, installer, targets
    store.close()


def install(installer: Installer, name: str = "sql-queries", files=None, *, replace: bool = False):
    files = files or skill_files(name)
    row = {"name": name, "description": "Write and review SQL queries.", "version": "1.0.0", "origin": "marketplace"}
    return installer.install(files, LIB, name, row, replace=replace, force=True, kind="update" if replace else "import")


# -- kinds and paths ---------------------------------------------------------------------------

def test_every_agent_kind_cites_its_documentation() -> None:
    for spec in KINDS.values():
        if spec.scope is Scope.CUSTOM:
            continue
        assert spec.doc_url.startswith("https://"), spec.kind
        assert spec.parts and spec.parts[-1] == "skills", spec.kind
    assert {"claude-user", "claude-project", "custom"} <= set(KINDS)
    assert KINDS["claude-user"].parts == (".claude", "skills")


def test_paths_come_from_the_home_directory_and_the_project(user_home: Path, tmp_path: Path) -> None:
    assert resolve_folder("claude-user") == user_home / ".claude" / "skills"
    assert resolve_folder("opencode-user") == user_home / ".config" / "opencode" / "skills"
    assert resolve_folder("agents-user") == user_home / ".agents" / "skills"
    project = tmp_path / "proj"
    assert resolve_folder("claude-project", project) == project / ".claude" / "skills"
    assert resolve_folder("copilot-project", project) == project / ".github" / "skills"
    assert resolve_folder("claude-project", None, cwd=project) == project / ".claude" / "skills"
    assert resolve_folder("claude-project", "sub/../proj", cwd=tmp_path) == project / ".claude" / "skills"
    assert resolve_folder("custom", tmp_path / "mine") == tmp_path / "mine"
    assert default_name("claude-project", project / ".claude" / "skills") == "proj"
    assert default_name("claude-user", user_home / ".claude" / "skills") == "claude-user"
    assert default_name("custom", tmp_path / "mine") == "mine"
    with pytest.raises(TargetError, match="takes no PATH"):
        resolve_folder("claude-user", tmp_path)
    with pytest.raises(TargetError, match="custom PATH"):
        resolve_folder("custom")
    with pytest.raises(TargetError, match="Unknown target kind 'vim'"):
        resolve_folder("vim")


def test_targets_add_list_remove_and_refuse_duplicates(env, tmp_path: Path) -> None:
    _, _, _, targets = env
    t = targets.add("claude-project", tmp_path / "proj")
    assert (t.name, t.kind, t.agent) == ("proj", "claude-project", "Claude Code")
    assert not Path(t.path).exists()  # nothing written until something is deployed
    targets.add("claude-user")
    with pytest.raises(TargetError, match="already exists"):
        targets.add("claude-project", tmp_path / "proj", name="other")
    with pytest.raises(TargetError, match="already exists"):
        targets.add("cursor-project", tmp_path / "proj")  # default name "proj" taken
    assert [x.name for x in targets.all()] == ["claude-user", "proj"]
    targets.remove("proj")
    with pytest.raises(TargetError, match="No target named 'proj'"):
        targets.get("proj")


# -- deploy ---------------------------------------------------------------------------------------

def test_deploy_copies_byte_identical_files_and_a_marker(env, tmp_path: Path) -> None:
    paths, _, installer, targets = env
    install(installer)
    targets.add("claude-project", tmp_path / "proj")
    dep = targets.deploy(LIB, "sql-queries", "proj")
    folder = tmp_path / "proj" / ".claude" / "skills" / "sql-queries"
    assert dep.path == str(folder) and dep.state is DeployState.IN_SYNC and dep.mode is DeployMode.COPY
    assert deployed_files(folder) == read_folder(paths.skills_dir(LIB) / "sql-queries")
    assert set(read_folder(folder)) == {"SKILL.md", "references/example.sql", MARKER_FILE}
    assert read_marker(folder) == {"app": "skill-studio", "skill": "sql-queries", "destination": "library",
                                   "note": read_marker(folder)["note"]}
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".skill-studio-tmp")]
    with pytest.raises(TargetError, match="not installed"):
        targets.deploy(LIB, "nope", "proj")


def test_a_folder_the_app_did_not_write_is_never_overwritten(env, tmp_path: Path) -> None:
    _, _, installer, targets = env
    install(installer)
    t = targets.add("custom", tmp_path / "skills")
    mine = Path(t.path) / "sql-queries"
    mine.mkdir(parents=True)
    (mine / "SKILL.md").write_text("my own\n")
    with pytest.raises(TargetError, match="not written by Skill Studio"):
        targets.deploy(LIB, "sql-queries", t.name)
    assert (mine / "SKILL.md").read_text() == "my own\n"
    assert read_folder(mine) == {"SKILL.md": b"my own\n"}
    # a forged marker without a deployment record is not enough either
    (mine / MARKER_FILE).write_text('{"app": "skill-studio", "skill": "sql-queries"}')
    with pytest.raises(TargetError, match="not written by Skill Studio"):
        targets.deploy(LIB, "sql-queries", t.name)


def test_edited_in_place_is_detected_and_redeploy_needs_force(env, tmp_path: Path) -> None:
    paths, _, installer, targets = env
    install(installer)
    t = targets.add("custom", tmp_path / "skills")
    targets.deploy(LIB, "sql-queries", t.name)
    md = Path(t.path) / "sql-queries" / "SKILL.md"
    md.write_bytes(md.read_bytes() + b"\nLocal rule.\n")
    (dep,) = targets.deployments(t.name)
    assert dep.state is DeployState.EDITED_HERE and not dep.merge_available
    with pytest.raises(TargetError, match="edited in place"):
        targets.deploy(LIB, "sql-queries", t.name)
    assert md.read_bytes().endswith(b"Local rule.\n")
    dep = targets.deploy(LIB, "sql-queries", t.name, force=True)
    assert dep.state is DeployState.IN_SYNC
    backups = list((paths.backups / "targets" / t.name / "sql-queries").iterdir())
    assert len(backups) == 1 and (backups[0] / "SKILL.md").read_bytes().endswith(b"Local rule.\n")


def test_update_makes_copies_behind_and_sync_rewrites_them(env, tmp_path: Path) -> None:
    _, _, installer, targets = env
    install(installer)
    t = targets.add("custom", tmp_path / "skills")
    targets.deploy(LIB, "sql-queries", t.name)
    new = skill_files(body="# SQL v2\nNew rule.\n")
    install(installer, files=new, replace=True)
    (dep,) = targets.deployments(t.name)
    assert dep.state is DeployState.BEHIND
    report = targets.sync_skill(LIB, "sql-queries")
    assert report.written == ((t.name, "sql-queries"),)
    assert deployed_files(Path(dep.path)) == new
    assert targets.deployments(t.name)[0].state is DeployState.IN_SYNC


def test_a_copy_removed_by_hand_is_not_resurrected_by_an_update(env, tmp_path: Path) -> None:
    _, _, installer, targets = env
    installer.on_change.append(targets.on_installed_change)
    install(installer)
    t = targets.add("custom", tmp_path / "skills")
    targets.deploy(LIB, "sql-queries", t.name)
    folder = Path(t.path) / "sql-queries"
    shutil.rmtree(folder)
    assert targets.deployments(t.name)[0].state is DeployState.MISSING
    install(installer, files=skill_files(body="v2\n"), replace=True)
    assert not folder.exists()
    report = targets.sync_skill(LIB, "sql-queries")
    assert report.written == () and "removed from" in report.messages[0]
    assert targets.deploy(LIB, "sql-queries", t.name).state is DeployState.IN_SYNC


def test_a_target_inside_the_app_data_is_refused(env) -> None:
    paths, _, _, targets = env
    for folder in (paths.data, paths.skills_dir(LIB), paths.data.parent):
        with pytest.raises(TargetError, match="Skill Studio's own data"):
            targets.add("custom", folder)


def test_installer_listener_propagates_updates_and_removal(env, tmp_path: Path) -> None:
    _, _, installer, targets = env
    installer.on_change.append(targets.on_installed_change)
    install(installer)
    t = targets.add("custom", tmp_path / "skills")
    targets.deploy(LIB, "sql-queries", t.name)
    new = skill_files(body="# SQL v2\n")
    install(installer, files=new, replace=True)
    folder = Path(t.path) / "sql-queries"
    assert deployed_files(folder) == new  # propagated by the listener
    installer.remove(LIB, "sql-queries")
    assert not folder.exists() and targets.deployments(t.name) == []


def test_edited_copy_is_not_overwritten_by_an_update_and_a_merge_is_offered(env, tmp_path: Path) -> None:
    _, _, installer, targets = env
    installer.on_change.append(targets.on_installed_change)
    old = skill_files(body="line one\nline two\nline three\n")
    install(installer, files=old)
    t = targets.add("custom", tmp_path / "skills")
    targets.deploy(LIB, "sql-queries", t.name)
    md = Path(t.path) / "sql-queries" / "SKILL.md"
    edited = md.read_bytes().replace(b"line one", b"line ONE (mine)")
    md.write_bytes(edited)
    new = skill_files(body="line one\nline two\nline three\nline four (upstream)\n")
    install(installer, files=new, replace=True)
    assert md.read_bytes() == edited  # never overwritten silently
    (dep,) = targets.deployments(t.name)
    assert dep.state is DeployState.EDITED_HERE and dep.merge_available
    report = targets.sync_skill(LIB, "sql-queries")
    assert report.written == () and [d.local_name for d in report.needs_merge] == ["sql-queries"]
    base, ours, theirs = targets.merge_inputs("sql-queries", t.name)
    assert base == old and ours["SKILL.md"] == edited and theirs == new
    merged = dict(new, **{"SKILL.md": new["SKILL.md"].replace(b"line one", b"line ONE (mine)")})
    dep = targets.write_merged("sql-queries", t.name, merged)
    assert dep.state is DeployState.EDITED_HERE and not dep.merge_available
    assert deployed_files(Path(dep.path)) == merged
    assert targets.sync_skill(LIB, "sql-queries").written == ()  # the merge result stays


def test_undeploy_removes_only_what_the_app_wrote(env, tmp_path: Path) -> None:
    paths, _, installer, targets = env
    install(installer)
    install(installer, "other", skill_files("other"))
    t = targets.add("custom", tmp_path / "skills")
    targets.deploy(LIB, "sql-queries", t.name)
    targets.deploy(LIB, "other", t.name)
    hand = Path(t.path) / "hand-made"
    hand.mkdir()
    (hand / "SKILL.md").write_text("---\nname: hand-made\ndescription: x\n---\n")
    (Path(t.path) / "other" / "notes.txt").write_text("added here\n")
    report = targets.undeploy("sql-queries", t.name)
    assert report.removed == ((t.name, "sql-queries"),) and not (Path(t.path) / "sql-queries").exists()
    report = targets.undeploy("other", t.name)
    assert not (Path(t.path) / "other").exists()
    kept = next((paths.backups / "targets" / t.name / "other").iterdir())
    assert (kept / "notes.txt").read_text() == "added here\n" and "moved to" in report.messages[0]
    assert hand.is_dir() and (hand / "SKILL.md").is_file()
    with pytest.raises(TargetError, match="not deployed"):
        targets.undeploy("sql-queries", t.name)


def test_removing_a_target_undeploys_unless_files_are_kept(env, tmp_path: Path) -> None:
    _, _, installer, targets = env
    install(installer)
    a = targets.add("custom", tmp_path / "a")
    b = targets.add("custom", tmp_path / "b")
    targets.deploy(LIB, "sql-queries", a.name)
    targets.deploy(LIB, "sql-queries", b.name)
    targets.remove(a.name)
    assert not (Path(a.path) / "sql-queries").exists()
    targets.remove(b.name, keep_files=True)
    assert (Path(b.path) / "sql-queries" / "SKILL.md").is_file()


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges on Windows")
def test_symlink_mode_links_the_installed_folder(env, tmp_path: Path) -> None:
    paths, _, installer, targets = env
    install(installer)
    t = targets.add("custom", tmp_path / "skills")
    dep = targets.deploy(LIB, "sql-queries", t.name, mode="symlink")
    link = Path(dep.path)
    assert link.is_symlink() and link.resolve() == (paths.skills_dir(LIB) / "sql-queries").resolve()
    assert dep.state is DeployState.IN_SYNC and not (paths.skills_dir(LIB) / "sql-queries" / MARKER_FILE).exists()
    targets.undeploy("sql-queries", t.name)
    assert not link.is_symlink() and (paths.skills_dir(LIB) / "sql-queries" / "SKILL.md").is_file()


# -- unmanaged skills ---------------------------------------------------------------------------

def test_git_tree_sha_matches_git(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    (folder / "scripts").mkdir(parents=True)
    (folder / "SKILL.md").write_bytes(b"---\nname: s\n---\n")
    (folder / "scripts" / "run.sh").write_bytes(b"#!/bin/sh\necho hi\n")
    os.chmod(folder / "scripts" / "run.sh", 0o755)
    (folder / "scripts-a.txt").write_bytes(b"a\n")  # sorts between "scripts" and "scripts/"
    (folder / MARKER_FILE).write_text("{}")  # ignored at the top level
    sub = fake_tree_sha([("100755", "run.sh", fake_blob_sha(b"#!/bin/sh\necho hi\n"))])
    expected = fake_tree_sha([("100644", "SKILL.md", fake_blob_sha(b"---\nname: s\n---\n")),
                              ("040000", "scripts", sub), ("100644", "scripts-a.txt", fake_blob_sha(b"a\n"))])
    assert git_tree_sha(folder) == expected


def test_unmanaged_folders_are_listed_and_adopted(env, tmp_path: Path) -> None:
    _, _, installer, targets = env
    install(installer)
    t = targets.add("custom", tmp_path / "skills")
    targets.deploy(LIB, "sql-queries", t.name)  # managed: not listed
    hand = Path(t.path) / "tidy-notes"
    hand.mkdir()
    (hand / "SKILL.md").write_bytes(skill_files("tidy-notes")["SKILL.md"])
    (Path(t.path) / "not-a-skill").mkdir()
    (un,) = targets.unmanaged(t.name)
    assert (un.name, un.path, un.match) == ("tidy-notes", str(hand), None)
    assert un.to_json() == {"name": "tidy-notes", "path": str(hand), "match": None}
    with pytest.raises(TargetError, match="not installed"):
        targets.adopt(t.name, "tidy-notes", LIB)
    install(installer, "tidy-notes", {"SKILL.md": skill_files("tidy-notes")["SKILL.md"]})
    dep = targets.adopt(t.name, "tidy-notes", LIB)
    assert dep.state is DeployState.IN_SYNC and read_marker(hand)["skill"] == "tidy-notes"
    assert targets.unmanaged(t.name) == []


# -- skill sets ---------------------------------------------------------------------------------

def test_switching_a_targets_skill_set_resyncs_its_folder(env, tmp_path: Path) -> None:
    _, _, installer, targets = env
    for name in ("sql-queries", "dbt-models", "prose-style"):
        install(installer, name, skill_files(name))
    targets.define_set("data-eng", [(LIB, "sql-queries"), (LIB, "dbt-models")])
    targets.define_set("writing", [(LIB, "prose-style")])
    with pytest.raises(TargetError, match="not installed"):
        targets.define_set("bad", [(LIB, "missing")])
    t = targets.add("claude-project", tmp_path / "proj")
    folder = Path(t.path)
    targets.apply_set(t.name, "data-eng")
    assert sorted(p.name for p in folder.iterdir()) == ["dbt-models", "sql-queries"]
    assert targets.get(t.name).skill_set == "data-eng"
    report = targets.apply_set(t.name, "writing")
    assert sorted(p.name for p in folder.iterdir()) == ["prose-style"]
    assert sorted(r[1] for r in report.removed) == ["dbt-models", "sql-queries"]
    assert [d.local_name for d in targets.deployments(t.name)] == ["prose-style"]
    with pytest.raises(TargetError, match="No skill set named 'nope'"):
        targets.apply_set(t.name, "nope")


# -- cost ---------------------------------------------------------------------------------------

def test_cost_per_target_and_budget(env, tmp_path: Path) -> None:
    _, _, installer, targets = env
    install(installer)
    t = targets.add("custom", tmp_path / "skills")
    targets.deploy(LIB, "sql-queries", t.name)
    (tc,) = targets.cost()
    (sc,) = tc.skills
    assert sc.listing == "- sql-queries: Write and review SQL queries for analytics."
    assert sc.always_loaded_tokens == -(-len(sc.listing) // 4)
    assert sc.on_use_tokens == -(-len("# SQL\nWrite careful queries.\n") // 4)
    assert sc.other_bytes == len(b"SELECT 1;\n")
    assert tc.budget_tokens == 2000 and not tc.over_budget
    targets.set_budget_tokens(5)
    (tc,) = targets.cost(t.name)
    assert tc.over_budget and "over the budget of 5" in tc.warning()
    with pytest.raises(TargetError, match="positive"):
        targets.set_budget_tokens(0)


# -- nothing written elsewhere ----------------------------------------------------------------------

def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for n in filenames + dirnames:
            p = Path(dirpath) / n
            st = p.lstat()
            out[str(p)] = (st.st_mtime_ns, st.st_size)
    return out


def test_nothing_outside_the_app_folders_and_the_chosen_targets_is_written(env, tmp_path: Path, user_home: Path) -> None:
    _, _, installer, targets = env
    installer.on_change.append(targets.on_installed_change)
    (user_home / ".claude").mkdir()
    (user_home / ".claude" / "settings.json").write_text("{}")
    (user_home / ".gemini" / "skills").mkdir(parents=True)
    project = tmp_path / "proj"
    (project / "src").mkdir(parents=True)
    (project / "README.md").write_text("hello\n")
    app_root = Path(os.environ["SKILL_STUDIO_HOME"])
    chosen = [user_home / ".claude" / "skills", project / ".claude" / "skills"]
    before = _snapshot(tmp_path)

    install(installer)
    install(installer, "tidy-notes", skill_files("tidy-notes"))
    targets.add("claude-user")
    targets.add("claude-project", project)
    targets.deploy(LIB, "sql-queries", "claude-user")
    targets.deploy(LIB, "sql-queries", "proj")
    targets.define_set("notes", [(LIB, "tidy-notes")])
    targets.apply_set("proj", "notes")
    install(installer, files=skill_files(body="v2\n"), replace=True)
    targets.unmanaged("proj")
    targets.cost()
    targets.undeploy("sql-queries", "claude-user")

    after = _snapshot(tmp_path)
    changed = {p for p in after if before.get(p) != after[p]} | {p for p in before if p not in after}
    allowed = [app_root, *chosen]
    outside = sorted(p for p in changed if not any(Path(p) == a or a in Path(p).parents for a in allowed)
                     and not any(Path(p) in a.parents for a in allowed))  # parents created for a target
    assert outside == []
    created_parents = {p for p in after if p not in before and any(Path(p) in a.parents for a in allowed)}
    assert created_parents <= {str(project / ".claude")}  # only the folders leading to a chosen target
    assert (user_home / ".claude" / "settings.json").read_text() == "{}"
    assert content_hash(read_folder(project / "src")) == content_hash({})
