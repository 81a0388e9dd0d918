"""RSS and Atom feeds of the groups' websites (collect only)."""

import re

from pydantic import Field

from socialbot.networks.base import NetworkInfo, NetworkSettings


class RssSettings(NetworkSettings):
    """[network.rss]"""

    connect_timeout: float = Field(default=5.0, gt=0, le=60)
    read_timeout: float = Field(default=15.0, gt=0, le=300)
    # A feed larger than this is refused, not read into memory.
    max_bytes: int = Field(default=5_000_000, ge=10_000, le=100_000_000)
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
