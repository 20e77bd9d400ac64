"""Merge on update, for the faces (issue 13): the merge engine's plain result types.

The UI and the CLI may import only ``skill_studio.app``, ``core.models`` and ``core.errors``; the
values a merge returns (:class:`MergeResult`, :class:`FileMerge`, :class:`Chunk`,
:class:`Conflict`) are defined with the engine in :mod:`skill_studio.core.merge` and re-exported here.
"""

from __future__ import annotations

from skill_studio.core.merge import Chunk, Conflict, FileMerge, MergeResult, Prefer

__all__ = ["Chunk", "Conflict", "FileMerge", "MergeResult", "Prefer"]
