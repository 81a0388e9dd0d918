"""Mastodon (and other servers speaking its API)."""

import re

from socialbot.networks.base import HttpSettings, NetworkInfo


class MastodonSettings(HttpSettings):
    """[network.mastodon]"""

    # Public statuses need no token; some servers require one (authorized fetch).
    token_env: str | None = None


NETWORK = NetworkInfo(
    name="mastodon",
    label="Mastodon",
    source_field="handle",
    # user@instance, as shown on a profile, without the leading @.
    source_pattern=re.compile(r"^[A-Za-z0-9_]{1,30}@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}$"),
    source_example="labourleft@mastodon.social",
    publish_credentials=("access_token",),
    sandbox_hosts={"mastodon.social": "mastodon"},
    settings=MastodonSettings,
)
