"""X (Twitter), through tweepy's API v2 Client."""

import re

from pydantic import Field

from socialbot.networks.base import HttpSettings, NetworkInfo


class TwitterSettings(HttpSettings):
    """[network.twitter]"""

    # The app's bearer token, for reading timelines (app-only auth).
    bearer_token_env: str = "SOCIALBOT_X_BEARER_TOKEN"
    # Posts read on a source's first collection; X bills per post read, so history is not crawled.
    first_fetch: int = Field(default=20, ge=5, le=100)


NETWORK = NetworkInfo(
    name="twitter",
    label="X",
    source_field="handle",
    # https://help.x.com/en/managing-your-account/x-username-rules: 4-15 letters, digits, _
    source_pattern=re.compile(r"^[A-Za-z0-9_]{1,15}$"),
    source_example="LabourLeftAll",
    publish_credentials=("api_key", "api_secret", "access_token", "access_token_secret"),
    sandbox_hosts={"api.twitter.com": "x", "api.x.com": "x"},
    settings=TwitterSettings,
    read_secrets=("bearer_token_env",),
)
