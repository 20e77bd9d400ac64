"""Updates (issue 4, R-UPD-1..5): check per destination, auto/manual modes, customized upgrades with
backups, rollback, local diffs, the persisted check outcome, and the CLI — against the fake GitHub
serving two commits of one synthetic marketplace.

Upstream commit 1 → commit 2:
- alpha: version 1.0.0 → 1.1.0 (and its guide changed)          → "version" update
- beta:  scripts/run.py changed, version 2.0.0 kept                → "changed upstream"
- gamma: removed from the repository                               → "removed upstream" (not an update)
- delta: no version of its own; the plugin's version goes 1.0.0 → "next" (unparseable), content
         unchanged                                                 → up to date (no false update)
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from skill_studio.cli import main
from skill_studio.app import updates as upd
from skill_studio.core.errors import InstallError
from skill_studio.core.installer import read_folder
from skill_studio.core.models import Destination, ImportOptions
from skill_studio.app.studio import SkillStudio

pytestmark = pytest.mark.integration

LIB, SET = Destination.LIBRARY, Destination.SETTINGS
OWNER, REPO = "acme", "market"


def skill_md(name: str, version: str | None = None, extra: str = "") -> str:
    meta = f"metadata:\n  version: \"{version}\"\n" if version else ""
    return f"---\nname: {name}\ndescription: The {name} helper for tests.\n{meta}---\n# {name}\n\nDo {name} things.\n{extra}"


def catalog(extras_version: str) -> str:
    return json.dumps({
        "name": "acme-tools", "owner": {"name": "Acme"},
        "plugins": [
            {"name": "toolkit", "source": "./plugins/toolkit", "description": "Tools"},
            {"name": "extras", "source": "./plugins/extras", "version": extras_version},
        ],
    }, indent=2)


V1: dict[str, str | bytes] = {
    ".claude-plugin/marketplace.json": catalog("1.0.0"),
    "plugins/toolkit/skills/alpha/SKILL.md": skill_md("alpha", "1.0.0"),
    "plugins/toolkit/skills/alpha/references/guide.md": "guide v1\n",
    "plugins/toolkit/skills/beta/SKILL.md": skill_md("beta", "2.0.0"),
    "plugins/toolkit/skills/beta/scripts/run.py": "print('v1')\n",
    "plugins/toolkit/skills/beta/assets/logo.bin": b"\x89PNG\x00\x01",
    "plugins/toolkit/skills/gamma/SKILL.md": skill_md("gamma", "1.0.0"),
    "plugins/extras/skills/delta/SKILL.md": skill_md("delta"),
}


def v2() -> dict[str, str | bytes]:
    files = dict(V1)
    files[".claude-plugin/marketplace.json"] = catalog("next")
    files["plugins/toolkit/skills/alpha/SKILL.md"] = skill_md("alpha", "1.1.0", "New step.\n")
    files["plugins/toolkit/skills/alpha/references/guide.md"] = "guide v2\n"
    files["plugins/toolkit/skills/beta/scripts/run.py"] = "print('v2')\n"
    del files["plugins/toolkit/skills/gamma/SKILL.md"]
    return files


@pytest.fixture
def gh(github, use_github):
    """The fake GitHub at commit 1 of acme/market, with the registry added."""
    github.add_repo_from_dir(OWNER, REPO, V1)
    use_github(github)
    return github


@pytest.fixture
def studio(gh):
    with SkillStudio.open() as s:
        s.add_registry(f"{OWNER}/{REPO}")
        yield s


def reg(studio: SkillStudio):
    return studio.find_registry("acme-tools")


def import_all(studio: SkillStudio, dest: Destination, names=("alpha", "beta", "gamma", "delta")) -> dict:
    listing = studio.list_registry(reg(studio))
    by_name = {s.name: s for s in listing.skills}
    return {n: studio.import_skill(listing, by_name[n], dest) for n in names}


def publish_v2(gh) -> str:
    return gh.push(OWNER, REPO, v2(), message="v2")


def kinds(report: upd.UpdateReport, dest: Destination) -> dict[str, str]:
    return {i.local_name: i.kind.value for i in report.items_by_destination[dest]}


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# -- check -------------------------------------------------------------------------------------

def test_nothing_to_report_before_upstream_changes(studio, gh) -> None:
    import_all(studio, LIB)
    report = upd.check_updates(studio)
    assert report.ok and report.items == [] and report.checked == 4
    assert report.registries == ["acme-tools"]


def test_check_detects_version_bump_content_change_and_removal(studio, gh) -> None:
    import_all(studio, LIB)
    new_commit = publish_v2(gh)
    gh.reset_counters()
    seen: list[tuple[int, int]] = []
    report = upd.check_updates(studio, progress=lambda d, t: seen.append((d, t)))
    assert gh.count("/commits/") == 1, "one pinned commit per registry"
    assert seen == [(0, 1), (1, 1)]
    assert kinds(report, LIB) == {"alpha": "version", "beta": "changed_upstream", "gamma": "removed_upstream"}
    assert kinds(report, SET) == {}
    alpha, beta, gamma = report.items_by_destination[LIB]
    assert (alpha.installed_version, alpha.available_version, alpha.available_commit) == ("1.0.0", "1.1.0", new_commit)
    assert (beta.installed_version, beta.available_version) == ("2.0.0", "2.0.0")
    assert not any(i.customized for i in report.items)
    assert [i.local_name for i in report.pending] == ["alpha", "beta"]  # removed upstream is not an update
    assert (alpha.label, beta.label, gamma.label) == ("update available", "changed upstream", "removed upstream")
    data = json.loads(json.dumps(report.to_json()))
    assert [(i["local_name"], i["status"]) for i in data["destinations"]["library"]] == [
        ("alpha", "available"), ("beta", "available"), ("gamma", "removed_upstream")]
    assert data["destinations"]["settings"] == [] and data["ok"] is True and data["errors"] == []
    # a manual check installs nothing
    assert studio.store.skill(LIB, "alpha").version == "1.0.0"


def test_auto_mode_updates_plain_skills_and_leaves_the_customized_one_untouched(studio, gh) -> None:
    inst = import_all(studio, LIB)
    beta_dir = Path(inst["beta"].path)
    (beta_dir / "SKILL.md").write_text(skill_md("beta", "2.0.0", "My own rule.\n"))
    (beta_dir / "notes.md").write_text("mine\n")
    edited = read_folder(beta_dir)
    publish_v2(gh)
    upd.set_update_mode(studio, "auto")
    report = upd.run_startup_check(studio)
    assert report.mode is upd.UpdateMode.AUTO
    assert [i.local_name for i in report.applied] == ["alpha"]
    assert [(i.local_name, i.customized, i.label) for i in report.skipped_customized] == [
        ("beta", True, "update available — customized")]
    assert read_folder(beta_dir) == edited
    alpha = studio.store.skill(LIB, "alpha")
    assert alpha.version == "1.1.0" and not studio.is_customized(alpha)
    assert read_folder(Path(alpha.path))["references/guide.md"] == b"guide v2\n"
    assert report.summary_lines()[0] == (
        "Skill Library: updated: alpha 1.0.0 → 1.1.0; update available — customized: beta; "
        "removed upstream: gamma")
    assert upd.last_check(studio).available == 1  # beta still pending
    # the next check: alpha up to date, beta still reported as customized
    again = upd.check_updates(studio)
    assert kinds(again, LIB) == {"beta": "changed_upstream", "gamma": "removed_upstream"}
    assert again.items_by_destination[LIB][0].customized


def test_update_keeps_destination_fields_and_history(studio, gh) -> None:
    listing = studio.list_registry(reg(studio))
    alpha = next(s for s in listing.skills if s.name == "alpha")
    studio.import_skill(listing, alpha, SET, ImportOptions(local_name="my-alpha", slot="research", model="opus"))
    studio.store.set_skill_fields(SET, "my-alpha", active=0)
    publish_v2(gh)
    report = upd.check_updates(studio)
    (item,) = report.items
    assert item.key == ("settings", "my-alpha")  # a renamed local copy still matches
    upd.apply_updates(studio, report)
    s = studio.store.skill(SET, "my-alpha")
    assert (s.version, s.slot, s.model, s.active, s.purpose) == ("1.1.0", "research", "opus", False, "skill-builder")
    assert [h["version"] for h in upd.skill_history(studio, SET, "my-alpha")] == ["1.0.0"]
    back = upd.rollback_skill(studio, SET, "my-alpha")
    assert back.version == "1.0.0" and back.commit == listing.commit
    assert read_folder(Path(back.path))["references/guide.md"] == b"guide v1\n"


def test_same_skill_in_both_destinations_is_evaluated_independently(studio, gh, monkeypatch) -> None:
    import_all(studio, LIB, ("alpha", "beta"))
    import_all(studio, SET, ("alpha", "beta"))
    settings_alpha = Path(studio.store.skill(SET, "alpha").path)
    (settings_alpha / "SKILL.md").write_text("---\nname: alpha\ndescription: mine\n---\nmine\n")
    publish_v2(gh)
    gh.reset_counters()
    downloads: list[str] = []
    real_download = studio.download_skill

    def counting_download(listing, skill, progress=None):
        downloads.append(skill.name)
        return real_download(listing, skill, progress)

    monkeypatch.setattr(studio, "download_skill", counting_download)
    report = upd.run_startup_check(studio, upd.UpdateMode.AUTO)
    assert gh.count("/commits/") == 1
    assert {i.key: i.customized for i in report.updates} == {
        ("library", "alpha"): False, ("library", "beta"): False,
        ("settings", "alpha"): True, ("settings", "beta"): False}
    assert sorted(i.key for i in report.applied) == [("library", "alpha"), ("library", "beta"), ("settings", "beta")]
    assert [i.key for i in report.skipped_customized] == [("settings", "alpha")]
    assert studio.store.skill(LIB, "alpha").version == "1.1.0"
    assert studio.store.skill(SET, "alpha").version == "1.0.0"
    assert (settings_alpha / "SKILL.md").read_text().endswith("mine\n")
    assert sorted(downloads) == ["alpha", "beta"], "a folder updated in two destinations is downloaded once"
    # the GUI's confirmation dialog: upgrade the customized one from the same report
    upd.apply_updates(studio, report, report.skipped_customized, force=True)
    assert report.skipped_customized == [] and ("settings", "alpha") in [i.key for i in report.applied]
    assert report.pending == [] and studio.store.skill(SET, "alpha").version == "1.1.0"
    assert upd.rollback_skill(studio, SET, "alpha").version == "1.0.0"
    assert (settings_alpha / "SKILL.md").read_text().endswith("mine\n")


def test_disabled_or_removed_registry_is_not_checked(studio, gh) -> None:
    import_all(studio, LIB, ("alpha",))
    publish_v2(gh)
    studio.set_registry_enabled("acme-tools", False)
    gh.reset_counters()
    report = upd.check_updates(studio)
    assert gh.request_count == 0
    assert report.items == [] and report.checked == 0
    assert [(u.local_name, u.reason) for u in report.unchecked] == [("alpha", "its registry acme-tools is disabled")]
    studio.remove_registry("acme-tools")
    report = upd.check_updates(studio)
    assert "no longer configured" in report.unchecked[0].reason


# -- customized upgrade, rollback, diff (the "done when" scenario through the CLI) ---------------

def test_confirmed_upgrade_of_customized_skill_then_diff_and_rollback_restore_the_edit(studio, gh, capsys) -> None:
    inst = import_all(studio, LIB, ("alpha", "beta", "gamma"))
    beta_dir = Path(inst["beta"].path)
    (beta_dir / "SKILL.md").write_bytes((beta_dir / "SKILL.md").read_bytes() + b"My own rule.\r\nno newline")
    (beta_dir / "scripts" / "run.py").unlink()
    (beta_dir / "notes.md").write_text("mine\n")
    (beta_dir / "assets" / "logo.bin").write_bytes(b"\x89PNG\x00\x02")
    edited = read_folder(beta_dir)
    code, before_diff, _ = run(capsys, "diff", "beta")
    assert code == 0
    assert "--- a/SKILL.md\n+++ b/SKILL.md\n" in before_diff
    assert "+My own rule.\r\n+no newline\n\\ No newline at end of file\n" in before_diff
    assert "--- /dev/null\n+++ b/notes.md\n@@ -0,0 +1 @@\n+mine\n" in before_diff
    assert "--- a/scripts/run.py\n+++ /dev/null\n" in before_diff
    assert "Binary files a/assets/logo.bin and b/assets/logo.bin differ\n" in before_diff
    assert [(c.path, c.status, c.binary) for c in upd.local_changes(studio, LIB, "beta")] == [
        ("SKILL.md", "modified", False), ("assets/logo.bin", "modified", True), ("notes.md", "added", False),
        ("scripts/run.py", "removed", False)]
    publish_v2(gh)

    code, out, err = run(capsys, "update", "--check", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["action"] == "check"
    assert [(i["local_name"], i["kind"], i["status"]) for i in data["destinations"]["library"]] == [
        ("alpha", "version", "available"), ("beta", "changed_upstream", "customized"),
        ("gamma", "removed_upstream", "removed_upstream")]

    code, out, err = run(capsys, "update", "beta")
    assert code == 1 and "customized" in err and "--force" in err and "Traceback" not in err
    assert read_folder(beta_dir) == edited
    code, out, err = run(capsys, "update", "gamma")
    assert code == 1 and "no longer listed" in err

    code, out, err = run(capsys, "update", "beta", "--force")
    assert code == 0, err
    assert "updated" in out
    upstream = {k[len("plugins/toolkit/skills/beta/"):]: (v.encode() if isinstance(v, str) else v)
                for k, v in v2().items() if k.startswith("plugins/toolkit/skills/beta/")}
    assert read_folder(beta_dir) == upstream
    assert run(capsys, "diff", "beta", "--to", "library")[1] == "beta (Skill Library) has no local edits.\n"
    assert studio.store.skill(LIB, "alpha").version == "1.0.0", "naming one skill leaves the others alone"

    code, out, err = run(capsys, "rollback", "beta", "--to", "library")
    assert code == 0, err
    assert "Rolled back beta in Skill Library to 2.0.0 (with your local edits)" in out
    assert read_folder(beta_dir) == edited  # byte for byte
    assert run(capsys, "diff", "beta")[1] == before_diff
    code, out, err = run(capsys, "update", "--check", "--json")
    assert [i["status"] for i in json.loads(out)["destinations"]["library"] if i["local_name"] == "beta"] == ["customized"]


def test_diff_applies_with_patch(studio, gh, capsys, tmp_path: Path) -> None:
    if shutil.which("patch") is None:
        pytest.skip("patch(1) is not installed")
    inst = import_all(studio, LIB, ("beta",))
    beta_dir = Path(inst["beta"].path)
    (beta_dir / "SKILL.md").write_text(skill_md("beta", "2.0.0", "\fform feed line\nlast"))
    (beta_dir / "extra" / "deep").mkdir(parents=True)
    (beta_dir / "extra" / "deep" / "x.md").write_text("x\n")
    (beta_dir / "scripts" / "run.py").unlink()
    text = upd.diff_skill(studio, LIB, "beta")
    base = tmp_path / "base"
    shutil.copytree(studio.paths.snapshots / studio.store.skill(LIB, "beta").snapshot_hash, base)
    (base / "assets" / "logo.bin").unlink()  # patch(1) does not handle binary files; they are unchanged here
    proc = subprocess.run(["patch", "-p1", "-s", "-E"], input=text.encode(), cwd=base, capture_output=True, timeout=30)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    want = {k: v for k, v in read_folder(beta_dir).items() if k != "assets/logo.bin"}
    assert read_folder(base) == want


def test_rollback_and_diff_errors(studio, gh, capsys) -> None:
    import_all(studio, LIB, ("alpha",))
    import_all(studio, SET, ("alpha",))
    code, _, err = run(capsys, "rollback", "alpha")
    assert code == 1 and "both destinations" in err and "--to" in err
    code, _, err = run(capsys, "rollback", "alpha", "--to", "library")
    assert code == 1 and "no previous version" in err
    code, _, err = run(capsys, "diff", "nope")
    assert code == 1 and "No skill named 'nope'" in err
    with pytest.raises(InstallError, match="No skill named"):
        upd.diff_skill(studio, LIB, "nope")
    code, _, err = run(capsys, "update", "nope")
    assert code == 1 and "No skill named 'nope' is installed" in err


# -- modes and the CLI -------------------------------------------------------------------------

def test_cli_update_follows_the_mode_and_config_command(studio, gh, capsys) -> None:
    import_all(studio, LIB, ("alpha", "beta"))
    beta_dir = Path(studio.store.skill(LIB, "beta").path)
    (beta_dir / "SKILL.md").write_text("edited")
    publish_v2(gh)
    assert run(capsys, "config", "get", "update_mode")[1] == "manual\n"
    code, out, err = run(capsys, "update")
    assert code == 0, err
    assert "Nothing was changed" in out and "alpha" in out and "update available — customized" in out
    assert studio.store.skill(LIB, "alpha").version == "1.0.0"

    code, _, err = run(capsys, "config", "set", "update_mode", "sometimes")
    assert code == 1 and "'manual' or 'auto'" in err
    assert run(capsys, "config", "set", "update-mode", "auto")[1] == "update_mode = auto\n"
    assert json.loads(run(capsys, "config", "list", "--json")[1]) == {"update_mode": "auto", "merge_customized": "off",
                                                                           "external_recheck_minutes": "10"}
    code, out, err = run(capsys, "update", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["action"] == "apply"
    assert [i["local_name"] for i in data["applied"]] == ["alpha"]
    assert [i["local_name"] for i in data["skipped_customized"]] == ["beta"]
    assert studio.store.skill(LIB, "alpha").version == "1.1.0"
    assert (beta_dir / "SKILL.md").read_text() == "edited"

    code, out, err = run(capsys, "update", "--all")
    assert code == 0 and "Customized skills were left untouched" in out
    assert (beta_dir / "SKILL.md").read_text() == "edited"
    code, out, err = run(capsys, "update", "--all", "--force", "--to", "library")
    assert code == 0, err
    assert (beta_dir / "SKILL.md").read_text() != "edited"
    code, out, err = run(capsys, "update", "alpha")
    assert code == 0 and "alpha (Skill Library) is up to date." in out
    assert run(capsys, "update", "--check", "--all")[0] == 1


# -- persistent error (R-UPD-5) ----------------------------------------------------------------

def test_failed_check_is_recorded_until_a_later_check_succeeds(studio, gh, capsys) -> None:
    import_all(studio, LIB, ("alpha",))
    publish_v2(gh)
    gh.rate_limit(reset_epoch=4_000_000_000)
    report = upd.run_startup_check(studio)
    assert not report.ok and report.items == []
    (e,) = report.errors
    assert e.registry == "acme-tools" and e.error == "RateLimitError" and "rate limit" in e.message.lower()
    assert json.loads(json.dumps(report.to_json()))["errors"][0]["registry"] == "acme-tools"
    last = upd.last_check(studio)
    assert [x.registry for x in last.active_errors] == ["acme-tools"]

    # the CLI sees the same failure: exit 2, one line with the reason, recorded too
    code, out, err = run(capsys, "update", "--check")
    assert code == 2 and "acme-tools:" in err and "rate limit" in err.lower() and "Traceback" not in err

    upd.dismiss_check_errors(studio)
    assert upd.last_check(studio).active_errors == ()
    assert upd.last_check(studio).errors  # dismissed, not forgotten
    gh.clear_faults()
    gh.fail("/git/trees/", 500)
    code, out, err = run(capsys, "update", "--check")
    assert code == 2
    assert [x.registry for x in upd.last_check(studio).active_errors] == ["acme-tools"], "a new failure shows again"

    gh.clear_faults()
    report = upd.run_startup_check(studio)
    assert report.ok and [i.local_name for i in report.pending] == ["alpha"]
    last = upd.last_check(studio)
    assert last.errors == () and last.available == 1 and last.mode == "manual"


def test_partial_check_keeps_errors_of_registries_it_did_not_touch(studio, gh, github) -> None:
    github.add_repo_from_dir("acme", "other", {**V1, ".claude-plugin/marketplace.json": json.dumps(
        {"name": "other-tools", "plugins": [{"name": "toolkit", "source": "./plugins/toolkit"}]})})
    studio.add_registry("acme/other")
    import_all(studio, LIB, ("alpha",))
    other = studio.list_registry(studio.find_registry("other-tools"))
    studio.import_skill(other, next(s for s in other.skills if s.name == "beta"), LIB, ImportOptions(local_name="beta2"))
    github.fail("/repos/acme/other/", 500)
    report = upd.check_updates(studio)
    assert [e.registry for e in report.errors] == ["other-tools"] and report.registries == ["acme-tools"]
    upd.check_updates(studio, registries=[reg(studio)])
    assert [e.registry for e in upd.last_check(studio).errors] == ["other-tools"]
    github.clear_faults()
    upd.check_updates(studio, registries=[studio.find_registry("other-tools")])
    assert upd.last_check(studio).errors == ()
