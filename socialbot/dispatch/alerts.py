"""Telling officers when a post failed, expired or may or may not have gone out, through apprise.

The notification URLs (email, Slack, Telegram, Matrix, …: github.com/caronc/apprise) carry tokens,
so they come from an environment variable, never from feeds.toml.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import apprise

log = logging.getLogger("socialbot.alerts")
DEFAULT_ENV = "SOCIALBOT_ALERT_URLS"


class Alerts:
    """Sends alerts to every configured URL; with none configured, alerts are only logged."""

    def __init__(self, urls: list[str]) -> None:
        self.targets = apprise.Apprise()
        for url in urls:
            if not self.targets.add(url):
                log.warning(
                    "alerts: not a notification URL apprise knows (ignored): %s", url.split("://")[0] + "://…"
                )
        self.enabled = len(self.targets) > 0

    def send(self, title: str, body: str) -> None:
        """Notify everyone; a notification that fails is logged, never raised into dispatch."""
        log.warning("alert: %s: %s", title, body)
        if self.enabled and not self.targets.notify(
            title=title, body=body, notify_type=apprise.NotifyType.FAILURE
        ):
            log.error("alerts: could not deliver the alert %r", title)


def alerts_from_env(env: Mapping[str, str], variable: str = DEFAULT_ENV) -> Alerts:
    """Alerts to the whitespace-separated URLs in the environment variable."""
    return Alerts(env.get(variable, "").split())
