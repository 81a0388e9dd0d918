"""Graph API versions and the day Meta retires each (developers.facebook.com/docs/graph-api/changelog,
"Available Graph API versions", as of December 2026). A version without a date has none announced."""

from __future__ import annotations

from datetime import date

CURRENT = "v26.0"
RETIRED_ON = {
    "v19.0": date(2026, 5, 21),
    "v20.0": date(2026, 9, 24),
    "v21.0": date(2027, 1, 21),
    "v22.0": date(2027, 5, 20),
    "v23.0": date(2027, 10, 8),
    "v24.0": date(2028, 2, 18),
    "v25.0": date(2028, 7, 29),
}
# Warn this long before a version's end: time to test the next one.
NOTICE_DAYS = 90


def version_warning(version: str, today: date) -> str | None:
    """Why the configured version needs changing soon (or now), or None."""
    ends = RETIRED_ON.get(version)
    if ends is None:
        major = version.lstrip("v").split(".")[0]
        if major.isdigit() and int(major) < 19:
            return f'api_version {version} was retired by Meta; set api_version = "{CURRENT}"'
        return None
    days = (ends - today).days
    if days < 0:
        return f'api_version {version} was retired by Meta on {ends:%-d %B %Y}; set api_version = "{CURRENT}"'
    if days <= NOTICE_DAYS:
        return (
            f"api_version {version} is retired by Meta on {ends:%-d %B %Y} (in {days} days); "
            f'test and set api_version = "{CURRENT}"'
        )
    return None
