"""Stable keys: a campaign's name, a post's and an event's key (they name rows, UIDs and URLs)."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

KEY = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def check_key(value: str) -> str:
    """value, if it is lower-case letters and digits in words joined by single hyphens."""
    if not KEY.match(value):
        raise ValueError(f"{value!r} must be lower-case letters, digits and single hyphens")
    return value


# A field holding a stable key.
StableKey = Annotated[str, AfterValidator(check_key)]
