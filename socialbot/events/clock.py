"""Times as the network writes them: "5.30pm", "7pm", "12 noon"."""

from __future__ import annotations

from datetime import datetime


def spoken_time(value: datetime) -> str:
    """ "5.30pm", "7pm", "12 noon", "12 midnight"."""
    if value.minute == 0 and value.hour in (0, 12):
        return "12 noon" if value.hour == 12 else "12 midnight"
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    return f"{hour}{suffix}" if value.minute == 0 else f"{hour}.{value.minute:02d}{suffix}"
