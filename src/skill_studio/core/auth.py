"""GitHub tokens per host: the keyring, the environment, and checking a token (R-NET-2).

Where a token comes from, for a web host such as ``github.com`` or ``ghe.example.com``:

1. the environment: ``GITHUB_TOKEN`` for ``github.com``, ``GITHUB_ENTERPRISE_TOKEN`` for any other
   host (the GitHub CLI's convention, so a github.com token is never sent to another server). An
   explicitly set environment variable **wins over the keyring**: it is the usual convention
   (scripts, CI) and it lets a user override a stored token for one run without touching it;
2. the system keyring (``keyring`` package): service ``"skill-studio"``, user name = the host;
3. nothing: requests are anonymous (60 an hour on github.com).

On a machine without a keyring backend (``keyring.backends.fail.Keyring``, or the ``null``
backend), reading yields no token, saving and removing raise :class:`TokenStoreError` with a plain
sentence, and the environment variable still works.

Tokens are never logged, printed, or written to disk by Skill Studio: log records name the host and
the token's *source*, never the value; error messages quote neither.

GUI usage (Settings → General token field)::

    auth.token_status("github.com").message   # what to show next to the field
    auth.test_token("github.com", typed)      # "Token accepted: signed in as octocat." or why not
    auth.save_token("github.com", typed)      # then SkillStudio.invalidate_clients()
    auth.forget_token("github.com")
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from enum import Enum
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import keyring.backend

from skill_studio.core.errors import AuthError, RemoteError, TokenStoreError, UserError
from skill_studio.core.github import GitHubClient, _ssl_context
from skill_studio.core.hosts import GITHUB_COM, api_base_for, canonical_host, strip_to_host

log = logging.getLogger(__name__)

SERVICE = "skill-studio"
"""Keyring service name; the keyring user name is the host."""

ENV_GITHUB = "GITHUB_TOKEN"
ENV_ENTERPRISE = "GITHUB_ENTERPRISE_TOKEN"

_HOST_RE = re.compile(r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?$")


class TokenSource(str, Enum):
    """Where the token used for a host comes from."""

    ENVIRONMENT = "environment"
    KEYRING = "keyring"
    NONE = "none"


@dataclass(frozen=True)
class TokenStatus:
    """What Skill Studio will send to a host, for the CLI's ``auth status`` and the Settings page.

    Attributes:
        host: normalised web host.
        source: where the token in use comes from (the environment wins).
        env_var: the environment variable consulted for this host.
        env_set: whether that variable holds a token.
        keyring_available: False when the machine has no keyring backend.
        keyring_backend: human name of the keyring backend (e.g. ``"SecretService Keyring"``).
        stored: whether the keyring holds a token for the host.
        message: one or two plain sentences describing the above (never the token).
    """

    host: str
    source: TokenSource
    env_var: str
    env_set: bool
    keyring_available: bool
    keyring_backend: str
    stored: bool
    message: str


@dataclass(frozen=True)
class TokenCheck:
    """Result of :func:`check_token`.

    Attributes:
        ok: GitHub accepted the token.
        login: the account's login when ``ok``.
        message: a sentence for the user (success or the reason of failure).
    """

    ok: bool
    login: str | None
    message: str


def normalize_host(host: str | None) -> str:
    """``"https://GitHub.com/"`` → ``"github.com"``; None or "" → ``"github.com"``.

    Raises:
        UserError: not a host name.
    """
    h = canonical_host(strip_to_host(host or GITHUB_COM), api_alias=True)
    if not _HOST_RE.match(h):
        raise UserError(f"{host!r} is not a host name (e.g. github.com or ghe.example.com).")
    return h


def env_var_for(host: str) -> str:
    """The environment variable holding the token of ``host``: ``GITHUB_TOKEN`` for github.com,
    ``GITHUB_ENTERPRISE_TOKEN`` for every other host."""
    return ENV_GITHUB if normalize_host(host) == GITHUB_COM else ENV_ENTERPRISE


def _keyring() -> ModuleType:
    """The ``keyring`` package, imported on first use (issue 18: importing it and finding its
    backend cost ~120 ms, paid by every command before its first request; see
    :func:`start_token_lookup`)."""
    import keyring
    import keyring.errors  # noqa: F401 - used as keyring.errors below

    return keyring


def _backend() -> keyring.backend.KeyringBackend | None:
    try:
        return _keyring().get_keyring()
    except Exception as err:  # noqa: BLE001 - a broken keyring configuration must not break the app
        log.warning("the keyring could not be initialised (%s)", type(err).__name__)
        return None


def keyring_backend_name() -> str:
    """Human name of the active keyring backend (``"none"`` when it cannot be initialised)."""
    kr = _backend()
    if kr is None:
        return "none"
    return str(getattr(kr, "name", None) or type(kr).__name__)


def keyring_available() -> bool:
    """False when the machine has no usable keyring backend (the ``fail`` or ``null`` backend, or a
    chainer with no backend); tokens then come from the environment only (R-NET-2)."""
    kr = _backend()
    from keyring.backends import fail, null

    if kr is None or isinstance(kr, (fail.Keyring, null.Keyring)):
        return False
    backends = getattr(kr, "backends", None)
    return not (isinstance(backends, (list, tuple)) and not backends)


def _stored_token(host: str) -> str | None:
    if not keyring_available():
        return None
    try:
        value = _keyring().get_password(SERVICE, host)
    except Exception as err:  # noqa: BLE001 - locked/broken keyrings: fall back to the environment
        log.warning("could not read the token for %s from the keyring (%s)", host, type(err).__name__)
        return None
    return (value.strip() or None) if isinstance(value, str) else None


_lookups: dict[str, tuple[float, Future[tuple[object, str | None]]]] = {}
_lookups_lock = threading.Lock()
_LOOKUP_FRESH_SECONDS = 30.0
"""A background lookup older than this is not used (the keyring may have changed since)."""


def start_token_lookup(host: str = GITHUB_COM) -> None:
    """Start reading the keyring's token for ``host`` in a background thread (issue 18): the app
    calls this first thing, so the keyring's import and backend search (~120 ms) overlap opening
    the database instead of delaying the first request. The next :func:`resolve_token` of the
    host takes the result (once; later calls read the keyring again). Does nothing when the
    environment provides the token. Never raises."""
    try:
        h = normalize_host(host)
    except UserError:
        return
    if os.environ.get(env_var_for(h), "").strip():
        return
    with _lookups_lock:
        if h in _lookups:
            return
        fut: Future[tuple[object, str | None]] = Future()
        _lookups[h] = (time.monotonic(), fut)

    def run() -> None:
        try:
            _ssl_context()  # the client's CA bundle loads here too, off the critical path
            token = _stored_token(h)
            fut.set_result((_backend(), token))
        except BaseException as err:  # noqa: BLE001 - handed to the reader
            fut.set_exception(err)

    threading.Thread(target=run, name="keyring-lookup", daemon=True).start()


def _take_lookup(host: str) -> tuple[bool, str | None]:
    """``(True, token)`` from a background lookup of ``host``, or ``(False, None)`` when there is
    no usable lookup (none, too old, failed, or made with another keyring backend than the current)."""
    with _lookups_lock:
        item = _lookups.pop(host, None)
    if item is None or time.monotonic() - item[0] > _LOOKUP_FRESH_SECONDS:
        return False, None
    try:
        backend, token = item[1].result()
    except Exception:  # noqa: BLE001 - read again in the caller's thread
        return False, None
    return (True, token) if backend is _backend() else (False, None)


def _forget_lookups() -> None:
    with _lookups_lock:
        _lookups.clear()


def resolve_token(host: str) -> tuple[str | None, TokenSource]:
    """The token to send to ``host`` and where it came from: the environment first, then the
    keyring (R-NET-2). Never raises for keyring trouble (logged without the token)."""
    h = normalize_host(host)
    env = os.environ.get(env_var_for(h), "").strip()
    if env:
        return env, TokenSource.ENVIRONMENT
    looked_up, token = _take_lookup(h)
    stored = token if looked_up else _stored_token(h)
    if stored:
        return stored, TokenSource.KEYRING
    return None, TokenSource.NONE


def token_for(host: str) -> str | None:
    """The token to send to ``host``, or None (see :func:`resolve_token`)."""
    return resolve_token(host)[0]


def describe_source(host: str, source: TokenSource) -> str:
    """``"the token from GITHUB_TOKEN"`` / ``"the token stored in the keyring"`` / ``"no token"``:
    used in error messages (e.g. a 401) to say which token to fix."""
    if source is TokenSource.ENVIRONMENT:
        return f"the token from {env_var_for(host)}"
    if source is TokenSource.KEYRING:
        return "the token stored in the keyring"
    return "no token"


def no_keyring_message(host: str) -> str:
    """The plain sentence shown when no keyring backend exists (R-NET-2)."""
    return (f"No keyring backend is available on this machine ({keyring_backend_name()}), so the token for "
            f"{host} cannot be stored; set {env_var_for(host)} in the environment instead.")


def save_token(host: str, token: str) -> str:
    """Store ``token`` for ``host`` in the keyring; returns a sentence saying where it went.

    Raises:
        UserError: empty token or bad host.
        TokenStoreError: no keyring backend, or the backend refused (the token is not written
            anywhere else).
    """
    h = normalize_host(host)
    value = (token or "").strip()
    if not value:
        raise UserError("The token is empty.")
    if any(c.isspace() for c in value):
        raise UserError("A GitHub token has no spaces or line breaks; paste only the token.")
    _forget_lookups()
    if not keyring_available():
        raise TokenStoreError(no_keyring_message(h))
    try:
        _keyring().set_password(SERVICE, h, value)
    except Exception as err:  # noqa: BLE001
        raise TokenStoreError(f"The keyring ({keyring_backend_name()}) refused to store the token for {h} "
                              f"({type(err).__name__}); set {env_var_for(h)} in the environment instead.") from None
    log.info("stored a token for %s in the keyring", h)
    msg = f"Saved the token for {h} in the keyring ({keyring_backend_name()})."
    if os.environ.get(env_var_for(h), "").strip():
        msg += f" Note: {env_var_for(h)} is set in the environment and is used instead while it is set."
    return msg


def forget_token(host: str) -> bool:
    """Remove the stored token of ``host``; True when one was removed, False when none was stored.

    Raises:
        TokenStoreError: no keyring backend, or the backend refused.
    """
    h = normalize_host(host)
    _forget_lookups()
    if not keyring_available():
        raise TokenStoreError(
            f"No keyring backend is available on this machine ({keyring_backend_name()}), so no token for {h} "
            f"is stored; a token in {env_var_for(h)} has to be unset in the environment.")
    keyring = _keyring()
    try:
        if keyring.get_password(SERVICE, h) is None:
            return False
        keyring.delete_password(SERVICE, h)
    except keyring.errors.PasswordDeleteError:
        return False
    except Exception as err:  # noqa: BLE001
        raise TokenStoreError(f"The keyring ({keyring_backend_name()}) refused to remove the token for {h} "
                              f"({type(err).__name__}).") from None
    log.info("removed the token for %s from the keyring", h)
    return True


def token_status(host: str) -> TokenStatus:
    """Where the token for ``host`` comes from, with a plain message (never the token itself)."""
    h = normalize_host(host)
    var = env_var_for(h)
    env_set = bool(os.environ.get(var, "").strip())
    available = keyring_available()
    backend = keyring_backend_name()
    stored = _stored_token(h) is not None
    if env_set:
        source = TokenSource.ENVIRONMENT
        message = f"Using the token from {var} for {h} (the environment wins over the keyring)."
        if stored:
            message += " A token is also stored in the keyring; it is used when the variable is unset."
        elif not available:
            message += f" No keyring backend is available on this machine ({backend})."
    elif stored:
        source = TokenSource.KEYRING
        message = f"Using the token stored in the keyring ({backend}) for {h}."
    else:
        source = TokenSource.NONE
        if available:
            message = (f"No token for {h}: requests are anonymous (GitHub allows 60 an hour). Add one with "
                       f"'skill-studio auth login' or in Settings → General, or set {var}.")
        else:
            message = no_keyring_message(h) + " Requests are anonymous until then."
    return TokenStatus(h, source, var, env_set, available, backend, stored, message)


def client_for(host: str, **kwargs: Any) -> GitHubClient:
    """A :class:`GitHubClient` for ``host`` sending the token the user configured (R-NET-2):
    ``GITHUB_TOKEN`` (github.com) or ``GITHUB_ENTERPRISE_TOKEN`` (other hosts) from the environment,
    else the keyring, else none (anonymous).

    Args:
        host: web host.
        kwargs: passed to :class:`GitHubClient` (``etags``, ``timeout``, ...).

    Returns:
        An open client; the caller closes it.
    """
    token, source = resolve_token(host)
    kwargs.setdefault("token_source", describe_source(host, source))
    return GitHubClient.for_host(host, token, **kwargs)


def check_token(host: str, token: str, *, api_base: str | None = None, timeout: float = 15.0) -> TokenCheck:
    """Ask GitHub who ``token`` belongs to (``GET /user``), without storing it.

    Args:
        host: web host; its API base follows ``sources.api_base_for`` unless ``api_base`` is given.
        token: the token to try (never logged).
        timeout: seconds per request.

    Returns:
        TokenCheck; never raises for remote failures (the message says what went wrong).
    """
    h = normalize_host(host)
    value = (token or "").strip()
    if not value:
        return TokenCheck(False, None, "The token is empty.")
    try:
        with GitHubClient(api_base or api_base_for(h), value, timeout=timeout, retries=1,
                          token_source="this token") as gh:
            user = gh.user()
    except AuthError:
        return TokenCheck(False, None, f"{h} refused the token (401 Bad credentials): it is invalid or expired.")
    except RemoteError as err:
        return TokenCheck(False, None, f"Could not check the token: {err}")
    login = user.get("login") if isinstance(user, dict) else None
    if not isinstance(login, str) or not login:
        return TokenCheck(True, None, f"{h} accepted the token.")
    return TokenCheck(True, login, f"Token accepted: signed in to {h} as {login}.")


def test_token(host: str, token: str) -> str:
    """The GUI's *Test* button: a sentence saying whether ``host`` accepts ``token`` and as whom
    (see :func:`check_token` for the structured result)."""
    return check_token(host, token).message


test_token.__test__ = False  # type: ignore[attr-defined]  # not a pytest test when imported by one
