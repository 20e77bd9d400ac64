#!/usr/bin/env bash
# Build the one-folder PyInstaller bundle in a throw-away venv, then smoke-test it.
#
# Usage: packaging/build_bundle.sh [PYTHON]      (default PYTHON: python3)
# Env:   KEEP_VENV=1   keep the temporary venv (its path is printed)
#        PIP_ARGS=...  extra arguments for pip install (e.g. an index URL)
# Output: dist/skill-studio/ (the bundle) and build/ (PyInstaller work files), under the repo root.
# Exit status: non-zero if installing, building or a smoke test fails.
set -euo pipefail

python=${1:-python3}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

venv=$(mktemp -d "${TMPDIR:-/tmp}/skill-studio-build.XXXXXX")
log_dir=$(mktemp -d "${TMPDIR:-/tmp}/skill-studio-smoke.XXXXXX")
cleanup() {
    if [ "${KEEP_VENV:-0}" = "1" ]; then
        echo "build venv kept at $venv"
    else
        rm -rf "$venv"
    fi
    rm -rf "$log_dir"
}
trap cleanup EXIT

echo "==> creating build venv in $venv"
"$python" -m venv "$venv"
# shellcheck disable=SC2086  # PIP_ARGS may hold several words
"$venv/bin/python" -m pip install --quiet --upgrade pip ${PIP_ARGS:-}
# A regular (non-editable) install, so the package-dir mapping of resources/ is materialized.
# shellcheck disable=SC2086
"$venv/bin/python" -m pip install --quiet ${PIP_ARGS:-} "$root" pyinstaller

echo "==> running PyInstaller"
"$venv/bin/pyinstaller" --noconfirm --clean \
    --distpath "$root/dist" --workpath "$root/build" \
    "$root/packaging/skill-studio.spec"

bundle="$root/dist/skill-studio"
exe="$bundle/skill-studio"
[ -x "$exe" ] || { echo "FAIL: $exe was not produced" >&2; exit 1; }

# Keep the smoke tests away from the user's real data.
export SKILL_STUDIO_HOME="$log_dir/home"
# ...and away from the internet: no startup update check, and an API base that refuses at once.
export SKILL_STUDIO_NO_STARTUP_CHECK=1
export SKILL_STUDIO_GITHUB_API=http://127.0.0.1:9
failed=0

echo "==> smoke test: $exe --version"
if version_out=$("$exe" --version 2>"$log_dir/version.err"); then
    echo "    $version_out"
    expected=$(sed -n 's/^__version__ *= *["'\'']\([^"'\'']*\)["'\''].*/\1/p' src/skill_studio/__init__.py)
    case "$version_out" in
        *"$expected"*) echo "    ok: reports version $expected" ;;
        *) echo "FAIL: --version output does not contain $expected" >&2; failed=1 ;;
    esac
else
    echo "FAIL: --version exited with an error" >&2
    cat "$log_dir/version.err" >&2
    failed=1
fi

echo "==> smoke test: every skill_studio module imports inside the bundle (no missing hidden import)"
# The list comes from the source tree, not from the bundle, so a module left out is caught too.
(cd "$root/src" && find skill_studio -name '*.py' ! -name '__main__.py' | sed 's/\.py$//; s#/__init__$##; s#/#.#g' | sort) \
    >"$log_dir/modules.txt"
if SKILL_STUDIO_IMPORT_CHECK=1 "$exe" <"$log_dir/modules.txt" >"$log_dir/imports.out" 2>"$log_dir/imports.err"; then
    echo "    ok: $(cat "$log_dir/imports.out")"
else
    echo "FAIL: modules that do not import in the bundle:" >&2
    cat "$log_dir/imports.err" >&2
    failed=1
fi

echo "==> smoke test: bundled resources are readable (registry list seeds the default registry)"
if "$exe" registry list --json >"$log_dir/registry.out" 2>"$log_dir/registry.err"; then
    echo "    ok"
else
    echo "FAIL: 'registry list' failed; are resources/ in the bundle?" >&2
    cat "$log_dir/registry.err" >&2
    failed=1
fi

echo "==> smoke test: GUI starts offscreen (5 s)"
set +e
QT_QPA_PLATFORM=offscreen timeout 5 "$exe" >"$log_dir/gui.out" 2>"$log_dir/gui.err"
gui_rc=$?
set -e
if grep -q "Traceback" "$log_dir/gui.err"; then
    echo "FAIL: the GUI raised an exception (exit $gui_rc):" >&2
    cat "$log_dir/gui.err" >&2
    failed=1
elif [ "$gui_rc" -eq 124 ]; then
    # 124: still running when timeout stopped it, which is what a healthy GUI does.
    echo "    ok: still running after 5 s, no traceback"
elif [ "$gui_rc" -eq 0 ]; then
    echo "    warning: exited by itself with status 0 within 5 s (no GUI started?)" >&2
else
    echo "FAIL: the GUI exited with status $gui_rc:" >&2
    cat "$log_dir/gui.err" >&2
    failed=1
fi

echo "==> bundle size: $(du -sh "$bundle" | cut -f1)"
if [ "$failed" -ne 0 ]; then
    echo "bundle built at $bundle, but smoke tests FAILED" >&2
    exit 1
fi
echo "bundle OK: $bundle"
