"""Version order: the one home of how two skill versions compare (R-UPD-1, R-UI-2 sorting).

Rule:

- A version that parses as semver (leniently: a leading ``v`` and missing minor/patch are
  accepted, ``v1.2`` → ``1.2.0``) orders by semver 2.0 precedence, so a pre-release comes before
  its release: ``1.0.0-beta`` < ``1.0.0`` < ``1.0.1``; build metadata is ignored.
- The documented non-semver fallback: a version that does not parse orders *after* every semver
  version, among the others by its dot/dash-separated parts (numbers as numbers, ``1.10`` after
  ``1.2``; text after numbers, case-insensitively); a missing/blank version orders last.
- Only two semver versions decide an update: ``is_newer`` is False when either does not parse
  (an unparseable version never yields an update on its own, R-UPD-1).

The GUI's version columns sort by ``version_sort_key`` and the update check uses ``is_newer``; both
rest on ``parse_version``, so both faces order pre-releases the same way.
"""

from __future__ import annotations

import semver

DEFAULT_VERSION = "1.0.0"
"""Recorded at import when neither the frontmatter nor the plugin declares a version (R-FM-1)."""


def parse_version(text: str | None) -> semver.Version | None:
    """Lenient semver parse: ``v1.2`` → 1.2.0; None when ``text`` is empty or not a version (never raises)."""
    if not text:
        return None
    t = str(text).strip().lstrip("vV")
    try:
        return semver.Version.parse(t, optional_minor_and_patch=True)
    except (ValueError, TypeError):
        return None


def is_newer(candidate: str | None, installed: str | None) -> bool:
    """True when ``candidate`` is a greater semver than ``installed``; False when either does not
    parse (R-UPD-1)."""
    a, b = parse_version(candidate), parse_version(installed)
    return a is not None and b is not None and a > b


def _fallback_parts(text: str) -> str:
    parts = []
    for chunk in text.strip().lstrip("vV").replace("-", ".").replace("+", ".").split("."):
        parts.append(f"0{int(chunk):012d}" if chunk.isdigit() and len(chunk) <= 12 else f"1{chunk.casefold()}")
    return ".".join(parts)


def _ident_key(ident: str) -> str:
    # semver: numeric identifiers order numerically and before alphanumeric ones.
    return f"0{int(ident):012d}" if ident.isdigit() and len(ident) <= 12 else f"1{ident}"


def version_sort_key(version: str | None) -> str:
    """A string whose plain order is the version order of the module docstring.

    A string (not a tuple) because Qt's sort proxy compares ``SORT_ROLE`` values as QVariants.

    Args:
        version: any version text, or None.

    Returns:
        ``"0…"`` keys for semver versions (release after its pre-releases), ``"1…"`` keys for the
        non-semver fallback, ``"\\uffff"`` for a missing version.
    """
    if not version or not version.strip():
        return "\uffff"
    v = parse_version(version)
    if v is None:
        return "1" + _fallback_parts(version)
    head = f"0{v.major:012d}.{v.minor:012d}.{v.patch:012d}"
    if v.prerelease is None:
        return head + "~"  # '~' sorts after '-': the release follows all of its pre-releases
    return head + "-" + ".".join(_ident_key(i) for i in str(v.prerelease).split(".")) + "."
