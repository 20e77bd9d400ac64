"""Unit tests of the core's one-home rules: fsutil, hosts, hashing, clock, executor, errors."""

from __future__ import annotations

import inspect
import os
import subprocess
import threading
import time
from datetime import timezone
from pathlib import Path

import pytest

from skill_studio.core import clock, errors, executor, fsutil, hashing, hosts
from skill_studio.core.errors import SkillStudioError, UnsafePathError

# -- fsutil.atomic_write -------------------------------------------------------------------------


def test_atomic_write_replaces_and_keeps_mode(tmp_path: Path) -> None:
    target = tmp_path / "f.txt"
    target.write_bytes(b"old")
    target.chmod(0o640)
    fsutil.atomic_write(target, b"new")
    assert target.read_bytes() == b"new"
    assert (target.stat().st_mode & 0o777) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]  # no temporary file left


def test_atomic_write_through_a_symlink_replaces_the_target(tmp_path: Path) -> None:
    real = tmp_path / "real.md"
    real.write_bytes(b"a")
    link = tmp_path / "link.md"
    link.symlink_to(real)
    fsutil.atomic_write(link, b"b")
    assert link.is_symlink() and real.read_bytes() == b"b"


def test_atomic_write_makes_parents_only_when_asked(tmp_path: Path) -> None:
    deep = tmp_path / "a" / "b" / "c.json"
    with pytest.raises(OSError):
        fsutil.atomic_write(deep, b"{}")
    fsutil.atomic_write(deep, b"{}", make_parents=True)
    assert deep.read_bytes() == b"{}"


def test_atomic_write_failure_leaves_old_file_and_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "f"
    target.write_bytes(b"old")

    def boom(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        fsutil.atomic_write(target, b"new", tmp_prefix=".x-")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["f"]


# -- fsutil.check_relative_path ------------------------------------------------------------------

@pytest.mark.parametrize("path, reason", [
    ("", "empty name"),
    ("a\\b", "backslash"),
    ("a\0b", "control character"),
    ("a\nb", "control character"),
    ("/etc/passwd", "absolute path"),
    ("C:/x", "absolute path"),
    ("a/../../b", "path traversal"),
    ("..", "path traversal"),
    ("a//b", "empty or '.' path segment"),
    ("./a", "empty or '.' path segment"),
    ("a/", "empty or '.' path segment"),
])
def test_check_relative_path_refuses(path: str, reason: str) -> None:
    with pytest.raises(UnsafePathError, match=reason) as info:
        fsutil.check_relative_path(path)
    assert info.value.path == path
    assert isinstance(info.value, SkillStudioError) and isinstance(info.value, ValueError)


def test_check_relative_path_accepts() -> None:
    assert fsutil.check_relative_path("scripts/run.sh") == "scripts/run.sh"
    assert fsutil.check_relative_path("a..b/c") == "a..b/c"  # '..' inside a name is not a segment
    assert fsutil.check_relative_path("folder/", allow_dir=True) == "folder"


# -- fsutil.rmtree -------------------------------------------------------------------------------

def test_rmtree_never_follows_a_symlink(tmp_path: Path) -> None:
    keep = tmp_path / "keep"
    keep.mkdir()
    (keep / "x").write_text("x")
    link = tmp_path / "link"
    link.symlink_to(keep, target_is_directory=True)
    fsutil.rmtree(link)
    assert not link.exists() and (keep / "x").exists()
    f = tmp_path / "file"
    f.write_text("f")
    fsutil.rmtree(f)
    fsutil.rmtree(keep)
    fsutil.rmtree(tmp_path / "missing")
    assert list(tmp_path.iterdir()) == []


# -- hosts ---------------------------------------------------------------------------------------

def test_host_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(hosts.API_ENV, raising=False)
    assert hosts.canonical_host("WWW.GitHub.com") == "github.com"
    assert hosts.canonical_host("api.github.com") == "api.github.com"  # not a repository host
    assert hosts.canonical_host("api.github.com", api_alias=True) == "github.com"
    assert hosts.is_github_com("GitHub.com") and hosts.is_github_com("api.github.com")
    assert not hosts.is_github_com("ghe.example.com")
    assert hosts.api_base_for("github.com") == "https://api.github.com"
    assert hosts.api_base_for("www.github.com") == "https://api.github.com"
    assert hosts.api_base_for("ghe.example.com:8443") == "https://ghe.example.com:8443/api/v3"
    monkeypatch.setenv(hosts.API_ENV, "http://127.0.0.1:9/")
    assert hosts.api_base_for("github.com") == "http://127.0.0.1:9"
    assert hosts.raw_root_for("https://api.github.com") == "https://raw.githubusercontent.com/"
    assert hosts.raw_root_for("https://ghe.example.com/api/v3") is None
    assert hosts.raw_host_allowed("api.github.com", "raw.githubusercontent.com")
    assert hosts.raw_host_allowed("ghe.example.com", "ghe.example.com")
    assert not hosts.raw_host_allowed("ghe.example.com", "raw.githubusercontent.com")
    assert hosts.strip_to_host("https://GitHub.com/owner/repo") == "github.com"


# -- hashing -------------------------------------------------------------------------------------

def test_git_blob_sha_matches_git(tmp_path: Path) -> None:
    assert hashing.git_blob_sha(b"") == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
    assert hashing.git_blob_sha(b"hello\n") == "ce013625030ba8dba906f756967f9e9ca394464a"


# -- clock ---------------------------------------------------------------------------------------

def test_clock() -> None:
    n = clock.now()
    assert n.tzinfo is timezone.utc
    text = clock.utcnow()
    assert text.endswith("Z") and len(text) == len("2026-11-23T14:35:00Z")


# -- executor ------------------------------------------------------------------------------------

class _Concurrency:
    """Work that records how many calls ran at once (``peak``); each call sleeps 10 ms."""

    def __init__(self) -> None:
        self.running = self.peak = 0
        self.lock = threading.Lock()

    def __call__(self, x: int) -> int:
        with self.lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
        time.sleep(0.01)
        with self.lock:
            self.running -= 1
        return x


def test_map_ordered_keeps_order_and_bound() -> None:
    work = _Concurrency()
    assert executor.map_ordered(lambda x: work(x) * x, list(range(20)), 3) == [x * x for x in range(20)]
    assert 1 <= work.peak <= 3


def test_map_ordered_nested_calls_do_not_deadlock() -> None:
    inner = list(range(4))

    def outer(x: int) -> int:
        return sum(executor.map_ordered(lambda y: x + y, inner, 8))

    # more outer tasks than pool threads, each fanning out again on the same pool
    items = list(range(executor.MAX_WORKERS * 2))
    assert executor.map_ordered(outer, items, executor.MAX_WORKERS * 2) == [4 * x + 6 for x in items]


def test_map_ordered_first_error_propagates() -> None:
    def work(x: int) -> int:
        if x == 3:
            raise KeyError(x)
        return x

    with pytest.raises(KeyError):
        executor.map_ordered(work, list(range(10)), 4)


def test_limited_bounds_and_waits() -> None:
    work = _Concurrency()
    with executor.Limited(2) as pool:
        futures = [pool.submit(work, i) for i in range(8)]
    assert all(f.done() for f in futures)
    assert [f.result() for f in futures] == list(range(8)) and 1 <= work.peak <= 2


def test_shutdown_then_reuse() -> None:
    executor.shutdown()
    executor.shutdown()  # twice is fine
    assert executor.map_ordered(lambda x: x + 1, [1, 2, 3], 3) == [2, 3, 4]


def test_core_creates_no_thread_pool_of_its_own() -> None:
    src = Path(executor.__file__).parent
    offenders = [p.name for p in src.glob("*.py")
                 if p.name != "executor.py" and "ThreadPoolExecutor(" in p.read_text(encoding="utf-8")]
    assert offenders == []


# -- errors --------------------------------------------------------------------------------------

def test_every_error_class_of_the_core_lives_in_errors_py() -> None:
    """Every public exception class defined in a core module is errors.py's (others re-export)."""
    import importlib
    import pkgutil

    import skill_studio.core as core

    for info in pkgutil.iter_modules(core.__path__):
        module = importlib.import_module(f"skill_studio.core.{info.name}")
        ours = [(name, obj) for name, obj in vars(module).items()
                if inspect.isclass(obj) and issubclass(obj, BaseException) and not name.startswith("_")
                and obj.__module__.startswith("skill_studio")]
        for name, obj in ours:
            assert obj.__module__ == "skill_studio.core.errors", f"{info.name}.{name}"


def test_error_tree_is_drawn_for_every_class() -> None:
    doc = errors.__doc__ or ""
    for name, obj in vars(errors).items():
        if inspect.isclass(obj) and issubclass(obj, SkillStudioError):
            assert name in doc, name


def test_old_import_paths_still_work() -> None:
    from skill_studio.core.catalog import SourceError
    from skill_studio.core.external import ExternalSourceError
    from skill_studio.core.store import CorruptDatabaseError, DatabaseError
    from skill_studio.core.workspace import WorkspaceError

    assert SourceError is errors.SourceError and ExternalSourceError is errors.ExternalSourceError
    assert DatabaseError is errors.DatabaseError and CorruptDatabaseError is errors.CorruptDatabaseError
    assert WorkspaceError is errors.WorkspaceError


def test_git_blob_sha_agrees_with_git_binary(tmp_path: Path) -> None:
    try:
        out = subprocess.run(["git", "hash-object", "--stdin"], input=b"abc\x00def", capture_output=True,
                             check=True).stdout.decode().strip()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("git is not installed")
    assert hashing.git_blob_sha(b"abc\x00def") == out
