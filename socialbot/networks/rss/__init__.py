"""RSS and Atom feeds of the groups' websites (collect only)."""

import re

from socialbot.networks.base import NetworkInfo

NETWORK = NetworkInfo(
    name="rss",
    label="website",
    source_field="url",
    source_pattern=re.compile(r"^https?://[^\s/]+\.[^\s/]+(/\S*)?$"),
    source_example="https://labourleft.org/feed/",
)
