"""The clock of the core: every "now" comes from here (tests may monkeypatch :func:`now`)."""

from __future__ import annotations

from datetime import datetime, timezone

__all__ = ["now", "utcnow"]


def now() -> datetime:
    """The current time as an aware UTC ``datetime``."""
    return datetime.now(timezone.utc)


def utcnow() -> str:
    """Current UTC time as ISO-8601 with seconds and a ``Z`` (``2026-11-23T14:35:00Z``): the form
    the database stores."""
    return now().replace(microsecond=0).isoformat().replace("+00:00", "Z")
