"""Bluesky, through the AT Protocol's public AppView and a PDS session."""

import re

from socialbot.networks.base import HttpSettings, NetworkInfo


class BlueskySettings(HttpSettings):
    """[network.bluesky]"""

    # Public reads need no account: the AppView serves every author's feed.
    appview: str = "https://public.api.bsky.app/xrpc"
    # Where publishing accounts log in (their PDS).
    pds: str = "https://bsky.social/xrpc"


NETWORK = NetworkInfo(
    name="bluesky",
    label="Bluesky",
    source_field="handle",
    # https://atproto.com/specs/handle: a domain name, without the leading @.
    source_pattern=re.compile(
        r"^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$"
    ),
    source_example="labourleft.bsky.social",
    publish_credentials=("app_password",),
    sandbox_hosts={"public.api.bsky.app": "bsky", "bsky.social": "bsky"},
    settings=BlueskySettings,
)
