"""One publisher per publishing account, made on first use from feeds.toml and the environment."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Mapping

from socialbot.config import Config
from socialbot.networks.base import AuthFailed, Publisher


class Publishers:
    """The publishers of a dispatch run; close() closes their sessions."""

    def __init__(self, config: Config, env: Mapping[str, str], sandbox_url: str | None) -> None:
        self.config = config
        self.env = env
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
                module = importlib.import_module(f"socialbot.networks.{account.network}.publish")
                self.made[key] = module.make_publisher(
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
