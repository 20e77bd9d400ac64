"""``marketplace.json`` → :class:`Catalog` (R-CAT-1..3).

The catalog follows Claude Code's plugin-marketplace schema. Parsing is lenient where Claude Code
is lenient (missing ``name``/``owner``, ``"."`` sources, paths without ``./``) and strict where
safety needs it (paths that could leave the registry are refused). Every deviation is reported:
schema deviations in :attr:`Catalog.warnings`, entries that cannot be listed in
:attr:`Catalog.skipped`.

Paths: a catalog-relative path is relative to the *marketplace root* — the folder holding
``.claude-plugin/`` — and :func:`parse_catalog` joins it onto the registry's ``subpath`` so that
:attr:`PluginEntry.path` is repository-relative.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from typing import Any

from .errors import CatalogError, SourceError
from .models import Catalog, PluginEntry, SkippedPlugin, join_path
from .plugin_info import parse_plugin_info

log = logging.getLogger(__name__)

__all__ = [
    "SourceError",
    "normalize_relative_path",
    "normalize_skills_field",
    "parse_catalog",
    "resolve_source",
    "source_warnings",
]

_DRIVE = re.compile(r"[A-Za-z]:")
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


def normalize_relative_path(path: str, what: str = "path") -> str:
    """Check and normalise a relative POSIX path written in a catalog or ``plugin.json``.

    A leading ``./``, empty segments (``a//b``), ``.`` segments and trailing ``/`` are dropped.

    Args:
        path: the path as written.
        what: how to call it in messages (``"source"``, ``"pluginRoot"``, ...).

    Returns:
        The normalised path without leading/trailing ``/``; ``""`` means the base folder itself.
        It never has a ``..`` segment, a backslash, or a leading ``/``.

    Raises:
        SourceError: ``escapes=True`` for a backslash, an absolute path (``/x``, ``C:...``) or a
            ``..`` segment (R-CAT-3); ``escapes=False`` for a non-string, an empty/blank string, a
            URL, or a NUL character.
    """
    if not isinstance(path, str):
        raise SourceError(f"{what} is a {type(path).__name__}, expected a path", escapes=False)
    if not path.strip():
        raise SourceError(f"{what} is empty", escapes=False)
    if "\x00" in path:
        raise SourceError(f"{what} {path!r} contains a NUL character", escapes=False)
    if "\\" in path:
        raise SourceError(f"{what} {path!r} contains a backslash")
    if _URL.match(path):
        raise SourceError(f"{what} {path!r} is a URL, expected a relative path", escapes=False)
    if path.startswith("/"):
        raise SourceError(f"{what} {path!r} is an absolute path")
    if _DRIVE.match(path):
        raise SourceError(f"{what} {path!r} is an absolute (drive) path")
    segments = [s for s in path.split("/") if s not in ("", ".")]
    if ".." in segments:
        raise SourceError(f"{what} {path!r} has a '..' segment")
    if segments and _DRIVE.match(segments[0]):
        raise SourceError(f"{what} {path!r} starts with a drive letter")
    return "/".join(segments)


def resolve_source(source: object, plugin_root: str | None) -> str:
    """Resolve a STRING plugin source to a catalog-relative folder (R-CAT-2, R-CAT-3).

    Rules, per R-CAT-2:

    * ``"./x/"`` → ``"x"`` (``pluginRoot`` is ignored);
    * ``"./"`` → ``""`` (the marketplace root); ``"."`` likewise (with a warning, see
      :func:`source_warnings`);
    * a bare name (no ``/``) → ``"{pluginRoot}/{name}"``, with ``./`` and a trailing ``/``
      stripped from ``pluginRoot`` (absent/``None`` → the root);
    * a path with ``/`` but no leading ``./`` (``"plugins/x"``) → accepted as relative (warning).

    Args:
        source: the entry's ``source`` value; only strings are resolved.
        plugin_root: the catalog's ``metadata.pluginRoot`` or None.

    Returns:
        The catalog-relative path, without leading/trailing ``/``: no ``..`` segment, no
        backslash, never absolute.

    Raises:
        SourceError: with ``escapes=True`` for a ``..`` segment, an absolute path (``/x``, ``C:``),
            a backslash, or a ``pluginRoot`` that escapes; ``escapes=False`` for a non-string, an
            empty string, a URL.
    """
    if not isinstance(source, str):
        raise SourceError(f"source is a {type(source).__name__}, expected a path", escapes=False)
    if source in (".", "./"):
        return ""
    path = normalize_relative_path(source, "source")
    if source.startswith("./") or "/" in source:
        return path
    # A bare name: it lives under pluginRoot.
    root = ""
    if plugin_root is not None:
        try:
            root = normalize_relative_path(plugin_root, "pluginRoot") if plugin_root.strip() else ""
        except SourceError as err:
            raise SourceError(f"{err.reason} (used for source {source!r})", escapes=True) from None
    return join_path(root, path)


def source_warnings(source: object) -> list[str]:
    """Warnings for a string source that R-CAT-2 accepts leniently.

    Args:
        source: the entry's ``source`` value.

    Returns:
        ``["source '.' is treated as './'"]`` for ``"."``; a warning for a path with ``/`` but no
        leading ``./``; ``[]`` otherwise (including non-strings: those are skipped, not warned).
    """
    if not isinstance(source, str):
        return []
    if source == ".":
        return ["source '.' is treated as './' (the marketplace root)"]
    if "/" in source and not source.startswith("./"):
        return [f"source {source!r} has no leading './'; read as a path relative to the marketplace root"]
    return []


def normalize_skills_field(value: object) -> tuple[tuple[str, ...] | None, list[str]]:
    """Normalise a ``skills`` field (catalog entry or ``plugin.json``) (R-DIS-1a).

    Args:
        value: the field as written (absent → None).

    Returns:
        ``(paths, warnings)``: a string becomes a 1-tuple; a list keeps its non-blank string items
        in order (other items are dropped with a warning); None stays None; any other type gives
        None and a warning.
    """
    if value is None:
        return None, []
    if isinstance(value, str):
        return (value,), []
    if isinstance(value, list):
        paths = tuple(v for v in value if isinstance(v, str) and v.strip())
        warnings = []
        if len(paths) != len(value):
            warnings.append(f"'skills' has {len(value) - len(paths)} item(s) that are not paths: ignored")
        return paths, warnings
    return None, [f"'skills' is a {_kind(value)}, expected a path or a list of paths: ignored"]


def parse_catalog(data: bytes, path: str, subpath: str = "") -> Catalog:
    """Parse a ``marketplace.json`` (R-CAT-1..3).

    Args:
        data: the file's bytes (UTF-8; a BOM is tolerated). ``str`` is accepted too.
        path: repository path of the catalog file, used in messages.
        subpath: the registry's folder in the repository (``""`` for the root); resolved plugin
            paths are joined onto it, so :attr:`PluginEntry.path` is repository-relative.

    Returns:
        A :class:`Catalog`. ``plugins`` holds, in catalog order, the entries whose string source
        resolved to a folder; ``external`` the entries with an object source (``path`` None), for
        :func:`skill_studio.core.external.resolve_external`; ``skipped`` holds every entry not in
        ``plugins`` with a reason: ``"external source {kind}"`` for object sources (``github``, ``url``, ``git-subdir``, ``npm``, ...; ``unknown``
        when the object has no kind), ``"path escapes the registry: ..."`` for ``..``/absolute/
        backslash paths, entries that are not objects, entries without ``source``. Reasons for bad
        input end with ``(in <path>, plugins[i].source)``, naming the file and the field. ``warnings``
        holds schema deviations: missing ``name``/``owner``, duplicate plugin names, lenient
        sources, malformed optional fields.

    Raises:
        CatalogError: naming ``path`` and the field: not UTF-8, not JSON (with line and column),
            top level not an object, ``plugins`` missing or not an array.
    """
    if isinstance(data, str):
        text = data
    else:
        try:
            text = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise CatalogError(f"{path}: not UTF-8 text (invalid byte at offset {err.start})") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as err:
        raise CatalogError(
            f"{path}: not valid JSON: {err.msg} at line {err.lineno}, column {err.colno}"
        ) from None
    except RecursionError:
        raise CatalogError(f"{path}: not usable JSON: nested too deeply") from None
    except ValueError as err:  # e.g. an integer literal longer than Python's digit limit
        raise CatalogError(f"{path}: not usable JSON: {err}") from None
    if not isinstance(doc, dict):
        raise CatalogError(f"{path}: the top level is {_a(doc)}, expected an object")
    if "plugins" not in doc:
        raise CatalogError(f"{path}: no 'plugins' array")
    raw_plugins = doc["plugins"]
    if not isinstance(raw_plugins, list):
        raise CatalogError(f"{path}: 'plugins' is {_a(raw_plugins)}, expected an array")

    warnings: list[str] = []

    name = _text(doc, "name", warnings, "")
    if "name" not in doc:
        warnings.append("the catalog has no 'name' (Claude Code requires one)")
    owner = doc.get("owner")
    if owner is None:
        warnings.append("the catalog has no 'owner' (Claude Code requires one)")
    elif not isinstance(owner, dict):
        warnings.append(f"'owner' is {_a(owner)}, expected an object: ignored")
        owner = None

    metadata = doc.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        warnings.append(f"'metadata' is {_a(metadata)}, expected an object: ignored")
        metadata = None
    metadata = metadata or {}

    description = _text(doc, "description", warnings, "") or _text(metadata, "description", warnings, "metadata.")
    version = _version(metadata, warnings, "metadata.") or _version(doc, warnings, "")
    plugin_root = _text(metadata, "pluginRoot", warnings, "metadata.")
    if plugin_root is None and "pluginroot" in {k.lower() for k in metadata if k != "pluginRoot"}:
        warnings.append("'metadata' has a 'pluginroot'-like key; the key is camelCase 'pluginRoot': ignored")

    plugins: list[PluginEntry] = []
    external: list[PluginEntry] = []
    skipped: list[SkippedPlugin] = []
    for index, entry in enumerate(raw_plugins):
        where = f"plugins[{index}]"
        if not isinstance(entry, dict):
            skipped.append(SkippedPlugin(None, None, f"{where} is {_a(entry)}, expected an object (in {path})"))
            continue
        entry_warnings: list[str] = []
        entry_name = _text(entry, "name", entry_warnings, "")
        label = f"plugin {entry_name!r}" if entry_name else where
        if entry_name is None:
            entry_warnings.append("has no 'name'")
        warnings.extend(f"{label}: {w}" for w in entry_warnings)

        source = entry.get("source")
        if source is None:
            skipped.append(SkippedPlugin(entry_name, None, f"no 'source' (in {path}, {where})", index=index))
            continue
        if isinstance(source, dict):
            kind = source.get("source")
            kind_text = kind if isinstance(kind, str) and kind else "unknown"
            skipped.append(SkippedPlugin(entry_name, source, f"external source {kind_text}", index=index))
            # Kept whole so ``external.resolve_external`` can list it (issue 9).
            external.append(_plugin_entry(index, entry_name, entry, None, label, warnings))
            continue
        if not isinstance(source, str):
            skipped.append(
                SkippedPlugin(entry_name, source,
                              f"'source' is {_a(source)}, expected a path or an object (in {path}, {where}.source)",
                              index=index)
            )
            continue
        try:
            relative = resolve_source(source, plugin_root)
        except SourceError as err:
            prefix = "path escapes the registry" if err.escapes else "unusable source"
            skipped.append(SkippedPlugin(entry_name, source, f"{prefix}: {err.reason} (in {path}, {where}.source)",
                                         index=index))
            continue
        warnings.extend(f"{label}: {w}" for w in source_warnings(source))
        plugins.append(_plugin_entry(index, entry_name, entry, join_path(subpath, relative), label, warnings))

    names = Counter(
        e.get("name") for e in raw_plugins if isinstance(e, dict) and isinstance(e.get("name"), str)
    )
    for dup, count in names.items():
        if count > 1:
            warnings.append(f"the plugin name {dup!r} is used by {count} entries")

    catalog = Catalog(
        path=path,
        name=name,
        description=description,
        version=version,
        owner=owner,
        plugin_root=plugin_root,
        plugins=tuple(plugins),
        skipped=tuple(skipped),
        warnings=tuple(warnings),
        raw=doc,
        external=tuple(external),
    )
    log.debug(
        "%s: %d plugin(s) resolved, %d skipped, %d warning(s)",
        path,
        len(plugins),
        len(skipped),
        len(warnings),
    )
    return catalog


# --------------------------------------------------------------------------------------------
# Helpers


def _plugin_entry(index: int, name: str | None, entry: dict[str, Any], path: str | None, label: str,
                  warnings: list[str]) -> PluginEntry:
    """A :class:`PluginEntry` from a catalog entry; malformed optional fields warn (``label: ...``)."""
    field_warnings: list[str] = []
    skills, skills_warnings = normalize_skills_field(entry.get("skills"))
    field_warnings.extend(skills_warnings)
    strict = entry.get("strict", True)
    if not isinstance(strict, bool):
        field_warnings.append(f"'strict' is {_a(strict)}, expected true or false: read as true")
        strict = True
    info, info_warnings = parse_plugin_info(entry)  # issue 19
    plugin = PluginEntry(
        index=index,
        name=name,
        source=entry.get("source"),
        path=path,
        description=_text(entry, "description", field_warnings, ""),
        version=_version(entry, field_warnings, ""),
        category=_text(entry, "category", field_warnings, ""),
        skills=skills,
        strict=strict,
        raw=entry,
        info=info,
    )
    field_warnings.extend(w for w in info_warnings if w not in field_warnings)
    warnings.extend(f"{label}: {w}" for w in field_warnings)
    return plugin


def _text(obj: dict[str, Any], key: str, warnings: list[str], prefix: str) -> str | None:
    """``obj[key]`` when it is a string; None when absent; a warning for other types."""
    value = obj.get(key)
    if value is None or isinstance(value, str):
        return value
    warnings.append(f"'{prefix}{key}' is {_a(value)}, expected a string: ignored")
    return None


def _version(obj: dict[str, Any], warnings: list[str], prefix: str) -> str | None:
    """``obj["version"]`` as text (numbers stringified), None when absent or unusable."""
    value = obj.get("version")
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    warnings.append(f"'{prefix}version' is {_a(value)}, expected a string: ignored")
    return None


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    return type(value).__name__


def _a(value: Any) -> str:
    """``"an object"``, ``"a string"``... for messages."""
    kind = _kind(value)
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"
