"""One publisher per publishing account, made on first use from feeds.toml and the environment."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from datetime import datetime

from socialbot.config import Config
from socialbot.networks import network_part
from socialbot.networks.base import AuthFailed, Media, Published, Publisher
from socialbot.networks.credentials import with_sandbox_credentials

log = logging.getLogger("socialbot.dispatch")


class Publishers:
    """The publishers of a dispatch run; close() closes their sessions."""

    def __init__(
        self, config: Config, env: Mapping[str, str], sandbox_url: str | None, dry_run: bool = False
    ) -> None:
        self.dry_run = dry_run
        self.config = config
        self.env = with_sandbox_credentials(config, env, sandbox_url)
        self.sandbox_url = sandbox_url
        self.made: dict[str, Publisher] = {}
        self.lock = threading.Lock()

    def get(self, key: str) -> Publisher:
        """The publisher of account key; AuthFailed when it is unknown or its secrets are missing."""
        with self.lock:
            if key not in self.made:
                account = self.config.account(key)
                if account is None:
                    raise AuthFailed(f"dispatch: account {key!r} is not in feeds.toml any more")
                if self.dry_run:
                    self.made[key] = DryRun(key)
                    return self.made[key]
                self.made[key] = network_part(account.network, "publish").make_publisher(
                    account.key,
                    account.handle,
                    account.credentials,
                    self.env,
                    self.sandbox_url,
                    self.config.network(account.network),
                )
            return self.made[key]

    def close(self) -> None:
        """Close every publisher made."""
        with self.lock:
            for publisher in self.made.values():
                publisher.close()
            self.made.clear()


class DryRun:
    """Publishes nothing: logs what would be posted, and answers made-up ids (`--dry-run`)."""

    def __init__(self, account: str) -> None:
        self.account = account
        self.count = 0

    def publish_part(
        self, text: str, thread: list[str], idempotency_key: str, media: Sequence[Media] = ()
    ) -> Published:
        """Log the part instead of posting it."""
        self.count += 1
        log.info(
            "dry-run: %s would post%s%s: %s",
            self.account,
            " a reply" if thread else "",
            f" with {len(media)} images" if media else "",
            " ".join(text.split()),
        )
        return Published(f"dry-run-{idempotency_key}", "")

    def find_recent(self, text: str, since: datetime) -> Published | None:
        """A dry run published nothing, so nothing is found."""
        return None

    def close(self) -> None:
        """Nothing to close."""
