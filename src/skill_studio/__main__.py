"""``python -m skill_studio`` entry point (also the PyInstaller bundle's entry script).

With ``SKILL_STUDIO_IMPORT_CHECK=1`` it reads module names (one a line, each ``skill_studio`` or
below) from stdin, imports each and exits 0 when all import, else 1 naming each failure on
stderr. ``packaging/build_bundle.sh`` feeds it every module of ``src/`` so that a hidden import the
bundle misses fails the build instead of a user (issue 8 smoke tests).
"""

import multiprocessing
import os
import sys

# The PyInstaller bundle starts ``app.listing_process``'s child (spawn) by running this script again
# with multiprocessing's arguments: hand it over before anything else (a no-op when not frozen).
multiprocessing.freeze_support()


def import_check(names: list[str]) -> int:
    """Import every ``skill_studio`` module in ``names``; print ``imported N modules`` on stdout.

    Returns:
        0 when every module imported, 1 when any failed or a name lies outside ``skill_studio``
        (each failure on its own stderr line: ``import failed: NAME: ErrorType: message``).
    """
    import importlib

    failed = 0
    for name in names:
        if name != "skill_studio" and not name.startswith("skill_studio."):
            sys.stderr.write(f"import failed: {name}: not a skill_studio module\n")
            failed += 1
            continue
        try:
            importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001 - every failure is reported, none is fatal here
            sys.stderr.write(f"import failed: {name}: {type(exc).__name__}: {exc}\n")
            failed += 1
    sys.stdout.write(f"imported {len(names) - failed} modules\n")
    return 1 if failed else 0


if os.environ.get("SKILL_STUDIO_IMPORT_CHECK") == "1":
    raise SystemExit(import_check([line.strip() for line in sys.stdin if line.strip()]))

from skill_studio.cli import main  # noqa: E402

raise SystemExit(main())
