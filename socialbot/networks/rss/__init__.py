"""RSS and Atom feeds of the groups' websites (collect only)."""

import re

from pydantic import Field

from socialbot.networks.base import HttpSettings, NetworkInfo


class RssSettings(HttpSettings):
    """[network.rss]: connect_timeout, read_timeout and max_bytes (HttpSettings), and:"""

    # Processes that parse feeds beside the collector (feedparser is CPU-bound): 0 parses in the
    # fetching thread, right for dozens of feeds; set the number of cores for hundreds.
    parse_workers: int = Field(default=0, ge=0, le=64)


NETWORK = NetworkInfo(
    name="rss",
    label="website",
    source_field="url",
    source_pattern=re.compile(r"^https?://[^\s/]+\.[^\s/]+(/\S*)?$"),
    source_example="https://labourleft.org/feed/",
    settings=RssSettings,
)
