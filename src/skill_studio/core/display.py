"""Text from a marketplace made safe to show (issue 16 item 10).

Catalog and frontmatter strings (registry, plugin and skill names, descriptions, warnings, file
paths) come from whoever controls a repository. Printed raw they can move the cursor, recolour or
clear a terminal, forge lines of output (a ``\\n`` followed by ``+++ b/...`` in a diff header) or
flood it (5,000-character names). :func:`clean` is the one sanitizer every face uses before showing
such text; :func:`unique_registry_name` keeps registry names distinct so name lookups stay
unambiguous.

Pure functions, no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

__all__ = ["MAX_DISPLAY_CHARS", "MAX_REGISTRY_NAME_CHARS", "clean", "unique_registry_name"]

MAX_DISPLAY_CHARS = 200
"""Default longest shown text (characters); longer text is cut and ends with ``…``."""

MAX_REGISTRY_NAME_CHARS = 64
"""Longest registry display name taken from a catalog ``name``."""

# ESC-introduced sequences: CSI (ESC [ ... final), OSC (ESC ] ... BEL or ESC \), other two-byte escapes;
# and the 8-bit CSI (U+009B) form.
_ANSI = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"          # CSI: colours, cursor moves, clear screen
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC: window title, hyperlinks
    r"|\x1b[@-Z\\-_]"                     # other Fe escapes
    r"|\x9b[0-?]*[ -/]*[@-~]"             # 8-bit CSI
)
_LINE_BREAKS = re.compile(r"[\r\n\t\v\f\x85\u2028\u2029]+")


def _unsafe(ch: str) -> bool:
    """Control (Cc), format (Cf: bidi overrides, zero-width), surrogate, private or unassigned."""
    return unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn")


def clean(text: object, limit: int | None = MAX_DISPLAY_CHARS, *, multiline: bool = False) -> str:
    """``text`` made safe for a terminal or a one-line label.

    Terminal escape sequences are removed; line breaks and tabs become one space (kept as ``\\n``
    with ``multiline``); any other control, format (bidi override, zero-width), surrogate, private
    or unassigned character becomes ``?``; text over ``limit`` characters is cut and ends with ``…``.

    Args:
        text: any value (non-strings are shown with ``str``; None as ``""``).
        limit: most characters kept (None: no limit).
        multiline: keep line breaks (as ``\\n``) for text shown as a block, e.g. a description.

    Returns:
        The cleaned text; an already safe short string is returned unchanged.
    """
    if text is None:
        return ""
    s = text if isinstance(text, str) else str(text)
    s = _ANSI.sub("", s)
    if multiline:
        s = "\n".join(_LINE_BREAKS.sub(" ", line) for line in s.replace("\r\n", "\n").split("\n"))
    else:
        s = _LINE_BREAKS.sub(" ", s)
    s = "".join("?" if ch != "\n" and _unsafe(ch) else ch for ch in s)
    if limit is not None and len(s) > limit:
        s = s[: max(limit - 1, 0)].rstrip() + "…"
    return s


def unique_registry_name(name: str, slug: str, taken: Iterable[str]) -> str:
    """The display name for a new registry: its catalog ``name`` cleaned, never equal (ignoring
    case) to a name or ``owner/repo`` already in use, so that lookups by name stay unambiguous
    (issue 16 item 10; R-REG-2).

    Args:
        name: the catalog ``name`` (untrusted).
        slug: the new registry's ``owner/repo``.
        taken: names and ``owner/repo`` of the configured registries.

    Returns:
        ``name`` cleaned and cut to :data:`MAX_REGISTRY_NAME_CHARS` (``slug`` when nothing is left);
        when that is taken, ``"<name> (<slug>)"``, then ``"<name> (<slug>) 2"``, ``… 3``...
    """
    used = {t.casefold() for t in taken}
    base = clean(name, MAX_REGISTRY_NAME_CHARS).strip() or slug
    if base.casefold() not in used:
        return base
    candidate = f"{base} ({slug})"
    n = 2
    while candidate.casefold() in used:
        candidate = f"{base} ({slug}) {n}"
        n += 1
    return candidate
