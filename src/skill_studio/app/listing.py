"""The cold listing of a registry at one commit (R-DIS-1..6, issue 18).

``SkillStudio.list_registry`` calls :func:`list_at_commit` when no cached listing of the commit
exists; the GUI runs the same function in a child process (``app.listing_process``). It lives in
its own module so that the child imports it without the studio.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from concurrent.futures import Future

from skill_studio.core import executor
from skill_studio.core.catalog import parse_catalog
from skill_studio.core.discovery import PLUGIN_JSON, discover, likely_skill_files
from skill_studio.core.errors import CatalogError, FrontmatterError, NotFoundError
from skill_studio.core.frontmatter import MAX_SKILL_MD_BYTES, parse_skill_md
from skill_studio.core.github import GitHubClient
from skill_studio.core.models import Catalog, Listing, Progress, RegistrySource, RepoTree, SkillMetadata, join_path

__all__ = ["list_at_commit"]


class _EarlyParser:
    """SKILL.md files parsed by the download threads as they arrive, overlapping the parse with the
    wait for other downloads; discovery then takes each result instead of parsing again (same
    function, same result, same error)."""

    def __init__(self) -> None:
        self._done: dict[str, tuple[bytes, SkillMetadata | FrontmatterError]] = {}

    def add(self, path: str, data: bytes) -> None:
        if posixpath.basename(path) != "SKILL.md" or len(data) > MAX_SKILL_MD_BYTES:
            return
        try:
            result: SkillMetadata | FrontmatterError = parse_skill_md(data, path)
        except FrontmatterError as err:
            result = err
        self._done[path] = (data, result)

    def parse(self, data: bytes, path: str) -> SkillMetadata:
        hit = self._done.get(path)
        if hit is None or hit[0] is not data:
            return parse_skill_md(data, path)
        if isinstance(hit[1], FrontmatterError):
            raise hit[1]
        return hit[1]


def list_at_commit(client: GitHubClient, source: RegistrySource, commit: str,
                   progress: Progress | None) -> Listing:
    """Tree → catalog → discovery at ``commit``: the uncached part of ``SkillStudio.list_registry``
    (R-DIS-1..6), run in the calling process or in ``app.listing_process``'s child.

    Round trips overlap: the tree downloads in a background thread while the catalog is read
    and every plugin.json it implies is requested from the raw host (verified against the tree
    later); SKILL.md files are parsed as they arrive. Errors come in the sequential order: the
    tree's first, then the catalog's.

    Args:
        client: the GitHub client of ``source.host``.
        source: the registry.
        commit: the commit SHA to list (resolved by the caller).
        progress: optional ``progress(done, total)`` over the file downloads.

    Returns:
        The listing, with the registry's full tree in ``trees``.

    Raises:
        CatalogError: no or an invalid marketplace.json at ``commit`` (R-CAT-1).
        RemoteError subclasses: the tree or a file could not be downloaded.
    """
    def read_catalog() -> bytes | None:
        try:
            return client.file_at(source.owner, source.repo, commit, source.catalog_path)
        except NotFoundError:
            return None

    catalog: Catalog | None = None
    catalog_error: CatalogError | None = None
    prefetch = None
    with executor.Limited(1) as pool:
        if client.concurrency > 1:
            tree_future: Future[RepoTree] | None = pool.submit(client.tree, source.owner, source.repo, commit)
        else:  # one request at a time: tree, then catalog
            tree_future, tree = None, client.tree(source.owner, source.repo, commit)
        data = read_catalog()
        try:
            if data is not None:
                catalog = parse_catalog(data, source.catalog_path, source.subpath)
                if tree_future is not None:
                    manifests = [join_path(p.path, PLUGIN_JSON) for p in catalog.plugins if p.path is not None]
                    prefetch = client.prefetch(source.owner, source.repo, commit, manifests)
        except CatalogError as err:
            catalog_error = err
        try:
            if tree_future is not None:
                tree = tree_future.result()
            catalog_entry = tree.by_path().get(source.catalog_path)
            if data is None or catalog_entry is None or not catalog_entry.is_file:
                raise CatalogError(
                    f"{source.slug} has no {source.catalog_path} at {commit[:12]}: it is not a plugin marketplace.")
            if catalog_error is not None:
                raise catalog_error
            assert catalog is not None
            if prefetch is not None:  # issue 18: SKILL.md downloads start now, not after every plugin.json
                prefetch.add(likely_skill_files(tree, catalog.plugins, source.subpath), known=True)
            early = _EarlyParser()
            too_large: set[str] = set()  # over the cap whatever the tree said: one excluded skill each

            def fetch(paths: Iterable[str]) -> dict[str, bytes]:
                # SKILL.md and plugin.json: never more than a SKILL.md may hold (issue 16 item 8)
                return client.fetch_blobs(tree, list(paths), progress=progress, on_file=early.add,
                                          prefetched=prefetch, max_bytes=MAX_SKILL_MD_BYTES,
                                          on_too_large=too_large.add)

            listing = discover(source, tree, catalog, fetch, parse=early.parse, too_large=too_large)
        finally:
            if prefetch is not None:
                prefetch.close()
    listing.trees[(f"{tree.owner}/{tree.repo}", tree.commit)] = tree
    return listing
