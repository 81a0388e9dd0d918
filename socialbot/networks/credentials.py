"""A publishing account's secrets, read from the environment variables its [[account]] names."""

from __future__ import annotations

from collections.abc import Mapping

from socialbot.networks.base import AuthFailed


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
