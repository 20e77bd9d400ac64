"""A plugin's descriptive metadata from its catalog entry or ``plugin.json`` (issue 19).

Claude Code's plugin schema (catalog entries and ``.claude-plugin/plugin.json`` share it) has the
optional fields ``displayName``, ``description``, ``category``, ``keywords``, ``tags``, ``author``
(a string or ``{name, email, url}``), ``homepage``, ``repository``, ``license`` and ``version``.
Real catalogs set them richly and sometimes wrongly, so parsing is lenient: a malformed value
(wrong type, longer than its limit, holding control characters) is dropped with a warning naming
the field, and never stops the listing.

The catalog entry wins field by field; ``plugin.json`` fills what the entry leaves out
(:func:`merge_plugin_info`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import fields, replace
from typing import Any

from .models import PluginAuthor, PluginInfo

__all__ = ["LIMITS", "MAX_KEYWORDS", "merge_plugin_info", "parse_plugin_info"]

LIMITS: dict[str, int] = {
    "displayName": 200,
    "description": 4000,
    "category": 100,
    "keyword": 100,
    "author.name": 200,
    "author.email": 320,
    "author.url": 2048,
    "homepage": 2048,
    "repository": 2048,
    "license": 200,
    "version": 100,
}
"""Longest accepted value of each field, in characters; a longer value is dropped with a warning."""

MAX_KEYWORDS = 100
"""Keywords kept per plugin (``keywords`` and ``tags`` together); the rest are dropped with a warning."""

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""C0/C1 control characters and bidirectional overrides; tab and newline are allowed only in
``description`` (see :func:`_clean`)."""
_LINE_BREAK = re.compile(r"[\t\n\r]")


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if value is None:
        return "null"
    return "a string" if isinstance(value, str) else f"a {type(value).__name__}"


def _clean(value: Any, field: str, warnings: list[str], *, multiline: bool = False,
           limit_key: str | None = None) -> str | None:
    """``value`` stripped when it is a usable string; else None and (unless absent) a warning."""
    if value is None:
        return None
    if not isinstance(value, str):
        warnings.append(f"'{field}' is {_kind(value)}, expected a string: ignored")
        return None
    text = value.strip()
    if not text:
        return None
    limit = LIMITS[limit_key or field]
    if len(text) > limit:
        warnings.append(f"'{field}' is {len(text)} characters long (the limit is {limit}): ignored")
        return None
    if _CONTROL.search(text) or (not multiline and _LINE_BREAK.search(text)):
        warnings.append(f"'{field}' contains control characters: ignored")
        return None
    return text


def _version(value: Any, warnings: list[str]) -> str | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    return _clean(value, "version", warnings)


def _author(value: Any, warnings: list[str]) -> PluginAuthor | None:
    if value is None:
        return None
    if isinstance(value, str):
        name = _clean(value, "author", warnings, limit_key="author.name")
        return PluginAuthor(name=name) if name else None
    if not isinstance(value, dict):
        warnings.append(f"'author' is {_kind(value)}, expected a string or an object: ignored")
        return None
    author = PluginAuthor(
        name=_clean(value.get("name"), "author.name", warnings),
        email=_clean(value.get("email"), "author.email", warnings),
        url=_clean(value.get("url"), "author.url", warnings),
    )
    return author if author.label else None


def _repository(value: Any, warnings: list[str]) -> str | None:
    """npm allows ``{"type": "git", "url": ...}``; the URL is kept."""
    if isinstance(value, dict):
        return _clean(value.get("url"), "repository.url", warnings, limit_key="repository")
    return _clean(value, "repository", warnings)


def _keywords(doc: Mapping[str, Any], warnings: list[str]) -> tuple[str, ...]:
    out: list[str] = []
    extra = 0
    for key in ("keywords", "tags"):
        value = doc.get(key)
        if value is None:
            continue
        if isinstance(value, str):  # lenient: one keyword written as a string
            value = [value]
        if not isinstance(value, list):
            warnings.append(f"'{key}' is {_kind(value)}, expected an array of strings: ignored")
            continue
        bad = 0
        for item in value:
            if isinstance(item, str) and not item.strip():
                continue  # a blank keyword says nothing
            text = _clean(item, key, [], limit_key="keyword") if isinstance(item, str) else None
            if text is None:
                bad += 1
                continue
            if text in out:
                continue
            if len(out) >= MAX_KEYWORDS:
                extra += 1  # counted, not kept (a huge list costs one pass, never more)
                continue
            out.append(text)
        if bad:
            warnings.append(f"'{key}' has {bad} item(s) that are not usable keywords "
                            f"(not strings, too long or with control characters): ignored")
    if extra:
        warnings.append(f"{MAX_KEYWORDS + extra} keywords or more; only the first {MAX_KEYWORDS} are kept")
    return tuple(out)


def parse_plugin_info(doc: Mapping[str, Any]) -> tuple[PluginInfo, list[str]]:
    """Read the descriptive fields of a catalog entry or a ``plugin.json`` object (issue 19).

    Args:
        doc: the entry / ``plugin.json`` object as parsed from JSON.

    Returns:
        ``(info, warnings)``. Values are stripped; blank strings count as absent. ``keywords`` holds
        ``keywords`` then ``tags`` items, each distinct value once, in the order written. A
        plain-string ``author`` becomes :attr:`PluginAuthor.name`; a ``repository`` object
        ``{"url": ...}`` gives its URL; a numeric ``version`` is written as text. Each warning
        names the field (``"'category' is an array, expected a string: ignored"``); the caller
        prefixes the file and plugin.

    Raises:
        Nothing: malformed values (wrong type, longer than :data:`LIMITS`, control characters,
        more than :data:`MAX_KEYWORDS` keywords) are dropped with a warning.
    """
    warnings: list[str] = []
    info = PluginInfo(
        display_name=_clean(doc.get("displayName"), "displayName", warnings),
        description=_clean(doc.get("description"), "description", warnings, multiline=True),
        category=_clean(doc.get("category"), "category", warnings),
        keywords=_keywords(doc, warnings),
        author=_author(doc.get("author"), warnings),
        homepage=_clean(doc.get("homepage"), "homepage", warnings),
        repository=_repository(doc.get("repository"), warnings),
        license=_clean(doc.get("license"), "license", warnings),
        version=_version(doc.get("version"), warnings),
    )
    return info, warnings


def merge_plugin_info(entry: PluginInfo, manifest: PluginInfo) -> PluginInfo:
    """The catalog entry's info with every absent field taken from ``plugin.json`` (issue 19).

    Args:
        entry: parsed from the catalog entry (wins field by field).
        manifest: parsed from the plugin's ``.claude-plugin/plugin.json``.

    Returns:
        A :class:`PluginInfo`; a field counts as absent when None or ``()``. The author is taken
        whole from one side (never a name from one and an email from the other).
    """
    changes = {f.name: getattr(manifest, f.name) for f in fields(PluginInfo)
               if getattr(entry, f.name) in (None, ()) and getattr(manifest, f.name) not in (None, ())}
    return replace(entry, **changes) if changes else entry
