"""Facebook Pages, through facebook-sdk's GraphAPI."""

import re
from datetime import date

from pydantic import Field

from socialbot.networks.base import HttpSettings, NetworkInfo
from socialbot.networks.facebook.versions import CURRENT, version_warning


class FacebookSettings(HttpSettings):
    """[network.facebook]"""

    # A token that can read the groups' public pages (an app token with Page Public Content Access).
    token_env: str = "SOCIALBOT_FACEBOOK_READ_TOKEN"
    # facebook-sdk 3.1.0 knows only the retired 2.8–3.1; socialbot sets a current version itself.
    api_version: str = Field(default=CURRENT, pattern=r"^v\d{1,2}\.\d$")
    first_fetch: int = Field(default=25, ge=1, le=100)
    # The app's secret, for apps set to require appsecret_proof on every call (unset: none sent).
    app_secret_env: str | None = None

    def warnings(self, today: date) -> list[str]:
        """The configured Graph API version, when Meta retires it within 90 days (or did)."""
        problem = version_warning(self.api_version, today)
        return [problem] if problem else []


NETWORK = NetworkInfo(
    name="facebook",
    label="Facebook",
    source_field="page",
    # A Page's username (letters, digits, periods) or its numeric id.
    source_pattern=re.compile(r"^[A-Za-z0-9.\-]{2,100}$"),
    source_example="LabourLeftAlliance",
    publish_credentials=("page_token",),
    sandbox_hosts={"graph.facebook.com": "facebook"},
    settings=FacebookSettings,
    read_secrets=("token_env", "app_secret_env"),
)
