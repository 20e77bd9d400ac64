"""Registry URL parsing (R-REG-1) and API base selection (R-NET-5).

Accepted forms (on github.com or a GitHub Enterprise host)::

    owner/repo
    owner/repo@ref
    https://github.com/owner/repo            (optionally ``.git`` or a trailing ``/``)
    https://github.com/owner/repo/tree/<ref>
    https://github.com/owner/repo/tree/<ref>/<subpath>
    https://ghe.example.com/owner/repo/...   (same forms on an Enterprise host)
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from skill_studio.core.errors import RegistrySourceError
from skill_studio.core.hosts import API_ENV, GITHUB_API, GITHUB_COM, api_base_for, canonical_host
from skill_studio.core.models import RegistrySource

__all__ = ["ACCEPTED_FORMS", "API_ENV", "DEFAULT_API", "DEFAULT_HOST", "api_base_for", "parse_registry_source"]

DEFAULT_HOST = GITHUB_COM
DEFAULT_API = GITHUB_API

ACCEPTED_FORMS = (
    "owner/repo, owner/repo@ref, https://github.com/owner/repo[.git], "
    "https://github.com/owner/repo/tree/<ref>/<subpath> (or the same on a GitHub Enterprise host)"
)

# GitHub: owner 1-39 chars of alphanumerics and single hyphens; repo names allow . _ -.
_OWNER_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")
_REPO_RE = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
_REF_RE = re.compile(r"^[^\s~^:?*\[\\]+$")  # per git check-ref-format, the characters refused
_HOST_RE = re.compile(r"^[A-Za-z0-9.-]+(?::\d+)?$")


def _refuse(text: str, why: str) -> RegistrySourceError:
    return RegistrySourceError(f"Not a registry URL: {text!r} ({why}). Accepted forms: {ACCEPTED_FORMS}.")


def _check_owner_repo(text: str, owner: str, repo: str) -> tuple[str, str]:
    if repo.endswith(".git"):
        repo = repo[: -len(".git")]
    if not _OWNER_RE.match(owner):
        raise _refuse(text, f"{owner!r} is not a GitHub owner name")
    if not _REPO_RE.match(repo) or repo in (".", "..") or repo.endswith(".git"):  # GitHub refuses such names
        raise _refuse(text, f"{repo!r} is not a GitHub repository name")
    return owner, repo


def _check_ref(text: str, ref: str) -> str:
    if not ref or not _REF_RE.match(ref) or ".." in ref or ref.startswith("/") or ref.endswith("/"):
        raise _refuse(text, f"{ref!r} is not a valid git ref")
    return ref


def _check_subpath(text: str, subpath: str) -> str:
    parts = [p for p in subpath.split("/") if p]
    if any(p in (".", "..") for p in parts) or "\\" in subpath:
        raise _refuse(text, "the sub-folder may not contain '.' or '..' segments or backslashes")
    return "/".join(parts)


_SCP_LIKE = re.compile(r"^[\w.-]+@(?P<host>[\w.-]+\.[a-z]{2,}):(?P<path>[^/\s]+/[^/\s]+)$", re.IGNORECASE)


def parse_registry_source(text: str) -> RegistrySource:
    """Parse a registry URL in one of the accepted forms (R-REG-1).

    Args:
        text: user input, surrounding whitespace ignored.

    Returns:
        The RegistrySource (host ``github.com`` for the short forms).

    Raises:
        RegistrySourceError: the input is in none of the accepted forms; the message lists them.
    """
    if not isinstance(text, str):
        raise RegistrySourceError(f"Not a registry URL: expected text. Accepted forms: {ACCEPTED_FORMS}.")
    raw = text.strip()
    if not raw:
        raise _refuse(text, "empty")
    scp = _SCP_LIKE.match(raw)
    if scp and "://" not in raw:  # git@github.com:owner/repo.git (issue 16: name what is accepted)
        raise _refuse(text, f"an SSH clone address; use https://{scp['host']}/{scp['path'].removesuffix('.git')} "
                            "or owner/repo instead")
    if "://" not in raw:
        # Short form: owner/repo or owner/repo@ref
        ref = None
        body = raw
        if "@" in raw:
            body, _, ref = raw.partition("@")
            ref = _check_ref(text, ref)
        parts = body.split("/")
        if len(parts) != 2:
            raise _refuse(text, "expected owner/repo")
        owner, repo = _check_owner_repo(text, parts[0], parts[1])
        return RegistrySource(DEFAULT_HOST, owner, repo, ref, "")

    try:
        split = urlsplit(raw)
        port = split.port  # ValueError for a non-numeric or out-of-range port
    except ValueError as exc:
        raise _refuse(text, f"not a URL: {exc}") from None
    if split.scheme not in ("https", "http"):
        raise _refuse(text, f"scheme {split.scheme!r} is not https")
    host = (split.hostname or "").lower()
    if port:
        host = f"{host}:{port}"
    if not host or not _HOST_RE.match(host) or split.username or split.password:
        raise _refuse(text, "no usable host")
    if split.query or split.fragment:
        raise _refuse(text, "query strings and fragments are not part of a registry URL")
    host = canonical_host(host)
    segments = [unquote(s) for s in split.path.split("/") if s]
    if len(segments) < 2:
        raise _refuse(text, "expected https://HOST/owner/repo")
    owner, repo = _check_owner_repo(text, segments[0], segments[1])
    rest = segments[2:]
    if not rest:
        return RegistrySource(host, owner, repo, None, "")
    if rest[0] != "tree" or len(rest) < 2:
        raise _refuse(text, "only /tree/<ref>/<subpath> may follow owner/repo")
    ref = _check_ref(text, rest[1])
    subpath = _check_subpath(text, "/".join(rest[2:]))
    return RegistrySource(host, owner, repo, ref, subpath)
