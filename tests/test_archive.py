"""Safe zip reading for skill uploads (R-IMP-4, R-DATA-2): every hostile archive is refused with the
reason before anything is written; good archives yield the skill folder and its metadata."""

from __future__ import annotations

import io
import stat
import struct
import warnings
import zipfile
from pathlib import Path

import pytest

from skill_studio.core import archive
from skill_studio.core.archive import MAX_ENTRIES, read_skill_zip
from skill_studio.core.errors import ArchiveError, UserError

SKILL_MD = b"---\nname: my-research\ndescription: Researches a domain my way.\nslot: research\n---\n# Mine\n"


def make_zip(path: Path, entries: list[tuple[str | zipfile.ZipInfo, bytes]],
             compression: int = zipfile.ZIP_DEFLATED) -> Path:
    """Build a zip from ``(name or ZipInfo, data)``; duplicate-name warnings are expected in tests."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns on duplicate names
        with zipfile.ZipFile(path, "w", compression) as zf:
            for name, data in entries:
                if isinstance(name, zipfile.ZipInfo):
                    name.compress_type = compression
                zf.writestr(name, data)
    return path


def special(name: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = mode << 16
    return info


def patch_declared_size(data: bytes, name: str, size: int) -> bytes:
    """Rewrite the uncompressed size of ``name`` in its local header and central directory entry."""
    raw = bytearray(data)
    n = name.encode()
    for sig, fn_len_at, fn_at, size_at in ((b"PK\x03\x04", 26, 30, 22), (b"PK\x01\x02", 28, 46, 24)):
        i = raw.find(sig)
        while i >= 0:
            fn_len = struct.unpack_from("<H", raw, i + fn_len_at)[0]
            if raw[i + fn_at:i + fn_at + fn_len] == n:
                struct.pack_into("<I", raw, i + size_at, size)
            i = raw.find(sig, i + 4)
    return bytes(raw)


# -- good archives -----------------------------------------------------------------------------

def test_skill_md_at_root_with_subfolders(tmp_path: Path) -> None:
    z = make_zip(tmp_path / "s.zip", [("SKILL.md", SKILL_MD), ("references/", b""),
                                      ("references/notes.md", b"notes"), ("scripts/run.py", b"print(1)\n")])
    got = read_skill_zip(z)
    assert got.top_folder == ""
    assert got.files == {"SKILL.md": SKILL_MD, "references/notes.md": b"notes", "scripts/run.py": b"print(1)\n"}
    assert got.metadata.name == "my-research" and got.metadata.fields["slot"] == "research"
    assert got.total_bytes == sum(len(v) for v in got.files.values())


def test_one_top_folder_is_stripped_and_macos_junk_ignored(tmp_path: Path) -> None:
    z = make_zip(tmp_path / "s.zip", [("my-skill/", b""), ("my-skill/SKILL.md", SKILL_MD),
                                      ("my-skill/ref/a.md", b"a"), ("my-skill/.DS_Store", b"\0junk"),
                                      ("__MACOSX/my-skill/._SKILL.md", b"\0\x05\x16\x07")])
    got = read_skill_zip(z)
    assert got.top_folder == "my-skill"
    assert set(got.files) == {"SKILL.md", "ref/a.md"}


def test_file_object_and_stored_entries(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("SKILL.md", SKILL_MD)
    buf.seek(0)
    assert read_skill_zip(buf).files == {"SKILL.md": SKILL_MD}


def test_small_very_compressible_file_is_no_bomb(tmp_path: Path) -> None:
    z = make_zip(tmp_path / "s.zip", [("SKILL.md", SKILL_MD), ("blank.txt", b" " * 60_000)])
    info = zipfile.ZipFile(z).getinfo("blank.txt")
    assert info.file_size > 100 * info.compress_size  # ratio > 100 but under RATIO_FLOOR
    assert read_skill_zip(z).files["blank.txt"] == b" " * 60_000


def test_description_supplied_by_caller_allows_missing_one(tmp_path: Path) -> None:
    z = make_zip(tmp_path / "s.zip", [("SKILL.md", b"---\nname: nodesc\n---\nbody\n")])
    with pytest.raises(ArchiveError, match="no description"):
        read_skill_zip(z)
    assert read_skill_zip(z, description="Given by the user.").metadata.name == "nodesc"


# -- hostile archives --------------------------------------------------------------------------

def bomb_entries() -> list[tuple[str, bytes]]:
    return [("SKILL.md", SKILL_MD), ("bomb.bin", b"\0" * (8 * 1024 * 1024))]


HOSTILE: dict[str, tuple[list[tuple[str | zipfile.ZipInfo, bytes]], str]] = {
    "traversal": ([("SKILL.md", SKILL_MD), ("../evil.sh", b"x")], r"'\.\.' in the path"),
    "nested traversal": ([("s/SKILL.md", SKILL_MD), ("s/../../evil.sh", b"x")], r"'\.\.' in the path"),
    "absolute path": ([("SKILL.md", SKILL_MD), ("/etc/cron.d/evil", b"x")], "absolute path"),
    "drive letter": ([("SKILL.md", SKILL_MD), ("C:/Windows/evil", b"x")], "absolute path"),
    "backslash": ([("SKILL.md", SKILL_MD), ("..\\evil", b"x")], "backslash"),
    "empty segment": ([("SKILL.md", SKILL_MD), ("a//b", b"x")], "empty or '.' path segment"),
    "symlink": ([("SKILL.md", SKILL_MD), (special("link", stat.S_IFLNK | 0o777), b"/etc/passwd")], "symbolic link"),
    "symlink dir": ([("s/SKILL.md", SKILL_MD), (special("s/refs", stat.S_IFLNK | 0o755), b"/")], "symbolic link"),
    "fifo": ([("SKILL.md", SKILL_MD), (special("pipe", stat.S_IFIFO | 0o644), b"")], "not a regular file"),
    "bomb": (bomb_entries(), "zip bomb"),
    "no SKILL.md": ([("README.md", b"hello"), ("x/notes.md", b"n")], "no SKILL.md"),
    "empty": ([], "empty"),
    "two skills": ([("a/SKILL.md", SKILL_MD), ("b/SKILL.md", SKILL_MD)], "more than one skill"),
    "files outside the folder": ([("s/SKILL.md", SKILL_MD), ("README.md", b"x")], "outside the skill folder"),
    "too deep": ([("a/b/SKILL.md", SKILL_MD)], "no SKILL.md at the root"),
    "duplicate": ([("SKILL.md", SKILL_MD), ("SKILL.md", b"---\nname: other\ndescription: d\n---\n")],
                  "more than once"),
    "case duplicate": ([("SKILL.md", SKILL_MD), ("ref.md", b"a"), ("REF.md", b"b")], "more than once"),
    "file and folder": ([("SKILL.md", SKILL_MD), ("x", b"file"), ("x/y", b"inside")], "both a file and a folder"),
    "no frontmatter": ([("SKILL.md", b"# just markdown\n")], "no frontmatter"),
    "bad yaml": ([("SKILL.md", b"---\nname: [unclosed\n---\n")], "invalid YAML"),
    "no name": ([("SKILL.md", b"---\ndescription: d\n---\n")], "no name"),
    "no description": ([("SKILL.md", b"---\nname: x\n---\n")], "no description"),
    "long description": ([("SKILL.md", b"---\nname: x\ndescription: " + b"d" * 1100 + b"\n---\n")], "1100 characters"),
    "not utf-8": ([("SKILL.md", b"---\nname: \xff\xfe\n---\n")], "not UTF-8"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE), ids=lambda c: c.replace(" ", "-"))
def test_hostile_archive_is_refused_with_reason(case: str, tmp_path: Path) -> None:
    entries, reason = HOSTILE[case]
    z = make_zip(tmp_path / "hostile.zip", entries)
    with pytest.raises(ArchiveError, match=reason) as err:
        read_skill_zip(z)
    assert isinstance(err.value, UserError)
    assert "hostile.zip" in str(err.value)


def test_too_many_entries(tmp_path: Path) -> None:
    z = make_zip(tmp_path / "many.zip", [("SKILL.md", SKILL_MD)] + [(f"f/{i}.txt", b"") for i in range(MAX_ENTRIES)])
    with pytest.raises(ArchiveError, match=f"{MAX_ENTRIES + 1} entries"):
        read_skill_zip(z)


def test_exactly_max_entries_is_fine(tmp_path: Path) -> None:
    z = make_zip(tmp_path / "ok.zip", [("SKILL.md", SKILL_MD)] + [(f"f/{i}.txt", b"") for i in range(MAX_ENTRIES - 1)])
    assert len(read_skill_zip(z).files) == MAX_ENTRIES


def test_total_uncompressed_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 100_000)
    z = make_zip(tmp_path / "big.zip", [("SKILL.md", SKILL_MD)] + [(f"r{i}.bin", bytes(range(256)) * 100)
                                                                    for i in range(5)], zipfile.ZIP_STORED)
    with pytest.raises(ArchiveError, match="once uncompressed"):
        read_skill_zip(z)


def test_whole_archive_ratio_limit(tmp_path: Path) -> None:
    # each entry is under the per-entry floor, the archive as a whole expands far past 100:1
    z = make_zip(tmp_path / "many-small.zip", [("SKILL.md", SKILL_MD)] + [(f"z{i}", b"\0" * 60_000) for i in range(40)])
    with pytest.raises(ArchiveError, match="the archive expands"):
        read_skill_zip(z)


def test_lying_size_header_is_refused(tmp_path: Path) -> None:
    z = make_zip(tmp_path / "ok.zip", [("SKILL.md", SKILL_MD), ("data.bin", bytes(range(256)) * 400)])
    liar = tmp_path / "liar.zip"
    liar.write_bytes(patch_declared_size(z.read_bytes(), "data.bin", 100))
    with pytest.raises(ArchiveError, match="corrupt"):
        read_skill_zip(liar)


def test_reader_never_reads_past_declared_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cap holds even when the zip library would hand over more bytes than declared."""
    z = make_zip(tmp_path / "s.zip", [("SKILL.md", SKILL_MD), ("data.bin", b"a" * 5000)])

    class Overflowing(io.BytesIO):
        def __enter__(self):  # noqa: D105
            return self

    real_open = zipfile.ZipFile.open

    def fake_open(self, info, *a, **kw):
        if getattr(info, "filename", info) == "data.bin":
            return Overflowing(b"a" * 10_000_000)
        return real_open(self, info, *a, **kw)

    monkeypatch.setattr(zipfile.ZipFile, "open", fake_open)
    with pytest.raises(ArchiveError, match="inflates past its declared size"):
        read_skill_zip(z)


def test_encrypted_entry_is_refused(tmp_path: Path) -> None:
    z = make_zip(tmp_path / "plain.zip", [("SKILL.md", SKILL_MD), ("secret.md", b"x")], zipfile.ZIP_STORED)
    raw = bytearray(z.read_bytes())
    for sig, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # set bit 0 (encrypted) everywhere
        i = raw.find(sig)
        while i >= 0:
            raw[i + flags_at] |= 0x1
            i = raw.find(sig, i + 4)
    enc = tmp_path / "enc.zip"
    enc.write_bytes(bytes(raw))
    with pytest.raises(ArchiveError, match="encrypted"):
        read_skill_zip(enc)


def test_not_a_zip_missing_file_and_oversized_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"this is not a zip file at all")
    with pytest.raises(ArchiveError, match="not a readable zip"):
        read_skill_zip(junk)
    with pytest.raises(ArchiveError, match="no such file"):
        read_skill_zip(tmp_path / "missing.zip")
    monkeypatch.setattr(archive, "MAX_ARCHIVE_BYTES", 10)
    with pytest.raises(ArchiveError, match="limited to"):
        read_skill_zip(junk)


def test_nfc_nfd_duplicates_are_refused(tmp_path: Path) -> None:
    """Issue 16 item 5: 'é' composed and decomposed are one file name on macOS."""
    nfc, nfd = "caf\u00e9.md", "cafe\u0301.md"
    z = make_zip(tmp_path / "s.zip", [("SKILL.md", SKILL_MD), (nfc, b"1"), (nfd, b"2")])
    with pytest.raises(ArchiveError, match="appears more than once"):
        read_skill_zip(z)
