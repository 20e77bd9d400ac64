"""How long a command takes against a hostile GitHub (issue 16 item 7), with the real deadlines.

Runs ``skill-studio browse`` (and ``import``) as a child process against the fake GitHub server while
the server (a) trickles every answer of one endpoint one byte every 5 s, so that no read ever times
out, and (b) never answers it at all. Prints, for each case, the wall time, the exit code and the
lines the command printed on stderr. Asserts nothing (speed figures live in bench/, not in tests).

Usage::

    .venv/bin/python bench/hostile_servers.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from fake_github import FakeGitHub  # noqa: E402

CATALOG = {"name": "slow-market", "owner": {"name": "T"},
           "plugins": [{"name": "tools", "source": "./tools", "skills": ["./skills/alpha"]}]}
FILES = {".claude-plugin/marketplace.json": json.dumps(CATALOG),
         "tools/skills/alpha/SKILL.md": "---\nname: alpha\ndescription: First.\n---\n# Alpha\n"}


def cli(home: Path, api: str, *args: str) -> tuple[int, float, list[str]]:
    env = {**os.environ, "SKILL_STUDIO_HOME": str(home), "SKILL_STUDIO_GITHUB_API": api,
           "GITHUB_TOKEN": "", "SKILL_STUDIO_NO_STARTUP_CHECK": "1"}
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "skill_studio", *args], env=env, capture_output=True,
                          text=True, timeout=300)
    return proc.returncode, time.monotonic() - start, proc.stderr.strip().splitlines()


def main() -> None:
    with FakeGitHub() as gh, tempfile.TemporaryDirectory() as tmp:
        gh.add_repo_from_dir("acme", "slow", FILES)
        home = Path(tmp)
        code, took, _ = cli(home, gh.base_url, "registry", "add", "acme/slow")
        assert code == 0
        cases = [
            ("trickle (1 byte / 5 s) on the file tree", lambda: gh.trickle("/git/trees/", 5.0),
             ("browse", "slow-market")),
            ("hang on the file tree", lambda: gh.hang("/git/trees/", 600), ("browse", "slow-market")),
            ("hang on the commit (import)", lambda: gh.hang("/commits/", 600),
             ("import", "slow-market", "tools:alpha", "--to", "library")),
            ("trickle (1 byte / 5 s) on the commit (import)", lambda: gh.trickle("/commits/", 5.0),
             ("import", "slow-market", "tools:alpha", "--to", "library")),
        ]
        for label, fault, args in cases:
            gh.clear_faults()
            for cache in (home / "cache",):
                subprocess.run(["rm", "-rf", str(cache)], check=False)
            fault()
            code, took, err = cli(home, gh.base_url, *args)
            print(f"{label}: skill-studio {' '.join(args)} -> exit {code} in {took:.1f} s")
            for line in err:
                print(f"    {line}")
        gh.clear_faults()


if __name__ == "__main__":
    main()
