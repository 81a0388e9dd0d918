"""feeds.toml + environment → validated settings; every error names the file and line or key."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator

from socialbot.networks import NETWORKS
from socialbot.networks.base import NetworkSettings
from socialbot.tomlfile import (
    ConfigError,
    ConfigIssue,
    Strict,
    format_issues,
    issue_from_pydantic,
    read_toml,
    validate_model,
)

DEFAULT_CONFIG = "feeds.toml"
DEFAULT_DATABASE_URL = "sqlite:///socialbot.db"
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
DURATION = re.compile(r"^(\d+)\s*([smhd])$")
DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class SettingsTable(Strict):
    """[settings]: options for the whole bot."""

    database_url: str = DEFAULT_DATABASE_URL
    timezone: str = "Europe/London"
    collect_interval: str = "10m"
    # Adaptive polling: a quiet source is polled less often, down to once per this interval.
    max_poll_interval: str = "6h"
    # Sources fetched at once in a round, and at most this many at once per host.
    collect_concurrency: int = Field(default=32, ge=1, le=512)
    collect_per_host: int = Field(default=8, ge=1, le=128)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as Europe/London") from None
        return value

    @field_validator("collect_interval", "max_poll_interval")
    @classmethod
    def _duration(cls, value: str) -> str:
        parse_duration(value)
        return value

    @property
    def collect_interval_seconds(self) -> int:
        """The collection interval in seconds."""
        return parse_duration(self.collect_interval)


class SourceTable(Strict):
    """[[group.source]]: one account or feed of a group."""

    network: str
    handle: str | None = None
    page: str | None = None
    url: str | None = None
    # True when the handle is a stand-in: the group's real account is not known yet.
    placeholder: bool = False
    include_replies: bool = False
    include_reposts: bool = False

    @field_validator("network")
    @classmethod
    def _known_network(cls, value: str) -> str:
        if value not in NETWORKS:
            raise ValueError(f"unknown network {value!r}; expected one of: {', '.join(sorted(NETWORKS))}")
        return value

    @property
    def locator(self) -> str:
        """The handle, page or URL that names this source on its network."""
        value = getattr(self, NETWORKS[self.network].source_field)
        assert isinstance(value, str)
        return value


class GroupTable(Strict):
    """[[group]]: an affiliated organisation."""

    slug: str
    name: str = Field(min_length=1)
    website: str | None = None
    source: list[SourceTable] = Field(default_factory=list)

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError(f"slug {value!r} must be lower-case letters, digits and single hyphens")
        return value

    @field_validator("website")
    @classmethod
    def _website(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://\S+$", value):
            raise ValueError(f"website {value!r} must be an http:// or https:// URL")
        return value


class AccountTable(Strict):
    """[[account]]: one of the network's own publishing accounts."""

    key: str
    network: str
    handle: str
    name: str = ""
    placeholder: bool = False
    # Credential name → the environment variable that holds it; secrets never live in this file.
    credentials: dict[str, str] = Field(default_factory=dict)

    @field_validator("key")
    @classmethod
    def _key(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError(f"key {value!r} must be lower-case letters, digits and single hyphens")
        return value


class FeedTable(Strict):
    """[feed]: the public What's New feed."""

    title: str = "What's New"
    # Where the feed is published (behind a proxy or CDN); by default the address it was asked at.
    base_url: str | None = None
    page_size: int = Field(default=10, ge=1, le=50)
    # Posts containing any of these words or phrases (case-insensitive) are left out.
    banned_words: list[str] = Field(default_factory=list)
    cache_max_age: int = Field(default=60, ge=0, le=86400)
    stale_while_revalidate: int = Field(default=600, ge=0, le=86400)
    # No request from a visitor's browser to any platform's CDN: images are left out of every output.
    privacy_mode: bool = False

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError(f"base_url {value!r} must be an http:// or https:// URL")
        return value.rstrip("/")


class WebTable(Strict):
    """[web]: the web server."""

    # Host names the pages and feeds answer for (besides localhost and [feed] base_url's host);
    # "*.example.org" matches subdomains. Any other Host header is a 400: a cached answer is never
    # built from an address a visitor made up (Host-header poisoning of a CDN).
    allowed_hosts: list[str] = Field(default_factory=list)


class FeedsFile(Strict):
    """The whole of feeds.toml."""

    settings: SettingsTable = SettingsTable()
    feed: FeedTable = FeedTable()
    web: WebTable = WebTable()
    group: list[GroupTable] = Field(default_factory=list)
    account: list[AccountTable] = Field(default_factory=list)
    # [network.NAME] tables; each network's own folder declares what they hold.
    network: dict[str, dict[str, Any]] = Field(default_factory=dict)


@dataclass(frozen=True)
class Config:
    """Validated settings: feeds.toml with the environment applied."""

    path: Path
    database_url: str
    timezone: ZoneInfo
    collect_interval: int
    groups: tuple[GroupTable, ...]
    accounts: tuple[AccountTable, ...]
    max_poll_interval: int = 6 * 3600
    collect_concurrency: int = 32
    collect_per_host: int = 8
    networks: dict[str, NetworkSettings] = field(default_factory=dict)
    feed: FeedTable = field(default_factory=FeedTable)
    web: WebTable = field(default_factory=WebTable)

    def network(self, name: str) -> Any:
        """The [network.NAME] settings, defaults filled in."""
        return self.networks[name]

    def account(self, key: str) -> AccountTable | None:
        """The publishing account with this key, if there is one."""
        return next((a for a in self.accounts if a.key == key), None)


def parse_duration(value: str) -> int:
    """Seconds in a duration such as "90s", "10m", "2h" or "1d"."""
    match = DURATION.match(value.strip())
    if not match or int(match.group(1)) == 0:
        raise ValueError(
            f'duration {value!r} must be a positive number and a unit: s, m, h or d (e.g. "10m")'
        )
    return int(match.group(1)) * DURATION_UNITS[match.group(2)]


def config_path(option: str | None, env: Mapping[str, str]) -> Path:
    """The feeds.toml to read: --config, else SOCIALBOT_CONFIG, else ./feeds.toml."""
    return Path(option or env.get("SOCIALBOT_CONFIG") or DEFAULT_CONFIG)


def load_config(path: Path, env: Mapping[str, str] | None = None, database_url: str | None = None) -> Config:
    """Read and validate feeds.toml; raise ConfigError naming every problem, apply nothing."""
    env = os.environ if env is None else env
    text, data = read_toml(path, "pass --config or set SOCIALBOT_CONFIG")
    feeds: FeedsFile = validate_model(FeedsFile, path, text, data)
    issues = check_consistency(feeds)
    networks, network_issues = _network_settings(feeds.network)
    issues += network_issues
    if issues:
        raise ConfigError(format_issues(path, text, data, issues))
    return Config(
        path=path,
        database_url=database_url or env.get("SOCIALBOT_DATABASE_URL") or feeds.settings.database_url,
        timezone=ZoneInfo(feeds.settings.timezone),
        collect_interval=feeds.settings.collect_interval_seconds,
        groups=tuple(feeds.group),
        accounts=tuple(feeds.account),
        max_poll_interval=parse_duration(feeds.settings.max_poll_interval),
        collect_concurrency=feeds.settings.collect_concurrency,
        collect_per_host=feeds.settings.collect_per_host,
        networks=networks,
        feed=feeds.feed,
        web=feeds.web,
    )


def _network_settings(
    tables: dict[str, dict[str, Any]],
) -> tuple[dict[str, NetworkSettings], list[ConfigIssue]]:
    """Validate each [network.NAME] table with the model its network declares; defaults for the rest."""
    settings: dict[str, NetworkSettings] = {}
    issues: list[ConfigIssue] = []
    for name in tables:
        if name not in NETWORKS:
            issues.append(
                ConfigIssue(
                    ("network", name),
                    f"unknown network {name!r}; expected one of: {', '.join(sorted(NETWORKS))}",
                )
            )
    for name, info in NETWORKS.items():
        model = info.settings or NetworkSettings
        try:
            settings[name] = model.model_validate(tables.get(name, {}))
        except ValidationError as exc:
            issues += [
                issue_from_pydantic(err | {"loc": ("network", name, *err["loc"])}) for err in exc.errors()
            ]
    return settings, issues


def check_consistency(feeds: FeedsFile) -> list[ConfigIssue]:
    """Rules across tables: unique slugs and keys, each source's locator, account credentials."""
    issues: list[ConfigIssue] = []
    seen_slugs: dict[str, int] = {}
    seen_sources: dict[tuple[str, str] | None, str] = {}
    for g, group in enumerate(feeds.group):
        if group.slug in seen_slugs:
            first = seen_slugs[group.slug]
            issues.append(
                ConfigIssue(
                    ("group", g, "slug"),
                    f"duplicate slug {group.slug!r}; group[{first}] has it too",
                )
            )
        seen_slugs.setdefault(group.slug, g)
        for s, source in enumerate(group.source):
            where = ("group", g, "source", s)
            source_issues = _check_source(where, source)
            issues.extend(source_issues)
            ident = (source.network, source.locator.lower()) if not source_issues else None
            if ident in seen_sources:
                field = NETWORKS[source.network].source_field
                issues.append(
                    ConfigIssue(
                        (*where, field),
                        f"{source.locator!r} is already a source of {seen_sources[ident]}",
                    )
                )
            elif ident:
                seen_sources[ident] = group.slug
    seen_keys: set[str] = set()
    for a, account in enumerate(feeds.account):
        if account.key in seen_keys:
            issues.append(ConfigIssue(("account", a, "key"), f"duplicate account key {account.key!r}"))
        seen_keys.add(account.key)
        issues.extend(_check_account(a, account))
    return issues


def _check_source(where: tuple[str | int, ...], source: SourceTable) -> list[ConfigIssue]:
    info = NETWORKS[source.network]
    issues = []
    for other in ("handle", "page", "url"):
        if other != info.source_field and getattr(source, other) is not None:
            issues.append(
                ConfigIssue(
                    (*where, other),
                    f"a {info.name} source is named by {info.source_field!r}, not {other!r}",
                )
            )
    value = getattr(source, info.source_field)
    if value is None:
        issues.append(
            ConfigIssue(
                (*where, info.source_field),
                f'missing; a {info.name} source needs {info.source_field} = "{info.source_example}"',
            )
        )
    elif not info.source_pattern.match(value):
        issues.append(
            ConfigIssue(
                (*where, info.source_field),
                f'{value!r} is not a valid {info.label} {info.source_field} (e.g. "{info.source_example}")',
            )
        )
    return issues


def _check_account(a: int, account: AccountTable) -> list[ConfigIssue]:
    info = NETWORKS.get(account.network)
    if info is None:
        return [
            ConfigIssue(
                ("account", a, "network"),
                f"unknown network {account.network!r}; expected one of: {', '.join(sorted(NETWORKS))}",
            )
        ]
    if not info.can_publish:
        return [ConfigIssue(("account", a, "network"), f"socialbot cannot publish to {info.name}")]
    issues = []
    if not info.source_pattern.match(account.handle):
        issues.append(
            ConfigIssue(
                ("account", a, "handle"),
                f'{account.handle!r} is not a valid {info.label} handle (e.g. "{info.source_example}")',
            )
        )
    for name in info.publish_credentials:
        if name not in account.credentials:
            issues.append(
                ConfigIssue(
                    ("account", a, "credentials"),
                    f"missing {name!r}: name the environment variable that holds it",
                )
            )
    for name, var in account.credentials.items():
        if name not in info.publish_credentials:
            issues.append(
                ConfigIssue(
                    ("account", a, "credentials", name),
                    f"unknown credential; {info.name} takes: {', '.join(info.publish_credentials)}",
                )
            )
        elif not ENV_NAME.match(var):
            issues.append(
                ConfigIssue(
                    ("account", a, "credentials", name),
                    "must be the NAME of an environment variable (A-Z, 0-9, _), never the secret itself",
                )
            )
    return issues
