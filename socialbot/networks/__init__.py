"""The registry of networks: adding one is a new folder here and one line below."""

from socialbot.networks import bluesky, facebook, mastodon, rss, twitter
from socialbot.networks.base import NetworkInfo

NETWORKS: dict[str, NetworkInfo] = {}


def register(info: NetworkInfo) -> None:
    """Make a network known to config validation, collection and publishing."""
    NETWORKS[info.name] = info


register(twitter.NETWORK)
register(facebook.NETWORK)
register(rss.NETWORK)
register(bluesky.NETWORK)
register(mastodon.NETWORK)
