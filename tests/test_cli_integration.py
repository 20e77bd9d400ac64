"""End to end (issue 2): the real CLI and GitHubClient against the fake GitHub serving the shared
marketplace snapshots, compared with each fixture's expected.json."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import MARKETPLACES, marketplace_fixtures

from skill_studio.cli import main
from skill_studio.core.installer import read_folder

pytestmark = pytest.mark.integration


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def fx(fixture_github, use_github):
    use_github(fixture_github)
    return fixture_github


def _browse(capsys: pytest.CaptureFixture[str], folder: Path, *flags: str) -> tuple[dict, dict, dict]:
    meta = json.loads((folder / "meta.json").read_text())
    expected = json.loads((folder / "expected.json").read_text())
    slug = f"{meta['owner']}/{meta['repo']}"
    if slug != "anthropics/skills":  # the default registry is seeded already
        code, out, err = run(capsys, "registry", "add", slug)
        assert code == 0, err
        assert f"Added registry {expected['registry_name']!r}" in out
    code, out, err = run(capsys, "browse", slug, "--json", *flags)
    assert code == 0, err
    (reg,) = json.loads(out)["registries"]
    assert reg["name"] == expected["registry_name"]
    assert reg["commit"] == meta["commit"]
    assert reg["errors"] == []
    assert all(s["state"] == {"settings": "not_installed", "library": "not_installed"} for s in reg["skills"])
    return reg, meta, expected


def _canon(src: object) -> str:
    return json.dumps(src, sort_keys=True)


@pytest.mark.parametrize("folder", marketplace_fixtures(), ids=lambda p: p.name)
def test_browse_matches_expected_external(folder: Path, fx, capsys) -> None:
    """By default object sources on GitHub are resolved (issue 9): expected-external.json."""
    reg, _, _ = _browse(capsys, folder)
    expected = json.loads((folder / "expected-external.json").read_text())
    got = sorted((s["qualified_name"], s["name"], s["local_name"], s["name_valid"], s["plugin"], s["path"], s["repo"],
                  s["version"], s["description"]) for s in reg["skills"])
    want = sorted((s["qualified"], s["name"], s["local_name"], s["name_valid"], s["plugin"], s["path"], s["repo"],
                   s["version"], s["description"]) for s in expected["skills"])
    assert got == want
    assert sorted(e["path"] for e in reg["excluded"]) == sorted(e["path"] for e in expected["excluded"])
    assert sorted(_canon(p["source"]) for p in reg["skipped_plugins"]) == sorted(
        _canon(p["source"]) for p in expected["skipped_plugins"])
    assert sorted((p["name"], _canon(p["source"])) for p in reg["unavailable_plugins"]) == sorted(
        (p["name"], _canon(p["source"])) for p in expected["unavailable_plugins"])
    assert all(p["reason"] for p in reg["unavailable_plugins"])


@pytest.mark.parametrize("folder", [p for p in marketplace_fixtures() if p.name in (
    "anthropics__skills", "obra__superpowers-marketplace", "netresearch__claude-code-marketplace")],
    ids=lambda p: p.name)
def test_browse_no_external_matches_expected(folder: Path, fx, capsys) -> None:
    """``--no-external`` keeps R-CAT-2's original behaviour: object sources skipped (expected.json)."""
    reg, _, expected = _browse(capsys, folder, "--no-external")
    got = sorted((s["qualified_name"], s["name"], s["local_name"], s["plugin"], s["path"], s["version"])
                 for s in reg["skills"])
    want = sorted((s["qualified"], s["name"], s["local_name"], s["plugin"], s["path"], s["version"])
                  for s in expected["skills"])
    assert got == want
    assert sorted(_canon(p["source"]) for p in reg["skipped_plugins"]) == sorted(
        _canon(p["source"]) for p in expected["skipped_plugins"])
    assert reg["unavailable_plugins"] == []


def test_import_writes_whole_folder_and_row_then_refuses_collision(fx, capsys, isolated_home: Path) -> None:
    folder = MARKETPLACES / "anthropics__skills"
    tree = json.loads((folder / "tree.json").read_text())
    code, out, err = run(capsys, "import", "anthropics/skills", "document-skills:pdf", "--to", "library")
    assert code == 0, err
    target = isolated_home / "data" / "skills" / "library" / "pdf"
    assert str(target) in out
    want = {e["path"][len("skills/pdf/"):] for e in tree["tree"]
            if e["type"] == "blob" and e["mode"] != "120000" and e["path"].startswith("skills/pdf/")}
    files = read_folder(target)
    assert set(files) == want
    assert files["SKILL.md"] == (folder / "files" / "skills/pdf/SKILL.md").read_bytes()

    code, out, err = run(capsys, "list", "--to", "library", "--json")
    (row,) = json.loads(out)
    code, out, err = run(capsys, "list", "--json")  # plus the bundled Settings skills, untouched
    assert sorted((r["destination"], r["origin"]) for r in json.loads(out)) == [
        ("library", "marketplace"), ("settings", "bundled"), ("settings", "bundled"), ("settings", "bundled")]
    assert row == {**row, "local_name": "pdf", "destination": "library", "version": "1.0.0",
                   "registry": "anthropic-agent-skills", "qualified_name": "document-skills:pdf",
                   "path": str(target), "customized": False}

    (target / "SKILL.md").write_bytes(b"my edit")
    code, out, err = run(capsys, "import", "anthropics/skills", "document-skills:pdf", "--to", "library")
    assert code == 1
    assert "already installed" in err and "--as" in err and "--replace" in err
    assert "Traceback" not in err
    assert (target / "SKILL.md").read_bytes() == b"my edit"

    code, out, err = run(capsys, "import", "anthropics/skills", "document-skills:pdf", "--to", "library",
                         "--as", "pdf-copy")
    assert code == 0, err
    code, out, err = run(capsys, "browse", "anthropics/skills", "--json")
    states = {s["qualified_name"]: s["state"] for s in json.loads(out)["registries"][0]["skills"]}
    assert states["document-skills:pdf"]["settings"] == "not_installed"
    assert states["document-skills:pdf"]["library"] in ("customized", "up_to_date")
    assert states["document-skills:docx"]["library"] == "not_installed"


def test_malformed_catalog_exits_2_with_reason(github, use_github, capsys, tmp_path: Path) -> None:
    github.add_repo_from_dir("acme", "broken", {".claude-plugin/marketplace.json": '{"name": "x", "plugins": {}}'})
    github.add_repo_from_dir("acme", "notjson", {".claude-plugin/marketplace.json": "{oops"})
    github.add_repo_from_dir("acme", "nocatalog", {"README.md": "hello"})
    use_github(github)
    code, out, err = run(capsys, "registry", "add", "acme/broken")
    assert code == 2 and "plugins" in err and "marketplace.json" in err and "Traceback" not in err
    code, out, err = run(capsys, "registry", "add", "acme/notjson")
    assert code == 2 and "JSON" in err
    code, out, err = run(capsys, "registry", "add", "acme/nocatalog")
    assert code == 2 and "not a plugin marketplace" in err
    code, out, err = run(capsys, "registry", "list", "--json")
    assert [r["repo"] for r in json.loads(out)] == ["anthropics/skills"]


def test_user_errors_exit_1(fx, capsys) -> None:
    assert run(capsys, "registry", "add", "not a url")[0] == 1
    code, _, err = run(capsys, "registry", "remove", "anthropic-agent-skills")
    assert code == 1 and "default registry" in err
    code, _, err = run(capsys, "browse", "nope")
    assert code == 1 and "No registry named 'nope'" in err
    code, _, err = run(capsys, "import", "anthropics/skills", "x:y", "--to", "library")
    assert code == 1 and "lists no skill" in err
    code, _, err = run(capsys, "registry", "add", "anthropics/skills")
    assert code == 1 and "already configured" in err


def test_registry_enable_disable_and_remove(fx, capsys) -> None:
    assert run(capsys, "registry", "add", "anthropics/claude-code")[0] == 0
    assert run(capsys, "registry", "disable", "claude-code-plugins")[0] == 0
    code, out, _ = run(capsys, "browse", "--json")
    assert [r["name"] for r in json.loads(out)["registries"]] == ["anthropic-agent-skills"]
    assert run(capsys, "registry", "enable", "anthropics/claude-code")[0] == 0
    code, out, _ = run(capsys, "registry", "list", "--json")
    assert [(r["name"], r["enabled"], r["default"]) for r in json.loads(out)] == [
        ("anthropic-agent-skills", True, True), ("claude-code-plugins", True, False)]
    assert run(capsys, "registry", "remove", "https://github.com/anthropics/claude-code")[0] == 0
    assert len(json.loads(run(capsys, "registry", "list", "--json")[1])) == 1


def test_unreachable_github_exits_2(use_github, capsys) -> None:
    class Dead:
        base_url = "http://127.0.0.1:9"

    use_github(Dead())
    code, _, err = run(capsys, "browse")
    assert code == 2 and "Cannot reach GitHub" in err


def test_console_script_runs_as_a_process(fx, isolated_home: Path) -> None:
    env = {**os.environ, "SKILL_STUDIO_HOME": str(isolated_home), "SKILL_STUDIO_GITHUB_API": fx.base_url}
    exe = Path(sys.executable).with_name("skill-studio")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "skill_studio"]
    proc = subprocess.run([*cmd, "browse", "anthropics/skills"], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "document-skills:pdf" in proc.stdout and "17 skills" in proc.stdout


def test_remove_a_library_skill_keeps_a_backup(github, use_github, isolated_home: Path, capsys) -> None:
    """``skill-studio remove NAME --to library`` (issue 15): the skill leaves the list, its folder
    is kept under backups/, and removing it again is a user error."""
    catalog = {"name": "acme-skills", "owner": {"name": "Acme"}, "plugins": [{"name": "tools", "source": "./tools"}]}
    github.add_repo_from_dir("acme", "skills", {
        ".claude-plugin/marketplace.json": json.dumps(catalog),
        "tools/skills/alpha/SKILL.md": "---\nname: alpha\ndescription: First.\n---\n# alpha\n"})
    use_github(github)
    assert run(capsys, "registry", "add", "acme/skills")[0] == 0
    assert run(capsys, "import", "acme/skills", "tools:alpha", "--to", "library")[0] == 0
    code, out, err = run(capsys, "remove", "alpha", "--to", "library", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["removed"] == "alpha" and result["destination"] == "library"
    backup = Path(result["backup"])
    assert read_folder(backup)["SKILL.md"].startswith(b"---\nname: alpha")
    assert backup.is_relative_to(isolated_home)
    assert json.loads(run(capsys, "list", "--to", "library", "--json")[1]) == []
    code, _, err = run(capsys, "remove", "alpha", "--to", "library")
    assert code == 1 and "No skill named 'alpha'" in err
