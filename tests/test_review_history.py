"""List-commits with ``path`` (issue 14): the fake server's history endpoint and the client method."""

from __future__ import annotations

import httpx

from skill_studio.core.github import GitHubClient


def _push_history(github) -> list[str]:
    base = {"skills/a/SKILL.md": "a1\n", "skills/b/SKILL.md": "b1\n"}
    c1 = github.add_repo_from_dir("o", "r", base, message="init")
    c2 = github.push("o", "r", {**base, "skills/b/SKILL.md": "b2\n"}, message="touch b")
    c3 = github.push("o", "r", {**base, "skills/b/SKILL.md": "b2\n", "skills/a/run.sh": "x\n"},
                     message="add a script\n\nlong body")
    c4 = github.push("o", "r", {**base, "skills/b/SKILL.md": "b3\n", "skills/a/run.sh": "x\n"}, message="b again")
    return [c1, c2, c3, c4]


def test_fake_server_lists_commits_touching_a_path(github) -> None:
    c1, c2, c3, c4 = _push_history(github)
    with httpx.Client(base_url=github.base_url) as http:
        every = http.get("/repos/o/r/commits", params={"sha": c4}).json()
        assert [c["sha"] for c in every] == [c4, c3, c2, c1]
        only_a = http.get("/repos/o/r/commits", params={"sha": c4, "path": "skills/a"}).json()
        assert [c["sha"] for c in only_a] == [c3, c1]
        assert only_a[0]["commit"]["message"] == "add a script\n\nlong body"
        paged = http.get("/repos/o/r/commits", params={"sha": c4, "per_page": "1", "page": "2"}).json()
        assert [c["sha"] for c in paged] == [c3]
        assert http.get("/repos/o/r/commits", params={"sha": "nope"}).status_code == 404


def test_client_commits_touching_stops_at_the_installed_commit(github) -> None:
    c1, c2, c3, c4 = _push_history(github)
    client = GitHubClient(github.base_url)
    try:
        got = client.commits_touching("o", "r", "skills/b", c4, until=c2)
        assert [(c.sha, c.message) for c in got] == [(c4, "b again")]
        got = client.commits_touching("o", "r", "skills/b", c4)
        assert [c.sha for c in got] == [c4, c2, c1]
        assert got[0].date.endswith("Z")
        assert [c.sha for c in client.commits_touching("o", "r", "skills/b", c4, limit=2)] == [c4, c2]
    finally:
        client.close()
