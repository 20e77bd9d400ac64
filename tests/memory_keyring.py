"""An in-memory keyring backend, shared by the test suite and scripts/screenshots.py, so neither
ever reads or writes the user's real keyring."""

from __future__ import annotations

import keyring.backend
import keyring.errors


class MemoryKeyring(keyring.backend.KeyringBackend):
    """An in-memory keyring backend for tests: ``secrets[(service, username)] = password``."""

    priority = 1  # type: ignore[assignment]
    name = "in-memory keyring"  # type: ignore[assignment]  # shown by the token status line

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.secrets.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("not stored")
