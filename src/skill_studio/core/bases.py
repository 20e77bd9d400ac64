"""Pristine upstream copies ("bases") of installed skills, for three-way merges (issue 13).

The *base* of an installed skill is the upstream folder at the installed commit, before any edit —
before the metadata chosen at import was written into ``SKILL.md`` and before the user's own edits.
A merge on update is base → ours (installed folder) → theirs (new upstream), so the base is kept
locally: a merge never needs the old commit to still exist upstream (force-pushed history).

Storage: the files are a content-addressed snapshot (``snapshots/<hash>/``, shared with the import
snapshots, see :mod:`.installer`), and ``bases/<destination>/<local name>/<snapshot hash>`` holds
the base's hash as text. Keying by the *installed* snapshot makes the base follow the database row
through updates and rollbacks with no schema change: whatever row is current, its
``snapshot_hash`` finds the base that was installed with it. A pointer is written before the
install's transaction commits; an orphan (crash before commit) is harmless.

Skills installed before bases existed have no pointer; for them the snapshot *is* the pristine
upstream copy (nothing was written into the files at import then), so :meth:`BaseStore.files`
falls back to it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from skill_studio.core.fsutil import atomic_write
from skill_studio.core.models import Destination, InstalledSkill

__all__ = ["BaseStore"]

_HASH_RE = re.compile(r"[0-9a-f]{64}\Z")


class BaseStore:
    """Where the base of each installed skill is recorded.

    Args:
        data_dir: the app's data folder (``AppPaths.data``); pointers go under ``bases/``.
        snapshot_dir: the content-addressed snapshot folder (``AppPaths.snapshots``).
        read_snapshot: reads a snapshot folder as ``{relative path: bytes}`` (``installer.read_folder``).
    """

    def __init__(self, data_dir: Path, snapshot_dir: Path, read_snapshot: Callable[[Path], dict[str, bytes]]) -> None:
        self.root = data_dir / "bases"
        self.snapshot_dir = snapshot_dir
        self._read = read_snapshot

    def _pointer(self, destination: Destination, local_name: str, snapshot_hash: str) -> Path:
        return self.root / destination.value / local_name / snapshot_hash

    def record(self, destination: Destination, local_name: str, snapshot_hash: str, base_hash: str) -> None:
        """Remember that the install of ``local_name`` whose content is ``snapshot_hash`` came from
        the pristine upstream snapshot ``base_hash`` (already saved with ``Installer.save_snapshot``).

        Written atomically (temp file, fsync, rename); idempotent.

        Raises:
            OSError: the pointer cannot be written (the caller's install then fails unchanged).
            ValueError: a hash is not 64 hex digits.
        """
        if not _HASH_RE.match(snapshot_hash) or not _HASH_RE.match(base_hash):
            raise ValueError("snapshot and base hashes are 64 hex digits")
        atomic_write(self._pointer(destination, local_name, snapshot_hash), base_hash.encode("ascii"),
                     make_parents=True)

    def base_hash(self, skill: InstalledSkill) -> str | None:
        """The base's snapshot hash recorded for the skill's current row, or None (installed before
        bases were kept, or a bundled/uploaded skill installed without one)."""
        try:
            text = self._pointer(skill.destination, skill.local_name, skill.snapshot_hash).read_text("ascii").strip()
        except (OSError, UnicodeDecodeError):
            return None
        return text if _HASH_RE.match(text) else None

    def files(self, skill: InstalledSkill) -> dict[str, bytes] | None:
        """The pristine upstream files of an installed skill, ``{relative path: bytes}``.

        Returns:
            The recorded base; for a skill without a record, its import snapshot (before issue 13
            nothing was written into the files, so that snapshot is the upstream copy); None when
            neither is on disk (the snapshot store was deleted).
        """
        digest = self.base_hash(skill) or skill.snapshot_hash
        folder = self.snapshot_dir / digest
        if not folder.is_dir():
            return None
        return self._read(folder)
