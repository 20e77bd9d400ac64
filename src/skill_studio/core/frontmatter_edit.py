"""Byte-preserving edits of a SKILL.md frontmatter (issue 13: the installed files are the truth).

The import editor lets the user change a skill's ``name``, ``description``, version, ``model``,
``argument-hint`` and ``disable-model-invocation`` (R-IMP-3). Those choices are written into the
installed ``SKILL.md`` so the agent reads what the user chose — and *only* the edited keys change:
every other key, their order, comments, blank lines, the line endings (CRLF stays CRLF), a BOM and
the Markdown body stay byte-identical.

How: the frontmatter block is composed with PyYAML (safe loader) to get the position of each key
and value; an edited value's characters are replaced in place by a freshly emitted YAML scalar
(quoted whenever plain text would change meaning), a removed key's lines are cut, and a new key is
inserted as one line. The result is parsed again and compared with the intended data; any
difference raises :class:`FrontmatterEditError` and nothing is returned.

The version lives where the file keeps it (R-FM-1 reads ``metadata.version``, else top-level
``version``): an existing ``metadata.version`` and/or top-level ``version`` is replaced; when there
is neither, it goes into a block ``metadata:`` mapping if the file has one, else top-level.

Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from .errors import FrontmatterEditError
from .models import ImportOptions, SkillMetadata

__all__ = ["EDITABLE_KEYS", "REMOVE", "FrontmatterEditError", "edit_frontmatter", "edit_skill_md", "emit_scalar",
           "import_changes", "write_changes"]

EDITABLE_KEYS = ("name", "description", "version", "model", "argument-hint", "disable-model-invocation")
"""The frontmatter keys the metadata editor may write (R-IMP-3, R-FM-1). ``version`` means
``metadata.version`` or top-level ``version``, wherever the file keeps it."""


class _Remove:
    """Marker value: delete the key."""

    def __repr__(self) -> str:
        return "REMOVE"


REMOVE: Any = _Remove()
"""Pass as a value in ``changes`` to delete that key from the frontmatter."""


_BOUNDARY = re.compile(r"-{3,}[ \t]*\Z")
_NOT_SET = object()


@dataclass
class _Entry:
    """One ``key: value`` pair of a mapping node, with character offsets into the block."""

    key: str
    key_node: yaml.Node
    value_node: yaml.Node


def _split(text: str, path: str) -> tuple[int, int, str]:
    """``(block_start, block_end, eol)``: character offsets of the YAML block inside ``text`` and
    the line ending of the opening ``---`` line (``"\\r\\n"`` or ``"\\n"``)."""
    lines = text.splitlines(keepends=True)
    pos = 0
    i = 0
    while i < len(lines) and not lines[i].lstrip("\ufeff").strip():
        pos += len(lines[i])
        i += 1
    if i >= len(lines) or not _BOUNDARY.match(lines[i].lstrip("\ufeff").rstrip("\r\n")):
        raise FrontmatterEditError(f"{path}: no frontmatter (the file must start with a '---' line)")
    opening = lines[i]
    eol = "\r\n" if opening.endswith("\r\n") else "\n"
    pos += len(opening)
    start = pos
    for j in range(i + 1, len(lines)):
        if _BOUNDARY.match(lines[j].rstrip("\r\n")):
            return start, pos, eol
        pos += len(lines[j])
    raise FrontmatterEditError(f"{path}: unterminated frontmatter (no closing '---' line)")


_MAX_ALIASES = 32
"""Most YAML aliases accepted in a frontmatter to edit (the same alias-bomb guard as the parser)."""

_CSafeLoader: Any = getattr(yaml, "CSafeLoader", None)


class _CountingLoader(yaml.SafeLoader):
    """PyYAML's pure-Python SafeLoader with a cap on aliases (used when the block may hold any)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:  # noqa: D102 - PyYAML hook
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > _MAX_ALIASES:
                raise yaml.YAMLError(f"more than {_MAX_ALIASES} YAML aliases")
        return super().compose_node(parent, index)


def _loader_for(block: str) -> Any:
    """libyaml's C loader (same character offsets, several times faster) for a block that cannot
    hold an alias or nest deeply; else the alias-capped pure-Python loader."""
    if (_CSafeLoader is not None and "*" not in block and "&" not in block and len(block) <= 64 * 1024
            and block.count("[") + block.count("{") <= 256):
        return _CSafeLoader
    return _CountingLoader


def _compose(block: str, path: str) -> yaml.MappingNode | None:
    try:
        node = yaml.compose(block, Loader=_loader_for(block))
    except (yaml.YAMLError, RecursionError) as err:
        raise FrontmatterEditError(f"{path}: invalid YAML in frontmatter; cannot edit it: {err}") from None
    if node is None:
        return None
    if not isinstance(node, yaml.MappingNode):
        raise FrontmatterEditError(f"{path}: the frontmatter is not a mapping of keys to values")
    return node


def _load(block: str) -> Any:
    return yaml.load(block, Loader=_loader_for(block)) if block.strip() else {}  # noqa: S506 - safe loaders


def _entries(node: yaml.MappingNode | None) -> list[_Entry]:
    if node is None:
        return []
    return [_Entry(k.value, k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode)]


def emit_scalar(value: Any) -> str:
    """One-line YAML text for a scalar ``value`` (str, bool, int, float or None), quoted whenever
    the plain form would read back as something else (``"1.10"`` → ``'1.10'``, ``"yes"`` → ``'yes'``,
    ``"a: b"`` → ``'a: b'``); text with line breaks becomes a double-quoted scalar with escapes.

    Raises:
        FrontmatterEditError: ``value`` is not a scalar.
    """
    if value is not None and not isinstance(value, (str, bool, int, float)):
        raise FrontmatterEditError(f"cannot write a {type(value).__name__} into the frontmatter")
    text = _dump(value, None)
    if len(text.splitlines()) != 1 or _reads_as(text) != (True, value):
        text = _dump(value, '"')  # line breaks (\n, \x85, \u2028...) or odd text: one escaped line
    if len(text.splitlines()) != 1 or _reads_as(text) != (True, value):  # pragma: no cover - defensive
        raise FrontmatterEditError(f"cannot write {value!r} on one frontmatter line")
    return text


def _dump(value: Any, style: str | None) -> str:
    out = yaml.safe_dump({"k": value}, default_style=style, default_flow_style=False, allow_unicode=True,
                         width=2**31 - 1, sort_keys=False)
    return out.split(": ", 1)[1].rstrip("\n") if out.count("\n") == 1 or style else out[3:].rstrip("\n")


def _reads_as(text: str) -> tuple[bool, Any]:
    try:
        loaded = yaml.safe_load("k: " + text)
    except yaml.YAMLError:
        return False, None
    return isinstance(loaded, dict), loaded.get("k") if isinstance(loaded, dict) else None


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _line_end(text: str, index: int) -> int:
    """Offset just after the line break of the line holding ``index`` (or the end of ``text``)."""
    nl = text.find("\n", index)
    return len(text) if nl < 0 else nl + 1


def _value_span(block: str, entry: _Entry) -> tuple[int, int, str]:
    """``(start, end, suffix)``: the characters to replace for a new value and what to append
    after the new scalar (the line break and trailing blank lines a block scalar swallowed)."""
    key_end = entry.key_node.end_mark.index
    colon = block.find(":", key_end)
    v = entry.value_node
    start, end = v.start_mark.index, v.end_mark.index
    if isinstance(v, yaml.ScalarNode) and v.value == "" and v.style is None and start == end:
        # empty (null) value: its marks point at the next token; write right after the colon
        return colon + 1, colon + 1, ""
    if colon >= 0 and colon < start and block[colon + 1:start].strip(" \t\r\n") == "" and "\n" in block[colon + 1:start]:
        start = colon + 1  # value began on the next line: pull the new one up beside the key
    suffix = ""
    if isinstance(v, yaml.ScalarNode) and v.style in ("|", ">") or not isinstance(v, yaml.ScalarNode):
        old = block[start:end]
        lines = old.splitlines(keepends=True)
        last = max((i for i, ln in enumerate(lines) if ln.strip()), default=-1)
        content = "".join(lines[: last + 1])
        tail = "".join(lines[last + 1:])
        if content.endswith(("\n", "\r")) or (not content and tail):
            m = re.search(r"\r?\n\Z", content)
            suffix = (m.group(0) if m else "\n") + tail
            end = start + len(content) + len(tail)
        else:
            suffix = tail
    return start, end, suffix


def _entry_lines(block: str, entry: _Entry) -> tuple[int, int]:
    """``(start, end)`` offsets of the whole lines holding an entry (for removal)."""
    start = _line_start(block, entry.key_node.start_mark.index)
    v = entry.value_node
    vend = v.end_mark.index
    if isinstance(v, yaml.ScalarNode) and v.value == "" and v.style is None and v.start_mark.index == vend:
        vend = entry.key_node.end_mark.index
    if vend > start and block[vend - 1] == "\n":
        # a block scalar ends after its line break(s); keep trailing blank lines that follow it
        seg = block[start:vend]
        lines = seg.splitlines(keepends=True)
        last = max((i for i, ln in enumerate(lines) if ln.strip()), default=0)
        end = start + len("".join(lines[: last + 1]))
    else:
        end = _line_end(block, vend)
    rest = block[vend:end].strip()
    if rest and not rest.startswith("#"):
        raise FrontmatterEditError("the key shares its line with other keys (flow style)")
    if block[start:entry.key_node.start_mark.index].strip() not in ("", "-"):
        raise FrontmatterEditError("the key shares its line with other keys (flow style)")
    return start, end


def _indent_of(block: str, node: yaml.Node) -> str:
    ls = _line_start(block, node.start_mark.index)
    return block[ls:node.start_mark.index]


def _plan_edits(block: str, root: yaml.MappingNode | None, changes: Mapping[str, Any], eol: str,
                path: str) -> list[tuple[int, int, str]]:
    """The list of ``(start, end, replacement)`` splices into ``block`` that make ``changes``."""
    edits: list[tuple[int, int, str]] = []
    entries = _entries(root)
    flow_root = root is not None and root.flow_style
    inserts: list[tuple[str, str]] = []  # (key, "key: value" line) appended as new top-level keys

    def set_entry(e: _Entry, value: Any) -> None:
        s, t, suffix = _value_span(block, e)
        lead = " " if s > 0 and block[s - 1] == ":" else ""
        edits.append((s, t, lead + emit_scalar(value) + suffix))

    for key, value in changes.items():
        if key == "version":
            meta = next((e for e in reversed(entries) if e.key == "metadata"), None)
            meta_version = [e for e in _entries(meta.value_node) if e.key == "version"] \
                if meta is not None and isinstance(meta.value_node, yaml.MappingNode) else []
            top_version = [e for e in entries if e.key == "version"]
            targets = meta_version + top_version
            if value is REMOVE:
                for e in targets:
                    edits.append((*_entry_lines(block, e), ""))
                continue
            version = value if isinstance(value, str) else str(value)
            if targets:
                for e in targets:
                    set_entry(e, version)
            elif (meta is not None and isinstance(meta.value_node, yaml.MappingNode)
                  and meta.value_node.value and not meta.value_node.flow_style):
                children = _entries(meta.value_node)
                indent = _indent_of(block, children[0].key_node)
                _, end = _entry_lines(block, children[-1])
                edits.append((end, end, f"{indent}version: {emit_scalar(version)}{eol}"))
            else:
                inserts.append(("version", f"version: {emit_scalar(version)}{eol}"))
            continue
        found = [e for e in entries if e.key == key]
        if value is REMOVE:
            for e in found:
                edits.append((*_entry_lines(block, e), ""))
        elif found:
            for e in found:
                set_entry(e, value)
        else:
            inserts.append((key, f"{emit_scalar(key)}: {emit_scalar(value)}{eol}"))

    if inserts:
        if flow_root:
            raise FrontmatterEditError(f"{path}: the frontmatter is written as one flow mapping; cannot add keys")
        name = next((e for e in entries if e.key == "name"), None)
        for key, line in inserts:
            if key == "description" and name is not None:
                _, at = _entry_lines(block, name)
            else:
                at = len(block)
                if block and not block.endswith("\n"):
                    line = eol + line
            edits.append((at, at, line))
    return edits


def _expected(old: dict[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """What the frontmatter must read as after ``changes`` (the verification target)."""
    new = dict(old)
    for key, value in changes.items():
        if key == "version":
            meta = new.get("metadata")
            has_meta_v = isinstance(meta, dict) and "version" in meta
            meta = meta if isinstance(meta, dict) else {}
            if value is REMOVE:
                new.pop("version", None)
                if has_meta_v:
                    new["metadata"] = {k: v for k, v in meta.items() if k != "version"}
                continue
            version = value if isinstance(value, str) else str(value)
            if has_meta_v or "version" in new:
                if has_meta_v:
                    new["metadata"] = {**meta, "version": version}
                if "version" in new:
                    new["version"] = version
            elif meta:
                new["metadata"] = {**meta, "version": version}
            else:
                new["version"] = version
        elif value is REMOVE:
            new.pop(key, None)
        else:
            new[key] = value
    return new


def edit_frontmatter(text: str, changes: Mapping[str, Any], path: str = "SKILL.md") -> str:
    """Apply ``changes`` to the frontmatter of a SKILL.md text, leaving every other character as is.

    Args:
        text: the whole SKILL.md (BOM, LF or CRLF line endings tolerated and kept).
        changes: ``{key: new value}``; values are str, bool, int, float or None (written as YAML
            scalars), or :data:`REMOVE` to delete the key. ``"version"`` targets ``metadata.version``
            and/or top-level ``version`` wherever the file keeps it (R-FM-1). A key whose value is
            unchanged is skipped, so its bytes stay as written.
        path: the file's name for messages.

    Returns:
        The edited text; identical to ``text`` when nothing changes.

    Raises:
        FrontmatterEditError: no frontmatter / invalid YAML, a key written in flow style that cannot
            be edited without touching its neighbours, a non-scalar value, or an edit that would
            not read back as intended (checked by parsing the result).
    """
    start, end, eol = _split(text, path)
    block = text[start:end]
    root = _compose(block, path)
    try:
        old = _load(block) or {}
    except yaml.YAMLError as err:  # pragma: no cover - compose succeeded
        raise FrontmatterEditError(f"{path}: invalid YAML in frontmatter: {err}") from None
    pending = {k: v for k, v in changes.items() if not _same(old, root, k, v)}
    if not pending:
        return text
    try:
        edits = _plan_edits(block, root, pending, eol, path)
    except FrontmatterEditError as err:
        msg = str(err)
        raise FrontmatterEditError(msg if msg.startswith(path) else f"{path}: {msg}") from None
    new_block = block
    ordered = sorted(((s, t, i, rep) for i, (s, t, rep) in enumerate(edits)), reverse=True)
    for s, t, _, rep in ordered:  # back to front, so offsets stay valid; inserts keep their order
        new_block = new_block[:s] + rep + new_block[t:]
    try:
        got = _load(new_block) or {}
    except (yaml.YAMLError, RecursionError) as err:
        raise FrontmatterEditError(f"{path}: the edited frontmatter would not be valid YAML ({err}); "
                                   "nothing was changed") from None
    want = _expected(old, pending)
    if got != want:
        diff = sorted(k for k in set(got) | set(want) if got.get(k, _NOT_SET) != want.get(k, _NOT_SET))
        raise FrontmatterEditError(f"{path}: editing the frontmatter would change {', '.join(map(str, diff))} "
                                   "unexpectedly; nothing was changed")
    return text[:start] + new_block + text[end:]


def _same(old: dict[str, Any], root: yaml.MappingNode | None, key: str, value: Any) -> bool:
    """True when the frontmatter already reads as ``key: value`` (so the key is left untouched).
    A version compares by its text as written (``version: 1.10`` is ``"1.10"``, R-FM-1)."""
    if key == "version":
        entries = _entries(root)
        nodes = [e.value_node for e in entries if e.key == "version"]
        for meta in (e for e in entries if e.key == "metadata"):
            if isinstance(meta.value_node, yaml.MappingNode):
                nodes += [e.value_node for e in _entries(meta.value_node) if e.key == "version"]
        if value is REMOVE:
            return not nodes
        return bool(nodes) and all(isinstance(n, yaml.ScalarNode) and n.value == str(value) for n in nodes)
    if value is REMOVE:
        return key not in old
    return key in old and old[key] == value and type(old[key]) is type(value)


def edit_skill_md(data: bytes, changes: Mapping[str, Any], path: str = "SKILL.md") -> bytes:
    """:func:`edit_frontmatter` over the file's bytes (UTF-8, BOM and line endings kept).

    Raises:
        FrontmatterEditError: as :func:`edit_frontmatter`, or the file is not UTF-8.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise FrontmatterEditError(f"{path}: not UTF-8 text (invalid byte at offset {err.start})") from None
    edited = edit_frontmatter(text, changes, path)
    return data if edited == text else edited.encode("utf-8")


# -- metadata chosen at import (issue 13) ---------------------------------------------------------

def import_changes(meta: SkillMetadata | None, *, shown_version: str | None, proposed_local_name: str,
                   opts: ImportOptions) -> dict[str, Any]:
    """The frontmatter keys the user edited in the import editor / on the CLI, and their values.

    Only what differs from what the editor showed counts as edited, so an untouched import writes
    nothing and its ``SKILL.md`` stays byte-identical to upstream.

    Args:
        meta: the parsed upstream SKILL.md (None: unknown; only explicit values are written).
        shown_version: the version the editor showed (frontmatter, else plugin/catalog version).
        proposed_local_name: the local name proposed from the frontmatter name (R-FM-1).
        opts: what the user confirmed.

    Returns:
        ``{key: value or REMOVE}`` for :func:`edit_skill_md`: ``name`` (the local name, when the user
        chose one other than the proposal: the Agent Skills rule wants the name to match its
        folder), ``description``, ``version``, ``model`` (not while model invocation is disabled),
        ``argument-hint`` (REMOVE when cleared) and ``disable-model-invocation``.
    """
    fields = meta.fields if meta is not None else {}
    changes: dict[str, Any] = {}
    if opts.local_name and opts.local_name != proposed_local_name and (meta is None or opts.local_name != meta.name):
        changes["name"] = opts.local_name
    if opts.description is not None and opts.description.strip() \
            and opts.description.strip() != ((meta.description if meta else None) or "").strip():
        changes["description"] = opts.description.strip()
    if opts.version and opts.version.strip() and opts.version.strip() != (shown_version or ""):
        changes["version"] = opts.version.strip()
    disabled = fields.get("disable-model-invocation") is True
    if opts.disable_model_invocation is not None and opts.disable_model_invocation != disabled:
        changes["disable-model-invocation"] = True if opts.disable_model_invocation else (
            False if "disable-model-invocation" in fields else REMOVE)
        disabled = opts.disable_model_invocation
    if opts.model and opts.model.strip() and not disabled and opts.model.strip() != (meta.model if meta else None):
        changes["model"] = opts.model.strip()
    if opts.argument_hint is not None:
        hint = opts.argument_hint.strip()
        current = fields.get("argument-hint")
        if hint and hint != current:
            changes["argument-hint"] = hint
        elif not hint and current is not None:
            changes["argument-hint"] = REMOVE
    return changes


def write_changes(files: Mapping[str, bytes], changes: Mapping[str, Any], skill_md: str = "SKILL.md") -> dict[str, bytes]:
    """A copy of a skill folder with ``changes`` written into its ``SKILL.md`` frontmatter.

    Args:
        files: ``{relative path: bytes}``; must hold ``skill_md`` when ``changes`` is not empty.
        changes: as for :func:`edit_skill_md` (usually from :func:`import_changes`).
        skill_md: the SKILL.md's relative path.

    Returns:
        A new map; every other file is the same bytes object.

    Raises:
        FrontmatterEditError: no SKILL.md, or it cannot be edited safely (see :func:`edit_frontmatter`).
    """
    out = dict(files)
    if not changes:
        return out
    if skill_md not in out:
        raise FrontmatterEditError(f"{skill_md}: missing, cannot write the chosen metadata")
    out[skill_md] = edit_skill_md(out[skill_md], changes, skill_md)
    return out
