"""Measure the hostile-input figure of the README (issue 16): run every hostile input through the CLI
against the fake GitHub server and count how each ends.

Each case gets a fresh ``SKILL_STUDIO_HOME`` inside a scratch folder that also holds an ``outside/``
folder (where path-traversal attempts aim). A case passes when:

* the command ends with exit 0 (handled: e.g. a bad skill excluded with its reason, a damaged
  database rebuilt with a notice), 1 (refused: the user's input) or 2 (refused: remote data or
  network), never with a traceback or ``internal error``;
* a refusal prints one line on stderr per message, each ``skill-studio: …``, with no terminal
  escape or control character (marketplace text is cleaned);
* nothing was created, changed or removed outside the home's ``data/``, ``cache/`` and ``config/``
  folders, and inside ``data/skills/`` only the destination folder of a successful import changed;
  no symlink appears anywhere.

Usage::

    .venv/bin/python scripts/hostile_corpus.py          # prints the figure and any failing case

``tests/test_hostile_corpus.py`` runs it (the figure in the README must match its count).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import sqlite3
import stat
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
sys.path.insert(0, str(TESTS))

import keyring  # noqa: E402

from fake_github import FakeGitHub  # noqa: E402
from memory_keyring import MemoryKeyring  # noqa: E402
from skill_studio.cli import main  # noqa: E402
from skill_studio.core import github as github_module  # noqa: E402

CORPUS = TESTS / "corpus"
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
GOOD_SKILL = b"---\nname: zipped\ndescription: A zipped skill.\n---\n# Zipped\n"
TIDY = "plugins/notes/skills/tidy-notes"


@dataclass
class Case:
    """One hostile input: ``setup(ctx)`` prepares the server/home, then ``argv`` runs."""

    group: str
    label: str
    argv: list[str]
    setup: Callable[[Ctx], None] = lambda ctx: None
    imports_to: str | None = None  # the destination folder an accepted import may create


@dataclass
class Ctx:
    gh: FakeGitHub
    home: Path
    outside: Path
    notes: list[str] = field(default_factory=list)


def corpus_files(name: str) -> dict[str, bytes]:
    base = CORPUS / name
    return {p.relative_to(base).as_posix(): p.read_bytes() for p in base.rglob("*") if p.is_file()}


def good_with(extra: dict[str, bytes]) -> dict[str, bytes]:
    files = corpus_files("good")
    files.update({f"{TIDY}/{k}": v for k, v in extra.items()})
    return files


def registry(name: str, files: dict[str, bytes] | None = None) -> Callable[[Ctx], None]:
    """Serve ``corpus/<name>`` and add it as a registry before the command."""
    def setup(ctx: Ctx) -> None:
        ctx.gh.add_repo_from_dir("corpus", name, files if files is not None else corpus_files(name))
        quiet(["registry", "add", f"corpus/{name}"])
    return setup


def quiet(argv: list[str]) -> int:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return main(argv)


def write_zip(path: Path, entries: list[tuple[str | zipfile.ZipInfo, bytes]]) -> Path:
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in entries:
                zf.writestr(name, data)
    return path


def special(name: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = mode << 16
    return info


def cases() -> list[Case]:
    out: list[Case] = []

    # registry URLs (R-REG-1)
    for url in ["", "   ", "git@github.com:o/r.git", "ftp://github.com/o/r", "https://user:pw@github.com/o/r",
                "../../etc/passwd", "o", "o/r@", "o/r@..", "o/r@main\n", "https://github.com/o/r?x=1",
                "https://github.com:99999/o/r", "\x1b[31mo/r", "a" * 500 + "/r", "o/r/../../x", "file:///etc/passwd",
                "https://github.com/o", "C:\\repos\\x"]:
        out.append(Case("registry URL", repr(url)[:40], ["registry", "add", url]))

    # catalogs (R-CAT-1..3) and their strings (issue 16 item 10)
    for name in ["catalog-not-json", "catalog-not-object", "catalog-plugins-missing", "catalog-plugins-not-list",
                 "catalog-plugins-null", "catalog-not-utf8", "catalog-missing"]:
        out.append(Case("catalog", name, ["registry", "add", f"corpus/{name}"],
                        lambda ctx, n=name: ctx.gh.add_repo_from_dir("corpus", n, corpus_files(n))))
    for name in ["catalog-entries-not-objects", "sources-escape", "plugin-root-escape", "catalog-name-hostile"]:
        out.append(Case("catalog", name, ["browse", f"corpus/{name}", "--details"], registry(name)))
    out.append(Case("catalog", "catalog-name-taken",
                    ["registry", "add", "corpus/catalog-name-taken"],
                    lambda ctx: (registry("good")(ctx),
                                 ctx.gh.add_repo_from_dir("corpus", "catalog-name-taken",
                                                          corpus_files("catalog-name-taken")))))

    # SKILL.md frontmatter (R-FM-1/2), imported by name: excluded with the reason
    fm = corpus_files("frontmatter")
    huge = "plugins/fm/skills/huge/SKILL.md"
    fm[huge] = fm[huge] + b"x" * (20 * 1024 * 1024 - len(fm[huge]))  # as tests/test_bad_input.py pads it
    for case in sorted(p.name for p in (CORPUS / "frontmatter/plugins/fm/skills").iterdir() if p.name != "good-skill"):
        out.append(Case("SKILL.md", case, ["import", "frontmatter-cases", f"fm:{case}", "--to", "library"],
                        registry("frontmatter", fm)))
    out.append(Case("SKILL.md", "browse all", ["browse", "frontmatter-cases", "--details"], registry("frontmatter", fm)))

    # file paths inside a skill folder (R-DATA-2, issue 16 items 5, 10, 11)
    hostile_paths = {
        "newline in a file name": {"evil\nname.md": b"x"},
        "escape in a file name": {"\x1b[2J.md": b"x"},
        "C1 control in a file name": {"c1\x9b.md": b"x"},
        "case-only duplicates": {"README.md": b"a", "readme.md": b"b"},
        "NFC/NFD duplicates": {"caf\u00e9.md": b"a", "cafe\u0301.md": b"b"},
        "name of 300 bytes": {"n" * 300 + ".md": b"x"},
        "bidi override in a name": {"evil\u202etxt.md": b"x"},
    }
    for label, extra in hostile_paths.items():
        out.append(Case("tree path", label, ["import", "good-market", "notes:tidy-notes", "--to", "library"],
                        registry("good", good_with(extra)), imports_to="library/tidy-notes"))

    def links(ctx: Ctx) -> None:
        src = ctx.home.parent.parent / "links-src"  # outside the measured folder
        shutil.rmtree(src, ignore_errors=True)
        shutil.copytree(CORPUS / "links", src)
        skills = src / "plugins" / "lk" / "skills"
        (skills / "linked-folder").symlink_to("../../../elsewhere/target-skill")
        (skills / "has-links" / "evil").symlink_to("/etc/passwd")
        (skills / "has-links" / "up").symlink_to("../../../..")
        ctx.gh.add_repo_from_dir("corpus", "links", src, submodules={"plugins/lk/skills/vendored": "a" * 40})
        quiet(["registry", "add", "corpus/links"])
    for skill in ["has-links", "linked-folder", "vendored"]:
        out.append(Case("tree path", f"links: {skill}", ["import", "links", f"lk:{skill}", "--to", "library"], links,
                        imports_to=f"library/{skill}"))

    # local names (issue 16 item 5)
    for name in ["pdf\n", "", "a--b", "con", "nul.md", "COM1", "../x", "/abs", "Tidy", "x" * 65, "a/b", ".hidden",
                 "-x", "x\x1b[31m"]:
        out.append(Case("local name", repr(name)[:30],
                        ["import", "good-market", "notes:tidy-notes", "--to", "settings", "--as", name],
                        registry("good")))

    # uploads (R-IMP-4, R-DATA-2)
    zips: dict[str, list[tuple[str | zipfile.ZipInfo, bytes]]] = {
        "traversal": [("SKILL.md", GOOD_SKILL), ("../evil.sh", b"x")],
        "nested traversal": [("s/SKILL.md", GOOD_SKILL), ("s/../../evil.sh", b"x")],
        "absolute path": [("SKILL.md", GOOD_SKILL), ("/etc/cron.d/evil", b"x")],
        "drive letter": [("SKILL.md", GOOD_SKILL), ("C:/Windows/evil", b"x")],
        "backslash": [("SKILL.md", GOOD_SKILL), ("..\\evil", b"x")],
        "symlink": [("SKILL.md", GOOD_SKILL), (special("link", stat.S_IFLNK | 0o777), b"/etc/passwd")],
        "fifo": [("SKILL.md", GOOD_SKILL), (special("pipe", stat.S_IFIFO | 0o644), b"")],
        "zip bomb": [("SKILL.md", GOOD_SKILL), ("bomb.bin", b"\0" * (8 * 1024 * 1024))],
        "no SKILL.md": [("README.md", b"hello")],
        "two skills": [("a/SKILL.md", GOOD_SKILL), ("b/SKILL.md", GOOD_SKILL)],
        "case duplicate": [("SKILL.md", GOOD_SKILL), ("ref.md", b"a"), ("REF.md", b"b")],
        "NFC/NFD duplicate": [("SKILL.md", GOOD_SKILL), ("caf\u00e9.md", b"a"), ("cafe\u0301.md", b"b")],
        "control character": [("SKILL.md", GOOD_SKILL), ("a\nb.md", b"x")],
        "control char in frontmatter": [("SKILL.md", b"---\nname: z\ndescription: bell \x07\n---\n")],
        "file and folder": [("SKILL.md", GOOD_SKILL), ("x", b"file"), ("x/y", b"inside")],
    }
    for label, entries in zips.items():
        out.append(Case("upload", label, ["skills", "upload", "ZIP"],
                        lambda ctx, e=entries: ctx.notes.append(str(write_zip(ctx.home.parent / "up.zip", e))),
                        imports_to="settings/zipped"))
    def not_a_zip(ctx: Ctx) -> None:
        (ctx.home.parent / "up.zip").write_bytes(b"PK\x03\x04 garbage")
        ctx.notes.append(str(ctx.home.parent / "up.zip"))
    out.append(Case("upload", "not a zip", ["skills", "upload", "ZIP"], not_a_zip))

    # the network (R-NET-1..3, issue 16 items 7 and 8); deadlines shortened to 2 s for the run
    faults: dict[str, Callable[[Ctx], None]] = {
        "trickling tree": lambda ctx: ctx.gh.trickle("/git/trees/", 0.5),
        "hanging tree": lambda ctx: ctx.gh.hang("/git/trees/", 60),
        "captive portal": lambda ctx: ctx.gh.serve_html("/git/trees/"),
        "500 on every request": lambda ctx: ctx.gh.fail("/git/", 500),
        "dropped connections": lambda ctx: ctx.gh.drop_connections("/git/trees/"),
        "rate limited": lambda ctx: ctx.gh.rate_limit(2_000_000_000),
        "repository gone": lambda ctx: ctx.gh.delete_repo("corpus", "good"),
    }
    for label, fault in faults.items():
        out.append(Case("network", label, ["browse", "good-market"],
                        lambda ctx, f=fault: (registry("good")(ctx), shutil.rmtree(ctx.home / "cache"), f(ctx))))

    def tampered(ctx: Ctx) -> None:
        from fake_github import git_blob_sha
        registry("good")(ctx)
        ctx.gh.corrupt_blob(git_blob_sha((CORPUS / "good" / TIDY / "references/guide.md").read_bytes()))
    out.append(Case("network", "tampered blob", ["import", "good-market", "notes:tidy-notes", "--to", "library"],
                    tampered))

    def lying_size(ctx: Ctx) -> None:
        from fake_github import git_blob_sha
        big = b"\0" * (2 * 1024 * 1024)
        registry("good", good_with({"assets/model.bin": big}))(ctx)
        ctx.gh.misreport_size(git_blob_sha(big), 10)
        from skill_studio.app import studio as studio_module
        studio_module.MAX_IMPORT_FILE_BYTES = 1024 * 1024  # restored by the runner
    out.append(Case("network", "tree lies about a size", ["import", "good-market", "notes:tidy-notes", "--to",
                                                           "library"], lying_size))

    # the database (R-DATA-1, issue 16 items 2 and 3)
    def damage(how: str) -> Callable[[Ctx], None]:
        def setup(ctx: Ctx) -> None:
            registry("good")(ctx)
            quiet(["import", "good-market", "notes:tidy-notes", "--to", "library"])
            db = ctx.home / "data" / "skill-studio.db"
            for suffix in ("-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
            if how == "garbage":
                db.write_bytes(b"not a database " * 300)
            elif how == "empty":
                db.write_bytes(b"")
            elif how == "deleted":
                db.unlink()
            elif how == "truncated":
                db.write_bytes(db.read_bytes()[:1500])
            elif how == "non-UTF-8 text":
                con = sqlite3.connect(db)
                con.execute("UPDATE skills SET description = CAST(X'41ff42' AS TEXT)")
                con.commit()
                con.close()
        return setup
    for how in ["garbage", "empty", "deleted", "truncated", "non-UTF-8 text"]:
        out.append(Case("database", how, ["list"], damage(how)))

    def data_is_a_file(ctx: Ctx) -> None:
        shutil.rmtree(ctx.home / "data", ignore_errors=True)
        (ctx.home / "data").write_bytes(b"a file")
    out.append(Case("file system", "data folder is a file", ["list"], data_is_a_file))

    # arguments (issue 16 item 12)
    for argv in (["brows"], ["import", "r", "s"], ["import", "r", "s", "--to", "nowhere"], ["list", "--bogus"],
                 ["skills", "slot", "research", "reserch"], ["config", "set", "nope", "x"],
                 ["rollback", "nothing-here"], ["diff", "\x1b[31m"]):
        out.append(Case("arguments", " ".join(argv)[:40], list(argv)))
    out.append(Case("arguments", "--skill-version banana",
                    ["import", "good-market", "notes:tidy-notes", "--to", "library", "--skill-version", "banana"],
                    registry("good")))
    out.append(Case("arguments", "--slot with --to library",
                    ["import", "good-market", "notes:tidy-notes", "--to", "library", "--slot", "research"],
                    registry("good")))
    return out


def snapshot(root: Path) -> dict[str, tuple[str, int, bytes | None]]:
    """Every path under ``root``: (kind, mode, bytes of files)."""
    seen: dict[str, tuple[str, int, bytes | None]] = {}
    for dirpath, dirs, files in os.walk(root, followlinks=False):
        for name in [*dirs, *files]:
            p = Path(dirpath) / name
            st = p.lstat()
            kind = "link" if stat.S_ISLNK(st.st_mode) else "dir" if stat.S_ISDIR(st.st_mode) else "file"
            seen[p.relative_to(root).as_posix()] = (kind, st.st_mode, p.read_bytes() if kind == "file" else None)
    return seen


@contextlib.contextmanager
def environment(home: Path, gh: FakeGitHub) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in ("SKILL_STUDIO_HOME", "SKILL_STUDIO_GITHUB_API", "GITHUB_TOKEN",
                                            "GITHUB_ENTERPRISE_TOKEN", "SKILL_STUDIO_NO_STARTUP_CHECK")}
    os.environ.update({"SKILL_STUDIO_HOME": str(home), "SKILL_STUDIO_GITHUB_API": gh.base_url,
                       "SKILL_STUDIO_NO_STARTUP_CHECK": "1"})
    os.environ.pop("GITHUB_TOKEN", None)
    os.environ.pop("GITHUB_ENTERPRISE_TOKEN", None)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def run_case(case: Case, gh: FakeGitHub, scratch: Path) -> str | None:
    """Run one case; None when it passed, else why not."""
    from skill_studio.app import studio as studio_module
    limit = studio_module.MAX_IMPORT_FILE_BYTES
    root = scratch / "case"
    shutil.rmtree(root, ignore_errors=True)
    home, outside = root / "home", root / "outside"
    outside.mkdir(parents=True)
    (outside / "keep.txt").write_bytes(b"must not change\n")
    gh.clear_faults()
    ctx = Ctx(gh, home, outside)
    try:
        with environment(home, gh):
            quiet(["list"])  # a first start: bundled skills, database
            case.setup(ctx)
            argv = [ctx.notes[-1] if a == "ZIP" else a for a in case.argv]
            before = snapshot(root)
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    code = main(argv)
                except SystemExit as exit_:  # --help and the like
                    code = int(exit_.code or 0)
            after = snapshot(root)
    finally:
        studio_module.MAX_IMPORT_FILE_BYTES = limit
        gh.clear_faults()
    text = out.getvalue() + err.getvalue()
    if code not in (0, 1, 2):
        return f"exit {code}"
    if "Traceback" in text or "internal error" in text:
        return "internal error: " + err.getvalue().strip()[:300]
    if RAW_CONTROL.search(text):
        return "raw control character printed"
    if code and not err.getvalue().strip():
        return f"exit {code} without a message"
    if any(not line.startswith("skill-studio: ") for line in err.getvalue().splitlines()):
        return "stderr line without the 'skill-studio: ' prefix: " + err.getvalue()[:200]
    allowed = ("home/data/", "home/cache/", "home/config/", "home/data", "home/cache", "home/config")
    changed = {p for p in set(before) | set(after) if before.get(p) != after.get(p)}
    for p in sorted(changed):
        if not p.startswith(allowed):
            return f"wrote outside the data folder: {p}"
        if p.startswith("home/data/skills/"):
            dest = "/".join(p.split("/")[3:5])
            if not (code == 0 and case.imports_to is not None and dest == case.imports_to):
                return f"changed an installed skill folder: {p}"
    if any(kind == "link" and p.startswith("home/") for p, (kind, _, _) in after.items()):
        return "a symlink was created"
    return None


def measure() -> tuple[int, list[tuple[Case, str]]]:
    """Run every case; returns (how many, the failures)."""
    keyring.set_keyring(MemoryKeyring())
    saved = github_module.REQUEST_DEADLINE_S, github_module.NOTICE_AFTER_S
    github_module.REQUEST_DEADLINE_S, github_module.NOTICE_AFTER_S = 2.0, 0.5
    failures: list[tuple[Case, str]] = []
    all_cases = cases()
    try:
        with FakeGitHub() as gh, tempfile.TemporaryDirectory() as tmp:
            for case in all_cases:
                why = run_case(case, gh, Path(tmp))
                if why is not None:
                    failures.append((case, why))
    finally:
        github_module.REQUEST_DEADLINE_S, github_module.NOTICE_AFTER_S = saved
    return len(all_cases), failures


def figure(n: int, failures: list[tuple[Case, str]]) -> str:
    if not failures:
        return f"{n} hostile inputs, all refused or handled with a clear message; nothing written outside the destination"
    return f"{n} hostile inputs, {n - len(failures)} refused or handled with a clear message; {len(failures)} not"


if __name__ == "__main__":
    count, failed = measure()
    groups: dict[str, int] = {}
    for c in cases():
        groups[c.group] = groups.get(c.group, 0) + 1
    print(figure(count, failed))
    print("  " + ", ".join(f"{k}: {v}" for k, v in groups.items()))
    for case, why in failed:
        print(f"  FAILED {case.group} / {case.label}: {why}")
    print(json.dumps({"inputs": count, "failed": len(failed)}))
    sys.exit(1 if failed else 0)
