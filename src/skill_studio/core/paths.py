"""Every on-disk location of Skill Studio, in one place (R-DATA-1).

``SKILL_STUDIO_HOME`` relocates everything (portable installs, tests): data, config and cache then
live in ``$SKILL_STUDIO_HOME/{data,config,cache}``. Otherwise ``platformdirs`` gives the per-OS user
folders for the app name ``skill-studio``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath

import platformdirs

from skill_studio.core.fserrors import storage_error
from skill_studio.core.models import Destination

APP_NAME = "skill-studio"
HOME_ENV = "SKILL_STUDIO_HOME"

_DATA_TOP = ("backups", "skills", "snapshots", ".staging")
"""Top-level folders of the data folder that stored paths may point into."""


def data_relative(path: str | os.PathLike[str], data: Path) -> str:
    """The form in which a path inside the data folder is stored (history rows, ``intent.json``):
    POSIX text relative to ``data``, so moving or copying the data folder keeps it valid (issue 16
    item 4).

    Args:
        path: an absolute path; older releases stored these. When it is not under ``data`` (the data
            folder was moved or copied since), it is rebased at its last ``backups``/``skills``/
            ``snapshots``/``.staging`` component.
        data: the data folder.

    Returns:
        e.g. ``"backups/library/tidy-notes/20261130T120000Z-ab12cd"``; ``path`` unchanged (as text)
        when it is already relative or cannot be rebased.
    """
    text = os.fspath(path)
    pure: PurePath = PureWindowsPath(text) if PureWindowsPath(text).drive else PurePosixPath(text)
    if not pure.is_absolute():
        return text
    for base in (data, data.resolve()):
        try:
            return Path(text).relative_to(base).as_posix()
        except ValueError:
            pass
    parts = pure.parts
    for i in range(len(parts) - 1, 0, -1):
        if parts[i] in _DATA_TOP:
            return PurePosixPath(*parts[i:]).as_posix()
    return text


def data_absolute(stored: str, data: Path) -> Path:
    """A stored path (see :func:`data_relative`) as an absolute path under ``data``; an old absolute
    one is rebased first."""
    rel = data_relative(stored, data)
    return Path(rel) if PurePath(rel).is_absolute() or PureWindowsPath(rel).drive else data / rel


@dataclass(frozen=True)
class AppPaths:
    """Resolved folders.

    Attributes:
        data: database, installed skills, snapshots, backups.
        config: user settings that are not in the database (none yet; kept for Qt settings).
        cache: per-registry listing cache (safe to delete).
    """

    data: Path
    config: Path
    cache: Path

    @classmethod
    def from_env(cls) -> AppPaths:
        """Folders from ``SKILL_STUDIO_HOME`` when set, else from ``platformdirs``."""
        home = os.environ.get(HOME_ENV, "").strip()
        if home:
            base = Path(home).expanduser().resolve()
            return cls(base / "data", base / "config", base / "cache")
        return cls(
            Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
            Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
            Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
        )

    @property
    def database(self) -> Path:
        """SQLite database file."""
        return self.data / "skill-studio.db"

    def skills_dir(self, destination: Destination) -> Path:
        """Folder holding the installed skills of a destination (one sub-folder per local name)."""
        return self.data / "skills" / destination.value

    @property
    def snapshots(self) -> Path:
        """Content-addressed snapshot store: ``snapshots/<hash>/`` holds the files."""
        return self.data / "snapshots"

    @property
    def backups(self) -> Path:
        """Previous versions kept for rollback and customized backups."""
        return self.data / "backups"

    @property
    def staging(self) -> Path:
        """Temporary folders of in-flight installs; same filesystem as the skills, so rename is atomic."""
        return self.data / ".staging"

    @property
    def workspace_default(self) -> Path:
        """Default agent workspace (R-IMP-6)."""
        return self.data / "workspace"

    def ensure(self) -> AppPaths:
        """Create every folder; returns self.

        Raises:
            StorageError: a folder cannot be created (a file is in the way, permission denied, disk
                full), in one sentence (issue 16 item 11).
        """
        for p in (self.data, self.config, self.cache, self.snapshots, self.backups, self.staging,
                  self.skills_dir(Destination.SETTINGS), self.skills_dir(Destination.LIBRARY)):
            try:
                p.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise storage_error(exc, p) from None
        return self
