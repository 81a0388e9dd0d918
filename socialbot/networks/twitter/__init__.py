"""X (Twitter), through tweepy's API v2 Client."""

import re

from socialbot.networks.base import NetworkInfo

NETWORK = NetworkInfo(
    name="twitter",
    label="X",
    source_field="handle",
    # https://help.x.com/en/managing-your-account/x-username-rules: 4-15 letters, digits, _
    source_pattern=re.compile(r"^[A-Za-z0-9_]{1,15}$"),
    source_example="LabourLeftAll",
    publish_credentials=("api_key", "api_secret", "access_token", "access_token_secret"),
    sandbox_hosts={"api.twitter.com": "x", "api.x.com": "x", "upload.twitter.com": "x-upload"},
)
