"""GitHub host rules, in one place (R-NET-5): which web host is github.com, the REST API base of
a web host, the raw-file root of an API base, and the host a token belongs to.

A *web host* is what a user types or a URL names (``github.com``, ``ghe.example.com``,
``ghe.example.com:8443``). github.com is also reached as ``www.github.com`` and ``api.github.com``;
any other host is a GitHub Enterprise host whose API lives under ``https://HOST/api/v3``.
"""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

__all__ = [
    "API_ENV", "GITHUB_API", "GITHUB_COM", "GITHUB_RAW_HOST", "GITHUB_RAW_ROOT",
    "api_base_for", "canonical_host", "is_github_com", "origin", "raw_host_allowed", "raw_origin_allowed",
    "raw_root_for", "strip_to_host",
]

GITHUB_COM = "github.com"
"""The web host of github.com."""

GITHUB_API = "https://api.github.com"
"""The REST API base of github.com (no trailing slash)."""

GITHUB_RAW_HOST = "raw.githubusercontent.com"
GITHUB_RAW_ROOT = f"https://{GITHUB_RAW_HOST}/"
"""Where github.com serves raw files by commit (does not use up the REST rate limit)."""

API_ENV = "SKILL_STUDIO_GITHUB_API"
"""Environment variable overriding the API base of every host (tests point it at a fake server)."""

_WEB_ALIASES = frozenset({"www.github.com"})
_API_ALIASES = frozenset({"www.github.com", "api.github.com"})
_SCHEME = re.compile(r"^[a-z]+://")


def canonical_host(host: str, *, api_alias: bool = False) -> str:
    """The web host as compared everywhere: lower-cased, ``www.github.com`` → ``github.com`` (and
    ``api.github.com`` → ``github.com`` with ``api_alias``, for the host a token belongs to). A scheme
    or path around the host is NOT removed here (see :func:`strip_to_host`).

    Args:
        host: a host name, optionally with ``:port``.
        api_alias: also treat ``api.github.com`` as github.com (not for repository URLs, where
            ``api.github.com/owner/repo`` is no repository).

    Returns:
        The canonical host string (unchanged apart from case when it is not a github.com alias).
    """
    h = host.strip().lower()
    return GITHUB_COM if h in (_API_ALIASES if api_alias else _WEB_ALIASES) else h


def is_github_com(host: str) -> bool:
    """True when ``host`` (any case, ``www.``/``api.`` aliases included) is github.com."""
    return canonical_host(host, api_alias=True) == GITHUB_COM


def api_base_for(host: str) -> str:
    """The REST API base URL for a web host (R-NET-5).

    ``SKILL_STUDIO_GITHUB_API`` wins when set (tests point it at a loopback fake server); else
    ``https://api.github.com`` for github.com and ``https://HOST/api/v3`` for an Enterprise host.

    Args:
        host: web host such as ``github.com``.

    Returns:
        Base URL without a trailing slash.
    """
    env = os.environ.get(API_ENV, "").strip()
    if env:
        return env.rstrip("/")
    if host in (GITHUB_COM, "www.github.com"):
        return GITHUB_API
    return f"https://{host}/api/v3"


def raw_root_for(api_base: str) -> str | None:
    """The raw-file root known in advance for an API base: ``https://raw.githubusercontent.com/``
    for ``https://api.github.com``; None for any other base (it is learned from a contents answer)."""
    return GITHUB_RAW_ROOT if api_base.rstrip("/") == GITHUB_API else None


def raw_host_allowed(api_host: str, raw_host: str) -> bool:
    """Whether raw files may be fetched from ``raw_host`` with the credentials of ``api_host``:
    the API's own host, or raw.githubusercontent.com for api.github.com (so a token is never sent
    to a third server). Host names only: the client uses :func:`raw_origin_allowed`, which also
    compares scheme and port."""
    return raw_host == api_host or (api_host == "api.github.com" and raw_host == GITHUB_RAW_HOST)


def origin(url: str) -> tuple[str, str, int] | None:
    """``(scheme, host, port)`` of an http(s) URL, the port made explicit (80/443 by default);
    None for anything else (no host, another scheme, a bad port)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    return scheme, parts.hostname.lower(), port if port is not None else (443 if scheme == "https" else 80)


def raw_origin_allowed(api_base: str, raw_url: str) -> bool:
    """Whether ``raw_url`` may receive the credentials of ``api_base`` (issue 16 item 9): exactly
    the API's own scheme, host and port, or — for ``https://api.github.com`` only — GitHub's own
    raw host ``https://raw.githubusercontent.com``. Another port, plain ``http`` or another host
    never gets the token."""
    api, raw = origin(api_base), origin(raw_url)
    if api is None or raw is None:
        return False
    return raw == api or (api == ("https", "api.github.com", 443) and raw == ("https", GITHUB_RAW_HOST, 443))


def strip_to_host(text: str) -> str:
    """``"https://GitHub.com/x"`` → ``"github.com"``: lower-cased, scheme and path removed (the host
    is not validated here)."""
    return _SCHEME.sub("", text.strip().lower()).split("/", 1)[0]

