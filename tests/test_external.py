"""Issue 9: plugins whose catalog source is another GitHub repository (core.external).

Unit tests of source parsing, then integration tests against the fake GitHub: a small marketplace
built here (every source kind, failures, pinned and live refs, updates), the shared fixtures
(obra's superpowers marketplace, Anthropic's official directory), and a registry on an Enterprise
host whose plugins live on github.com.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import EXTERNAL, MARKETPLACES, require_shared

from skill_studio.core import external
from skill_studio.core.external import (
    ExternalCache,
    ExternalSourceError,
    ExternalTarget,
    parse_external_source,
    parse_repo_url,
)
from skill_studio.core.github import GitHubClient
from skill_studio.core.installer import read_folder
from skill_studio.core.models import Destination, ImportOptions, InstallState, Listing, RegistrySource
from skill_studio.app.studio import SkillStudio
from skill_studio.core.sources import parse_registry_source

# --------------------------------------------------------------------------------------------
# Source parsing


@pytest.mark.parametrize(("source", "want"), [
    ({"source": "github", "repo": "obra/superpowers"},
     ExternalTarget("github", "github.com", "obra", "superpowers")),
    ({"source": "github", "repo": "o/r.git", "ref": "v1", "path": "./plugins/x/"},
     ExternalTarget("github", "github.com", "o", "r", ref="v1", path="plugins/x")),
    ({"source": "url", "url": "https://github.com/obra/superpowers.git"},
     ExternalTarget("url", "github.com", "obra", "superpowers")),
    ({"source": "url", "url": "https://www.github.com/Obra/Super.Powers/", "sha": "ABCDEF1234567"},
     ExternalTarget("url", "github.com", "Obra", "Super.Powers", sha="abcdef1234567")),
    ({"source": "url", "url": "git@github.com:o/r.git", "ref": "main", "sha": "a" * 40},
     ExternalTarget("url", "github.com", "o", "r", ref="main", sha="a" * 40)),
    ({"source": "url", "url": "ssh://git@github.com/o/r.git", "ref": ""},
     ExternalTarget("url", "github.com", "o", "r")),
    ({"source": "git-subdir", "url": "o/r", "path": "plugins/p"},
     ExternalTarget("git-subdir", "github.com", "o", "r", path="plugins/p")),
    ({"source": "git-subdir", "url": "https://github.com/o/r.git", "path": "./", "ref": "dev"},
     ExternalTarget("git-subdir", "github.com", "o", "r", ref="dev", path="")),
])
def test_parse_github_sources(source: dict, want: ExternalTarget) -> None:
    assert parse_external_source(source) == want


def test_sha_wins_over_ref_and_full_sha_is_pinned() -> None:
    t = parse_external_source({"source": "github", "repo": "o/r", "ref": "main", "sha": "b" * 40})
    assert t.want == "b" * 40 and t.pinned
    short = parse_external_source({"source": "github", "repo": "o/r", "sha": "b" * 12})
    assert short.want == "b" * 12 and not short.pinned
    assert parse_external_source({"source": "github", "repo": "o/r", "ref": "dev"}).want == "dev"
    assert parse_external_source({"source": "github", "repo": "o/r"}).want is None


def test_enterprise_url_only_on_the_registry_host() -> None:
    source = {"source": "url", "url": "https://ghe.corp.example/team/tools.git"}
    assert parse_external_source(source, "ghe.corp.example").host == "ghe.corp.example"
    with pytest.raises(ExternalSourceError, match="not on GitHub"):
        parse_external_source(source, "github.com")
    # a ``github`` source always means github.com, whatever the registry's host
    assert parse_external_source({"source": "github", "repo": "o/r"}, "ghe.corp.example").host == "github.com"


@pytest.mark.parametrize(("source", "fragment"), [
    ({"source": "npm", "package": "@acme/plugin"}, "external source npm"),
    ({"source": "archive", "url": "https://x/y.tgz"}, "external source archive"),
    ({"source": "command", "command": "make"}, "external source command"),
    ({"repo": "o/r"}, "external source unknown"),
    ({"source": "url", "url": "https://gitlab.com/o/r.git"}, "gitlab.com, not on GitHub"),
    ({"source": "url", "url": "https://github.com/o"}, "not a repository URL"),
    ({"source": "url", "url": "https://github.com/o/r/tree/main/x"}, "not a repository URL"),
    ({"source": "url"}, "'url' is missing"),
    ({"source": "github", "repo": "just-a-name"}, "'owner/name'"),
    ({"source": "github", "repo": "o/r", "sha": "not-hex"}, "not a commit SHA"),
    ({"source": "github", "repo": "o/r", "ref": "a..b"}, "not a git branch or tag"),
    ({"source": "git-subdir", "url": "o/r"}, "no 'path'"),
    ({"source": "git-subdir", "url": "o/r", "path": "../elsewhere"}, "path escapes the repository"),
    ({"source": "git-subdir", "url": "o/r", "path": "/etc"}, "path escapes the repository"),
    ({"source": "github", "repo": "o/r", "path": "a\\b"}, "path escapes the repository"),
])
def test_unlistable_sources_give_a_reason(source: dict, fragment: str) -> None:
    with pytest.raises(ExternalSourceError) as info:
        parse_external_source(source)
    assert fragment in info.value.reason


def test_parse_repo_url_forms() -> None:
    assert parse_repo_url("https://github.com/a/b") == ("github.com", "a", "b")
    assert parse_repo_url("git@ghe.local:a/b.git", "ghe.local") == ("ghe.local", "a", "b")
    assert parse_repo_url("https://ghe.local:8443/a/b.git", "ghe.local:8443") == ("ghe.local:8443", "a", "b")
    with pytest.raises(ExternalSourceError):
        parse_repo_url("ftp://github.com/a/b")


def test_cache_is_bounded_and_keyed_by_sha() -> None:
    from skill_studio.core.models import RepoTree

    cache = ExternalCache(max_trees=2, max_blob_bytes=10)
    trees = [RepoTree("o", "r", c * 40, ()) for c in "abc"]
    for t in trees:
        cache.put_tree("github.com", t)
    assert cache.get_tree("github.com", "o/r", "a" * 40) is None
    assert cache.get_tree("GitHub.com", "O/R", "c" * 40) is trees[2]
    assert cache.get_tree("ghe.local", "o/r", "c" * 40) is None
    cache.put_blob("github.com", "s1", b"123456")
    cache.put_blob("github.com", "s2", b"123456")
    assert cache.get_blob("github.com", "s1") is None and cache.get_blob("github.com", "s2") == b"123456"
    cache.put_blob("github.com", "big", b"x" * 11)
    assert cache.get_blob("github.com", "big") is None


# --------------------------------------------------------------------------------------------
# A marketplace made for these tests


def _skill(name: str, body: str = "Body.") -> str:
    return f"---\nname: {name}\ndescription: The {name} skill.\n---\n{body}\n"


TOOLS = {
    "skills/tool-a/SKILL.md": _skill("tool-a"),
    "skills/tool-a/ref/notes.md": "notes\n",
    "skills/tool-a/scripts/run.sh": "echo hi\n",
    "plugins/sub/.claude-plugin/plugin.json": json.dumps({"name": "subby", "version": "2.0.0"}),
    "plugins/sub/skills/tool-b/SKILL.md": _skill("tool-b"),
    "plugins/sub/skills/tool-b/data/x.json": "{}\n",
}


def _market(pinned: str) -> dict[str, str]:
    plugins = [
        {"name": "local", "source": "./local"},
        {"name": "live", "source": {"source": "url", "url": "https://github.com/acme/tools.git"}, "version": "1.0.0"},
        {"name": "pinned", "source": {"source": "github", "repo": "acme/tools", "sha": pinned}},
        {"name": "sub", "source": {"source": "git-subdir", "url": "acme/tools", "path": "plugins/sub"}},
        {"name": "gone", "source": {"source": "github", "repo": "acme/missing"}},
        {"name": "npm", "source": {"source": "npm", "package": "x"}},
        {"name": "gitlab", "source": {"source": "url", "url": "https://gitlab.com/a/b.git"}},
        {"name": "escape", "source": {"source": "git-subdir", "url": "acme/tools", "path": "../x"}},
        {"name": "badsha", "source": {"source": "github", "repo": "acme/tools", "sha": "0" * 40}},
        {"name": "badref", "source": {"source": "github", "repo": "acme/tools", "ref": "nope"}},
        {"name": "again", "source": {"source": "url", "url": "https://github.com/ACME/tools"}},
    ]
    return {
        ".claude-plugin/marketplace.json": json.dumps({"name": "acme-market", "owner": {"name": "Acme"},
                                                       "plugins": plugins}),
        "local/skills/l1/SKILL.md": _skill("l1"),
    }


@pytest.fixture
def acme(github, use_github):
    """The fake GitHub with acme/tools (one commit) and acme/market pointing at it."""
    c1 = github.add_repo_from_dir("acme", "tools", TOOLS)
    github.add_repo_from_dir("acme", "market", _market(c1))
    use_github(github)
    github.c1 = c1
    return github


def _quiet_studio(server) -> SkillStudio:
    """A studio whose clients retry without sleeping."""
    return SkillStudio(client_factory=lambda host: GitHubClient(server.base_url, sleep=lambda s: None))


MARKET = parse_registry_source("acme/market")


def _names(listing: Listing) -> list[str]:
    return [s.qualified_name for s in listing.skills]


def test_every_source_kind_resolves_with_reasons_for_the_rest(acme) -> None:
    with SkillStudio() as studio:
        listing = studio.list_registry(MARKET)
    # catalog order; "again" points at the same repository, commit and folders as "live" but its
    # qualified names differ ("again:tool-a"), so it is listed too
    assert _names(listing) == ["local:l1", "live:tool-a", "pinned:tool-a", "subby:tool-b", "again:tool-a"]
    by_name = {s.qualified_name: s for s in listing.skills}
    assert by_name["local:l1"].repo == "acme/market"
    assert by_name["live:tool-a"].repo == "acme/tools" and by_name["live:tool-a"].commit == acme.c1
    assert by_name["live:tool-a"].version == "1.0.0"  # the catalog entry's version
    assert by_name["subby:tool-b"].path == "plugins/sub/skills/tool-b"
    assert by_name["subby:tool-b"].version == "2.0.0"  # the target's plugin.json
    assert ("acme/tools", acme.c1) in listing.trees
    assert listing.tree_hosts == {}  # every tree is on the registry's host

    unavailable = {u.name: u.reason for u in listing.unavailable_plugins}
    assert list(unavailable) == ["gone", "badsha", "badref"]
    assert unavailable["gone"].startswith("acme/missing not found") and "add a GitHub token" in unavailable["gone"]
    assert "commit 000000000000 no longer exists" in unavailable["badsha"]
    assert "no branch or tag 'nope'" in unavailable["badref"]

    skipped = {s.name: s.reason for s in listing.skipped_plugins}
    assert list(skipped) == ["npm", "gitlab", "escape"]
    assert skipped["npm"].startswith("external source npm")
    assert "gitlab.com" in skipped["gitlab"]
    assert "path escapes the repository" in skipped["escape"]


def test_local_only_listing_keeps_object_sources_skipped(acme) -> None:
    with SkillStudio() as studio:
        listing = studio.list_registry(MARKET, external=False)
    assert _names(listing) == ["local:l1"]
    assert [s.reason for s in listing.skipped_plugins][:2] == ["external source url", "external source github"]
    assert len(listing.skipped_plugins) == 10 and listing.unavailable_plugins == ()


def downloads(server, repo: str) -> int:
    """File downloads from ``repo``: API blobs plus raw-host reads (the client prefers raw, R-NET-4)."""
    return server.count(f"/repos/{repo}/git/blobs/") + server.count(f"/_raw/{repo}/")


def test_one_resolution_per_ref_one_listing_per_commit_and_cache(acme, monkeypatch) -> None:
    with SkillStudio() as studio:
        acme.reset_counters()
        first = studio.list_registry(MARKET)
        # (acme/tools, default) once for live, sub and again; nope once; acme/missing once;
        # the pinned SHAs need no resolution
        assert acme.count("/repos/acme/tools/commits/") == 2
        assert acme.count("/repos/acme/missing/commits/") == 1
        # acme/tools@c1 listed once for live, pinned, sub and again; 000… tried once
        assert acme.count(f"/repos/acme/tools/git/trees/{acme.c1}") == 1
        assert acme.count("/repos/acme/tools/git/trees/") == 2
        # plugin.json of plugins/sub, SKILL.md of tool-a and tool-b: each blob once
        assert downloads(acme, "acme/tools") == 3

        acme.reset_counters()
        again = studio.list_registry(MARKET)
        assert acme.count(f"/repos/acme/tools/git/trees/{acme.c1}") == 0  # immutable: cached
        assert downloads(acme, "acme/tools") == 0
        # issue 18: within the re-check interval refs are not asked again, nor is a 404
        assert acme.count("/repos/acme/tools/commits/") == 0
        assert acme.count("/repos/acme/missing/commits/") == 0
        assert len(again.skills) == 5 and again.unavailable_plugins == first.unavailable_plugins

        monkeypatch.setattr(external, "RECHECK_SECONDS", 0.0)  # the interval has passed
        acme.reset_counters()
        later = studio.list_registry(MARKET)
        # refs can move: the default branch is asked again; the unknown ref 'nope' and the missing
        # repository answered 404 and are remembered longer
        assert acme.count("/repos/acme/tools/commits/") == 1
        assert acme.count("/repos/acme/missing/commits/") == 0
        assert len(later.skills) == 5


def test_the_re_check_interval_is_a_setting_and_a_reload_asks_anyway(acme, capsys) -> None:
    """Issue 18: 'config set external_recheck_minutes' (default 10) and 'browse --reload'."""
    from skill_studio.cli import main
    from skill_studio.core.errors import UserError

    with SkillStudio() as studio:
        assert studio.external_recheck_minutes() == 10
        studio.list_registry(MARKET)
        acme.reset_counters()
        studio.list_registry(MARKET)
        assert acme.count("/repos/acme/tools/commits/") == 0  # within 10 minutes
        studio.list_registry(MARKET, reload=True)
        assert acme.count("/repos/acme/tools/commits/") == 1  # the user reloaded
        assert studio.set_external_recheck_minutes("0") == 0
        acme.reset_counters()
        studio.list_registry(MARKET)
        assert acme.count("/repos/acme/tools/commits/") == 1  # 0: asked on every listing
        assert acme.count("/repos/acme/missing/commits/") == 0  # a 404 is still remembered
        for bad in ("ten", "-1", "nan", str(8 * 24 * 60)):
            with pytest.raises(UserError, match="external_recheck_minutes"):
                studio.set_external_recheck_minutes(bad)
        assert studio.external_recheck_minutes() == 0
    assert main(["config", "set", "external-recheck-minutes", "30"]) == 0
    assert main(["config", "get", "external_recheck_minutes"]) == 0
    assert capsys.readouterr().out.splitlines()[-2:] == ["external_recheck_minutes = 30", "30"]
    assert main(["registry", "add", MARKET.slug]) == 0
    acme.reset_counters()
    assert main(["browse", MARKET.slug, "--json"]) == 0
    assert acme.count("/repos/acme/tools/commits/") == 0  # 30 minutes
    assert main(["browse", MARKET.slug, "--json", "--reload"]) == 0
    assert acme.count("/repos/acme/tools/commits/") == 1


def test_progressive_resolution_matches_the_full_listing(acme) -> None:
    with SkillStudio() as studio:
        full = studio.list_registry(MARKET)
        local = studio.list_registry(MARKET, external=False)
        updates: list[Listing] = []
        steps: list[tuple[int, int]] = []
        merged = studio.resolve_external(local, progress=lambda d, t: steps.append((d, t)), on_update=updates.append)
        assert studio.resolve_external(merged) is merged  # nothing pending: unchanged
    assert _names(merged) == _names(full)
    assert merged.unavailable_plugins == full.unavailable_plugins
    assert merged.skipped_plugins == full.skipped_plugins
    assert updates and updates[-1].skills == merged.skills
    counts = [len(u.skills) for u in updates]
    assert counts == sorted(counts) and counts[0] >= 1  # local skills are there from the start
    assert steps[-1] == (7, 7) and [d for d, _ in steps] == sorted(d for d, _ in steps)


def test_partial_failure_keeps_the_rest(acme) -> None:
    acme.fail("/repos/acme/tools/git/trees/", 500, times=None)
    with _quiet_studio(acme) as studio:
        listing = studio.list_registry(MARKET)
    assert _names(listing) == ["local:l1"]
    reasons = {u.name: u.reason for u in listing.unavailable_plugins}
    assert set(reasons) == {"live", "pinned", "sub", "again", "gone", "badsha", "badref"}
    assert "500" in reasons["live"] and reasons["live"].startswith("acme/tools")


def test_private_target_needs_a_token(acme, monkeypatch) -> None:
    acme.set_private("acme", "tools", "sekrit")
    with SkillStudio() as studio:
        listing = studio.list_registry(MARKET)
    assert _names(listing) == ["local:l1"]
    assert "add a GitHub token" in {u.name: u.reason for u in listing.unavailable_plugins}["live"]
    monkeypatch.setenv("GITHUB_TOKEN", "sekrit")
    with SkillStudio() as studio:
        assert "live:tool-a" in _names(studio.list_registry(MARKET))


def test_git_subdir_import_writes_the_whole_folder(acme, isolated_home: Path) -> None:
    with SkillStudio() as studio:
        listing = studio.list_registry(MARKET)
        skill = next(s for s in listing.skills if s.qualified_name == "subby:tool-b")
        installed = studio.import_skill(listing, skill, Destination.LIBRARY)
    assert read_folder(Path(installed.path)) == {
        "SKILL.md": TOOLS["plugins/sub/skills/tool-b/SKILL.md"].encode(),
        "data/x.json": b"{}\n",
    }
    assert (installed.repo, installed.commit, installed.source_path) == ("acme/tools", acme.c1, skill.path)
    assert installed.registry == "acme-market" and installed.version == "2.0.0"


def test_update_check_follows_the_target_ref_and_pinned_sha_stays(acme, monkeypatch) -> None:
    monkeypatch.setattr(external, "RECHECK_SECONDS", 0.0)  # every listing re-checks unpinned refs
    with SkillStudio() as studio:
        listing = studio.list_registry(MARKET)
        live = next(s for s in listing.skills if s.qualified_name == "live:tool-a")
        pinned = next(s for s in listing.skills if s.qualified_name == "pinned:tool-a")
        studio.import_skill(listing, live, Destination.LIBRARY)
        studio.import_skill(listing, pinned, Destination.SETTINGS)

        c2 = acme.push("acme", "tools", {**TOOLS, "skills/tool-a/SKILL.md": _skill("tool-a", "New body.")})
        listing = studio.list_registry(MARKET)
        live = next(s for s in listing.skills if s.qualified_name == "live:tool-a")
        pinned = next(s for s in listing.skills if s.qualified_name == "pinned:tool-a")
        assert live.commit == c2 and pinned.commit == acme.c1
        live_state = studio.skill_state(listing, live, Destination.LIBRARY)
        assert live_state.state is InstallState.UPDATE_AVAILABLE and live_state.changed_upstream
        assert studio.skill_state(listing, pinned, Destination.SETTINGS).state is InstallState.UP_TO_DATE

        updated = studio.import_skill(listing, live, Destination.LIBRARY, ImportOptions(replace=True))
        assert updated.commit == c2 and b"New body." in Path(updated.path, "SKILL.md").read_bytes()
        assert studio.skill_state(listing, live, Destination.LIBRARY).state is InstallState.UP_TO_DATE

        restored = studio.installer.rollback(Destination.LIBRARY, "tool-a")
        assert restored.commit == acme.c1
        assert Path(restored.path, "SKILL.md").read_text() == TOOLS["skills/tool-a/SKILL.md"]
        assert not studio.is_customized(restored)
        assert studio.skill_state(listing, live, Destination.LIBRARY).state is InstallState.UPDATE_AVAILABLE


def test_targets_on_github_com_from_an_enterprise_registry(github) -> None:
    """A registry on an Enterprise host: ``url`` sources on that host and ``github`` sources on
    github.com are read (and imported) through each host's own client."""
    from fake_github import FakeGitHub

    with FakeGitHub(api_prefix="/api/v3") as ghe:
        ghe.add_repo_from_dir("corp", "tool", {"skills/inside/SKILL.md": _skill("inside")})
        ghe.add_repo_from_dir("corp", "market", {".claude-plugin/marketplace.json": json.dumps({"name": "corp", "plugins": [
            {"name": "in", "source": {"source": "url", "url": "https://ghe.corp.test/corp/tool.git"}},
            {"name": "out", "source": {"source": "github", "repo": "acme/tools"}},
            {"name": "elsewhere", "source": {"source": "url", "url": "https://ghe.other.test/x/y.git"}},
        ]})})
        c1 = github.add_repo_from_dir("acme", "tools", TOOLS)
        servers = {"ghe.corp.test": ghe, "github.com": github}
        source = RegistrySource("ghe.corp.test", "corp", "market")
        with SkillStudio(client_factory=lambda host: GitHubClient(servers[host].base_url)) as studio:
            listing = studio.list_registry(source)
            assert _names(listing) == ["in:inside", "out:tool-a"]
            assert listing.tree_hosts == {("acme/tools", c1): "github.com"}
            assert [s.name for s in listing.skipped_plugins] == ["elsewhere"]
            skill = listing.skills[1]
            github.reset_counters()
            ghe.reset_counters()
            installed = studio.import_skill(listing, skill, Destination.LIBRARY)
            assert github.count("/git/blobs/") == 3 and ghe.count("/git/blobs/") == 0
            assert installed.repo == "acme/tools" and installed.registry == "corp"


# --------------------------------------------------------------------------------------------
# Shared fixtures


@pytest.fixture
def fx(fixture_github, use_github):
    use_github(fixture_github)
    return fixture_github


def _meta(folder: Path) -> dict:
    return json.loads((folder / "meta.json").read_text())


def test_superpowers_marketplace_lists_22_skills_and_imports_brainstorming(fx, isolated_home: Path) -> None:
    require_shared()
    obra = EXTERNAL / "obra__superpowers"
    with SkillStudio() as studio:
        listing = studio.list_registry(parse_registry_source("obra/superpowers-marketplace"))
        assert len(listing.skills) == 22 and listing.unavailable_plugins == ()
        brainstorming = [s for s in listing.skills if s.qualified_name == "superpowers:brainstorming"]
        # superpowers and superpowers-dev point at the same commit: listed once
        assert len(brainstorming) == 1
        skill = brainstorming[0]
        assert (skill.repo, skill.commit) == ("obra/superpowers", _meta(obra)["commit"])
        installed = studio.import_skill(listing, skill, Destination.LIBRARY)
        assert studio.skill_state(listing, skill, Destination.LIBRARY).state is InstallState.UP_TO_DATE
    tree = json.loads((obra / "tree.json").read_text())["tree"]
    prefix = "skills/brainstorming/"
    want = {e["path"][len(prefix):] for e in tree
            if e["type"] == "blob" and e["mode"] != "120000" and e["path"].startswith(prefix)}
    files = read_folder(Path(installed.path))
    assert set(files) == want and len(want) > 1
    assert files["SKILL.md"] == (obra / "files" / prefix / "SKILL.md").read_bytes()
    assert (installed.repo, installed.qualified_name, installed.registry) == (
        "obra/superpowers", "superpowers:brainstorming", "superpowers-marketplace")


def test_superpowers_update_check_follows_obra_superpowers(github, use_github, monkeypatch) -> None:
    require_shared()
    monkeypatch.setattr(external, "RECHECK_SECONDS", 0.0)  # every listing re-checks unpinned refs
    obra = EXTERNAL / "obra__superpowers"
    github.add_fixture(MARKETPLACES / "obra__superpowers-marketplace")
    old = github.add_fixture(obra)
    use_github(github)
    with SkillStudio() as studio:
        market = parse_registry_source("obra/superpowers-marketplace")
        listing = studio.list_registry(market)
        skill = next(s for s in listing.skills if s.qualified_name == "superpowers:brainstorming")
        studio.import_skill(listing, skill, Destination.LIBRARY)

        files = read_folder(obra / "files")
        files["skills/brainstorming/SKILL.md"] += b"\nOne more rule.\n"
        new = github.push("obra", "superpowers", files)
        github.set_ref("obra", "superpowers", "dev", new)
        listing = studio.list_registry(market)
        (skill,) = [s for s in listing.skills if s.qualified_name == "superpowers:brainstorming"]
        assert skill.commit == new != old
        state = studio.skill_state(listing, skill, Destination.LIBRARY)
        assert state.state is InstallState.UPDATE_AVAILABLE and state.changed_upstream
        other = next(s for s in listing.skills if s.qualified_name == "superpowers:writing-plans")
        assert studio.skill_state(listing, other, Destination.LIBRARY).state is InstallState.NOT_INSTALLED


def test_official_directory_lists_resolvable_skills_and_explains_the_rest(fx) -> None:
    require_shared()
    folder = MARKETPLACES / "anthropics__claude-plugins-official"
    expected = json.loads((folder / "expected-external.json").read_text())
    with SkillStudio() as studio:
        listing = studio.list_registry(parse_registry_source("anthropics/claude-plugins-official"))
    assert len(listing.skills) == 200
    assert len(listing.unavailable_plugins) == 214
    assert sorted(u.name for u in listing.unavailable_plugins) == sorted(
        u["name"] for u in expected["unavailable_plugins"])
    for u, want in zip(sorted(listing.unavailable_plugins, key=lambda u: u.name),
                       sorted(expected["unavailable_plugins"], key=lambda u: u["name"])):
        assert u.reason.startswith(want["reason"])  # "<owner/repo> not found" + what to do
    assert {s.repo for s in listing.skills} >= {"obra/superpowers", "UI5/plugins-coding-agents"}
    for s in listing.skills:
        assert (s.repo, s.commit) in listing.trees


def test_entry_pointing_back_at_the_registry_reuses_its_tree_and_is_listed_once(github, use_github) -> None:
    """Same qualified name, repository, commit and folder as a local skill: listed once, no new tree."""
    github.add_repo_from_dir("acme", "self", {
        ".claude-plugin/marketplace.json": json.dumps({"name": "self", "plugins": [
            {"name": "p", "source": "./p"},
            {"name": "p", "source": {"source": "git-subdir", "url": "https://github.com/acme/self", "path": "p"}},
            {"name": "q", "source": {"source": "github", "repo": "acme/self", "path": "p"}},
        ]}),
        "p/skills/s/SKILL.md": _skill("s"),
    })
    use_github(github)
    with SkillStudio() as studio:
        github.reset_counters()
        listing = studio.list_registry(parse_registry_source("acme/self"))
    assert _names(listing) == ["p:s", "q:s"]
    assert {s.repo for s in listing.skills} == {"acme/self"}
    assert github.count("/git/trees/") == 1
