"""GitHubClient status mapping, retries, truncation and blob verification (httpx.MockTransport)."""

from __future__ import annotations

import time

import httpx
import pytest

from skill_studio.core.errors import (
    AuthError,
    GitHubError,
    IntegrityError,
    NetworkError,
    NotFoundError,
    RateLimitError,
)
from skill_studio.core.github import GitHubClient, git_blob_sha


def client(handler, **kw) -> GitHubClient:
    return GitHubClient("https://api.test/api/v3", transport=httpx.MockTransport(handler), sleep=lambda s: None, **kw)


def test_enterprise_base_path_and_bearer_token() -> None:
    seen = []

    def handler(req: httpx.Request) -> httpx.Response:
        seen.append(req)
        return httpx.Response(200, json={"sha": "a" * 40})

    with client(handler, token="s3cret") as gh:
        assert gh.resolve_commit("acme", "skills", None) == "a" * 40
    assert seen[0].url.path == "/api/v3/repos/acme/skills/commits/HEAD"
    assert seen[0].headers["Authorization"] == "Bearer s3cret"


@pytest.mark.parametrize(("status", "headers", "exc", "text"), [
    (404, {}, NotFoundError, "add a token"),
    (401, {}, AuthError, "invalid or expired"),
    (403, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time()) + 600)}, RateLimitError, "resets at"),
    (429, {"Retry-After": "30"}, RateLimitError, "Add a GitHub token"),
    (403, {}, GitHubError, "403"),
    (422, {}, GitHubError, "422"),
])
def test_status_codes_map_to_typed_errors(status, headers, exc, text) -> None:
    def handler(req):
        return httpx.Response(status, headers=headers, json={"message": "nope"})

    with client(handler) as gh, pytest.raises(exc, match=text) as err:
        gh.resolve_commit("acme", "skills", "main")
    assert type(err.value) is exc


def test_5xx_and_connection_errors_are_retried_then_succeed() -> None:
    calls = {"n": 0}

    def handler(req):
        calls["n"] += 1
        if calls["n"] == 1:
            raise httpx.ConnectError("refused")
        if calls["n"] == 2:
            return httpx.Response(502)
        return httpx.Response(200, json={"sha": "b" * 40})

    with client(handler) as gh:
        assert gh.resolve_commit("acme", "skills", None) == "b" * 40
    assert calls["n"] == 3


def test_retries_are_bounded() -> None:
    calls = {"n": 0}

    def handler(req):
        calls["n"] += 1
        raise httpx.ReadTimeout("slow")

    with client(handler, retries=2) as gh, pytest.raises(NetworkError, match="did not answer in time"):
        gh.resolve_commit("acme", "skills", None)
    assert calls["n"] == 3


def test_html_instead_of_json_is_a_clear_error() -> None:
    def handler(req):
        return httpx.Response(200, headers={"Content-Type": "text/html"}, content=b"<html>Sign in to Wi-Fi</html>")

    with client(handler) as gh, pytest.raises(GitHubError, match="HTML page instead of JSON"):
        gh.resolve_commit("acme", "skills", None)


def test_blob_is_verified_against_its_sha() -> None:
    good = b"hello\n"
    sha = git_blob_sha(good)
    assert sha == "ce013625030ba8dba906f756967f9e9ca394464a"  # `echo hello | git hash-object --stdin`

    def handler(req):
        return httpx.Response(200, content=good if req.url.path.endswith(sha) else b"tampered")

    with client(handler) as gh:
        assert gh.blob("a", "b", sha) == good
        with pytest.raises(IntegrityError, match="does not match"):
            gh.blob("a", "b", "f" * 40, path="x.md")


def test_truncated_tree_is_completed_by_walking_subtrees() -> None:
    full = {
        "root": [{"path": "a", "mode": "040000", "type": "tree", "sha": "t-a"},
                 {"path": "top.md", "mode": "100644", "type": "blob", "sha": "1", "size": 1}],
        "t-a": [{"path": "b", "mode": "040000", "type": "tree", "sha": "t-b"},
                {"path": "x.md", "mode": "100644", "type": "blob", "sha": "2", "size": 1}],
        "t-b": [{"path": "SKILL.md", "mode": "100644", "type": "blob", "sha": "3", "size": 1}],
    }

    def handler(req):
        sha = req.url.path.rsplit("/", 1)[1]
        if req.url.params.get("recursive"):  # every recursive listing is cut after one entry
            return httpx.Response(200, json={"sha": sha, "truncated": True, "tree": full[sha][:1]})
        return httpx.Response(200, json={"sha": sha, "truncated": False, "tree": full[sha]})

    with client(handler) as gh:
        tree = gh.tree("acme", "skills", "root")
    assert [e.path for e in tree.entries] == ["a", "a/b", "a/b/SKILL.md", "a/x.md", "top.md"]
