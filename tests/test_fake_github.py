"""Tests of the fake GitHub server (tests/fake_github.py), driven with plain httpx."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from fake_github import SHARED, FakeGitHub, git_blob_sha, git_tree_sha, running_fake_github

pytestmark = pytest.mark.integration

FIXTURES = SHARED / "fixtures"
SKILLS = FIXTURES / "marketplaces" / "anthropics__skills"
SUPERPOWERS = FIXTURES / "external" / "obra__superpowers"

needs_fixtures = pytest.mark.skipif(not SKILLS.is_dir(), reason="shared fixtures are absent")


@pytest.fixture
def gh(github: FakeGitHub) -> FakeGitHub:
    return github  # the suite's reusable server (reset after each test; see conftest.github)


@pytest.fixture
def client(gh: FakeGitHub) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=gh.base_url, timeout=5) as c:
        yield c


def _b64(content: str) -> bytes:
    return base64.b64decode(content)


def _write(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
    return root


# --------------------------------------------------------------------------------------------
# fixture snapshots


@needs_fixtures
def test_fixture_repo_commit_and_tree(gh: FakeGitHub, client: httpx.Client) -> None:
    meta = json.loads((SKILLS / "meta.json").read_text())
    assert gh.add_fixture(SKILLS) == meta["commit"]

    repo = client.get("/repos/anthropics/skills").json()
    assert repo["full_name"] == "anthropics/skills"
    assert repo["owner"]["login"] == "anthropics"
    assert repo["default_branch"] == meta["default_branch"]
    assert repo["private"] is False
    assert client.get("/repos/Anthropics/Skills").status_code == 200  # case-insensitive

    for ref in ("HEAD", meta["default_branch"], meta["commit"], meta["commit"][:7]):
        commit = client.get(f"/repos/anthropics/skills/commits/{ref}").json()
        assert commit["sha"] == meta["commit"]
        assert commit["commit"]["tree"]["sha"] == meta["tree_sha"]
        assert commit["parents"] == []
    sha_only = client.get(
        "/repos/anthropics/skills/commits/HEAD", headers={"Accept": "application/vnd.github.sha"}
    )
    assert sha_only.text == meta["commit"]

    tree = client.get(f"/repos/anthropics/skills/git/trees/{meta['commit']}?recursive=1").json()
    original = json.loads((SKILLS / "tree.json").read_text())
    assert tree["sha"] == original["sha"] == meta["tree_sha"]
    assert tree["truncated"] is False
    assert [e["path"] for e in tree["tree"]] == [e["path"] for e in original["tree"]]
    for entry in tree["tree"]:
        assert entry["url"].startswith(gh.base_url + "/repos/anthropics/skills/git/")
        assert ("size" in entry) == (entry["type"] == "blob")

    top = client.get(f"/repos/anthropics/skills/git/trees/{meta['tree_sha']}").json()
    assert all("/" not in e["path"] for e in top["tree"])
    skills_dir = next(e for e in top["tree"] if e["path"] == "skills")
    sub = client.get(f"/repos/anthropics/skills/git/trees/{skills_dir['sha']}").json()
    assert sub["sha"] == skills_dir["sha"]
    assert {e["path"] for e in sub["tree"]} >= {"algorithmic-art", "skill-creator"}


@needs_fixtures
def test_every_blob_verifies_including_placeholders(gh: FakeGitHub, client: httpx.Client) -> None:
    gh.add_fixture(SKILLS)
    tree = client.get("/repos/anthropics/skills/git/trees/HEAD?recursive=1").json()["tree"]
    blobs = [e for e in tree if e["type"] == "blob"]
    placeholders = 0
    for entry in blobs:
        body = client.get(f"/repos/anthropics/skills/git/blobs/{entry['sha']}").json()
        assert body["encoding"] == "base64"
        assert all(len(line) <= 60 for line in body["content"].split("\n"))
        data = _b64(body["content"])
        assert git_blob_sha(data) == entry["sha"] == body["sha"], entry["path"]
        assert len(data) == entry["size"] == body["size"]
        local = SKILLS / "files" / entry["path"]
        if local.is_file():
            assert data == local.read_bytes()
        else:
            placeholders += 1
            assert data == f"placeholder: {entry['path']}\n".encode()
    assert placeholders == 4  # README.md, THIRD_PARTY_NOTICES.md, ... are not in files/
    raw = client.get(
        f"/repos/anthropics/skills/git/blobs/{blobs[0]['sha']}",
        headers={"Accept": "application/vnd.github.raw"},
    )
    assert git_blob_sha(raw.content) == blobs[0]["sha"]
    assert client.get("/repos/anthropics/skills/git/blobs/" + "0" * 40).status_code == 404


@needs_fixtures
def test_fixture_contents(gh: FakeGitHub, client: httpx.Client) -> None:
    sha = gh.add_fixture(SKILLS)
    listing = client.get("/repos/anthropics/skills/contents/.claude-plugin").json()
    assert [(i["type"], i["name"]) for i in listing] == [("file", "marketplace.json")]
    expected = (SKILLS / "files" / ".claude-plugin" / "marketplace.json").read_bytes()
    item = client.get(f"/repos/anthropics/skills/contents/.claude-plugin/marketplace.json?ref={sha}").json()
    assert item["type"] == "file" and item["path"] == ".claude-plugin/marketplace.json"
    assert _b64(item["content"]) == expected
    raw = client.get(
        "/repos/anthropics/skills/contents/.claude-plugin/marketplace.json",
        headers={"Accept": "application/vnd.github.raw+json"},
    )
    assert raw.content == expected
    assert httpx.get(item["download_url"]).content == expected
    root = client.get("/repos/anthropics/skills/contents").json()
    assert {"skills", "README.md"} <= {i["name"] for i in root}
    assert client.get("/repos/anthropics/skills/contents/nope.md").status_code == 404
    assert client.get("/repos/anthropics/skills/contents/README.md?ref=nope").status_code == 404


@needs_fixtures
def test_etag_conditional_request(gh: FakeGitHub, client: httpx.Client) -> None:
    gh.add_fixture(SKILLS)
    first = client.get("/repos/anthropics/skills/commits/HEAD")
    etag = first.headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{40}"', etag)
    remaining = int(first.headers["X-RateLimit-Remaining"])
    again = client.get("/repos/anthropics/skills/commits/HEAD", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["ETag"] == etag
    assert int(again.headers["X-RateLimit-Remaining"]) == remaining  # 304s are free, as on GitHub
    weak = client.get("/repos/anthropics/skills/commits/HEAD", headers={"If-None-Match": "W/" + etag})
    assert weak.status_code == 304
    other = client.get("/repos/anthropics/skills/commits/HEAD", headers={"If-None-Match": '"x"'})
    assert other.status_code == 200
    assert int(other.headers["X-RateLimit-Remaining"]) == remaining - 1
    assert "X-RateLimit-Reset" in other.headers and other.headers["X-RateLimit-Limit"] == "5000"
    assert [r.status for r in gh.requests] == [200, 304, 304, 200]


@pytest.mark.skipif(not SUPERPOWERS.is_dir(), reason="shared fixtures are absent")
def test_external_fixture_aliases(gh: FakeGitHub, client: httpx.Client) -> None:
    meta = json.loads((SUPERPOWERS / "meta.json").read_text())
    sha = gh.add_fixture(SUPERPOWERS)
    assert sha == meta["commit"]
    for ref in [*meta["aliases"], "HEAD", "main", sha[:10]]:
        got = client.get(f"/repos/obra/superpowers/commits/{ref}")
        assert got.status_code == 200, ref
        assert got.json()["sha"] == sha
    tree = client.get("/repos/obra/superpowers/git/trees/dev?recursive=1").json()
    assert tree["sha"] == meta["tree_sha"]
    assert client.get("/repos/obra/superpowers/contents/README.md?ref=dev").status_code == 200
    assert client.get("/repos/obra/superpowers/commits/not-a-ref").status_code == 404
    assert client.get("/repos/obra/superpowers/commits/" + "a" * 40).status_code == 404
    missing = client.get("/repos/obra/never-captured")
    assert missing.status_code == 404
    assert missing.json()["message"] == "Not Found" and "documentation_url" in missing.json()


@needs_fixtures
def test_add_fixtures_and_context_helper() -> None:
    with running_fake_github(fixtures=True) as gh, httpx.Client(base_url=gh.base_url) as c:
        assert c.get("/repos/wshobson/agents").status_code == 200
        assert c.get("/repos/obra/superpowers/commits/dev").status_code == 200


# --------------------------------------------------------------------------------------------
# repositories built from directories


def test_push_moves_branch_and_keeps_old_commits(
    gh: FakeGitHub, client: httpx.Client, tmp_path: Path
) -> None:
    src = _write(tmp_path / "src", {"SKILL.md": "---\nname: a\n---\nv1\n", "docs/My Notes.md": "hi"})
    first = gh.add_repo_from_dir("me", "skills", src)
    assert client.get("/repos/me/skills/commits/main").json()["sha"] == first

    (src / "SKILL.md").write_text("---\nname: a\n---\nv2\n")
    second = gh.push("me", "skills", src, message="bump")
    assert second != first
    head = client.get("/repos/me/skills/commits/HEAD").json()
    assert head["sha"] == second
    assert [p["sha"] for p in head["parents"]] == [first]
    assert head["commit"]["message"] == "bump"

    old = client.get(f"/repos/me/skills/contents/SKILL.md?ref={first}").json()
    new = client.get("/repos/me/skills/contents/SKILL.md").json()
    assert _b64(old["content"]).endswith(b"v1\n") and _b64(new["content"]).endswith(b"v2\n")
    old_tree = client.get(f"/repos/me/skills/git/trees/{first}?recursive=1").json()
    assert client.get(f"/repos/me/skills/git/trees/{old_tree['sha']}").status_code == 200

    # paths with spaces are percent-decoded
    spaced = client.get(
        "/repos/me/skills/contents/docs/My%20Notes.md", headers={"Accept": "application/vnd.github.raw"}
    )
    assert spaced.status_code == 200 and spaced.content == b"hi"

    third = gh.push("me", "skills", {"only.txt": "x"}, branch="feature/x")
    assert client.get("/repos/me/skills/commits/feature/x").json()["sha"] == third
    assert client.get("/repos/me/skills/commits/main").json()["sha"] == second
    assert client.get("/repos/me/skills/branches/feature/x").json()["commit"]["sha"] == third
    gh.set_ref("me", "skills", "v1.0.0", first, tag=True)
    assert client.get("/repos/me/skills/commits/v1.0.0").json()["sha"] == first
    ref = client.get("/repos/me/skills/git/ref/tags/v1.0.0").json()
    assert ref["object"]["sha"] == first


def test_symlinks_submodules_and_modes(gh: FakeGitHub, client: httpx.Client, tmp_path: Path) -> None:
    src = _write(tmp_path / "src", {"a/SKILL.md": "skill", "run.sh": "#!/bin/sh\n"})
    (src / "run.sh").chmod(0o755)
    (src / "link.md").symlink_to("a/SKILL.md")
    (src / "dangling").symlink_to("../outside")
    (src / "empty").mkdir()
    sub_sha = "1" * 40
    gh.add_repo_from_dir("me", "mixed", src, submodules={"vendor/lib": sub_sha})
    tree = client.get("/repos/me/mixed/git/trees/HEAD?recursive=1").json()["tree"]
    by_path = {e["path"]: e for e in tree}
    assert "empty" not in by_path
    assert by_path["run.sh"]["mode"] == "100755"
    assert by_path["a/SKILL.md"]["mode"] == "100644"
    assert by_path["a"]["mode"] == "040000" and by_path["a"]["type"] == "tree"
    assert by_path["link.md"]["mode"] == "120000"
    assert by_path["link.md"]["sha"] == git_blob_sha(b"a/SKILL.md")
    assert by_path["vendor/lib"] == {
        "path": "vendor/lib", "mode": "160000", "type": "commit", "sha": sub_sha
    }
    link = client.get("/repos/me/mixed/contents/link.md").json()
    assert link["path"] == "a/SKILL.md" and _b64(link["content"]) == b"skill"  # target file
    dangling = client.get("/repos/me/mixed/contents/dangling").json()
    assert dangling["type"] == "symlink" and dangling["target"] == "../outside"
    assert client.get("/repos/me/mixed/contents/vendor/lib").json()["type"] == "submodule"

    gh.add_submodule("me", "mixed", "other", "2" * 40)
    gh.push("me", "mixed", src)
    tree2 = client.get("/repos/me/mixed/git/trees/HEAD").json()["tree"]
    assert {e["path"]: e["mode"] for e in tree2}["other"] == "160000"


def test_tree_sha_matches_git_hash_function() -> None:
    # git's own examples: the empty tree and a tree with one empty file "a"
    assert git_tree_sha([]) == "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
    empty_blob = git_blob_sha(b"")
    assert empty_blob == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
    assert git_tree_sha([("100644", "a", empty_blob)]) == "496d6428b9cf92981dc9495211e6e1120fb6f2ba"


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_tree_sha_matches_git(gh: FakeGitHub, client: httpx.Client, tmp_path: Path) -> None:
    src = _write(
        tmp_path / "src",
        {
            "b.txt": "file b.txt\n",
            "b/c.txt": "nested\n",
            "b-x": "dash\n",
            "b0": "zero\n",
            "with space.md": "space\n",
            "ünï.md": "unicode\n",
            "deep/er/still/file": b"\x00\x01binary",
        },
    )
    (src / "run.sh").write_text("#!/bin/sh\n")
    (src / "run.sh").chmod(0o755)
    (src / "link").symlink_to("b/c.txt")
    sub_sha = "3" * 40
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(tmp_path), "GIT_DIR": str(tmp_path / "g")}

    def git(*args: str) -> str:
        out = subprocess.run(
            ["git", "-c", "core.autocrlf=false", "-c", "core.symlinks=true", *args],
            cwd=src, env=env, check=True, capture_output=True, text=True,
        )
        return out.stdout.strip()

    git("init", "-q")
    git("--work-tree", str(src), "add", "-A")
    git("update-index", "--add", "--cacheinfo", f"160000,{sub_sha},b/sub")
    expected = git("write-tree")

    gh.add_repo_from_dir("me", "gitcheck", src, submodules={"b/sub": sub_sha})
    assert gh.commit_tree_sha("me", "gitcheck") == expected
    tree = client.get("/repos/me/gitcheck/git/trees/HEAD?recursive=1").json()
    assert tree["sha"] == expected
    for entry in tree["tree"]:
        if entry["type"] == "blob" and entry["mode"] != "120000":
            assert entry["sha"] == git("hash-object", str(src / entry["path"])), entry["path"]
        if entry["type"] == "tree":
            assert entry["sha"] == git("rev-parse", f"{expected}:{entry['path']}")
    listing = git("ls-tree", "-r", "-t", "-z", expected).split("\0")
    git_paths = [line.split("\t", 1)[1] for line in listing if line]
    assert [e["path"] for e in tree["tree"]] == git_paths


# --------------------------------------------------------------------------------------------
# access control


def test_private_repo_and_tokens(gh: FakeGitHub, client: httpx.Client) -> None:
    gh.add_repo_from_dir("corp", "secret", {"SKILL.md": "x"})
    gh.set_private("corp", "secret", "tok-good")
    assert client.get("/repos/corp/secret").status_code == 404
    assert client.get("/repos/corp/secret/git/trees/HEAD").status_code == 404
    ok = client.get("/repos/corp/secret", headers={"Authorization": "Bearer tok-good"})
    assert ok.status_code == 200 and ok.json()["private"] is True
    assert client.get("/repos/corp/secret", headers={"Authorization": "token tok-good"}).status_code == 200
    assert client.get("/repos/corp/secret", headers={"Authorization": "Bearer other"}).status_code == 404

    gh.set_valid_tokens({"tok-good"})
    bad = client.get("/repos/corp/secret", headers={"Authorization": "Bearer other"})
    assert bad.status_code == 401 and bad.json()["message"] == "Bad credentials"
    gh.add_repo_from_dir("corp", "public", {"a": "b"})
    assert client.get("/repos/corp/public", headers={"Authorization": "token nope"}).status_code == 401
    assert client.get("/repos/corp/public").status_code == 200
    assert gh.requests[-1].headers.get("authorization") is None
    assert gh.requests[-2].headers["authorization"] == "token nope"


# --------------------------------------------------------------------------------------------
# truncation, faults, instrumentation


def test_truncated_recursive_trees(gh: FakeGitHub, client: httpx.Client) -> None:
    gh.add_repo_from_dir("me", "big", {f"d{i}/f{j}.md": f"{i}{j}" for i in range(5) for j in range(4)})
    gh.truncate_trees = 7
    tree = client.get("/repos/me/big/git/trees/HEAD?recursive=1").json()
    assert tree["truncated"] is True and len(tree["tree"]) == 7
    flat = client.get("/repos/me/big/git/trees/HEAD").json()
    assert flat["truncated"] is False and len(flat["tree"]) == 5
    sub = client.get(f"/repos/me/big/git/trees/{flat['tree'][4]['sha']}?recursive=1").json()
    assert sub["truncated"] is False and [e["path"] for e in sub["tree"]] == [f"f{j}.md" for j in range(4)]
    gh.truncate_trees = None
    full = client.get("/repos/me/big/git/trees/HEAD?recursive=1").json()
    assert full["truncated"] is False and len(full["tree"]) == 25


def test_fail_rate_limit_and_throttle(gh: FakeGitHub, client: httpx.Client) -> None:
    gh.add_repo_from_dir("me", "r", {"a": "b"})
    gh.fail("/git/trees/", 500, times=2)
    assert [client.get("/repos/me/r/git/trees/HEAD").status_code for _ in range(3)] == [500, 500, 200]
    assert client.get("/repos/me/r").status_code == 200

    gh.fail(re.compile(r"/repos/me/r$"), 502, body={"message": "bad gateway"}, headers={"X-Test": "1"})
    failed = client.get("/repos/me/r")
    assert failed.status_code == 502 and failed.json() == {"message": "bad gateway"}
    assert failed.headers["X-Test"] == "1"
    assert client.get("/repos/me/r/commits/HEAD").status_code == 200  # regex did not match
    gh.clear_faults()

    reset = int(time.time()) + 600
    gh.rate_limit(reset)
    limited = client.get("/repos/me/r")
    assert limited.status_code == 403
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    assert limited.headers["X-RateLimit-Reset"] == str(reset)
    assert limited.json()["message"].startswith("API rate limit exceeded for 127.0.0.1")
    gh.clear_faults()
    assert client.get("/repos/me/r").status_code == 200

    gh.throttle(7, times=1)
    throttled = client.get("/repos/me/r")
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "7"
    assert client.get("/repos/me/r").status_code == 200


def test_hang_html_drop_and_latency(gh: FakeGitHub, tmp_path: Path) -> None:
    gh.add_repo_from_dir("me", "r", {"a": "b"})
    gh.hang("/commits/", 30)
    with httpx.Client(base_url=gh.base_url, timeout=0.2) as c:
        with pytest.raises(httpx.ReadTimeout):
            c.get("/repos/me/r/commits/HEAD")
        assert c.get("/repos/me/r").status_code == 200
    gh.clear_faults()

    gh.serve_html("/repos/", times=1)
    with httpx.Client(base_url=gh.base_url, timeout=5) as c:
        portal = c.get("/repos/me/r")
        assert portal.status_code == 200
        assert portal.headers["Content-Type"].startswith("text/html")
        assert portal.text.lstrip().lower().startswith("<!doctype html")
        assert c.get("/repos/me/r").headers["Content-Type"].startswith("application/json")

        gh.drop_connections("/git/blobs/")
        with pytest.raises(httpx.TransportError):
            c.get("/repos/me/r/git/blobs/" + git_blob_sha(b"b"))
        assert c.get("/repos/me/r").status_code == 200
        assert gh.requests[-2].status == 0
        gh.clear_faults()

        gh.latency = 0.15
        started = time.monotonic()
        assert c.get("/repos/me/r").status_code == 200
        assert time.monotonic() - started >= 0.15
        gh.latency = 0


def test_stop_does_not_wait_for_hung_handlers() -> None:
    gh = FakeGitHub().start()
    gh.add_repo_from_dir("me", "r", {"a": "b"})
    gh.hang("", 60)
    with httpx.Client(base_url=gh.base_url, timeout=0.2) as c:
        with pytest.raises(httpx.ReadTimeout):
            c.get("/repos/me/r")
        started = time.monotonic()
        gh.stop()
        assert time.monotonic() - started < 1.5
        with pytest.raises(httpx.TransportError):
            httpx.get(gh.base_url + "/repos/me/r", timeout=1)
    gh.stop()  # idempotent


def test_request_counting(gh: FakeGitHub, client: httpx.Client) -> None:
    gh.add_repo_from_dir("me", "r", {"x/y.md": "b"})
    client.get("/repos/me/r")
    client.get("/repos/me/r/git/trees/HEAD?recursive=1")
    client.get("/repos/me/r/contents/x/y.md", headers={"Authorization": "Bearer t"})
    assert gh.request_count == 3
    assert gh.count("/git/trees/") == 1
    assert gh.count("recursive=1") == 1
    assert gh.count(re.compile(r"/repos/me/r$")) == 1
    record = gh.requests[2]
    assert record.method == "GET" and record.path == "/repos/me/r/contents/x/y.md"
    assert record.status == 200 and record.headers["authorization"] == "Bearer t"
    gh.reset_counters()
    assert gh.request_count == 0 and gh.requests == []
    assert client.head("/repos/me/r").status_code == 200
    assert gh.requests[0].method == "HEAD"


def test_reset_makes_a_running_server_as_new_unless_a_handler_may_still_sleep(
    gh: FakeGitHub, client: httpx.Client
) -> None:
    fresh = FakeGitHub()
    port = gh.port
    gh.add_repo_from_dir("me", "r", {"a.md": "b"})
    gh.set_private("me", "r", "t")
    gh.set_valid_tokens({"t"})
    gh.fail("/x", 500)
    gh.truncate_trees, gh.user_login, gh.ratelimit_limit = 1, "someone", 10
    assert client.get("/repos/me/r", headers={"Authorization": "Bearer t"}).status_code == 200
    assert client.get("/user", headers={"Authorization": "Bearer u"}).status_code == 401

    assert gh.reset() is True
    assert gh.port == port and gh.request_count == 0
    assert (gh.truncate_trees, gh.user_login, gh.ratelimit_limit) == (None, "octocat", 5000)
    assert client.get("/repos/me/r", headers={"Authorization": "Bearer t"}).status_code == 404
    assert client.get("/x").status_code == 404  # the fault is gone (404: no such route)
    assert client.get("/user", headers={"Authorization": "Bearer u"}).json()["login"] == "octocat"
    gh.add_repo_from_dir("me", "r", {"a.md": "b"})
    fresh.add_repo_from_dir("me", "r", {"a.md": "b"})
    assert client.get("/repos/me/r").json()["id"] == fresh._repo("me", "r").id  # ids restart
    assert client.get("/rate_limit").json()["resources"]["core"]["used"] == 4  # restarted from 0

    gh.hang("/never-asked", 60)
    assert gh.reset() is False and gh.request_count == 5  # may hold a handler: unchanged, not reusable
    stopped = FakeGitHub().start()
    stopped.stop()
    assert stopped.reset() is False


def test_api_prefix_emulates_enterprise() -> None:
    with FakeGitHub(api_prefix="/api/v3") as gh:
        assert gh.base_url.endswith("/api/v3") and gh.base_url.startswith("http://127.0.0.1:")
        sha = gh.add_repo_from_dir("corp", "skills", {"SKILL.md": "x"})
        with httpx.Client(timeout=5) as c:
            commit = c.get(gh.base_url + "/repos/corp/skills/commits/HEAD").json()
            assert commit["sha"] == sha
            assert commit["url"].startswith(gh.base_url + "/repos/corp/skills/")
            assert c.get(gh.origin + "/repos/corp/skills").status_code == 404
            assert gh.count("/api/v3/repos/") == 1
