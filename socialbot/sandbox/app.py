"""The sandbox server: every network's imitation mounted under its prefix, faults, and the record."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount

from socialbot.config import Config
from socialbot.networks import NETWORKS, network_part, sandbox_prefixes
from socialbot.networks.credentials import with_sandbox_credentials
from socialbot.sandbox.control import Control
from socialbot.sandbox.faults import FaultMiddleware, Faults, Stats
from socialbot.sandbox.world import World

# The credential whose value identifies an account when it posts, per network.
IDENTIFYING_CREDENTIAL = {
    "twitter": "access_token",
    "facebook": "page_token",
    "bluesky": "app_password",
    "mastodon": "access_token",
}


def sandbox_modules() -> dict[str, ModuleType]:
    """Each registered network's sandbox.py: adding a network adds its imitation too."""
    return {name: network_part(name, "sandbox") for name in NETWORKS}


def world_sources(config: Config) -> list[tuple[str, str, str, str]]:
    """(network, locator, display name, group slug) for every source and publishing account."""
    sources = [(s.network, s.locator, g.name, g.slug) for g in config.groups for s in g.source]
    sources += [(a.network, a.handle, a.name or a.handle, "") for a in config.accounts]
    return sources


def account_tokens(config: Config, env: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """Per network, the secret values in env → the account they belong to."""
    tokens: dict[str, dict[str, str]] = {name: {} for name in NETWORKS}
    for account in config.accounts:
        var = account.credentials.get(IDENTIFYING_CREDENTIAL.get(account.network, ""))
        if var and env.get(var):
            tokens[account.network][env[var]] = account.handle
    return tokens


def network_of(path: str) -> tuple[str, str]:
    """The network a sandbox path belongs to, and the path below its prefix."""
    parts = path.lstrip("/").split("/", 1)
    rest = "/" + (parts[1] if len(parts) > 1 else "")
    if parts[0] == "web":
        return ("mastodon" if "/api/v" in rest else "rss"), rest
    owners = {prefix: name for name, info in NETWORKS.items() for prefix in info.sandbox_hosts.values()}
    return owners.get(parts[0], "rss"), rest


def create_app(
    config: Config,
    env: Mapping[str, str],
    *,
    seed: int = 1,
    latency_ms: int = 0,
    state_file: Path | None = None,
    epoch: datetime | None = None,
    real_time: bool = True,
) -> Starlette:
    """The sandbox as an ASGI app, with its world and faults on app.state."""
    modules = sandbox_modules()
    world = World(
        world_sources(config),
        seed=seed,
        id_makers={n: m.make_id for n, m in modules.items()},
        epoch=epoch,
        real_time=real_time,
        state_file=state_file,
    )
    tokens = account_tokens(config, with_sandbox_credentials(config, env, "sandbox"))
    platforms: dict[str, Any] = {name: module.build(world, tokens[name]) for name, module in modules.items()}
    faults, stats = Faults(seed), Stats()
    mounts: dict[str, list[BaseRoute]] = {}
    for platform in platforms.values():
        for prefix, platform_routes in platform.routes().items():
            mounts.setdefault(prefix, []).extend(platform_routes)
    # Longer prefixes first, so /web/HOST/api reaches Mastodon before the websites' catch-all.
    ordered = sorted(mounts.items(), key=lambda item: -len(item[0]))
    routes: list[BaseRoute] = Control(world, faults, platforms, stats).routes()
    routes += [Mount(f"/{prefix}", routes=r) for prefix, r in ordered]
    responders = {name: module.fault_response for name, module in modules.items()}
    middleware = [
        Middleware(
            FaultMiddleware,
            faults=faults,
            network_of=network_of,
            responders=responders,
            latency_ms=latency_ms,
            stats=stats,
        )
    ]
    app = Starlette(routes=routes, middleware=middleware)
    app.state.world, app.state.faults, app.state.platforms = world, faults, platforms
    assert set(sandbox_prefixes().values()) <= set(mounts), "every sandbox host prefix is served"
    return app
