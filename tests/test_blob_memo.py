"""The in-memory blob memo (issue 14: an import reuses what its review just downloaded)."""

from __future__ import annotations

from skill_studio.core.blob_memo import BlobMemo


def test_bounded_by_bytes_least_recently_used_first_out() -> None:
    memo = BlobMemo(max_bytes=10)
    memo.put("a", b"1234")
    memo.put("b", b"5678")
    assert memo.get("a") == b"1234"  # a is now the most recently used
    memo.put("c", b"90ab")  # 12 bytes > 10: b (least recently used) goes
    assert (memo.get("a"), memo.get("b"), memo.get("c")) == (b"1234", None, b"90ab")
    memo.put("huge", b"x" * 11)  # larger than the bound: never kept, nothing evicted
    assert memo.get("huge") is None and len(memo) == 2
    memo.put("a", b"12")  # replacing an entry recounts its size
    memo.put("d", b"cdef")
    assert len(memo) == 3
