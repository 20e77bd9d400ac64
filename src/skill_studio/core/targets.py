"""Deploy targets: put installed skills where the agents read them (issue 17).

A *target* is a folder an agent reads skills from (one sub-folder per skill, each holding a
``SKILL.md``). The built-in kinds below are the folders each agent documents; the URL of the
documentation is next to each path. ``custom`` is any other folder.

Rules (enforced here, tested in ``tests/test_targets.py``):

* **Copy by default.** A deployment copies the installed folder into ``<target>/<local-name>/``
  and adds a small marker file, :data:`MARKER_FILE`, naming the app and the skill. A *symlink* to the
  installed folder is made only on request, where the OS allows it (the link itself, pointing into
  the app's data folder, is the mark: nothing is written into the installed folder).
* **Never touch a folder the app did not write.** A folder is the app's only when the database has
  a deployment record for it *and* it carries the marker naming that skill (or is the app's link).
  Anything else in a target is *unmanaged*: listed, matched against catalogs, never overwritten or
  deleted.
* **Record what was written.** Each deployment records ``source_hash`` (content hash of the
  installed skill it was copied from, the baseline) and ``written_hash`` (content hash of what was
  written, the marker excluded). From them, a deployment's state:

  - ``edited_here``: the deployed copy differs from its baseline (edited in place, or it holds a
    merge of such edits) — treated like a customized skill: never overwritten silently; when the
    installed skill also moved on, a merge is offered (``merge_available``);
  - ``behind``: the deployed copy is untouched but the installed skill changed since (an update,
    a rollback, an edit in the Library) — the next sync rewrites it;
  - ``in_sync``: neither; ``missing``: the folder is gone from the target.
* **Undeploy removes only what the app wrote.** A deployed copy edited in place is moved to
  ``backups/targets/<target>/<name>/<stamp>`` instead of being deleted, so nothing is lost.
* **Sets.** A named *skill set* (``data-eng``, ``writing``) is a list of installed skills; applying a
  set to a target deploys its members there and undeploys the app's other deployments in one step.

Writes happen only in the app's own folders (snapshots, backups) and in the folders of the targets
the user added: a deployment is written to a temporary folder inside the target and renamed into
place, so an agent never sees half a skill.

Content hashes are :func:`skill_studio.core.installer.content_hash` over the folder's files (the
marker excluded), the same identity the installer uses for snapshots (R-UPD-2); the files of every
baseline are kept in the snapshot store so a three-way merge (base = baseline, ours = the deployed
copy, theirs = the installed skill) is always possible.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import stat
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from skill_studio.core.clock import utcnow
from skill_studio.core.cost import (
    DEFAULT_BUDGET_TOKENS,
    TargetCost,
    skill_cost,
    target_cost,
)
from skill_studio.core.errors import TargetError
from skill_studio.core.fsutil import rmtree
from skill_studio.core.hashing import git_blob_sha
from skill_studio.core.installer import (
    Installer,
    check_local_name,
    content_hash,
    read_folder,
    write_folder,
)
from skill_studio.core.models import CatalogSkill, Destination, Listing
from skill_studio.core.paths import AppPaths
from skill_studio.core.store import Store

log = logging.getLogger(__name__)

APP_ID = "skill-studio"
"""The ``app`` value of the marker file."""
MARKER_FILE = ".skill-studio.json"
"""Marker file inside every folder the app deployed: ``{"app": "skill-studio", "skill": NAME, ...}``."""
TMP_PREFIX = ".skill-studio-tmp-"
"""Prefix of temporary folders inside a target; leftovers are removed by the next write there."""
BUDGET_SETTING = "targets.budget_tokens"
"""Settings key of the user's always-loaded budget (tokens per target)."""


# -- kinds -----------------------------------------------------------------------------------------

class Scope(str, Enum):
    """Where a kind's folder lives."""

    USER = "user"
    """In the home directory; the kind takes no PATH."""
    PROJECT = "project"
    """In a project folder; PATH is the project (default: the current folder)."""
    CUSTOM = "custom"
    """PATH is the skills folder itself."""


@dataclass(frozen=True)
class KindSpec:
    """One kind of target.

    Attributes:
        kind: the CLI name (``claude-user``, ``claude-project``, ...).
        agent: the agent's display name.
        scope: user, project or custom.
        parts: the skills folder relative to the home directory (user) or the project (project).
        doc_url: the agent's documentation that names this folder.
    """

    kind: str
    agent: str
    scope: Scope
    parts: tuple[str, ...]
    doc_url: str

    def describe(self) -> str:
        """``~/.claude/skills`` or ``<project>/.claude/skills`` or ``<folder>``."""
        rel = "/".join(self.parts)
        return {Scope.USER: f"~/{rel}", Scope.PROJECT: f"<project>/{rel}", Scope.CUSTOM: "<folder>"}[self.scope]


_AGENTS_DOC = "https://agentskills.io/client-implementation/adding-skills-support"

KINDS: dict[str, KindSpec] = {spec.kind: spec for spec in (
    # Claude Code: personal ~/.claude/skills/<skill-name>/SKILL.md, project .claude/skills/<skill-name>/SKILL.md
    KindSpec("claude-user", "Claude Code", Scope.USER, (".claude", "skills"), "https://code.claude.com/docs/en/skills"),
    KindSpec("claude-project", "Claude Code", Scope.PROJECT, (".claude", "skills"),
             "https://code.claude.com/docs/en/skills"),
    # Codex: repository skills in .agents/skills (from the working folder up to the repo root), user
    # skills in $HOME/.agents/skills.
    KindSpec("codex-user", "Codex", Scope.USER, (".agents", "skills"), "https://developers.openai.com/codex/skills"),
    KindSpec("codex-project", "Codex", Scope.PROJECT, (".agents", "skills"), "https://developers.openai.com/codex/skills"),
    # Gemini CLI: user skills ~/.gemini/skills (or the ~/.agents/skills alias), workspace .gemini/skills.
    KindSpec("gemini-user", "Gemini CLI", Scope.USER, (".gemini", "skills"),
             "https://geminicli.com/docs/cli/using-agent-skills"),
    KindSpec("gemini-project", "Gemini CLI", Scope.PROJECT, (".gemini", "skills"),
             "https://geminicli.com/docs/cli/using-agent-skills"),
    # OpenCode: global ~/.config/opencode/skills/<name>/SKILL.md, project .opencode/skills/<name>/SKILL.md.
    KindSpec("opencode-user", "OpenCode", Scope.USER, (".config", "opencode", "skills"), "https://opencode.ai/docs/skills"),
    KindSpec("opencode-project", "OpenCode", Scope.PROJECT, (".opencode", "skills"), "https://opencode.ai/docs/skills"),
    # Cursor: project .cursor/skills/, user ~/.cursor/skills/ (it also reads .agents/skills).
    KindSpec("cursor-user", "Cursor", Scope.USER, (".cursor", "skills"), "https://cursor.com/docs/skills"),
    KindSpec("cursor-project", "Cursor", Scope.PROJECT, (".cursor", "skills"), "https://cursor.com/docs/skills"),
    # GitHub Copilot: project .github/skills (or .claude/skills, .agents/skills), personal ~/.copilot/skills.
    KindSpec("copilot-user", "GitHub Copilot", Scope.USER, (".copilot", "skills"),
             "https://docs.github.com/en/copilot/how-tos/use-copilot-agents/cloud-agent/create-skills"),
    KindSpec("copilot-project", "GitHub Copilot", Scope.PROJECT, (".github", "skills"),
             "https://docs.github.com/en/copilot/how-tos/use-copilot-agents/cloud-agent/create-skills"),
    # The shared .agents/skills folder of the Agent Skills standard, read by Codex, Gemini CLI,
    # OpenCode, Cursor and GitHub Copilot (each documents it at the URLs above).
    KindSpec("agents-user", "Agent Skills (shared)", Scope.USER, (".agents", "skills"), _AGENTS_DOC),
    KindSpec("agents-project", "Agent Skills (shared)", Scope.PROJECT, (".agents", "skills"), _AGENTS_DOC),
    KindSpec("custom", "Custom folder", Scope.CUSTOM, (), ""),
)}
"""Every kind a target can have, by CLI name; each path is cited to the agent's own documentation."""


def kind_spec(kind: str) -> KindSpec:
    """The spec of a kind name.

    Raises:
        TargetError: unknown kind (the message lists the known ones).
    """
    spec = KINDS.get(kind)
    if spec is None:
        raise TargetError(f"Unknown target kind {kind!r}; use one of: {', '.join(KINDS)}.")
    return spec


def resolve_folder(kind: str, path: str | os.PathLike[str] | None = None, *, home: Path | None = None,
                   cwd: Path | None = None) -> Path:
    """The skills folder of a target.

    Args:
        kind: a name from :data:`KINDS`.
        path: user kinds: must be None; project kinds: the project folder (default ``cwd``);
            custom: the skills folder itself (required).
        home: the home directory (default ``Path.home()``, i.e. ``$HOME``; never a hard-coded user).
        cwd: the current folder (default ``Path.cwd()``).

    Returns:
        An absolute path (not created).

    Raises:
        TargetError: unknown kind, PATH given to a user kind, or missing for ``custom``.
    """
    spec = kind_spec(kind)
    if spec.scope is Scope.USER:
        if path is not None:
            raise TargetError(f"{kind} is always {spec.describe()}; it takes no PATH (use custom for another folder).")
        return (home or Path.home()).joinpath(*spec.parts)
    if spec.scope is Scope.PROJECT:
        project = Path(path).expanduser() if path is not None else (cwd or Path.cwd())
        project = (cwd or Path.cwd()) / project if not project.is_absolute() else project
        return Path(os.path.normpath(project)).joinpath(*spec.parts)
    if path is None:
        raise TargetError("A custom target needs the folder: targets add custom PATH.")
    folder = Path(path).expanduser()
    folder = (cwd or Path.cwd()) / folder if not folder.is_absolute() else folder
    return Path(os.path.normpath(folder))


def default_name(kind: str, folder: Path) -> str:
    """The name a target gets when none is given: the project's folder name for project kinds, the
    folder's own name for ``custom``, the kind for user kinds (``claude-user``)."""
    spec = kind_spec(kind)
    if spec.scope is Scope.USER:
        return kind
    base = folder
    for _ in spec.parts:
        base = base.parent
    return base.name or kind


# -- values ----------------------------------------------------------------------------------------

class DeployState(str, Enum):
    """State of one deployed copy (see the module docstring)."""

    IN_SYNC = "in_sync"
    EDITED_HERE = "edited_here"
    BEHIND = "behind"
    MISSING = "missing"


class DeployMode(str, Enum):
    """How a skill is deployed."""

    COPY = "copy"
    SYMLINK = "symlink"


@dataclass(frozen=True)
class Target:
    """A configured target.

    Attributes:
        id: database id.
        name: the user's name for it (unique).
        kind: a name from :data:`KINDS`.
        path: the skills folder (absolute, as a string).
        skill_set: the skill set it follows, or None.
        agent: the agent's display name.
        doc_url: where the agent documents this folder ("" for custom).
    """

    id: int
    name: str
    kind: str
    path: str
    skill_set: str | None = None
    agent: str = ""
    doc_url: str = ""


@dataclass(frozen=True)
class Deployment:
    """One installed skill deployed to one target.

    Attributes:
        target: the target's name.
        local_name: the folder name in the target (the installed skill's local name).
        destination: where the skill is installed.
        mode: copy or symlink.
        state: in_sync, edited_here, behind or missing.
        path: the deployed folder (absolute, as a string).
        merge_available: edited here *and* the installed skill moved on: a three-way merge is offered.
        installed: False when the installed skill was removed (the deployment is orphaned).
    """

    target: str
    local_name: str
    destination: Destination
    mode: DeployMode
    state: DeployState
    path: str
    merge_available: bool = False
    installed: bool = True

    def to_json(self) -> dict[str, Any]:
        """``{local_name, destination, state, mode, merge_available}`` (``targets list --json``)."""
        return {"local_name": self.local_name, "destination": self.destination.value, "state": self.state.value,
                "mode": self.mode.value, "merge_available": self.merge_available}


@dataclass(frozen=True)
class CatalogMatch:
    """A catalog skill whose content matches an unmanaged folder.

    Attributes:
        registry: the registry's display name.
        registry_url: the registry source URL.
        qualified_name: the catalog skill's ``plugin:skill`` name.
        skill_path: its folder in the repository.
        how: ``"tree"`` (the same git tree SHA: every file identical) or ``"skill_md"`` (the same
            SKILL.md blob; other files may differ).
    """

    registry: str
    registry_url: str
    qualified_name: str
    skill_path: str
    how: str


@dataclass(frozen=True)
class UnmanagedSkill:
    """A skill folder in a target that the app did not deploy.

    Attributes:
        target: the target's name.
        name: the folder name.
        path: the folder (absolute, as a string).
        tree_sha: git tree SHA of the folder as it is on disk.
        skill_md_sha: git blob SHA of its SKILL.md.
        match: a catalog skill with the same content, or None.
    """

    target: str
    name: str
    path: str
    tree_sha: str
    skill_md_sha: str
    match: CatalogMatch | None = None

    def to_json(self) -> dict[str, Any]:
        """``{name, path, match}``; ``match`` is ``{registry, qualified_name, how}`` or None."""
        m = self.match
        return {"name": self.name, "path": self.path,
                "match": None if m is None else {"registry": m.registry, "qualified_name": m.qualified_name,
                                                 "how": m.how}}


@dataclass(frozen=True)
class SyncReport:
    """What a sync (propagation, set switch) did.

    Attributes:
        written: ``(target, local_name)`` pairs (re)written.
        removed: ``(target, local_name)`` pairs undeployed.
        needs_merge: deployments edited in place whose installed skill moved on (not overwritten).
        messages: sentences for the user (clashes, edits kept in backups, symlinks refused).
    """

    written: tuple[tuple[str, str], ...] = ()
    removed: tuple[tuple[str, str], ...] = ()
    needs_merge: tuple[Deployment, ...] = ()
    messages: tuple[str, ...] = ()


@dataclass
class _Acc:
    written: list[tuple[str, str]] = field(default_factory=list)
    removed: list[tuple[str, str]] = field(default_factory=list)
    needs_merge: list[Deployment] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)

    def report(self) -> SyncReport:
        return SyncReport(tuple(self.written), tuple(self.removed), tuple(self.needs_merge), tuple(self.messages))


# -- git object ids (to match hand-placed folders with catalog skills) ---------------------------

def git_tree_sha(folder: Path, *, ignore: Iterable[str] = (MARKER_FILE,)) -> str:
    """Git's tree id of a folder as it is on disk, as ``git write-tree`` would compute it.

    Regular files are ``100644`` (``100755`` when executable by the owner), symlinks ``120000``
    (blob = the link text), sub-folders ``40000``; entries sorted as git sorts them. Empty
    sub-folders are left out (git does not track them). Names in ``ignore`` at the top level are
    left out (the deploy marker).
    """
    return _tree_sha(folder, frozenset(ignore)) or hashlib.sha1(b"tree 0\0").hexdigest()


def _tree_sha(folder: Path, ignore: frozenset[str]) -> str | None:
    entries: list[tuple[str, bytes, str]] = []  # (sort key, entry bytes, name)
    for child in os.scandir(folder):
        if child.name in ignore:
            continue
        if child.is_symlink():
            sha = git_blob_sha(os.readlink(child.path).encode("utf-8", "surrogateescape"))
            entries.append((child.name, b"120000 " + child.name.encode() + b"\0" + bytes.fromhex(sha), child.name))
        elif child.is_dir():
            sub = _tree_sha(Path(child.path), frozenset())
            if sub is not None:
                entries.append((child.name + "/", b"40000 " + child.name.encode() + b"\0" + bytes.fromhex(sub), child.name))
        elif child.is_file():
            mode = b"100755" if child.stat().st_mode & stat.S_IXUSR else b"100644"
            with open(child.path, "rb") as fh:
                sha = git_blob_sha(fh.read())
            entries.append((child.name, mode + b" " + child.name.encode() + b"\0" + bytes.fromhex(sha), child.name))
    if not entries:
        return None
    body = b"".join(e[1] for e in sorted(entries, key=lambda e: e[0].encode()))
    return hashlib.sha1(b"tree %d\0" % len(body) + body).hexdigest()


def match_catalog(tree_sha: str, skill_md_sha: str, listings: Iterable[tuple[str, Listing]]) -> CatalogMatch | None:
    """The catalog skill with the same folder tree SHA (preferred) or the same SKILL.md blob.

    Args:
        tree_sha, skill_md_sha: the unmanaged folder's git ids (:func:`git_tree_sha`, :func:`git_blob_sha`).
        listings: ``(registry display name, listing)`` pairs; each listing's pinned trees are searched.

    Returns:
        The first match by tree over all listings, else the first by SKILL.md, else None.
    """
    by_md: CatalogMatch | None = None
    for registry, listing in listings:
        for skill in listing.skills:
            tree = listing.trees.get((skill.repo, skill.commit))
            if tree is None:
                continue
            entries = tree.by_path()
            folder = entries.get(skill.path)
            if folder is not None and folder.type == "tree" and folder.sha == tree_sha:
                return _match(registry, listing, skill, "tree")
            md = entries.get(f"{skill.path}/SKILL.md" if skill.path else "SKILL.md")
            if by_md is None and md is not None and md.sha == skill_md_sha:
                by_md = _match(registry, listing, skill, "skill_md")
    return by_md


def _match(registry: str, listing: Listing, skill: CatalogSkill, how: str) -> CatalogMatch:
    return CatalogMatch(registry, listing.source.url, skill.qualified_name, skill.path, how)


# -- files -----------------------------------------------------------------------------------------

def deployed_files(folder: Path) -> dict[str, bytes]:
    """The skill files of a deployed folder, the marker left out (``{}`` when missing)."""
    files = read_folder(folder)
    files.pop(MARKER_FILE, None)
    return files


def read_marker(folder: Path) -> dict[str, Any] | None:
    """The marker of a folder, or None when absent or not Skill Studio's."""
    try:
        data = json.loads((folder / MARKER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("app") == APP_ID else None


def _marker_bytes(local_name: str, destination: Destination) -> bytes:
    return (json.dumps({"app": APP_ID, "skill": local_name, "destination": destination.value,
                        "note": "Deployed by Skill Studio. Edits here are kept: the next update offers a merge."},
                       indent=2) + "\n").encode()


def _clean_tmp(folder: Path) -> None:
    if folder.is_dir():
        for child in folder.iterdir():
            if child.name.startswith(TMP_PREFIX):
                rmtree(child)


def _swap_in(target_dir: Path, name: str, make: Any) -> None:
    """Build the new entry at a temporary path inside ``target_dir`` with ``make(tmp)``, then rename it
    to ``target_dir/name`` (replacing what is there, which the caller checked is the app's)."""
    target_dir.mkdir(parents=True, exist_ok=True)
    _clean_tmp(target_dir)
    tmp = target_dir / f"{TMP_PREFIX}{uuid.uuid4().hex}"
    make(tmp)
    final = target_dir / name
    old: Path | None = None
    try:
        if final.exists() or final.is_symlink():
            old = target_dir / f"{TMP_PREFIX}{uuid.uuid4().hex}-old"
            os.rename(final, old)
        os.rename(tmp, final)
    except BaseException:
        if old is not None and (old.exists() or old.is_symlink()) and not (final.exists() or final.is_symlink()):
            os.rename(old, final)
        rmtree(tmp)
        raise
    if old is not None:
        rmtree(old)


# -- the manager -----------------------------------------------------------------------------------

class Targets:
    """Targets, deployments and skill sets over the store and the installed skills.

    Args:
        paths: the app folders (installed skills, snapshots, backups).
        store: the database (targets/deployments tables).
        installer: used for snapshots (baselines of deployments).
        home: the home directory for user kinds (default ``Path.home()``).

    Thread-safety: calls are not serialised here; the app layer runs them on one worker.
    """

    def __init__(self, paths: AppPaths, store: Store, installer: Installer, *, home: Path | None = None) -> None:
        self.paths = paths
        self.store = store
        self.installer = installer
        self.home = home

    # -- targets --------------------------------------------------------------------------------

    @staticmethod
    def _target(row: Mapping[str, Any]) -> Target:
        spec = KINDS.get(row["kind"])
        return Target(row["id"], row["name"], row["kind"], row["path"], row["skill_set"],
                      spec.agent if spec else row["kind"], spec.doc_url if spec else "")

    def add(self, kind: str, path: str | os.PathLike[str] | None = None, name: str | None = None) -> Target:
        """Add a target (nothing is written on disk until something is deployed).

        Args:
            kind: a name from :data:`KINDS`.
            path: see :func:`resolve_folder`.
            name: the target's name (default :func:`default_name`).

        Raises:
            TargetError: unknown kind, bad PATH, empty name, or the name/folder already a target;
                the folder exists and is not a folder.
        """
        folder = resolve_folder(kind, path, home=self.home)
        if folder.exists() and not folder.is_dir():
            raise TargetError(f"{folder} is not a folder.")
        data = Path(os.path.normpath(self.paths.data.resolve()))
        real = Path(os.path.normpath(folder.resolve()))
        if real == data or data in real.parents or real in data.parents:
            raise TargetError(f"{folder} holds Skill Studio's own data; choose a folder outside {data}.")
        name = (name if name is not None else default_name(kind, folder)).strip()
        if not name:
            raise TargetError("A target needs a name (--name).")
        return self._target(self.store.add_target(name, kind, str(folder)))

    def all(self) -> list[Target]:
        """Every target, sorted by name."""
        return [self._target(r) for r in self.store.targets()]

    def get(self, name: str) -> Target:
        """The target with that name.

        Raises:
            TargetError: no such target (the message lists the names).
        """
        rows = self.store.targets(name)
        if not rows:
            names = ", ".join(t.name for t in self.all()) or "none yet"
            raise TargetError(f"No target named {name!r} (targets: {names}).")
        return self._target(rows[0])

    def remove(self, name: str, *, keep_files: bool = False) -> SyncReport:
        """Forget a target; by default undeploy what the app wrote there first.

        Args:
            name: the target.
            keep_files: leave the deployed folders in place (they become unmanaged, marker and all).

        Returns:
            What was removed; edited copies are moved to the backups (named in ``messages``).
        """
        target = self.get(name)
        acc = _Acc()
        if not keep_files:
            for row in self.store.deployments(target_id=target.id):
                self._undeploy_row(target, row, acc)
        self.store.remove_target(target.id)
        return acc.report()

    # -- state ----------------------------------------------------------------------------------

    def _installed_folder(self, destination: Destination, local_name: str) -> Path:
        return self.paths.skills_dir(destination) / local_name

    def _installed_hash(self, destination: Destination, local_name: str) -> str | None:
        if self.store.skill(destination, local_name) is None:
            return None
        return content_hash(read_folder(self._installed_folder(destination, local_name)))

    def _deployment(self, target: Target, row: Mapping[str, Any]) -> Deployment:
        dest = Destination(row["destination"])
        mode = DeployMode(row["mode"])
        folder = Path(target.path) / row["local_name"]
        installed_hash = self._installed_hash(dest, row["local_name"])
        installed = installed_hash is not None
        merge = False
        if mode is DeployMode.SYMLINK:
            ok = folder.is_symlink() and folder.resolve() == self._installed_folder(dest, row["local_name"]).resolve()
            state = DeployState.IN_SYNC if ok and folder.is_dir() else DeployState.MISSING
        elif not folder.is_dir() or folder.is_symlink():
            state = DeployState.MISSING
        else:
            here = content_hash(deployed_files(folder))
            behind = installed and installed_hash != row["source_hash"]
            if here != row["source_hash"]:
                state, merge = DeployState.EDITED_HERE, bool(behind)
            elif behind:
                state = DeployState.BEHIND
            else:
                state = DeployState.IN_SYNC
        return Deployment(target.name, row["local_name"], dest, mode, state, str(folder), merge, installed)

    def deployments(self, target: str | None = None, *, destination: Destination | None = None,
                    local_name: str | None = None) -> list[Deployment]:
        """Deployments with their current state, filtered by target name and/or installed skill.

        Raises:
            TargetError: ``target`` names no target.
        """
        targets = [self.get(target)] if target is not None else self.all()
        out: list[Deployment] = []
        for t in targets:
            for row in self.store.deployments(target_id=t.id, destination=destination, local_name=local_name):
                out.append(self._deployment(t, row))
        return out

    # -- deploy / undeploy ----------------------------------------------------------------------

    def _owned(self, target: Target, folder: Path, row: Mapping[str, Any] | None) -> bool:
        """True when the entry at ``folder`` is the app's: a recorded deployment whose copy carries
        the marker naming that skill, or whose link points at the installed folder."""
        if row is None:
            return False
        if row["mode"] == DeployMode.SYMLINK.value:
            return folder.is_symlink() and folder.resolve() == self._installed_folder(
                Destination(row["destination"]), row["local_name"]).resolve()
        marker = read_marker(folder) if folder.is_dir() and not folder.is_symlink() else None
        return marker is not None and marker.get("skill") == row["local_name"]

    def _row(self, target: Target, local_name: str) -> dict[str, Any] | None:
        rows = self.store.deployments(target_id=target.id, local_name=local_name)
        return rows[0] if rows else None

    def deploy(self, destination: Destination, local_name: str, target: str, *,
               mode: DeployMode | str = DeployMode.COPY, force: bool = False) -> Deployment:
        """Deploy an installed skill to a target (or redeploy it).

        Args:
            destination, local_name: the installed skill.
            target: the target's name.
            mode: copy (default) or symlink (where the OS allows).
            force: replace a deployed copy that was edited in place (it is moved to the backups first).

        Returns:
            The deployment (``in_sync``).

        Raises:
            TargetError: no such target or installed skill; a folder of that name in the target that
                the app did not write (never overwritten); an edited copy without ``force``; the
                skill is deployed there from the other destination; symlinks unavailable.
        """
        mode = DeployMode(mode)
        t = self.get(target)
        check_local_name(local_name)
        if self.store.skill(destination, local_name) is None:
            raise TargetError(f"{local_name!r} is not installed in {destination.label}.")
        folder = Path(t.path) / local_name
        row = self._row(t, local_name)
        if row is not None and row["destination"] != destination.value:
            raise TargetError(f"{local_name!r} in {t.name} is deployed from {Destination(row['destination']).label}; "
                              "undeploy it first.")
        exists = folder.exists() or folder.is_symlink()
        if exists and not self._owned(t, folder, row):
            raise TargetError(f"{folder} was not written by Skill Studio; it is never overwritten. Rename or remove "
                              "it, or adopt it from the Targets page.")
        acc = _Acc()
        if exists and row is not None:
            current = self._deployment(t, row)
            if current.state is DeployState.EDITED_HERE:
                if not force:
                    raise TargetError(f"{folder} was edited in place; redeploying needs confirmation (--force), "
                                      "and your edits will be kept in the backups.")
                self._backup(t, folder, acc)
        self._write(t, destination, local_name, mode)
        row = self._row(t, local_name)
        assert row is not None
        return self._deployment(t, row)

    def _write(self, t: Target, destination: Destination, local_name: str, mode: DeployMode,
               files: Mapping[str, bytes] | None = None) -> None:
        """Write (copy or link) the installed skill, or ``files`` (a merge result), and record it."""
        src = self._installed_folder(destination, local_name)
        installed = read_folder(src)
        source_hash = self.installer.save_snapshot(installed)  # the baseline, kept for a later merge
        target_dir = Path(t.path)
        if mode is DeployMode.SYMLINK:
            def make(tmp: Path) -> None:
                try:
                    os.symlink(src.resolve(), tmp, target_is_directory=True)
                except (OSError, NotImplementedError) as exc:
                    raise TargetError(f"Symlinks cannot be made in {target_dir} here ({exc}); deploy a copy instead.") from None
            written = source_hash
        else:
            content = dict(files if files is not None else installed)
            content.pop(MARKER_FILE, None)
            written = content_hash(content)
            if files is not None:
                self.installer.save_snapshot(content)

            def make(tmp: Path) -> None:
                write_folder(tmp, {**content, MARKER_FILE: _marker_bytes(local_name, destination)})
        try:
            _swap_in(target_dir, local_name, make)
        except OSError as exc:
            raise TargetError(f"Cannot write {target_dir / local_name}: {exc.strerror or exc}.") from None
        self.store.upsert_deployment(t.id, destination, local_name, mode=mode.value, source_hash=source_hash,
                                     written_hash=written)

    def _backup(self, t: Target, folder: Path, acc: _Acc) -> Path:
        where = self.paths.backups / "targets" / t.name / folder.name / f"{utcnow().replace(':', '')}-{uuid.uuid4().hex[:6]}"
        where.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(folder), str(where))
        acc.messages.append(f"{folder} had edits made there; they were moved to {where}.")
        return where

    def _undeploy_row(self, t: Target, row: Mapping[str, Any], acc: _Acc) -> None:
        folder = Path(t.path) / row["local_name"]
        if folder.exists() or folder.is_symlink():
            if not self._owned(t, folder, row):
                acc.messages.append(f"{folder} is no longer Skill Studio's (no marker); it was left in place.")
            elif row["mode"] == DeployMode.SYMLINK.value:
                folder.unlink()
            elif content_hash(deployed_files(folder)) != row["written_hash"]:
                self._backup(t, folder, acc)
            else:
                rmtree(folder)
        self.store.delete_deployment(t.id, row["local_name"])
        acc.removed.append((t.name, row["local_name"]))

    def undeploy(self, local_name: str, target: str) -> SyncReport:
        """Remove a deployed skill from a target: only what the app wrote is deleted; a copy edited in
        place is moved to the backups (named in ``messages``).

        Raises:
            TargetError: no such target, or the skill is not deployed there.
        """
        t = self.get(target)
        row = self._row(t, local_name)
        if row is None:
            raise TargetError(f"{local_name!r} is not deployed to {t.name}.")
        acc = _Acc()
        self._undeploy_row(t, row, acc)
        return acc.report()

    def write_merged(self, local_name: str, target: str, files: Mapping[str, bytes]) -> Deployment:
        """Write the result of merging a deployed copy edited in place with the installed skill.

        The merged files replace the deployed copy; the baseline becomes the installed skill's
        current content, so the copy stays ``edited_here`` (it carries the user's edits, like a
        customized skill) but is no longer behind.

        Raises:
            TargetError: no such target or deployment, or the deployed folder is not the app's.
        """
        t = self.get(target)
        row = self._row(t, local_name)
        if row is None:
            raise TargetError(f"{local_name!r} is not deployed to {t.name}.")
        folder = Path(t.path) / local_name
        if (folder.exists() or folder.is_symlink()) and not self._owned(t, folder, row):
            raise TargetError(f"{folder} was not written by Skill Studio; it is never overwritten.")
        self._write(t, Destination(row["destination"]), local_name, DeployMode.COPY, files)
        new = self._row(t, local_name)
        assert new is not None
        return self._deployment(t, new)

    def merge_inputs(self, local_name: str, target: str) -> tuple[dict[str, bytes], dict[str, bytes], dict[str, bytes]]:
        """``(base, ours, theirs)`` for a three-way merge of a deployed copy edited in place: the
        baseline it was written from, the copy as it is in the target, the installed skill now.

        Raises:
            TargetError: no such target or deployment.
        """
        t = self.get(target)
        row = self._row(t, local_name)
        if row is None:
            raise TargetError(f"{local_name!r} is not deployed to {t.name}.")
        base = self.installer.snapshot_files(row["source_hash"])
        ours = deployed_files(Path(t.path) / local_name)
        theirs = read_folder(self._installed_folder(Destination(row["destination"]), local_name))
        return base, ours, theirs

    # -- propagation ----------------------------------------------------------------------------

    def sync_skill(self, destination: Destination, local_name: str, *, restore_missing: bool = False,
                   only_target: str | None = None) -> SyncReport:
        """Bring every deployed copy of an installed skill up to date (after an update, a merge, a
        rollback or an edit in the Library).

        ``behind`` copies are rewritten; copies edited in place are never overwritten and are
        returned in ``needs_merge`` when the installed skill moved on; a copy deleted from its
        target by hand stays deleted (reported) unless ``restore_missing``; when the skill is no
        longer installed its deployments are undeployed (only what the app wrote).

        Args:
            destination, local_name: the installed skill.
            restore_missing: write copies that are missing from their target again.
            only_target: limit the sync to this target's copy.
        """
        acc = _Acc()
        installed = self.store.skill(destination, local_name) is not None
        for t in self.all():
            if only_target is not None and t.name != only_target:
                continue
            row = self._row(t, local_name)
            if row is None or row["destination"] != destination.value:
                continue
            if not installed:
                self._undeploy_row(t, row, acc)
                continue
            dep = self._deployment(t, row)
            folder = Path(dep.path)
            if dep.state is DeployState.MISSING and not restore_missing:
                acc.messages.append(f"{dep.path} was removed from {t.name} by hand; deploy it again to restore it.")
            elif dep.state in (DeployState.BEHIND, DeployState.MISSING):
                if (folder.exists() or folder.is_symlink()) and not self._owned(t, folder, row):
                    acc.messages.append(f"{folder} is no longer Skill Studio's (no marker); it was not overwritten.")
                    continue
                try:
                    self._write(t, destination, local_name, dep.mode)
                except TargetError as exc:
                    acc.messages.append(str(exc))
                    continue
                acc.written.append((t.name, local_name))
            elif dep.merge_available:
                acc.needs_merge.append(dep)
                acc.messages.append(f"{dep.path} was edited in place and {local_name!r} changed since; it was not "
                                    "overwritten: merge it from the Targets page or `skill-studio deploy --force`.")
        return acc.report()

    def on_installed_change(self, destination: Destination, local_name: str) -> None:
        """Installer listener (``Installer.on_change``): propagate a committed install, update,
        rollback or removal to the skill's deployed copies. Never raises (failures are logged)."""
        try:
            if self.store.deployments(destination=destination, local_name=local_name):
                report = self.sync_skill(destination, local_name)
                for line in report.messages:
                    log.info("%s", line)
        except Exception:  # a listener must not turn a committed change into a failure
            log.exception("propagating %s/%s to its targets failed", destination.value, local_name)

    # -- unmanaged skills -------------------------------------------------------------------------

    def unmanaged(self, target: str, listings: Sequence[tuple[str, Listing]] = ()) -> list[UnmanagedSkill]:
        """Skill folders in a target that the app did not deploy, each matched against ``listings``.

        Args:
            target: the target's name.
            listings: ``(registry display name, listing)`` pairs to match against (may be empty).

        Returns:
            Sorted by folder name. A folder counts when it holds a ``SKILL.md``; the app's own
            deployments and temporary folders are left out.
        """
        t = self.get(target)
        folder = Path(t.path)
        if not folder.is_dir():
            return []
        managed = {r["local_name"] for r in self.store.deployments(target_id=t.id)}
        out: list[UnmanagedSkill] = []
        for child in sorted(folder.iterdir(), key=lambda p: p.name):
            if child.name in managed or child.name.startswith(TMP_PREFIX) or not child.is_dir():
                continue
            md = child / "SKILL.md"
            if not md.is_file():
                continue
            try:
                tree_sha = git_tree_sha(child)
                md_sha = git_blob_sha(md.read_bytes())
            except OSError as exc:
                log.info("cannot read %s: %s", child, exc)
                continue
            out.append(UnmanagedSkill(t.name, child.name, str(child), tree_sha, md_sha,
                                      match_catalog(tree_sha, md_sha, listings)))
        return out

    def adopt(self, target: str, folder_name: str, destination: Destination, local_name: str | None = None) -> Deployment:
        """Make an unmanaged folder a deployment of an installed skill (after the app layer imported
        the matching catalog skill): the marker is added and the deployment recorded with the installed
        skill as baseline. The folder's files are not changed; when they differ from the installed
        skill the deployment is ``edited_here``.

        Raises:
            TargetError: no such target/folder/installed skill, or the folder is already managed.
        """
        t = self.get(target)
        local_name = local_name or folder_name
        folder = Path(t.path) / folder_name
        if local_name != folder_name:
            raise TargetError(f"{folder} would have to be renamed to {local_name!r} to be adopted; rename it first.")
        if not folder.is_dir() or folder.is_symlink():
            raise TargetError(f"{folder} is not a skill folder.")
        if self._row(t, folder_name) is not None:
            raise TargetError(f"{folder} is already deployed by Skill Studio.")
        if self.store.skill(destination, local_name) is None:
            raise TargetError(f"{local_name!r} is not installed in {destination.label}.")
        source_hash = self.installer.save_snapshot(read_folder(self._installed_folder(destination, local_name)))
        here = deployed_files(folder)
        try:
            (folder / MARKER_FILE).write_bytes(_marker_bytes(local_name, destination))
        except OSError as exc:
            raise TargetError(f"Cannot write {folder / MARKER_FILE}: {exc.strerror or exc}.") from None
        self.store.upsert_deployment(t.id, destination, local_name, mode=DeployMode.COPY.value,
                                     source_hash=source_hash, written_hash=content_hash(here))
        row = self._row(t, local_name)
        assert row is not None
        return self._deployment(t, row)

    # -- skill sets -------------------------------------------------------------------------------

    def skill_sets(self) -> dict[str, list[tuple[Destination, str]]]:
        """Every skill set: ``{name: [(destination, local_name), ...]}``."""
        return {k: [(Destination(d), n) for d, n in v] for k, v in self.store.skill_sets().items()}

    def define_set(self, name: str, members: Iterable[tuple[Destination, str]]) -> list[tuple[Destination, str]]:
        """Create or replace a skill set (an empty list deletes it).

        Raises:
            TargetError: empty name, or a member that is not installed.
        """
        name = name.strip()
        if not name:
            raise TargetError("A skill set needs a name.")
        members = sorted(set(members), key=lambda m: (m[0].value, m[1]))
        for dest, local in members:
            if self.store.skill(dest, local) is None:
                raise TargetError(f"{local!r} is not installed in {dest.label}; it cannot join the set {name!r}.")
        self.store.replace_skill_set(name, [(d.value, n) for d, n in members])
        return members

    def apply_set(self, target: str, set_name: str | None, *, mode: DeployMode | str = DeployMode.COPY) -> SyncReport:
        """Switch a target to a skill set in one step: deploy the set's members, undeploy the app's
        other deployments there (only what it wrote; edits go to the backups), refresh members that
        are behind. ``None`` clears the set (everything the app deployed there is undeployed).

        Raises:
            TargetError: no such target or set.
        """
        t = self.get(target)
        sets = self.skill_sets()
        if set_name is not None and set_name not in sets:
            raise TargetError(f"No skill set named {set_name!r} (sets: {', '.join(sets) or 'none yet'}).")
        wanted = {n: d for d, n in sets.get(set_name, [])} if set_name else {}
        acc = _Acc()
        for row in self.store.deployments(target_id=t.id):
            if wanted.get(row["local_name"]) != Destination(row["destination"]):
                self._undeploy_row(t, row, acc)
        for local, dest in sorted(wanted.items()):
            existing = self._row(t, local)
            try:
                if existing is None:
                    self.deploy(dest, local, t.name, mode=mode)
                    acc.written.append((t.name, local))
                else:
                    sub = self.sync_skill(dest, local, restore_missing=True, only_target=t.name)
                    acc.written.extend(sub.written)
                    acc.needs_merge.extend(sub.needs_merge)
            except TargetError as exc:
                acc.messages.append(str(exc))
        self.store.set_target_skill_set(t.id, set_name)
        return acc.report()

    # -- cost -------------------------------------------------------------------------------------

    def budget_tokens(self) -> int:
        """The always-loaded budget per target (the user's setting, else :data:`DEFAULT_BUDGET_TOKENS`)."""
        raw = self.store.get_setting(BUDGET_SETTING)
        try:
            value = int(raw) if raw is not None else DEFAULT_BUDGET_TOKENS
        except ValueError:
            value = DEFAULT_BUDGET_TOKENS
        return value if value > 0 else DEFAULT_BUDGET_TOKENS

    def set_budget_tokens(self, tokens: int | None) -> int:
        """Set the always-loaded budget (None restores the default); returns the budget in force.

        Raises:
            TargetError: not a positive whole number.
        """
        if tokens is None:
            self.store.set_setting(BUDGET_SETTING, str(DEFAULT_BUDGET_TOKENS))
            return DEFAULT_BUDGET_TOKENS
        if not isinstance(tokens, int) or isinstance(tokens, bool) or tokens <= 0:
            raise TargetError(f"The budget must be a positive number of tokens, not {tokens!r}.")
        self.store.set_setting(BUDGET_SETTING, str(tokens))
        return tokens

    def cost(self, target: str | None = None) -> list[TargetCost]:
        """Estimated context cost of what is deployed, per target (see :mod:`skill_studio.core.cost`).

        The deployed folders are read as they are in the target (what the agent reads); a missing
        one is counted from the installed skill.

        Raises:
            TargetError: ``target`` names no target.
        """
        budget = self.budget_tokens()
        out: list[TargetCost] = []
        for t in ([self.get(target)] if target is not None else self.all()):
            costs = []
            for row in self.store.deployments(target_id=t.id):
                folder = Path(t.path) / row["local_name"]
                files = deployed_files(folder) if folder.is_dir() else read_folder(
                    self._installed_folder(Destination(row["destination"]), row["local_name"]))
                costs.append(skill_cost(row["local_name"], files))
            out.append(target_cost(t.name, costs, budget))
        return out
