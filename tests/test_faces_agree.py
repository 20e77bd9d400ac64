"""The two faces show the same state for the same data (issue 12, done-when): a skill whose folder
moved upstream and pre-release versions, seen by ``browse --json`` and ``update --check --json``
(and by the GUI's browse rows and version sort, which use the same application-layer code)."""

from __future__ import annotations

import json

import pytest

from skill_studio.app import version_sort_key
from skill_studio.app.browse import browse_rows
from skill_studio.app.studio import SkillStudio
from skill_studio.cli import main
from skill_studio.core.models import Destination, InstallState

pytestmark = pytest.mark.integration

OWNER, REPO = "acme", "moves"
LIB = Destination.LIBRARY


def skill_md(name: str, version: str, body: str = "") -> str:
    return (f"---\nname: {name}\ndescription: The {name} helper for tests.\nmetadata:\n  version: \"{version}\"\n"
            f"---\n# {name}\n{body}")


def files(alpha_folder: str, alpha_version: str, beta_version: str) -> dict[str, str | bytes]:
    catalog = {"name": "acme-moves", "owner": {"name": "Acme"},
               "plugins": [{"name": "toolkit", "source": "./plugins/toolkit", "description": "Tools"}]}
    return {
        ".claude-plugin/marketplace.json": json.dumps(catalog),
        f"plugins/toolkit/skills/{alpha_folder}/SKILL.md": skill_md("alpha", alpha_version),
        f"plugins/toolkit/skills/{alpha_folder}/guide.md": "guide\n",
        "plugins/toolkit/skills/beta/SKILL.md": skill_md("beta", beta_version),
    }


def cli(capsys, *args: str) -> tuple[int, dict]:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert code == 0, err
    return code, json.loads(out)


def browse_state(capsys, name: str) -> str:
    _, data = cli(capsys, "browse", "acme-moves", "--json")
    (skill,) = [s for s in data["registries"][0]["skills"] if s["name"] == name]
    return skill["state"]["library"]


def check_kind(capsys, local_name: str) -> str | None:
    _, data = cli(capsys, "update", "--check", "--json")
    kinds = {i["local_name"]: i["kind"] for i in data["destinations"].get("library", [])}
    return kinds.get(local_name)


@pytest.fixture
def studio(github, use_github):
    github.add_repo_from_dir(OWNER, REPO, files("alpha", "1.0.0", "1.0.0-beta"))
    use_github(github)
    with SkillStudio.open() as s:
        s.add_registry(f"{OWNER}/{REPO}")
        listing = s.list_registry(s.find_registry("acme-moves"))
        for skill in listing.skills:
            s.import_skill(listing, skill, LIB)
    return github


def test_a_moved_folder_with_the_same_content_is_up_to_date_in_both_faces(studio, capsys) -> None:
    studio.push(OWNER, REPO, files("alpha-skill", "1.0.0", "1.0.0-beta"), message="move alpha")
    assert browse_state(capsys, "alpha") == "up_to_date"  # was "not_installed" before issue 12
    assert check_kind(capsys, "alpha") is None


def test_a_moved_folder_with_a_greater_version_is_an_update_in_both_faces(studio, capsys) -> None:
    studio.push(OWNER, REPO, files("alpha-skill", "1.1.0", "1.0.0-beta"), message="move and bump alpha")
    assert browse_state(capsys, "alpha") == "update_available"
    assert check_kind(capsys, "alpha") == "version"
    with SkillStudio.open() as s:  # the GUI's browse rows: the same state
        listing = s.list_registry(s.find_registry("acme-moves"))
        rows, _ = browse_rows(s, listing, LIB)
        (row,) = [r for r in rows if r.skill.name == "alpha"]
        assert row.state is InstallState.UPDATE_AVAILABLE and row.installed is not None
        assert row.installed.source_path == "plugins/toolkit/skills/alpha"


def test_a_release_after_its_pre_release_is_an_update_in_both_faces(studio, capsys) -> None:
    studio.push(OWNER, REPO, files("alpha", "1.0.0", "1.0.0"), message="release beta")
    assert browse_state(capsys, "beta") == "update_available"
    assert check_kind(capsys, "beta") == "version"
    assert version_sort_key("1.0.0-beta") < version_sort_key("1.0.0")  # the GUI's version column


def test_a_pre_release_of_the_installed_version_is_not_an_update_in_both_faces(studio, capsys) -> None:
    studio.push(OWNER, REPO, files("alpha", "1.0.0-rc.1", "1.0.0-beta"), message="rc of alpha")
    # 1.0.0-rc.1 < 1.0.0: not a version update; the SKILL.md changed, so it is "changed upstream".
    assert browse_state(capsys, "alpha") == "update_available"
    assert check_kind(capsys, "alpha") == "changed_upstream"
    assert version_sort_key("1.0.0-rc.1") < version_sort_key("1.0.0")


def test_one_skill_under_two_local_names_reports_both_copies(studio, capsys) -> None:
    from skill_studio.core.models import ImportOptions

    with SkillStudio.open() as s:
        listing = s.list_registry(s.find_registry("acme-moves"))
        (beta,) = [k for k in listing.skills if k.name == "beta"]
        s.import_skill(listing, beta, LIB, ImportOptions(local_name="aaa-beta"))
    _, data = cli(capsys, "browse", "acme-moves", "--json")
    (skill,) = [k for k in data["registries"][0]["skills"] if k["name"] == "beta"]
    assert skill["installed_as"]["library"] == ["aaa-beta", "beta"]
    assert skill["installed_as"]["settings"] == []


def test_name_taken_shows_in_both_the_cli_and_the_gui_rows(github, use_github, capsys) -> None:
    from skill_studio.core.models import ImportOptions

    github.add_repo_from_dir(OWNER, REPO, files("alpha", "1.0.0", "1.0.0"))
    use_github(github)
    with SkillStudio.open() as s:
        s.add_registry(f"{OWNER}/{REPO}")
        listing = s.list_registry(s.find_registry("acme-moves"))
        (alpha,) = [k for k in listing.skills if k.name == "alpha"]
        s.import_skill(listing, alpha, LIB, ImportOptions(local_name="beta"))  # takes beta's proposed name
        rows, _ = browse_rows(s, listing, LIB)
        (row,) = [r for r in rows if r.skill.name == "beta"]
        assert row.state is InstallState.NOT_INSTALLED and row.name_taken
    _, data = cli(capsys, "browse", "acme-moves", "--json")
    (beta,) = [k for k in data["registries"][0]["skills"] if k["name"] == "beta"]
    assert beta["state"]["library"] == "not_installed" and beta["name_taken"] == {"library": True, "settings": False}
    main(["browse", "acme-moves"])
    table = capsys.readouterr().out
    (line,) = [ln for ln in table.splitlines() if ln.startswith("toolkit:beta ")]
    assert "not installed (name taken)" in line
