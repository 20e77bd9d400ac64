"""The CLI rough edges a new user hit (issue 16 item 12), each reproduced and now smooth."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fake_github import FakeGitHub

from skill_studio.cli import build_parser, main

pytestmark = pytest.mark.integration

SKILLS = ["pdf", "pptx", "docx", "xlsx", "canvas-design", "brand-guidelines", "mcp-builder", "webapp-testing"]
CATALOG = {"name": "edge-market", "owner": {"name": "T"},
           "plugins": [{"name": "docs", "source": "./docs", "skills": [f"./skills/{n}" for n in SKILLS]}]}


def files(long_description: bool = False) -> dict[str, str]:
    out = {".claude-plugin/marketplace.json": json.dumps(CATALOG)}
    for n in SKILLS:
        desc = "x" * 1100 if long_description and n == "pdf" else f"Works with {n}."
        out[f"docs/skills/{n}/SKILL.md"] = f"---\nname: {n}\ndescription: {desc}\n---\n# {n}\n"
    return out


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "internal error" not in err
    return code, out, err


@pytest.fixture
def edge(github: FakeGitHub, use_github, capsys) -> FakeGitHub:
    github.add_repo_from_dir("acme", "edge", files())
    use_github(github)
    assert run(capsys, "registry", "add", "acme/edge")[0] == 0
    return github


@pytest.mark.parametrize(("args", "want"), [
    (["brows"], "skill-studio: unknown command 'brows'; did you mean 'browse'? (see 'skill-studio --help')"),
    (["import", "r", "s"], "skill-studio: import: missing --to (see 'skill-studio import --help')"),
    (["import", "r", "s", "--to", "libary"],
     "skill-studio: import: unknown --to 'libary'; did you mean 'library'? (see 'skill-studio import --help')"),
    (["registry", "ad", "x/y"],
     "skill-studio: registry: unknown command 'ad'; did you mean 'add'? (see 'skill-studio registry --help')"),
    (["list", "--bogus"], "skill-studio: unrecognized arguments: --bogus (see 'skill-studio --help')"),
])
def test_usage_errors_are_one_line_with_exit_1(capsys, args: list[str], want: str) -> None:
    """Exit 2 is the README's code for network errors; argparse used it for usage errors."""
    code, out, err = run(capsys, *args)
    assert (code, out, err) == (1, "", want + "\n")


def test_every_json_flag_has_help() -> None:
    parser = build_parser()
    seen = 0
    stack = [parser]
    while stack:
        p = stack.pop()
        for action in p._actions:
            if "--json" in action.option_strings:
                seen += 1
                assert action.help, p.prog
            for sub in getattr(action, "choices", None) or {}:
                if isinstance(action.choices, dict):
                    stack.append(action.choices[sub])
    assert seen >= 10


def test_config_set_lists_its_keys(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["config", "set", "--help"])
    assert "update_mode" in capsys.readouterr().out


def test_did_you_mean_offers_the_closest_names(edge: FakeGitHub, capsys) -> None:
    code, _, err = run(capsys, "import", "edge-market", "docs:pptz", "--to", "library")
    assert code == 1
    assert "Did you mean: docs:pptx" in err  # the closest first, not the first five listed
    code, _, err = run(capsys, "browse", "edge-markt")
    assert code == 1 and "Did you mean 'edge-market'?" in err


def test_an_overlong_description_suggests_description(github: FakeGitHub, use_github, capsys) -> None:
    github.add_repo_from_dir("acme", "edge", files(long_description=True))
    use_github(github)
    assert run(capsys, "registry", "add", "acme/edge")[0] == 0
    code, _, err = run(capsys, "import", "edge-market", "docs:pdf", "--to", "library")
    assert code == 1 and "give a shorter one (--description TEXT)" in err
    code, _, err = run(capsys, "import", "edge-market", "docs:pdf", "--to", "library", "--description", "Short.")
    assert code == 0, err


def test_slot_with_library_and_a_banana_version_are_refused(edge: FakeGitHub, capsys, isolated_home: Path) -> None:
    code, _, err = run(capsys, "import", "edge-market", "docs:pdf", "--to", "library", "--slot", "research")
    assert code == 1 and "A purpose slot applies only to Settings → Skills" in err
    code, _, err = run(capsys, "import", "edge-market", "docs:pdf", "--to", "library", "--skill-version", "banana")
    assert code == 1 and "'banana' is not a version" in err
    assert not (isolated_home / "data" / "skills" / "library" / "pdf").exists()
    code, _, err = run(capsys, "import", "edge-market", "docs:pdf", "--to", "library", "--skill-version", "2.1.0")
    assert code == 0, err


def test_an_ssh_clone_address_names_the_accepted_forms(capsys) -> None:
    code, _, err = run(capsys, "registry", "add", "git@github.com:o/r.git")
    assert code == 1
    assert "an SSH clone address; use https://github.com/o/r or owner/repo instead" in err
    assert "Accepted forms: owner/repo" in err and "git ref" not in err


def test_a_failed_update_check_never_says_no_updates(edge: FakeGitHub, capsys) -> None:
    assert run(capsys, "import", "edge-market", "docs:pdf", "--to", "library")[0] == 0
    edge.fail("/commits/", 404)
    code, out, err = run(capsys, "update", "--check")
    edge.clear_faults()
    assert code == 2
    assert "No updates." not in out
    assert "No updates among the skills that could be checked." in out


def test_a_typo_does_not_create_a_slot(capsys) -> None:
    code, out, err = run(capsys, "skills", "slot", "research", "reserch")
    assert code == 1
    assert "No skill uses the slot 'reserch' yet; did you mean 'research'?" in err and "--new" in err
    code, out, err = run(capsys, "skills", "slot", "research", "brand-new", "--new")
    assert code == 0, err


def test_details_print_per_skill_warnings_and_a_disabled_registry_is_named(github: FakeGitHub, use_github,
                                                                          capsys) -> None:
    data = files()
    data["docs/skills/pdf/SKILL.md"] = "---\nname: PDF Tools\ndescription: Works with PDFs.\n---\n# pdf\n"
    github.add_repo_from_dir("acme", "edge", data)
    use_github(github)
    assert run(capsys, "registry", "add", "acme/edge")[0] == 0
    code, out, _ = run(capsys, "browse", "edge-market", "--details")
    assert code == 0
    assert "  warning: docs:PDF Tools: the name 'PDF Tools' breaks the Agent Skills naming rule" in out
    assert run(capsys, "registry", "disable", "edge-market")[0] == 0
    code, out, err = run(capsys, "browse", "edge-market")
    assert code == 0
    assert "edge-market is disabled (enable it with 'skill-studio registry enable edge-market')" in err


def test_recovery_speaks_once(isolated_home: Path, capsys) -> None:
    """The damaged-database warning came twice: the message and a raw 'WARNING …recovery' log line."""
    assert run(capsys, "list")[0] == 0
    data = isolated_home / "data"
    for suffix in ("-wal", "-shm"):
        (data / f"skill-studio.db{suffix}").unlink(missing_ok=True)
    (data / "skill-studio.db").write_bytes(b"not a database " * 100)
    code, _, err = run(capsys, "list")
    assert code == 0
    assert "WARNING" not in err
    assert sum("The database was damaged" in line for line in err.splitlines()) == 1
