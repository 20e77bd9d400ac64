"""Three-way merge of a skill folder: base → ours (installed) → theirs (new upstream) (issue 13).

A customized skill (R-UPD-2) used to be either replaced or left behind on update. This module
merges instead, the way git does, over plain ``{relative POSIX path: bytes}`` maps:

* *base* — the pristine upstream files at the installed commit (kept by :mod:`.bases`);
* *ours* — the installed folder, with the user's edits;
* *theirs* — the new upstream folder.

Per file (git's rules): where only upstream changed, take it; where only ours changed, keep it;
where both made the same change, take it; where both changed the file differently, merge it line by
line with the ``merge3`` library (changes to different lines merge, changes to the same or adjacent
lines conflict). ``SKILL.md`` frontmatter is merged key by key first (an edited description and an
upstream version bump merge cleanly even on adjacent lines), its body line by line. Binary files
(a NUL byte in the first 8000 bytes, git's test) and deletions never merge: a file deleted on one
side and changed on the other, or a binary changed on both sides, is a conflict to be decided by
choosing a side. Lines keep their own endings, so CRLF files stay CRLF.

``prefer="ours"|"theirs"`` resolves every conflicting hunk (and whole-file conflict) that way.

Pure: no I/O, no Qt.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import merge3
import yaml

__all__ = [
    "Chunk",
    "Conflict",
    "FileMerge",
    "MergeResult",
    "Prefer",
    "UpdateMerge",
    "is_binary",
    "merge_skill",
    "merge_update",
]

Prefer = Literal["ours", "theirs"]
Files = Mapping[str, bytes]
Lines = tuple[bytes, ...]

SKILL_MD = "SKILL.md"
_BINARY_PROBE = 8000


def is_binary(data: bytes | None) -> bool:
    """git's test for a binary file: a NUL byte in the first 8000 bytes."""
    return data is not None and b"\0" in data[:_BINARY_PROBE]


@dataclass(frozen=True)
class Chunk:
    """One run of lines of a merged text file.

    Attributes:
        origin: where the lines come from: ``"unchanged"`` (all three agree), ``"ours"`` (only the
            installed copy changed them), ``"theirs"`` (only upstream did), ``"both"`` (the same
            change on both sides) or ``"conflict"`` (both changed them differently).
        lines: the merged lines, each with its own line ending; for a conflict, the lines chosen
            by ``prefer`` (ours' lines when none was given: a conflict is never written unresolved).
        base, ours, theirs: for a conflict, the three sides' lines (else empty).
        base_start, ours_start, theirs_start: for a conflict, 0-based index of its first line in
            each side's file (meaningful even when that side's lines are empty: the insertion point).
        label: for a frontmatter conflict, the key (e.g. ``"description"``), else ``""``.
    """

    origin: Literal["unchanged", "ours", "theirs", "both", "conflict"]
    lines: Lines
    base: Lines = ()
    ours: Lines = ()
    theirs: Lines = ()
    base_start: int = 0
    ours_start: int = 0
    theirs_start: int = 0
    label: str = ""


@dataclass(frozen=True)
class Conflict:
    """A change both sides made differently: what the user must decide (or ``prefer`` decided).

    Attributes:
        path: the file's relative path in the skill folder.
        kind: ``"lines"`` (text lines), ``"frontmatter"`` (a SKILL.md key), ``"binary"`` (a binary
            file changed on both sides), ``"modify/delete"`` (deleted on one side, changed on the
            other) or ``"add/add"`` (a binary added on both sides with different bytes).
        ours_lines, theirs_lines, base_lines: 1-based inclusive ``(first, last)`` line ranges of
            the conflicting hunk in each side's file; ``last == first - 1`` when that side has no
            lines there (an insertion point before ``first``). None for whole-file conflicts.
        key: the frontmatter key for a ``"frontmatter"`` conflict, else ``""``.
        chunk: index of the conflict in its :class:`FileMerge`'s ``chunks`` (-1 for whole-file ones).
    """

    path: str
    kind: Literal["lines", "frontmatter", "binary", "modify/delete", "add/add"]
    ours_lines: tuple[int, int] | None = None
    theirs_lines: tuple[int, int] | None = None
    base_lines: tuple[int, int] | None = None
    key: str = ""
    chunk: int = -1

    def describe(self) -> str:
        """One line for people: ``"SKILL.md lines 12-14 (upstream 12-15)"`` or
        ``"logo.png: binary file changed on both sides"``."""
        if self.kind == "binary":
            return f"{self.path}: binary file changed on both sides"
        if self.kind == "add/add":
            return f"{self.path}: added on both sides with different content"
        if self.kind == "modify/delete":
            return f"{self.path}: deleted on one side, changed on the other"
        where = f"{self.path} {_span(self.ours_lines)} (upstream: {_span(self.theirs_lines)})"
        return f"{where}, frontmatter key {self.key!r}" if self.key else where

    def to_json(self) -> dict[str, object]:
        """JSON form: ``{"path", "kind", "ours_lines": [first, last] | None, "theirs_lines",
        "base_lines", "key": str | None}`` (1-based inclusive ranges)."""
        return {"path": self.path, "kind": self.kind,
                "ours_lines": list(self.ours_lines) if self.ours_lines else None,
                "theirs_lines": list(self.theirs_lines) if self.theirs_lines else None,
                "base_lines": list(self.base_lines) if self.base_lines else None,
                "key": self.key or None}


def _span(rng: tuple[int, int] | None) -> str:
    """``"line 3"``, ``"lines 3-5"`` or ``"before line 3"`` (an empty range: an insertion point)."""
    if rng is None:
        return "whole file"
    first, last = rng
    if last < first:
        return f"before line {first}"
    return f"line {first}" if first == last else f"lines {first}-{last}"


@dataclass(frozen=True)
class FileMerge:
    """A file both sides changed: the material of a merge view.

    Attributes:
        path: relative path in the skill folder.
        base, ours, theirs: the three sides' bytes (None: absent on that side).
        chunks: the merged text as runs of lines (empty for binary and deletion conflicts).
        result: the merged bytes (None: the file is deleted), with conflicts resolved by
            ``prefer``, or by ours' side when no ``prefer`` was given.
        conflicts: this file's conflicts (empty when it merged cleanly or ``prefer`` resolved them).
    """

    path: str
    base: bytes | None
    ours: bytes | None
    theirs: bytes | None
    chunks: tuple[Chunk, ...]
    result: bytes | None
    conflicts: tuple[Conflict, ...]

    def changed_lines(self, side: Literal["ours", "theirs"]) -> tuple[int, ...]:
        """0-based line numbers of ``side``'s file that differ from the base (for marking changed
        lines in a merge view); every line when the file is new on that side; () for binaries."""
        data = self.ours if side == "ours" else self.theirs
        if data is None or is_binary(data) or is_binary(self.base):
            return ()
        lines = _lines(data)
        matcher = difflib.SequenceMatcher(None, _lines(self.base), lines, autojunk=False)
        out: list[int] = []
        for tag, _i1, _i2, j1, j2 in matcher.get_opcodes():
            if tag != "equal":
                out.extend(range(j1, j2))
        return tuple(out)

    def result_origins(self, choices: Mapping[int, object] | None = None) -> tuple[str, ...]:
        """For each line of :meth:`resolve` ``(choices)``, where it comes from: ``"unchanged"``,
        ``"ours"``, ``"theirs"``, ``"both"``, ``"conflict"`` (unresolved: the current lines) or
        ``"resolved"`` (a conflict settled by a choice). Empty for whole-file conflicts."""
        out: list[str] = []
        choices = choices or {}
        for i, chunk in enumerate(self.chunks):
            choice = choices.get(i) if chunk.origin == "conflict" else None
            if chunk.origin != "conflict":
                out.extend([chunk.origin] * len(chunk.lines))
            elif isinstance(choice, bytes):
                out.extend(["resolved"] * len(choice.splitlines(keepends=True)))
            elif choice in ("ours", "theirs", "base"):
                out.extend(["resolved"] * len(getattr(chunk, str(choice))))
            else:
                out.extend(["conflict"] * len(chunk.lines))
        return tuple(out)

    def resolve(self, choices: Mapping[int, Prefer | Literal["base"] | bytes]) -> bytes | None:
        """The file with each conflict chunk resolved as chosen.

        Args:
            choices: ``{chunk index: "ours" | "theirs" | "base" | edited bytes}``; a conflict chunk
                not in ``choices`` keeps its current ``lines``. For a whole-file conflict (no
                chunks), the choice for index -1 picks the side (``"ours"``/``"theirs"``/``"base"``,
                None when that side is absent) or gives the bytes.

        Returns:
            The file's bytes, or None when the chosen side deletes it.
        """
        if not self.chunks:
            choice = choices.get(-1)
            if isinstance(choice, bytes):
                return choice
            return {"ours": self.ours, "theirs": self.theirs, "base": self.base}.get(choice or "", self.result)
        out: list[bytes] = []
        for i, chunk in enumerate(self.chunks):
            choice = choices.get(i) if chunk.origin == "conflict" else None
            if isinstance(choice, bytes):
                out.append(choice)
            elif choice in ("ours", "theirs", "base"):
                out.extend(getattr(chunk, choice))
            else:
                out.extend(chunk.lines)
        return b"".join(out)


@dataclass(frozen=True)
class MergeResult:
    """The outcome of :func:`merge_skill`.

    Attributes:
        files: the merged folder ``{relative path: bytes}``; install it only when ``clean``
            (conflicts in it hold ours' side, never conflict markers).
        conflicts: every unresolved conflict, in path order.
        merged: the files both sides changed (one :class:`FileMerge` each, in path order).
        resolved: conflicts that ``prefer`` settled (empty without ``prefer``).
        taken_from_theirs / kept_ours: paths taken whole from upstream / kept whole from ours.
    """

    files: dict[str, bytes]
    conflicts: tuple[Conflict, ...] = ()
    merged: tuple[FileMerge, ...] = ()
    resolved: tuple[Conflict, ...] = ()
    taken_from_theirs: tuple[str, ...] = ()
    kept_ours: tuple[str, ...] = ()
    changed: bool = field(default=True)

    @property
    def clean(self) -> bool:
        """True when nothing is left to decide."""
        return not self.conflicts

    @property
    def conflicted_paths(self) -> tuple[str, ...]:
        """The paths with at least one unresolved conflict, sorted, without repeats."""
        return tuple(sorted({c.path for c in self.conflicts}))

    def with_resolutions(self, resolutions: Mapping[str, bytes | None]) -> dict[str, bytes]:
        """The merged folder with the given files' final content (from a merge view).

        Args:
            resolutions: ``{path: bytes, or None to delete the file}``.

        Returns:
            A new ``{path: bytes}`` map.
        """
        out = dict(self.files)
        for path, data in resolutions.items():
            if data is None:
                out.pop(path, None)
            else:
                out[path] = data
        return out


# -- line merge ----------------------------------------------------------------------------------

def _lines(data: bytes | None) -> Lines:
    return tuple(data.splitlines(keepends=True)) if data else ()


def _merge_lines(base: Lines, ours: Lines, theirs: Lines, prefer: Prefer | None, offsets: tuple[int, int, int],
                 label: str = "") -> list[Chunk]:
    """merge3 over three line sequences; conflicts carry their sides and file offsets."""
    ob, oo, ot = offsets
    chunks: list[Chunk] = []
    for region in merge3.Merge3(base, ours, theirs).merge_regions():
        kind = region[0]
        if kind == "unchanged":
            chunks.append(Chunk("unchanged", base[region[1]:region[2]]))
        elif kind == "a":
            chunks.append(Chunk("ours", ours[region[1]:region[2]]))
        elif kind == "same":
            chunks.append(Chunk("both", ours[region[1]:region[2]]))
        elif kind == "b":
            chunks.append(Chunk("theirs", theirs[region[1]:region[2]]))
        else:
            _, zs, ze, as_, ae, bs, be = region  # type: ignore[misc]  # the 7-tuple of a conflict
            b_, o_, t_ = base[zs:ze], ours[as_:ae], theirs[bs:be]
            chunks.append(Chunk("conflict", t_ if prefer == "theirs" else o_, b_, o_, t_, ob + zs, oo + as_, ot + bs,
                                label))
    return [c for c in chunks if c.lines or c.origin == "conflict"]


# -- SKILL.md: frontmatter key by key, body by lines --------------------------------------------

@dataclass
class _Parts:
    """A SKILL.md cut into lines: ``opening`` (blank lines + ``---``), ``head`` (lines before the
    first key), ``entries`` (key → its lines, in order), ``rest`` (closing ``---`` and the body)."""

    opening: Lines
    head: Lines
    entries: dict[str, Lines]
    rest: Lines
    starts: dict[str, int]  # key -> 0-based file line of its first line
    head_start: int
    rest_start: int


def _boundary(line: bytes) -> bool:
    s = line.rstrip(b"\r\n").rstrip(b" \t")
    return len(s) >= 3 and set(s) == {ord("-")}


def _split_skill_md(data: bytes | None) -> _Parts | None:
    """Cut a SKILL.md into frontmatter entries, or None when it cannot be merged key by key (no or
    bad frontmatter, flow style, duplicate keys): it is then merged line by line."""
    if data is None:
        return _Parts((), (), {}, (), {}, 0, 0)
    lines = _lines(data)
    i = 0
    while i < len(lines) and not lines[i].lstrip(b"\xef\xbb\xbf").strip():
        i += 1
    if i >= len(lines) or not _boundary(lines[i].lstrip(b"\xef\xbb\xbf")):
        return None
    start = i + 1
    end = next((j for j in range(start, len(lines)) if _boundary(lines[j])), None)
    if end is None:
        return None
    block = lines[start:end]
    try:
        root = yaml.compose(b"".join(block).decode("utf-8"), Loader=yaml.SafeLoader)
    except (yaml.YAMLError, UnicodeDecodeError, RecursionError):
        return None
    if root is None:
        keys: list[tuple[str, int]] = []
    elif not isinstance(root, yaml.MappingNode) or root.flow_style:
        return None
    else:
        keys = []
        for k, _v in root.value:
            if not isinstance(k, yaml.ScalarNode):
                return None
            keys.append((k.value, k.start_mark.line))
    if len({k for k, _ in keys}) != len(keys) or len({line for _, line in keys}) != len(keys):
        return None
    if keys and any(b - a <= 0 for (_, a), (_, b) in zip(keys, keys[1:], strict=False)):
        return None
    first = keys[0][1] if keys else len(block)
    entries: dict[str, Lines] = {}
    starts: dict[str, int] = {}
    for n, (key, line) in enumerate(keys):
        stop = keys[n + 1][1] if n + 1 < len(keys) else len(block)
        entries[key] = block[line:stop]
        starts[key] = start + line
    return _Parts(lines[:start], block[:first], entries, lines[end:], starts, start, end)


def _merge_entries(path: str, b: _Parts, o: _Parts, t: _Parts, prefer: Prefer | None) -> list[Chunk]:
    """Frontmatter key by key: each key follows the whole-value rule; a key both sides changed
    differently is merged by lines (nested mappings), else it is a conflict (labelled with the key)."""
    keys = list(o.entries)
    # keys only upstream added: after their predecessor in upstream's order
    for n, key in enumerate(t.entries):
        if key in o.entries or key in b.entries:
            continue
        prev = next((k for k in reversed(list(t.entries)[:n]) if k in keys), None)
        keys.insert(keys.index(prev) + 1 if prev is not None else 0, key)
    chunks: list[Chunk] = []
    for key in keys:
        bv, ov, tv = b.entries.get(key), o.entries.get(key), t.entries.get(key)
        if ov == tv or tv == bv:
            if ov:
                chunks.append(Chunk("unchanged" if ov == bv else ("both" if ov == tv else "ours"), ov))
            continue
        if ov == bv:
            if tv:
                chunks.append(Chunk("theirs", tv))
            continue
        offsets = (b.starts.get(key, b.rest_start), o.starts.get(key, o.rest_start), t.starts.get(key, t.rest_start))
        chunks.extend(_merge_lines(bv or (), ov or (), tv or (), prefer, offsets, label=key))
    return chunks


def _merge_text(path: str, base: bytes | None, ours: bytes | None, theirs: bytes | None,
                prefer: Prefer | None) -> list[Chunk]:
    if path == SKILL_MD:
        parts = [_split_skill_md(x) for x in (base, ours, theirs)]
        if all(p is not None for p in parts) and ours is not None and theirs is not None:
            b, o, t = parts
            assert b is not None and o is not None and t is not None
            chunks = _merge_lines(b.opening, o.opening, t.opening, prefer, (0, 0, 0))
            chunks += _merge_lines(b.head, o.head, t.head, prefer, (b.head_start, o.head_start, t.head_start))
            chunks += _merge_entries(path, b, o, t, prefer)
            chunks += _merge_lines(b.rest, o.rest, t.rest, prefer, (b.rest_start, o.rest_start, t.rest_start))
            return chunks
    return _merge_lines(_lines(base), _lines(ours), _lines(theirs), prefer, (0, 0, 0))


def _range(start: int, lines: Lines) -> tuple[int, int]:
    return (start + 1, start + len(lines))


# -- the folder ---------------------------------------------------------------------------------

def merge_skill(base: Files, ours: Files, theirs: Files, *, prefer: Prefer | None = None) -> MergeResult:
    """Three-way merge a skill folder (issue 13; git's per-file rules, see the module docstring).

    Args:
        base: the pristine upstream files at the installed commit, ``{relative path: bytes}``.
        ours: the installed folder now (with the user's edits).
        theirs: the new upstream folder.
        prefer: resolve every conflicting hunk / whole-file conflict with that side; None leaves
            them as conflicts.

    Returns:
        :class:`MergeResult`: ``files`` is the merged folder (install it only when ``clean``),
        ``conflicts`` names each conflicting file and line range, ``merged`` holds the three sides
        and chunks of every file both sides changed (for a merge view).
    """
    out: dict[str, bytes] = {}
    conflicts: list[Conflict] = []
    resolved: list[Conflict] = []
    merged: list[FileMerge] = []
    from_theirs: list[str] = []
    from_ours: list[str] = []
    for path in sorted(set(base) | set(ours) | set(theirs)):
        b, o, t = base.get(path), ours.get(path), theirs.get(path)
        if o == t:
            result = o
        elif o == b:
            result = t
            from_theirs.append(path)
        elif t == b:
            result = o
            from_ours.append(path)
        else:
            fm = _merge_file(path, b, o, t, prefer)
            merged.append(fm)
            result = fm.result
            (resolved if prefer else conflicts).extend(
                fm.conflicts if not prefer else _conflicts_of(path, b, o, t, fm.chunks))
        if result is not None:
            out[path] = result
    return MergeResult(out, tuple(conflicts), tuple(merged), tuple(resolved), tuple(from_theirs), tuple(from_ours),
                       changed=out != dict(ours))


def _conflicts_of(path: str, b: bytes | None, o: bytes | None, t: bytes | None,
                  chunks: Sequence[Chunk]) -> list[Conflict]:
    if not chunks:
        if o is None or t is None:
            return [Conflict(path, "modify/delete")]
        return [Conflict(path, "binary" if b is not None else "add/add")]
    return [Conflict(path, "frontmatter" if c.label else "lines", _range(c.ours_start, c.ours),
                     _range(c.theirs_start, c.theirs), _range(c.base_start, c.base), c.label, i)
            for i, c in enumerate(chunks) if c.origin == "conflict"]


def _merge_file(path: str, b: bytes | None, o: bytes | None, t: bytes | None, prefer: Prefer | None) -> FileMerge:
    """Both sides changed ``path`` differently (and not identically)."""
    if o is None or t is None or is_binary(b) or is_binary(o) or is_binary(t):
        result = t if prefer == "theirs" else o
        conflicts = () if prefer else tuple(_conflicts_of(path, b, o, t, ()))
        return FileMerge(path, b, o, t, (), result, conflicts)
    chunks = tuple(_merge_text(path, b, o, t, prefer))
    result = b"".join(line for c in chunks for line in c.lines)
    conflicts = () if prefer else tuple(_conflicts_of(path, b, o, t, chunks))
    return FileMerge(path, b, o, t, chunks, result, conflicts)


@dataclass(frozen=True)
class UpdateMerge:
    """A merged update of an installed skill.

    Attributes:
        result: the merge of the installed folder with the update: install it when ``result.clean``.
        snapshot: the new snapshot — upstream's new version with the metadata chosen at import
            carried forward — so the user's own edits still count as *customized* after the merge
            (R-UPD-2), and an untouched skill with import-time metadata stays not customized.
    """

    result: MergeResult
    snapshot: dict[str, bytes]


def merge_update(base: Files, ours: Files, snapshot: Files, theirs: Files, *,
                 prefer: Prefer | None = None) -> UpdateMerge:
    """Merge an upstream update into an installed skill (issue 13), in two steps.

    1. base → import snapshot → theirs, the import-time choices winning: upstream's new version
       with the metadata the user chose at import (the new snapshot).
    2. import snapshot → installed folder → that new snapshot: the user's edits since import
       applied onto it. A region the user did not touch since import takes the new snapshot's
       lines, so an import-time description never conflicts with upstream's; only lines the user
       edited after import *and* upstream changed conflict.

    Without import-time metadata (snapshot == base) step 1 is upstream itself and step 2 is the
    plain three-way merge base → ours → theirs.

    Args:
        base: the pristine upstream files at the installed commit (``BaseStore.files``).
        ours: the installed folder now.
        snapshot: the installed skill's snapshot (what was written at import/update).
        theirs: the new upstream folder.
        prefer: as for :func:`merge_skill`, for step 2's conflicts.

    Returns:
        :class:`UpdateMerge`; conflict line ranges are in the installed files (*ours*) and the new
        snapshot (*theirs*: upstream plus the import-time metadata).
    """
    carried = merge_skill(base, snapshot, theirs, prefer="ours").files
    return UpdateMerge(merge_skill(snapshot, ours, carried, prefer=prefer), carried)
