#!/usr/bin/env python3
"""Run the desktop app against the fake GitHub of the tests (no internet, a throw-away home).

Usage::

    .venv/bin/python scripts/run_against_fake.py [--shared ../shared] [--hang SECONDS] [--home DIR]

Serves the shared marketplace fixtures (``../shared/fixtures`` beside the repository,
``$SKILL_STUDIO_SHARED`` or ``--shared``) on 127.0.0.1, points ``SKILL_STUDIO_GITHUB_API`` and a
temporary ``SKILL_STUDIO_HOME`` at them, and opens the window on the current Qt platform (e.g. an
Xvfb display, to drive it with ``xdotool``). ``--hang N`` makes every request wait N seconds first
(to try *Cancel* and closing during a hanging request). Prints ``HOME=…`` on stdout; the exit code
is the app's.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "src"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path,
                    default=Path(os.environ.get("SKILL_STUDIO_SHARED") or ROOT.parent / "shared"))
    ap.add_argument("--hang", type=float, default=0.0, help="seconds every GitHub request waits first")
    ap.add_argument("--home", help="SKILL_STUDIO_HOME to use (default: a new temporary folder)")
    args = ap.parse_args()
    fixtures = args.shared / "fixtures"
    if not fixtures.is_dir():
        print(f"no fixtures at {fixtures}", file=sys.stderr)
        return 2
    home = args.home or tempfile.mkdtemp(prefix="skill-studio-fake-")
    os.environ["SKILL_STUDIO_HOME"] = home
    os.environ.pop("GITHUB_TOKEN", None)
    os.environ["SKILL_STUDIO_NO_STARTUP_CHECK"] = "1"
    import keyring
    from fake_github import FakeGitHub
    from memory_keyring import MemoryKeyring

    keyring.set_keyring(MemoryKeyring())  # never the user's keyring
    with FakeGitHub() as gh:
        gh.add_fixtures(fixtures)
        if args.hang:
            gh.hang("", args.hang)
        os.environ["SKILL_STUDIO_GITHUB_API"] = gh.base_url
        print(f"HOME={home}", flush=True)
        from skill_studio.ui.app import run_gui

        return run_gui([sys.argv[0]])


if __name__ == "__main__":
    raise SystemExit(main())
