"""Tokens per host (R-NET-2): keyring + environment precedence, the no-keyring case, the CLI
``auth login|status|logout``, token checks against the fake server, and that a token never reaches
logs, output or files."""

from __future__ import annotations

import io
import json
import logging
import sys
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from skill_studio.cli import main
from skill_studio.core import auth
from skill_studio.core.errors import TokenStoreError, UserError

SECRET = "ghp_S3cretTokenValue0123456789abcdefXYZ"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def no_keyring():
    """The machine has no keyring backend (keyring's fail backend)."""
    keyring.set_keyring(fail.Keyring())


@pytest.fixture
def piped(monkeypatch: pytest.MonkeyPatch):
    """``piped("text")`` makes standard input a pipe holding ``text``."""

    def feed(text: str) -> None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(text))

    return feed


# -- core ------------------------------------------------------------------------------------------

def test_environment_wins_over_keyring_and_hosts_are_separate(memory_keyring, monkeypatch) -> None:
    assert auth.resolve_token("github.com") == (None, auth.TokenSource.NONE)
    auth.save_token("github.com", "from-keyring")
    assert memory_keyring.secrets == {("skill-studio", "github.com"): "from-keyring"}
    assert auth.resolve_token("https://GitHub.com/") == ("from-keyring", auth.TokenSource.KEYRING)
    monkeypatch.setenv("GITHUB_TOKEN", "from-env")
    assert auth.resolve_token("github.com") == ("from-env", auth.TokenSource.ENVIRONMENT)
    # A github.com token is never sent to another host; GHE hosts have their own variable.
    assert auth.token_for("ghe.example.com") is None
    monkeypatch.setenv("GITHUB_ENTERPRISE_TOKEN", "ghe-env")
    assert auth.resolve_token("ghe.example.com") == ("ghe-env", auth.TokenSource.ENVIRONMENT)
    status = auth.token_status("github.com")
    assert status.source is auth.TokenSource.ENVIRONMENT and status.stored and status.env_set
    assert "GITHUB_TOKEN" in status.message and "from-env" not in status.message


def test_save_forget_and_status(memory_keyring) -> None:
    assert "Saved the token for ghe.example.com" in auth.save_token("ghe.example.com", "  tok  ")
    assert auth.token_for("ghe.example.com") == "tok"
    st = auth.token_status("ghe.example.com")
    assert (st.source, st.env_var, st.stored) == (auth.TokenSource.KEYRING, "GITHUB_ENTERPRISE_TOKEN", True)
    assert auth.forget_token("ghe.example.com") is True
    assert auth.forget_token("ghe.example.com") is False
    assert auth.token_status("ghe.example.com").source is auth.TokenSource.NONE
    with pytest.raises(UserError, match="empty"):
        auth.save_token("github.com", "   ")
    with pytest.raises(UserError, match="no spaces"):
        auth.save_token("github.com", "two words")
    with pytest.raises(UserError, match="not a host"):
        auth.normalize_host("bad host!")


def test_no_keyring_backend_says_so_and_falls_back_to_environment(no_keyring, monkeypatch) -> None:
    assert auth.keyring_available() is False
    assert auth.resolve_token("github.com") == (None, auth.TokenSource.NONE)
    with pytest.raises(TokenStoreError, match="No keyring backend is available.*set GITHUB_TOKEN"):
        auth.save_token("github.com", "tok")
    with pytest.raises(TokenStoreError, match="No keyring backend"):
        auth.forget_token("github.com")
    assert "No keyring backend is available" in auth.token_status("github.com").message
    monkeypatch.setenv("GITHUB_TOKEN", "env-tok")
    assert auth.resolve_token("github.com") == ("env-tok", auth.TokenSource.ENVIRONMENT)
    assert "Using the token from GITHUB_TOKEN" in auth.token_status("github.com").message


def test_broken_keyring_read_is_logged_without_the_token(memory_keyring, monkeypatch, caplog) -> None:
    def boom(service: str, username: str) -> str:
        raise RuntimeError(f"dbus exploded near {SECRET}")

    monkeypatch.setattr(memory_keyring, "get_password", boom)
    with caplog.at_level(logging.DEBUG):
        assert auth.resolve_token("github.com") == (None, auth.TokenSource.NONE)
    assert "could not read the token" in caplog.text and SECRET not in caplog.text


def test_client_for_uses_the_keyring_token(memory_keyring) -> None:
    auth.save_token("github.com", "kr-token")
    with auth.client_for("github.com") as gh:
        assert gh.has_token and gh.token_source == "the token stored in the keyring"


def test_check_token_against_fake_server(github) -> None:
    github.set_valid_tokens({"good"})
    github.user_login = "mona"
    ok = auth.check_token("github.com", "good", api_base=github.base_url)
    assert (ok.ok, ok.login) == (True, "mona") and "signed in to github.com as mona" in ok.message
    bad = auth.check_token("github.com", "bad", api_base=github.base_url)
    assert not bad.ok and "invalid or expired" in bad.message
    assert not auth.check_token("github.com", "", api_base=github.base_url).ok


# -- CLI -------------------------------------------------------------------------------------------

def test_cli_login_reads_stdin_verifies_and_stores(github, use_github, memory_keyring, piped, capsys) -> None:
    use_github(github)
    github.set_valid_tokens({SECRET})
    piped("wrong-token\n")
    code, out, err = run(capsys, "auth", "login")
    assert code == 1 and "invalid or expired" in err and "Nothing was saved" in err
    assert memory_keyring.secrets == {}

    piped("\n" + SECRET + "\n")
    code, out, err = run(capsys, "auth", "login")
    assert code == 0, err
    assert "Saved the token for github.com in the keyring" in out and "Signed in as octocat" in out
    assert memory_keyring.secrets == {("skill-studio", "github.com"): SECRET}
    assert SECRET not in out + err

    code, out, err = run(capsys, "auth", "status", "--json", "--check")
    data = json.loads(out)
    assert code == 0 and data["source"] == "keyring" and data["keyring"]["stored"] is True
    assert data["check"]["login"] == "octocat" and SECRET not in out

    code, out, err = run(capsys, "auth", "logout")
    assert code == 0 and "Removed the token for github.com" in out and memory_keyring.secrets == {}
    code, out, err = run(capsys, "auth", "logout")
    assert code == 0 and "No token for github.com is stored" in out


def test_cli_login_prompts_with_getpass_on_a_terminal(memory_keyring, monkeypatch, capsys) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    prompts = []
    monkeypatch.setattr(sys, "stdin", Tty(""))
    monkeypatch.setattr("getpass.getpass", lambda prompt: prompts.append(prompt) or "typed-token")
    code, out, err = run(capsys, "auth", "login", "--host", "ghe.example.com", "--no-verify")
    assert code == 0, err
    assert prompts == ["GitHub token for ghe.example.com (input hidden): "]
    assert memory_keyring.secrets == {("skill-studio", "ghe.example.com"): "typed-token"}


def test_cli_login_never_takes_the_token_as_an_argument(capsys) -> None:
    assert main(["auth", "login", "ghp_on_the_command_line"]) == 1  # a usage error (issue 16: exit 1, one line)
    err = capsys.readouterr().err
    assert "unrecognized arguments: 1 more value (not shown)" in err
    assert "ghp_on_the_command_line" not in err  # a pasted token is never echoed


def test_cli_without_keyring_says_so_plainly(no_keyring, monkeypatch, piped, capsys) -> None:
    piped("tok\n")
    code, out, err = run(capsys, "auth", "login")
    assert code == 1 and "No keyring backend is available on this machine" in err and "GITHUB_TOKEN" in err
    assert "Traceback" not in err
    code, out, err = run(capsys, "auth", "logout")
    assert code == 1 and "No keyring backend" in err
    code, out, err = run(capsys, "auth", "status")
    assert code == 0 and "No keyring backend is available" in out and "anonymous" in out
    monkeypatch.setenv("GITHUB_TOKEN", "env-tok")
    code, out, err = run(capsys, "auth", "status", "--json")
    data = json.loads(out)
    assert data["source"] == "environment" and data["keyring"]["available"] is False
    assert "env-tok" not in out


# -- private repositories and the no-leak guarantee ------------------------------------------------

def _private_repo(github) -> None:
    github.add_repo_from_dir("corp", "secret-skills", {
        ".claude-plugin/marketplace.json": json.dumps(
            {"name": "corp-skills", "owner": {"name": "Corp"}, "plugins": [{"name": "tools", "source": "./tools"}]}),
        "tools/skills/audit/SKILL.md": "---\nname: audit\ndescription: Audits things.\n---\nBody\n",
        "tools/skills/audit/notes.md": "notes\n",
    })
    github.set_private("corp", "secret-skills", SECRET)
    github.set_valid_tokens({SECRET})


def test_private_repo_needs_a_token_then_browses(github, use_github, memory_keyring, capsys) -> None:
    _private_repo(github)
    use_github(github)
    code, out, err = run(capsys, "registry", "add", "corp/secret-skills")
    assert code == 2 and "not found or private — add a token" in err

    memory_keyring.secrets[("skill-studio", "github.com")] = "not-the-token"
    code, out, err = run(capsys, "registry", "add", "corp/secret-skills")
    assert code == 2 and "401" in err and "invalid or expired" in err and "token stored in the keyring" in err

    memory_keyring.secrets[("skill-studio", "github.com")] = SECRET
    code, out, err = run(capsys, "registry", "add", "corp/secret-skills")
    assert code == 0, err
    code, out, err = run(capsys, "browse", "corp-skills", "--json")
    assert code == 0, err
    (reg,) = json.loads(out)["registries"]
    assert [s["qualified_name"] for s in reg["skills"]] == ["tools:audit"]


def test_token_never_reaches_logs_output_or_files(github, use_github, memory_keyring, monkeypatch, capsys,
                                                  caplog, isolated_home: Path) -> None:
    _private_repo(github)
    use_github(github)
    memory_keyring.secrets[("skill-studio", "github.com")] = SECRET
    monkeypatch.setenv("SKILL_STUDIO_DEBUG", "1")
    caplog.set_level(logging.DEBUG)
    outputs = []
    for args in (("registry", "add", "corp/secret-skills"), ("browse", "corp-skills", "--details"),
                 ("browse", "corp-skills", "--json"), ("import", "corp-skills", "tools:audit", "--to", "library"),
                 ("auth", "status", "--check"), ("auth", "status", "--json")):
        code, out, err = run(capsys, *args)
        assert code == 0, (args, err)
        outputs += [out, err]
    github.set_valid_tokens(set())  # now the token is refused: error paths must not quote it either
    outputs += run(capsys, "browse", "corp-skills")[1:]
    outputs += run(capsys, "auth", "status", "--check")[1:]
    assert any("octocat" in o for o in outputs)  # the authenticated calls really happened
    assert github.count("/_raw/") > 0 or github.count("/git/blobs/") > 0
    assert all(rec.headers.get("authorization") == f"Bearer {SECRET}" for rec in github.requests
               if "/repos/" in rec.path or rec.path.startswith("/_raw/"))
    assert len(caplog.records) > 10
    for o in outputs:
        assert SECRET not in o
    assert SECRET not in caplog.text
    assert all(SECRET not in r.getMessage() for r in caplog.records)
    files = [p for p in isolated_home.rglob("*") if p.is_file()]
    assert any(p.suffix == ".db" for p in files) and any("cache" in p.parts for p in files)
    for p in files:
        assert SECRET.encode() not in p.read_bytes(), p


def test_background_token_lookup_is_used_once_and_forgotten_on_save(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 18: the keyring is read off the critical path; the result serves the next resolve once."""
    keyring.set_password(auth.SERVICE, "github.com", SECRET)
    auth.start_token_lookup("github.com")
    keyring.delete_password(auth.SERVICE, "github.com")  # the lookup may already have read it, or not
    token, source = auth.resolve_token("github.com")
    assert (token, source) in ((SECRET, auth.TokenSource.KEYRING), (None, auth.TokenSource.NONE))
    assert auth.resolve_token("github.com") == (None, auth.TokenSource.NONE)  # taken once, then read again

    keyring.set_password(auth.SERVICE, "github.com", "old")
    auth.start_token_lookup("github.com")
    auth.save_token("github.com", SECRET)  # a saved token wins over a lookup started before
    assert auth.resolve_token("github.com") == (SECRET, auth.TokenSource.KEYRING)

    monkeypatch.setenv("GITHUB_TOKEN", "ghp_env")
    auth.start_token_lookup("github.com")  # the environment wins: nothing to look up
    assert auth._take_lookup("github.com") == (False, None)
    assert auth.resolve_token("github.com") == ("ghp_env", auth.TokenSource.ENVIRONMENT)


def test_a_lookup_made_with_another_keyring_is_not_used() -> None:
    from memory_keyring import MemoryKeyring

    keyring.set_password(auth.SERVICE, "github.com", SECRET)
    auth.start_token_lookup("github.com")
    auth._lookups["github.com"][1].result(timeout=10)
    keyring.set_keyring(MemoryKeyring())  # e.g. the next test's keyring
    assert auth.resolve_token("github.com") == (None, auth.TokenSource.NONE)
