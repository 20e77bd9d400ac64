"""Error types of the core. The UI and the CLI show ``str(err)``, never a traceback.

Hierarchy::

    SkillStudioError              base of everything the core raises on purpose
    ├── UserError                 the user's input is wrong (CLI exit 1)
    │   ├── RegistrySourceError   a registry URL in none of the accepted forms (R-REG-1)
    │   ├── RegistryError         registry list rule broken: duplicate, unknown, default removal
    │   ├── InstallError          an import/remove/rollback that cannot proceed
    │   │   └── CollisionError    local name already installed in that destination (R-IMP-2)
    │   ├── ArchiveError          a zip upload refused (R-DATA-2)
    │   └── TokenStoreError       a token cannot be saved/removed: no keyring backend (R-NET-2)
    └── RemoteError               the remote side failed or sent bad data (CLI exit 2)
        ├── NetworkError          connection refused, timeout, DNS
        ├── GitHubError           unexpected HTTP status from the GitHub API
        │   ├── NotFoundError     404: missing or private repository / ref / path
        │   ├── AuthError         401: token invalid
        │   └── RateLimitError    403/429 with an exhausted rate limit (R-NET-3)
        ├── CatalogError          marketplace.json missing or structurally invalid (R-CAT-1)
        ├── FrontmatterError      SKILL.md frontmatter missing or unparsable (R-FM-2)
        └── IntegrityError        a downloaded blob whose bytes do not match its git SHA
"""

from __future__ import annotations

from datetime import datetime


class SkillStudioError(Exception):
    """Base class of every error the core raises on purpose; ``str()`` is a user-facing sentence."""


class UserError(SkillStudioError):
    """The user's input cannot be acted on (CLI exit code 1)."""


class RemoteError(SkillStudioError):
    """The remote side failed or answered with bad data (CLI exit code 2)."""


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
