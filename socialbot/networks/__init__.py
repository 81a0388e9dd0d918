"""The registry of networks: adding one is a new folder here and one line below."""

import functools
import importlib
import importlib.util
from collections.abc import Mapping
from types import MappingProxyType, ModuleType

from socialbot.networks import bluesky, facebook, mastodon, rss, twitter
from socialbot.networks.base import NetworkInfo

NETWORKS: dict[str, NetworkInfo] = {}


def register(info: NetworkInfo) -> None:
    """Make a network known to config validation, collection and publishing."""
    NETWORKS[info.name] = info
    sandbox_prefixes.cache_clear()


def network_part(name: str, part: str) -> ModuleType:
    """A network's collect, publish or sandbox module: socialbot.networks.<name>.<part>."""
    return importlib.import_module(f"{__name__}.{name}.{part}")


def network_parts(part: str) -> dict[str, ModuleType]:
    """That part of every registered network whose folder has it (a network without collect.py
    publishes only); any other import failure is a real error."""
    return {
        name: network_part(name, part)
        for name in NETWORKS
        if importlib.util.find_spec(f"{__name__}.{name}.{part}") is not None
    }


@functools.cache
def sandbox_prefixes() -> Mapping[str, str]:
    """Every real host the networks use → its path prefix in the sandbox (the sandbox serves them
    there; networks/routing.py sends the clients' requests there). Made once per registry: every
    routed request and every media URL of a sandbox round looks a host up here."""
    return MappingProxyType(
        {host: prefix for info in NETWORKS.values() for host, prefix in info.sandbox_hosts.items()}
    )


register(twitter.NETWORK)
register(facebook.NETWORK)
register(rss.NETWORK)
register(bluesky.NETWORK)
register(mastodon.NETWORK)
