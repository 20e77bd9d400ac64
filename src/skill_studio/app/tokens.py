"""Tokens (R-NET-2): the use cases of the GUI's token section and ``skill-studio auth``.

Faces call these instead of ``core.auth``; tokens live in the keyring only. After a token is saved
or forgotten, call ``SkillStudio.invalidate_clients`` so the next request uses it.
"""

from __future__ import annotations

from skill_studio.core.auth import (
    ENV_ENTERPRISE,
    ENV_GITHUB,
    GITHUB_COM,
    TokenCheck,
    TokenSource,
    TokenStatus,
    check_token,
    describe_source,
    env_var_for,
    forget_token,
    keyring_available,
    keyring_backend_name,
    no_keyring_message,
    normalize_host,
    save_token,
    test_token,
    token_for,
    token_status,
)

__all__ = [
    "ENV_ENTERPRISE", "ENV_GITHUB", "GITHUB_COM", "TokenCheck", "TokenSource", "TokenStatus", "check_token",
    "describe_source", "env_var_for", "forget_token", "keyring_available", "keyring_backend_name",
    "no_keyring_message", "normalize_host", "save_token", "test_token", "token_for", "token_status",
]
