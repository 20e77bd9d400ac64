"""Safe reading of an uploaded skill zip (R-IMP-4 zip uploads, R-DATA-2).

An upload is a ``.zip`` holding exactly one skill: ``SKILL.md`` at the archive root, or inside one
top folder (``my-skill/SKILL.md`` with every other file below ``my-skill/``). Everything is checked
*before* anything is written, and the whole archive is read into memory under hard caps, so a bad
archive is refused with the reason (:class:`~skill_studio.core.errors.ArchiveError`) and changes
nothing on disk. Nothing in the archive is ever executed.

Checks, in order:

1. the file exists, is at most :data:`MAX_ARCHIVE_BYTES`, and is a readable zip;
2. at most :data:`MAX_ENTRIES` entries;
3. every entry name: no absolute path (``/x``, ``C:x``, ``\\\\server``), no ``..``/``.``/empty
   segment, no backslash, NUL or control character; no duplicate (also case-insensitively, so the
   folder is the same on every OS); no file that is also a folder;
4. no symbolic link (Unix mode ``S_IFLNK`` in the high 16 bits of ``external_attr``) and no other
   special file (device, FIFO, socket); no encrypted entry;
5. declared sizes: total at most :data:`MAX_TOTAL_BYTES`; compression ratio of any entry, and of the
   whole archive, at most :data:`MAX_RATIO` (for entries/archives larger than :data:`RATIO_FLOOR`);
6. reading: each entry is read in chunks with a cap of its declared size (headers are not trusted:
   an entry inflating past its declared size, or the running total passing the limit, is refused;
   CRC errors are refused);
7. layout: exactly one skill (``SKILL.md`` at the root, or in one top folder); macOS ``__MACOSX/``
   and ``.DS_Store`` entries are ignored;
8. ``SKILL.md`` frontmatter parses (:func:`skill_studio.core.frontmatter.parse_skill_md`) and has a
   description (1–1024 characters), unless the caller supplies one.
"""

from __future__ import annotations

import re
import stat
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from skill_studio.core.errors import ArchiveError, FrontmatterError, UnsafePathError
from skill_studio.core.frontmatter import MAX_DESCRIPTION_CHARS, parse_skill_md
from skill_studio.core.fsutil import check_relative_path
from skill_studio.core.models import SkillMetadata

__all__ = [
    "MAX_ARCHIVE_BYTES",
    "MAX_ENTRIES",
    "MAX_RATIO",
    "MAX_TOTAL_BYTES",
    "RATIO_FLOOR",
    "SkillArchive",
    "read_skill_zip",
]

MAX_ENTRIES = 1_000
"""Most entries (files and folders) in an uploaded zip."""

MAX_TOTAL_BYTES = 50 * 1024 * 1024
"""Most bytes once uncompressed (50 MiB), counted as declared and again as actually read."""

MAX_ARCHIVE_BYTES = MAX_TOTAL_BYTES + 8 * 1024 * 1024
"""Largest zip file accepted (bytes on disk), so a huge central directory is never parsed."""

MAX_RATIO = 100
"""Largest uncompressed/compressed size ratio accepted for one entry or the whole archive."""

RATIO_FLOOR = 64 * 1024
"""Entries (and archives) at most this large uncompressed are exempt from the ratio check: a few
kilobytes of repeated text compress very well and are no bomb."""

_CHUNK = 64 * 1024
_IGNORED_TOP = "__MACOSX"
_IGNORED_NAMES = {".DS_Store"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class SkillArchive:
    """A validated skill archive, fully read into memory.

    Attributes:
        files: the skill folder, ``{relative POSIX path: bytes}`` (relative to the folder holding
            ``SKILL.md``; the top folder, when there is one, is stripped).
        metadata: the parsed ``SKILL.md`` frontmatter.
        top_folder: the archive's top folder holding the skill, or ``""`` when ``SKILL.md`` is at
            the root.
        total_bytes: sum of the file sizes in ``files``.
    """

    files: dict[str, bytes]
    metadata: SkillMetadata
    top_folder: str
    total_bytes: int


def _label(source: str | Path | IO[bytes]) -> str:
    return Path(source).name if isinstance(source, (str, Path)) else getattr(source, "name", "the upload")


def _check_name(zip_label: str, name: str) -> str:
    """Validate one entry name; returns it without a trailing ``/``."""
    shown = name if len(name) < 120 else name[:117] + "…"
    bad = f"{zip_label}: refused entry {shown!r}: "
    try:
        return check_relative_path(name, allow_dir=True)
    except UnsafePathError as err:
        raise ArchiveError(bad + err.reason) from None


def _entry_type(info: zipfile.ZipInfo) -> str:
    """``"dir"``, ``"file"``, ``"symlink"`` or ``"special"`` from the Unix mode bits, if any."""
    mode = (info.external_attr >> 16) & 0xFFFF
    kind = stat.S_IFMT(mode)
    if kind == stat.S_IFLNK:
        return "symlink"
    if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
        return "special"
    if info.filename.endswith("/") or kind == stat.S_IFDIR:
        return "dir"
    return "file"


def _read_capped(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int, zip_label: str, name: str) -> bytes:
    """Read an entry, never more than its declared size (+1 byte to detect a lie) or the budget."""
    cap = min(info.file_size, budget)
    chunks: list[bytes] = []
    got = 0
    with zf.open(info) as fh:
        while True:
            chunk = fh.read(min(_CHUNK, cap + 1 - got))
            if not chunk:
                break
            got += len(chunk)
            if got > cap:
                if got > info.file_size:
                    raise ArchiveError(f"{zip_label}: {name!r} inflates past its declared size "
                                       f"({info.file_size} bytes); the archive is corrupt or hostile.")
                raise ArchiveError(f"{zip_label}: more than {MAX_TOTAL_BYTES // (1024 * 1024)} MB once "
                                   "uncompressed; uploads are limited to that.")
            chunks.append(chunk)
    return b"".join(chunks)


def read_skill_zip(source: str | Path | IO[bytes], *, description: str | None = None) -> SkillArchive:
    """Read and validate an uploaded skill zip without writing anything (R-DATA-2).

    Args:
        source: path of the ``.zip`` file, or a binary file object (seekable).
        description: a description supplied by the user; when given, a ``SKILL.md`` without one is
            accepted (the caller records this one instead).

    Returns:
        The :class:`SkillArchive` (files relative to the skill folder, parsed metadata).

    Raises:
        ArchiveError: with the archive name and the reason — not found / not a zip / too large,
            too many entries, unsafe path, symlink or special file, encrypted entry, duplicate
            names, size or ratio limits, corrupt data (CRC), no ``SKILL.md``, more than one skill
            folder, files outside the skill folder, unparsable frontmatter, no description.
    """
    label = _label(source)
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise ArchiveError(f"{path}: no such file.")
        size = path.stat().st_size
        if size > MAX_ARCHIVE_BYTES:
            raise ArchiveError(f"{label}: the file is {size} bytes; uploads are limited to "
                               f"{MAX_ARCHIVE_BYTES // (1024 * 1024)} MB.")
    try:
        zf = zipfile.ZipFile(source)
    except zipfile.LargeZipFile:
        raise ArchiveError(f"{label}: the archive is too large.") from None
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ArchiveError(f"{label}: not a readable zip archive ({exc}).") from None
    with zf:
        return _read(zf, label, description)


def _read(zf: zipfile.ZipFile, label: str, description: str | None) -> SkillArchive:
    infos = zf.infolist()
    if len(infos) > MAX_ENTRIES:
        raise ArchiveError(f"{label}: {len(infos)} entries; uploads are limited to {MAX_ENTRIES}.")
    files: list[tuple[str, zipfile.ZipInfo]] = []
    dirs: set[str] = set()
    seen: dict[str, str] = {}
    declared_total = 0
    compressed_total = 0
    for info in infos:
        name = _check_name(label, info.filename)
        kind = _entry_type(info)
        if kind == "symlink":
            raise ArchiveError(f"{label}: refused entry {name!r}: symbolic link (links are never installed).")
        if kind == "special":
            raise ArchiveError(f"{label}: refused entry {name!r}: not a regular file or folder.")
        if info.flag_bits & 0x1:
            raise ArchiveError(f"{label}: refused entry {name!r}: encrypted.")
        folded = unicodedata.normalize("NFC", name).casefold()  # NFC/NFD and case clash on macOS/Windows
        if folded in seen:
            raise ArchiveError(f"{label}: {name!r} appears more than once"
                               + ("" if seen[folded] == name else f" (as {seen[folded]!r})") + ".")
        seen[folded] = name
        if kind == "dir":
            dirs.add(name)
            continue
        declared_total += info.file_size
        compressed_total += info.compress_size
        if declared_total > MAX_TOTAL_BYTES:
            raise ArchiveError(f"{label}: more than {MAX_TOTAL_BYTES // (1024 * 1024)} MB once uncompressed; "
                               "uploads are limited to that.")
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ArchiveError(f"{label}: {name!r} expands {info.file_size // max(info.compress_size, 1)}:1 "
                               f"(limit {MAX_RATIO}:1); refusing a possible zip bomb.")
        files.append((name, info))
    if declared_total > RATIO_FLOOR and declared_total > MAX_RATIO * max(compressed_total, 1):
        raise ArchiveError(f"{label}: the archive expands {declared_total // max(compressed_total, 1)}:1 "
                           f"(limit {MAX_RATIO}:1); refusing a possible zip bomb.")
    file_names = {n for n, _ in files}
    parents = {"/".join(n.split("/")[:i]) for n in file_names | dirs for i in range(1, n.count("/") + 1)}
    clash = sorted(file_names & (parents | dirs))
    if clash:
        raise ArchiveError(f"{label}: {clash[0]!r} is both a file and a folder.")

    kept = [(n, i) for n, i in files
            if n.split("/")[0] != _IGNORED_TOP and n.split("/")[-1] not in _IGNORED_NAMES]
    top = _skill_root(label, [n for n, _ in kept])
    prefix = f"{top}/" if top else ""

    out: dict[str, bytes] = {}
    total = 0
    try:
        for name, info in kept:
            data = _read_capped(zf, info, MAX_TOTAL_BYTES - total, label, name)
            total += len(data)
            out[name[len(prefix):]] = data
    except ArchiveError:
        raise
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
        raise ArchiveError(f"{label}: the archive is corrupt ({exc}).") from None

    skill_md = f"{prefix}SKILL.md"
    try:
        meta = parse_skill_md(out["SKILL.md"], f"{label}:{skill_md}")
    except FrontmatterError as exc:
        raise ArchiveError(str(exc)) from None
    given = description.strip() if description else ""
    if not given:
        if not meta.description:
            raise ArchiveError(f"{label}:{skill_md}: no description in the frontmatter; a skill needs one "
                               "(1-1024 characters) to be installed.")
        if len(meta.description) > MAX_DESCRIPTION_CHARS:
            raise ArchiveError(f"{label}:{skill_md}: the description is {len(meta.description)} characters; "
                               f"the limit is {MAX_DESCRIPTION_CHARS}.")
    return SkillArchive(files=out, metadata=meta, top_folder=top, total_bytes=total)


def _skill_root(label: str, names: list[str]) -> str:
    """The folder holding the skill: ``""`` (root) or the single top folder (R-IMP-4 layout rule)."""
    if not names:
        raise ArchiveError(f"{label}: the archive is empty (no SKILL.md).")
    if "SKILL.md" in names:
        return ""
    tops = sorted({n.split("/")[0] for n in names})
    with_skill = sorted({n.split("/")[0] for n in names if n.count("/") == 1 and n.endswith("/SKILL.md")})
    if len(with_skill) > 1:
        raise ArchiveError(f"{label}: holds more than one skill ({', '.join(with_skill)}); upload one skill per zip.")
    if not with_skill:
        raise ArchiveError(f"{label}: no SKILL.md at the root or inside one top folder; this is not a skill.")
    if len(tops) > 1 or any("/" not in n for n in names):
        others = [t for t in tops if t != with_skill[0]]
        raise ArchiveError(f"{label}: files outside the skill folder {with_skill[0]!r} ({', '.join(others)}); "
                           "put SKILL.md at the root or everything inside one folder.")
    return with_skill[0]
