"""Two processes at once: a CLI importing while the GUI runs an update check (issue 7; R-DATA-1).

Process A behaves like a script calling the CLI in a loop: every call is a fresh ``skill-studio``
start (startup recovery included) that imports a skill or adds a registry. Process B behaves like the
GUI: one long-lived ``SkillStudio`` that keeps listing the registry, computing install states, reading
the installed skills, writing settings and importing into Settings → Skills. Both start at the same
moment on an empty data folder (so they also race to create the database). At the end every write of
both is present, the database passes ``PRAGMA integrity_check`` and every row has its folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from fake_github import FakeGitHub
from storecheck import assert_consistent, rows

pytestmark = pytest.mark.integration

CORPUS = Path(__file__).parent / "corpus"
CLI_IMPORTS = 12
CLI_REGISTRIES = 4

CLI_WORKER = textwrap.dedent(f"""
    import json, sys, time
    from pathlib import Path
    from skill_studio.cli import main
    go = Path(sys.argv[1])
    go.with_name("ready-cli").touch()
    while not go.exists():
        time.sleep(0.005)
    first = main(["registry", "add", "corpus/good"])   # the GUI may have added it first
    assert first in (0, 1), first
    codes = []
    for i in range({CLI_IMPORTS}):
        codes.append(main(["import", "good-market", "notes:tidy-notes", "--to", "library", "--as", f"cli-{{i}}"]))
        if i % 3 == 0:
            codes.append(main(["registry", "add", f"corpus/extra-{{i // 3}}"]))
    print(json.dumps(codes))
""")

GUI_WORKER = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    from skill_studio.core.errors import RegistryError
    from skill_studio.core.models import Destination, ImportOptions
    from skill_studio.app.studio import SkillStudio
    go, done = Path(sys.argv[1]), Path(sys.argv[2])
    go.with_name("ready-gui").touch()
    while not go.exists():
        time.sleep(0.005)
    studio = SkillStudio()
    try:
        studio.add_registry("corpus/good")   # the CLI may have added it first
    except RegistryError:
        pass
    while not any(r.name == "good-market" for r in studio.registries()):
        time.sleep(0.01)
    written, imported, j = [], [], 0
    while not done.exists() or j < 10:
        reg = next(r for r in studio.registries() if r.name == "good-market")
        listing = studio.list_registry(reg)                  # the update check
        studio.states(listing)
        studio.installed()
        studio.store.set_setting(f"gui-{j}", str(j))
        written.append(f"gui-{j}")
        if j % 4 == 0:
            studio.import_skill(listing, listing.skills[0], Destination.SETTINGS, ImportOptions(local_name=f"gui-{j}"))
            imported.append(f"gui-{j}")
        j += 1
    studio.close()
    print(json.dumps({"settings": written, "imports": imported}))
""")


def test_cli_imports_while_gui_checks_for_updates(github: FakeGitHub, use_github, isolated_home: Path,
                                                  tmp_path: Path) -> None:
    github.add_repo_from_dir("corpus", "good", CORPUS / "good")
    for k in range(CLI_REGISTRIES):
        github.add_repo_from_dir("corpus", f"extra-{k}", {
            ".claude-plugin/marketplace.json": json.dumps({"name": f"extra-{k}", "plugins": []})})
    use_github(github)
    go, done = tmp_path / "go", tmp_path / "done"
    env = dict(os.environ)
    assert not (isolated_home / "data").exists()  # both processes race to create the database
    gui = subprocess.Popen([sys.executable, "-c", GUI_WORKER, str(go), str(done)], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, env=env)
    cli = subprocess.Popen([sys.executable, "-c", CLI_WORKER, str(go)], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 60
    while not ((tmp_path / "ready-cli").exists() and (tmp_path / "ready-gui").exists()):
        assert time.monotonic() < deadline and gui.poll() is None and cli.poll() is None, "a worker died early"
        time.sleep(0.01)
    go.touch()  # both are spinning on it: they open the (absent) database at the same moment
    try:
        cli_out, cli_err = cli.communicate(timeout=240)
    finally:
        done.touch()
    gui_out, gui_err = gui.communicate(timeout=240)
    assert cli.returncode == 0, cli_err
    assert gui.returncode == 0, gui_err
    assert "Traceback" not in cli_err + gui_err and "locked" not in cli_err + gui_err
    assert set(json.loads(cli_out.strip().splitlines()[-1])) == {0}
    gui_did = json.loads(gui_out.strip().splitlines()[-1])

    skills = {(r["destination"], r["local_name"]) for r in rows(isolated_home, "skills") if r["origin"] != "bundled"}
    assert {("library", f"cli-{i}") for i in range(CLI_IMPORTS)} <= skills
    assert {("settings", name) for name in gui_did["imports"]} <= skills
    assert len(skills) == CLI_IMPORTS + len(gui_did["imports"])
    settings = {r["key"]: r["value"] for r in rows(isolated_home, "settings")}
    assert all(settings[k] == k.split("-")[1] for k in gui_did["settings"])
    regs = [r["repo"] for r in rows(isolated_home, "registries")]
    assert sorted(regs) == sorted(["skills", "good", *(f"extra-{k}" for k in range(CLI_REGISTRIES))])
    assert_consistent(isolated_home)


# ---------------------------------------------------------------- issue 16 item 6: check-and-swap is atomic


def _racers(home: Path, n: int = 2):
    """``n`` independent (Store, Installer) pairs on one data folder, as separate processes would have."""
    from skill_studio.core.installer import Installer
    from skill_studio.core.paths import AppPaths
    from skill_studio.core.store import Store
    paths = AppPaths(home / "data", home / "config", home / "cache").ensure()
    pairs = []
    for _ in range(n):
        store = Store(paths.database, paths.skills_dir)
        pairs.append((store, Installer(paths, store)))
    return paths, pairs


def _race(*calls):
    """Run the calls at the same moment in threads; returns each one's result or exception."""
    import threading
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = calls[i]()
        except Exception as exc:  # noqa: BLE001 - collected for the assertions
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


BIG = {f"assets/part-{i:03d}.txt": os.urandom(2048) for i in range(80)}


@pytest.mark.parametrize("same_skill", [True, False], ids=["same-skill", "two-skills-one-name"])
def test_two_imports_of_one_local_name_one_wins_the_other_gets_a_collision(isolated_home: Path,
                                                                           same_skill: bool) -> None:
    from skill_studio.core.errors import CollisionError
    from skill_studio.core.installer import read_folder
    from skill_studio.core.models import Destination
    for _ in range(2):
        paths, ((s1, i1), (s2, i2)) = _racers(isolated_home)
        a = {"SKILL.md": b"---\nname: pdf\ndescription: A.\n---\n", **BIG}
        b = a if same_skill else {"SKILL.md": b"---\nname: pdf\ndescription: B.\n---\n", **BIG}
        row = {"name": "pdf", "version": "1.0.0", "origin": "marketplace"}
        results = _race(lambda i1=i1, a=a, row=row: i1.install(a, Destination.LIBRARY, "pdf", dict(row, description="A")),
                        lambda i2=i2, b=b, row=row: i2.install(b, Destination.LIBRARY, "pdf", dict(row, description="B")))
        errors = [r for r in results if isinstance(r, Exception)]
        assert len(errors) == 1 and isinstance(errors[0], CollisionError), results
        winner = a if errors[0] is results[1] else b
        assert read_folder(paths.skills_dir(Destination.LIBRARY) / "pdf") == winner
        s1.close()
        s2.close()
        assert_consistent(isolated_home)
        shutil.rmtree(isolated_home / "data")


def test_two_updaters_at_once_record_one_history_entry(isolated_home: Path) -> None:
    from skill_studio.core.installer import read_folder
    from skill_studio.core.models import Destination
    paths, ((s1, i1), (s2, i2)) = _racers(isolated_home)
    v1 = {"SKILL.md": b"---\nname: pdf\ndescription: A.\nversion: 1.0.0\n---\n", **BIG}
    v2 = {**v1, "SKILL.md": b"---\nname: pdf\ndescription: A.\nversion: 2.0.0\n---\n"}
    row = {"name": "pdf", "origin": "marketplace", "description": "A."}
    i1.install(v1, Destination.LIBRARY, "pdf", dict(row, version="1.0.0"))
    results = _race(*[lambda i=i: i.install(v2, Destination.LIBRARY, "pdf", dict(row, version="2.0.0"),
                                            replace=True, kind="update") for i in (i1, i2)])
    assert not any(isinstance(r, Exception) for r in results), results
    assert len(s1.history(Destination.LIBRARY, "pdf")) == 1
    back = i1.rollback(Destination.LIBRARY, "pdf")
    assert back.version == "1.0.0"
    assert read_folder(paths.skills_dir(Destination.LIBRARY) / "pdf") == v1
    s1.close()
    s2.close()
    assert_consistent(isolated_home)
