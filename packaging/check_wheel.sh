#!/usr/bin/env bash
# Build the sdist and wheel, install the wheel into a fresh venv, and use it from / (issue 8).
#
# Usage: packaging/check_wheel.sh [PYTHON]     (default PYTHON: python3)
# Exit status: non-zero when building, installing or a smoke command fails.
set -euo pipefail
python=${1:-python3}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/skill-studio-wheel.XXXXXX")
trap 'rm -rf "$work"' EXIT

"$python" -m venv "$work/build-env"
"$work/build-env/bin/pip" install -q build
"$work/build-env/bin/python" -m build --outdir "$work/dist" "$root" >"$work/build.log" 2>&1 \
  || { cat "$work/build.log" >&2; exit 1; }
ls "$work/dist"

"$python" -m venv "$work/app-env"
"$work/app-env/bin/pip" install -q "$work"/dist/*.whl
cd /
export SKILL_STUDIO_HOME="$work/home"
"$work/app-env/bin/skill-studio" --version
"$work/app-env/bin/skill-studio" browse --help >/dev/null
# The default registry comes from the installed package's resources (importlib.resources).
"$work/app-env/bin/skill-studio" registry list | grep -q "anthropics/skills"
# Every module of src/ imports from the installed wheel (its dependencies are declared: merge3,
# filelock, ...); the list comes from the source tree, so a module the wheel leaves out fails too.
(cd "$root/src" && find skill_studio -name '*.py' ! -name '__main__.py' | sed 's/\.py$//; s#/__init__$##; s#/#.#g' | sort) \
  | SKILL_STUDIO_IMPORT_CHECK=1 "$work/app-env/bin/python" -m skill_studio
"$work/app-env/bin/python" - <<'PY'
from importlib import resources
root = resources.files("skill_studio.resources")
for rel in ("default_registries.json", "style.qss", "icons/skill-studio.svg", "icons/skill-studio-256.png",
            "bundled-skills/research/SKILL.md", "bundled-skills/validate-skill/references/checklist.md"):
    assert root.joinpath(rel).is_file(), rel
print("wheel ok: resources present, CLI runs from /")
PY
