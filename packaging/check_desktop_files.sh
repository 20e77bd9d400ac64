#!/bin/sh
# Validate the desktop entry and the AppStream metainfo file. Installs nothing.
#
# Usage: packaging/check_desktop_files.sh
#   STRICT=1 packaging/check_desktop_files.sh   also fail on AppStream warnings
#
# Needs desktop-file-validate (desktop-file-utils) and appstreamcli (appstream), e.g.
#   apt-get install desktop-file-utils appstream
# Exit status: 0 when both files are valid; 1 on validation errors or when a validator is missing.
# Note: AppStream < 1.0 reports the <developer> element as "unknown-tag" (info), so STRICT=1
# only passes with appstreamcli 1.0 or newer.
set -u

case "$0" in */*) here=${0%/*} ;; *) here=. ;; esac
here=$(cd "$here" && pwd)
app_id=io.github.skillstudio.SkillStudio
desktop="$here/$app_id.desktop"
metainfo="$here/$app_id.metainfo.xml"

missing=""
command -v desktop-file-validate >/dev/null 2>&1 || missing="$missing desktop-file-validate(desktop-file-utils)"
command -v appstreamcli >/dev/null 2>&1 || missing="$missing appstreamcli(appstream)"
if [ -n "$missing" ]; then
    echo "error: required validator(s) not found:$missing" >&2
    echo "install them first, e.g.: sudo apt-get install desktop-file-utils appstream" >&2
    exit 1
fi

status=0

echo "== desktop-file-validate $desktop"
if desktop-file-validate "$desktop"; then
    echo "ok: desktop entry is valid"
else
    echo "FAIL: desktop entry has errors" >&2
    status=1
fi

strict=""
[ "${STRICT:-0}" = "1" ] && strict="--strict"
echo "== appstreamcli validate --no-net $strict $metainfo"
# shellcheck disable=SC2086  # $strict is intentionally empty or one word
if appstreamcli validate --no-net $strict "$metainfo"; then
    echo "ok: metainfo is valid"
else
    echo "FAIL: metainfo has errors" >&2
    status=1
fi

exit $status
