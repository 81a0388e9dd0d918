"""Hooks for Alembic's autogenerate, shared by env.py and the schema test."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import DateTime

from socialbot.store.types import UTCDateTime


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Render UTCDateTime as a plain type, so migrations never import model code that may change."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def compare_type(context: Any, inspected: Any, metadata: Any, *args: Any) -> bool | None:
    """UTCDateTime is a DateTime in the database: not a change."""
    if isinstance(metadata.type, UTCDateTime) and isinstance(inspected.type, DateTime):
        return False
    return None


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Tables that are not socialbot's (APScheduler's job store) are not part of its migrations."""
    return not (type_ == "table" and reflected and compare_to is None and name == "apscheduler_jobs")
