"""Facebook Pages, through facebook-sdk's GraphAPI."""

import re

from socialbot.networks.base import NetworkInfo

NETWORK = NetworkInfo(
    name="facebook",
    label="Facebook",
    source_field="page",
    # A Page's username (letters, digits, periods) or its numeric id.
    source_pattern=re.compile(r"^[A-Za-z0-9.\-]{2,100}$"),
    source_example="LabourLeftAlliance",
    publish_credentials=("page_token",),
    sandbox_hosts={"graph.facebook.com": "facebook"},
)
