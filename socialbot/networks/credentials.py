"""Secrets: a publishing account's from the environment, the sandbox's fake ones, and which accounts
must never be sent to a real platform."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from socialbot.networks import NETWORKS
from socialbot.networks.base import AuthFailed

if TYPE_CHECKING:
    from socialbot.config import AccountTable, Config

# Every fake credential starts so; a real platform never issues one like it.
SANDBOX_PREFIX = "sandbox-"


def secrets_for(
    key: str, network: str, credentials: Mapping[str, str], env: Mapping[str, str]
) -> dict[str, str]:
    """Each credential's value; AuthFailed naming the variable that is missing."""
    values = {}
    for name, variable in credentials.items():
        value = env.get(variable, "")
        if not value:
            raise AuthFailed(
                f"{network}: account {key!r}: environment variable {variable} ({name}) is not set"
            )
        values[name] = value
    return values


def sandbox_credentials(config: Config) -> dict[str, str]:
    """A fake value for every secret variable feeds.toml names: what socialbot uses against a sandbox.

    The sandbox computes the same values from the same file, so each account's token posts as that
    account there, and nobody has to load a file of fake secrets by hand.
    """
    values: dict[str, str] = {}
    for name, info in NETWORKS.items():
        for key in info.read_secrets:
            variable = getattr(config.network(name), key, None)
            if variable:
                values[variable] = f"{SANDBOX_PREFIX}{name}-read-token"
    for account in config.accounts:
        for credential, variable in account.credentials.items():
            values[variable] = f"{SANDBOX_PREFIX}{account.key}-{credential}"
    return values


def with_sandbox_credentials(
    config: Config, env: Mapping[str, str], sandbox_url: str | None
) -> Mapping[str, str]:
    """env as it is for the real platforms; against a sandbox, the sandbox's fake secrets fill in
    every variable env leaves unset (a set one, such as a test's expired token, is kept)."""
    if not sandbox_url:
        return env
    return sandbox_credentials(config) | {name: value for name, value in env.items() if value}


def publishing_blocker(account: AccountTable, env: Mapping[str, str]) -> str | None:
    """Why this account must never be sent to the real platform, or None when it may be."""
    if account.placeholder:
        return (
            f"account {account.key!r} is a placeholder ({account.handle}); put its real handle in "
            "feeds.toml and remove placeholder = true"
        )
    for credential, variable in account.credentials.items():
        if env.get(variable, "").startswith(SANDBOX_PREFIX):
            return (
                f"account {account.key!r}: {variable} ({credential}) holds a sandbox credential, "
                "not a real one"
            )
    return None


def missing_secrets(config: Config, env: Mapping[str, str] | None = None) -> list[str]:
    """One line per credential (an account's, or a network's read token) whose variable is unset."""
    env = os.environ if env is None else env
    lines = []
    for name, info in NETWORKS.items():
        if not any(s.network == name for g in config.groups for s in g.source):
            continue
        for key in info.read_secrets:
            var = getattr(config.network(name), key)
            if var and not env.get(var):
                lines.append(
                    f"{config.path}: [network.{name}] {key}: environment variable {var} is not set "
                    f"(needed to collect the {info.label} sources)"
                )
    for account in config.accounts:
        for name, var in account.credentials.items():
            if not env.get(var):
                lines.append(
                    f"{config.path}: account {account.key!r} ({account.network}): "
                    f"environment variable {var} for {name} is not set"
                )
    return lines
