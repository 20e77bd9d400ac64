"""Error types of the core, all of them, in one tree. The UI and the CLI show ``str(err)``, never a
traceback.

Hierarchy::

    SkillStudioError              base of everything the core raises on purpose
    ├── UserError                 the user's input is wrong (CLI exit 1)
    │   ├── RegistrySourceError   a registry URL in none of the accepted forms (R-REG-1)
    │   ├── RegistryError         registry list rule broken: duplicate, unknown, default removal
    │   ├── InstallError          an import/remove/rollback that cannot proceed
    │   │   └── CollisionError    local name already installed in that destination (R-IMP-2)
    │   ├── StorageError          the file system refused a write: disk full, name too long, ...
    │   ├── ArchiveError          a zip upload refused (R-DATA-2)
    │   ├── TargetError           a deploy target / deployment / skill set rule broken (issue 17)
    │   ├── TokenStoreError       a token cannot be saved/removed: no keyring backend (R-NET-2)
    │   └── WorkspaceError        the workspace folder or its CLAUDE.md block cannot be used
    ├── RemoteError               the remote side failed or sent bad data (CLI exit 2)
    │   ├── NetworkError          connection refused, timeout, DNS
    │   ├── GitHubError           unexpected HTTP status from the GitHub API
    │   │   ├── NotFoundError     404: missing or private repository / ref / path
    │   │   ├── AuthError         401: token invalid
    │   │   ├── RateLimitError    403/429 with an exhausted rate limit (R-NET-3)
    │   │   └── TooLargeError     an answer over the bytes the caller allows (issue 16 item 8)
    │   ├── CatalogError          marketplace.json missing or structurally invalid (R-CAT-1)
    │   ├── FrontmatterError      SKILL.md frontmatter missing or unparsable (R-FM-2)
    │   │   └── FrontmatterEditError  a frontmatter edit that cannot be made byte-preservingly (issue 13)
    │   ├── IntegrityError        a downloaded blob whose bytes do not match its git SHA
    │   └── ListingProcessError   the GUI's listing process ended mid-listing (issue 18)
    ├── CancelledError            the user cancelled while GitHub was asked (Cancel, closing; issue 15)
    ├── DatabaseError             the database cannot be opened or is newer than this app
    │   └── CorruptDatabaseError  the database file is damaged; it is moved aside (R-DATA-1)
    └── (also ValueError)         refusals of one entry; the caller skips that entry and says why
        ├── UnsafePathError       a relative path that would escape its folder (R-DATA-2)
        ├── SourceError           a catalog plugin source or listed path that cannot be used (R-CAT-2/3)
        └── ExternalSourceError   an external plugin source that cannot be listed (R-CAT-4)

Every class is importable from this module; the modules that raise them also re-export their own
(``catalog.SourceError``, ``external.ExternalSourceError``, ``store.DatabaseError``,
``store.CorruptDatabaseError``, ``workspace.WorkspaceError``) for old imports.
"""

from __future__ import annotations

from datetime import datetime


class SkillStudioError(Exception):
    """Base class of every error the core raises on purpose; ``str()`` is a user-facing sentence."""


class UserError(SkillStudioError):
    """The user's input cannot be acted on (CLI exit code 1)."""


class RemoteError(SkillStudioError):
    """The remote side failed or answered with bad data (CLI exit code 2)."""


class CancelledError(SkillStudioError):
    """Raised when the user cancelled an operation (``SkillStudio.cancel_requests``, a dialog's
    *Cancel* or closing the window) while it waited for GitHub; nothing was changed on disk (the
    installer stages everything before it commits). The UI drops it quietly."""

    def __init__(self, message: str = "Cancelled.") -> None:
        super().__init__(message)


class RegistrySourceError(UserError):
    """Raised when a registry URL is in none of the accepted forms (R-REG-1)."""


class RegistryError(UserError):
    """Raised when a registry-list rule is broken: duplicate add, unknown name, removing the default."""


class InstallError(UserError):
    """Raised when an import, removal or rollback cannot proceed; nothing was changed."""


class CollisionError(InstallError):
    """Raised when the local name is already installed in the destination (R-IMP-2).

    Attributes:
        local_name: the colliding folder/database name.
        destination: ``"settings"`` or ``"library"``.
    """

    def __init__(self, message: str, local_name: str, destination: str) -> None:
        super().__init__(message)
        self.local_name = local_name
        self.destination = destination


class StorageError(UserError):
    """Raised when the file system refuses a write: disk full, a file name too long, a folder that
    cannot be written, a file where a folder should be (issue 16 item 11). Nothing was changed."""


class ArchiveError(UserError):
    """Raised when an uploaded zip is refused before anything is written (R-DATA-2)."""


class TokenStoreError(UserError):
    """Raised when a GitHub token cannot be saved to or removed from the keyring (R-NET-2): no
    keyring backend on this machine, or the backend refused. The message says so plainly and points
    at the ``GITHUB_TOKEN`` environment variable instead."""


class NetworkError(RemoteError):
    """Raised when GitHub cannot be reached: connection refused, DNS failure, timeout."""


class GitHubError(RemoteError):
    """Raised for an HTTP status the client did not expect.

    Attributes:
        status: the HTTP status code (int), or 0 when the body was unusable.
        url: the requested URL (without credentials).
    """

    def __init__(self, message: str, status: int = 0, url: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.url = url


class NotFoundError(GitHubError):
    """Raised on 404: the repository, ref or path does not exist or is private."""


class AuthError(GitHubError):
    """Raised on 401: the token sent is invalid or expired."""


class TooLargeError(GitHubError):
    """Raised when an answer is over the bytes the caller allows (issue 16 item 8: the bytes actually
    read are capped, whatever size the tree declared); ``status`` is 200 (the answer itself was fine).
    The download stops at the cap."""


class RateLimitError(GitHubError):
    """Raised on 403/429 when GitHub's rate limit is exhausted (R-NET-3).

    Attributes:
        reset_at: when the limit resets (aware datetime), or None when unknown.
    """

    def __init__(self, message: str, status: int = 403, url: str = "", reset_at: datetime | None = None) -> None:
        super().__init__(message, status, url)
        self.reset_at = reset_at


class CatalogError(RemoteError):
    """Raised when ``marketplace.json`` is missing, not JSON, or structurally invalid (R-CAT-1).

    The message names the file and the field at fault.
    """


class FrontmatterError(RemoteError):
    """Raised when a SKILL.md has no frontmatter or frontmatter that cannot be parsed (R-FM-2).

    The message names the file and the reason.
    """


class FrontmatterEditError(FrontmatterError):
    """Raised when a SKILL.md frontmatter edit (metadata chosen at import, issue 13) cannot be made
    without touching other bytes, or would not read back as intended. Nothing is written then."""


class IntegrityError(RemoteError):
    """Raised when a downloaded blob's bytes do not hash to its git blob SHA."""


class ListingProcessError(RemoteError):
    """The app's listing process (``app.listing_process``, issue 18) ended while it listed a
    registry: it crashed, ran out of memory or was killed. The listing is not made again in the
    app's own process, which the same input could bring down; Retry starts a new listing process."""


class TargetError(UserError):
    """Raised when a deploy-target operation cannot proceed (issue 17): unknown target or kind, a
    duplicate name or folder, a folder in the target that Skill Studio did not write (never
    overwritten or deleted), a skill not deployed there; nothing was changed."""


class WorkspaceError(UserError):
    """Raised when the workspace cannot be used: not a folder, not writable, or a ``CLAUDE.md``
    whose Skill Studio block is broken (a begin marker without an end marker)."""


class DatabaseError(SkillStudioError):
    """Raised when the database cannot be opened or is newer than this version of the app."""


class CorruptDatabaseError(DatabaseError):
    """Raised when the database file is damaged: not a database, malformed, or failing
    ``PRAGMA quick_check``. ``SkillStudio`` then moves it aside and rebuilds (R-DATA-1)."""


class UnsafePathError(SkillStudioError, ValueError):
    """Raised by :func:`skill_studio.core.fsutil.check_relative_path` for a path that could escape
    its folder (R-DATA-2). Callers re-raise it as their own error with their own message.

    Attributes:
        path: the path as written.
        reason: a phrase saying what is wrong (``"'..' in the path (path traversal)"``).
    """

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(reason)
        self.path = path
        self.reason = reason


class SourceError(SkillStudioError, ValueError):
    """Raised when a string plugin source (or a listed path) cannot be used (R-CAT-2/3).

    Attributes:
        reason: a phrase saying what is wrong, e.g. ``"'../x' has a '..' segment"``.
        escapes: True when the path would leave the registry (``..``, absolute, backslash, an
            escaping ``pluginRoot``); False for other defects (empty, a URL, a NUL character).
    """

    def __init__(self, reason: str, *, escapes: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.escapes = escapes


class ExternalSourceError(SkillStudioError, ValueError):
    """Raised by :func:`skill_studio.core.external.parse_external_source` for a source that cannot
    be listed (R-CAT-4).

    Attributes:
        reason: the sentence shown in ``skipped_plugins`` (e.g. ``"external source npm: ..."``).
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
