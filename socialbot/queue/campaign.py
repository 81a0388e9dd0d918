"""Campaign files (schedules/*.toml): validated, then planned into one delivery per account and time.

Times are written in the campaign's zone (Europe/London by default) and stored in UTC. A local time
that does not exist (the spring-forward hour) or happens twice (the fall-back hour) is refused, not
guessed. A recurring post is one delivery per occurrence, each computed in local time, so a daily
09:00 reminder stays at 09:00 across a clock change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field

from socialbot.config import Config, parse_duration
from socialbot.networks import NETWORKS
from socialbot.queue.events import EventTable, PlannedEvent, reminders, validated_post
from socialbot.queue.keys import StableKey
from socialbot.queue.media import check_media, media_files
from socialbot.queue.occurrences import local_to_utc, occurrences
from socialbot.queue.text import (
    LIMITS,
    THREADED,
    compose_parts,
    fill_occurrence,
    too_long,
)
from socialbot.tomlfile import ConfigError, ConfigIssue, Strict, format_issues, read_toml, validate_model


class MediaTable(Strict):
    """[[post.media]]: an image to attach."""

    path: str
    alt: str = Field(min_length=1)


class PostTable(Strict):
    """[[post]]: one message, once (at) or recurring (cron between start and end)."""

    key: StableKey
    at: datetime | None = None
    cron: str | None = None
    start: datetime | date | None = None
    end: datetime | date | None = None
    not_after: datetime | None = None
    expires_after: str | None = None
    text: str = ""
    variants: dict[str, str] = Field(default_factory=dict)
    thread: Literal["auto"] | list[str] | None = None
    media: list[MediaTable] = Field(default_factory=list)
    targets: list[str] | None = None
    requires_approval: bool | None = None
    # A recurring post whose time falls in the hour the clocks skip or repeat: no delivery that day,
    # or the earlier or the later of the two instants the local time can mean. Unset, it is refused.
    on_clock_change: Literal["skip", "earlier", "later"] | None = None


class CampaignFile(Strict):
    """A whole campaign file."""

    campaign: StableKey
    name: str = ""
    timezone: str = "Europe/London"
    targets: list[str] = Field(default_factory=list)
    requires_approval: bool = False
    # An example for the sandbox and rehearsals (the shipped files): queued only against a sandbox.
    example: bool = False
    post: list[PostTable] = Field(default_factory=list)
    event: list[EventTable] = Field(default_factory=list)


@dataclass
class PlannedDelivery:
    """One post to one account at one time, with the exact parts each network will receive."""

    post_key: str
    account: str
    network: str
    occurrence: str
    due_at: datetime
    not_after: datetime | None
    parts: list[str]
    local_time: datetime


@dataclass
class PlannedPost:
    """A post of the campaign and its deliveries."""

    table: PostTable
    line: int | None
    deliveries: list[PlannedDelivery] = field(default_factory=list)
    # The event this reminder was made from (queue/events.py), if any.
    event: str | None = None
    # A reminder of a cancelled event (or the notice of one that is not): its unsent deliveries are
    # cancelled and none is made.
    cancelled: bool = False


@dataclass
class Campaign:
    """A validated campaign file and its plan."""

    path: Path
    file: CampaignFile
    zone: ZoneInfo
    posts: list[PlannedPost]
    # False for a post composed on the command line (or the web): no file owns it.
    from_file: bool = True
    events: list[PlannedEvent] = field(default_factory=list)


@dataclass(frozen=True)
class Wording:
    """How a hint names the ways to fix a post: a campaign file's keys, or the command line's options."""

    thread_auto: str = 'set thread = "auto"'
    variant: str = "a shorter [post.variants] {network}"


FILE_WORDING = Wording()


def load_campaign(path: Path, config: Config) -> Campaign:
    """Read, validate and plan a campaign file; ConfigError lists every problem with its line."""
    text, data = read_toml(path, "campaign files live in schedules/")
    file: CampaignFile = validate_model(CampaignFile, path, text, data)
    campaign, issues = plan_campaign(path, file, config)
    if issues:
        raise ConfigError(format_issues(path, text, data, issues))
    return campaign


def plan_campaign(
    path: Path, file: CampaignFile, config: Config, wording: Wording = FILE_WORDING
) -> tuple[Campaign, list[ConfigIssue]]:
    """Plan a validated campaign (path names it; its folder is where image paths start), and every
    problem found, each located by its key path."""
    issues: list[ConfigIssue] = []
    zone = _zone(file.timezone, issues)
    posts = [PlannedPost(post, None) for post in file.post]
    wheres: list[tuple[str | int, ...]] = [("post", index) for index in range(len(posts))]
    events = []
    for index, event in enumerate(file.event):
        planned_event = PlannedEvent(event, index)
        events.append(planned_event)
        for reminder in reminders(event, index, issues):
            table = validated_post(reminder, PostTable, issues)
            if table is not None:
                posts.append(PlannedPost(table, None, event=event.key, cancelled=reminder.cancelled))
                wheres.append(reminder.where)
                planned_event.post_keys.append(table.key)
    if zone is not None:
        seen: set[str] = set()
        for planned, where in zip(posts, wheres, strict=True):
            if planned.table.key in seen:
                issues.append(ConfigIssue((*where, "key"), f"duplicate key {planned.table.key!r}"))
            seen.add(planned.table.key)
            planned.deliveries = _plan_post(
                file, planned.table, where, zone, config, issues, path.parent, wording
            )
        _check_events(events, zone, config, issues)
    campaign = Campaign(path, file, zone or ZoneInfo("UTC"), posts, events=events)
    return campaign, issues


def _check_events(
    events: list[PlannedEvent], zone: ZoneInfo, config: Config, issues: list[ConfigIssue]
) -> None:
    """Each event's times exist in the zone, its keys are unique, and its group is a known one."""
    groups = {g.slug for g in config.groups}
    seen: set[str] = set()
    for planned in events:
        event, where = planned.table, ("event", planned.index)
        if event.key in seen:
            issues.append(ConfigIssue((*where, "key"), f"duplicate event key {event.key!r}"))
        seen.add(event.key)
        for name in ("start", "end"):
            value = getattr(event, name)
            if value is not None:
                _, problem = local_to_utc(value.replace(tzinfo=None), zone)
                if problem:
                    issues.append(ConfigIssue((*where, name), problem))
        if event.group is not None and event.group not in groups:
            issues.append(
                ConfigIssue(
                    (*where, "group"),
                    f"unknown group {event.group!r}; feeds.toml's [[group]] slugs name them",
                )
            )


def _zone(name: str, issues: list[ConfigIssue]) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        issues.append(
            ConfigIssue(("timezone",), f"unknown time zone {name!r}; use an IANA name such as Europe/London")
        )
        return None


def _plan_post(
    file: CampaignFile,
    post: PostTable,
    where: tuple[str | int, ...],
    zone: ZoneInfo,
    config: Config,
    issues: list[ConfigIssue],
    campaign_dir: Path,
    wording: Wording,
) -> list[PlannedDelivery]:
    times = occurrences(post, where, zone, issues)
    expiry = _expiry(post, where, times, zone, issues)
    targets = post.targets if post.targets is not None else file.targets
    if not targets:
        issues.append(
            ConfigIssue((*where, "targets"), "no targets: set targets here or at the top of the file")
        )
    if not post.text and not post.variants and not isinstance(post.thread, list):
        issues.append(ConfigIssue((*where, "text"), "missing: a post needs text, variants or a thread"))
        return []
    for network in post.variants:
        if network not in LIMITS:
            issues.append(
                ConfigIssue(
                    (*where, "variants", network),
                    f"unknown network {network!r}; variants are for: {', '.join(sorted(LIMITS))}",
                )
            )
    deliveries = []
    # Each image is looked for once per post; its size and count against each network's limits.
    images = media_files(post, where, campaign_dir, issues)
    for target in targets:
        account = config.account(target)
        if account is None:
            known = ", ".join(a.key for a in config.accounts)
            issues.append(
                ConfigIssue((*where, "targets"), f"unknown account {target!r}; feeds.toml has: {known}")
            )
            continue
        check_media(post, images, account.network, where, target, issues)
        last_day = _last_day(post)
        problems = len(issues)
        for occurrence, local, due in times:
            parts = _parts(post, account.network, where, target, issues, wording, occurrence, last_day)
            deliveries.append(
                PlannedDelivery(post.key, target, account.network, occurrence, due, expiry(due), parts, local)
            )
            if len(issues) > problems:
                break  # one report per target is enough: every occurrence shares the text
    return deliveries


def _expiry(
    post: PostTable,
    where: tuple[str | int, ...],
    times: list[tuple[str, datetime, datetime]],
    zone: ZoneInfo,
    issues: list[ConfigIssue],
) -> Any:
    """A function from an occurrence's UTC time to its deadline (None: no deadline)."""
    if post.not_after is not None and post.expires_after is not None:
        issues.append(ConfigIssue((*where, "not_after"), "give not_after or expires_after, not both"))
    if post.not_after is not None:
        deadline, problem = local_to_utc(post.not_after.replace(tzinfo=None), zone)
        if problem:
            issues.append(ConfigIssue((*where, "not_after"), problem))
            return lambda due: None
        if post.cron is not None:
            issues.append(
                ConfigIssue((*where, "not_after"), 'a recurring post takes expires_after (e.g. "2h")')
            )
        elif times and deadline and deadline < times[0][2]:
            issues.append(
                ConfigIssue(
                    (*where, "not_after"),
                    f"not_after ({post.not_after:%d %b %H:%M}) is before at ({times[0][1]:%d %b %H:%M})",
                )
            )
        return lambda due: deadline
    if post.expires_after is not None:
        try:
            seconds = parse_duration(post.expires_after)
        except ValueError as exc:
            issues.append(ConfigIssue((*where, "expires_after"), str(exc)))
            return lambda due: None
        return lambda due: due + timedelta(seconds=seconds)
    return lambda due: None


def _last_day(post: PostTable) -> date | None:
    """The local date a recurring post ends on, for {days_left}."""
    if post.end is None:
        return None
    return post.end.date() if isinstance(post.end, datetime) else post.end


def _parts(
    post: PostTable,
    network: str,
    where: tuple[str | int, ...],
    target: str,
    issues: list[ConfigIssue],
    wording: Wording,
    occurrence: str = "",
    last_day: date | None = None,
) -> list[str]:
    """The parts network receives for an occurrence, each checked against its length rule."""
    label = NETWORKS[network].label
    thread = list(post.thread) if isinstance(post.thread, list) else []
    parts = [
        fill_occurrence(part, occurrence, last_day)
        for part in compose_parts(network, post.text, post.variants, thread, post.thread == "auto")
    ]
    if network in post.variants:
        key: tuple[str | int, ...] = (*where, "variants", network)
    elif thread and (network in THREADED or not post.text):
        key = (*where, "thread")
    else:
        key = (*where, "text")
    for number, part in enumerate(parts, 1):
        problem = too_long(network, part)
        if problem:
            which = f"part {number} " if len(parts) > 1 else "text "
            hint = (
                ""
                if len(parts) > 1
                else f"; {wording.thread_auto} or {wording.variant.format(network=network)}"
            )
            issues.append(ConfigIssue(key, f"{which}for {target} ({label}) is {problem}{hint}"))
    return parts
