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


NETWORK = NetworkInfo(
    name="rss",
    label="website",
    source_field="url",
    source_pattern=re.compile(r"^https?://[^\s/]+\.[^\s/]+(/\S*)?$"),
    source_example="https://labourleft.org/feed/",
    settings=RssSettings,
)
