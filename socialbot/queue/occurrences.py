"""When a post goes out: local times to UTC (refusing the hour the clocks skip or repeat), and a
recurring post's occurrences, each computed in local time, so a daily 09:00 reminder stays at 09:00
across a clock change, with its on_clock_change policy for the changing hour itself."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from socialbot.tomlfile import ConfigIssue

if TYPE_CHECKING:
    from socialbot.queue.campaign import PostTable

MAX_OCCURRENCES = 1000


def local_to_utc(local: datetime, zone: ZoneInfo) -> tuple[datetime | None, str | None]:
    """local (naive, in zone) as UTC, or why it cannot be: it does not exist, or happens twice."""
    first, second = local.replace(tzinfo=zone, fold=0), local.replace(tzinfo=zone, fold=1)
    back = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    stamp = f"{local:%H:%M} on {local:%-d %B %Y}"
    if back != local:
        return None, (
            f"{stamp} does not exist in {zone.key}: the clocks go forward that night; "
            "pick a time after the change"
        )
    if first.utcoffset() != second.utcoffset():
        return None, (
            f"{stamp} happens twice in {zone.key}: the clocks go back that night; "
            "pick a time outside the repeated hour"
        )
    return first.astimezone(UTC), None


def occurrences(
    post: PostTable, where: tuple[str | int, ...], zone: ZoneInfo, issues: list[ConfigIssue]
) -> list[tuple[str, datetime, datetime]]:
    """(occurrence key, local time, UTC time) of every time the post goes out."""
    if (post.at is None) == (post.cron is None):
        issues.append(
            ConfigIssue((*where, "at"), "give either at (once) or cron with start and end (recurring)")
        )
        return []
    if post.at is not None:
        due, problem = local_to_utc(post.at.replace(tzinfo=None), zone)
        if problem:
            issues.append(ConfigIssue((*where, "at"), problem))
            return []
        return [("", post.at.replace(tzinfo=None), due)] if due else []
    if post.start is None or post.end is None:
        issues.append(
            ConfigIssue((*where, "cron"), "a recurring post needs start and end (local dates or times)")
        )
        return []
    start, end = day_bound(post.start, zone, False), day_bound(post.end, zone, True)
    try:
        trigger = CronTrigger.from_crontab(post.cron or "", timezone=zone)
    except ValueError as exc:
        issues.append(
            ConfigIssue((*where, "cron"), f'not a cron expression ({exc}); e.g. "0 9 * * *" for 09:00 daily')
        )
        return []
    found: list[tuple[str, datetime, datetime]] = []
    seen: set[datetime] = set()
    previous, now = None, start - timedelta(microseconds=1)
    while len(found) < MAX_OCCURRENCES:
        fire = trigger.get_next_fire_time(previous, now)
        if fire is None or fire > end:
            break
        previous, now = fire, fire
        # The wall time the cron asked for: in the hour the clocks skip it does not exist, in the
        # hour they repeat it happens twice (the trigger fires at both); one delivery per wall time.
        wall = fire.replace(tzinfo=None, fold=0)
        if wall in seen:
            continue
        seen.add(wall)
        due = occurrence_time(post, wall, zone, where, issues)
        if due is not None:
            found.append((wall.isoformat(timespec="minutes"), due.astimezone(zone).replace(tzinfo=None), due))
    if not found and not any(i.path == (*where, "cron") for i in issues):
        issues.append(ConfigIssue((*where, "cron"), f"{post.cron!r} never fires between start and end"))
    return found


def occurrence_time(
    post: PostTable, wall: datetime, zone: ZoneInfo, where: tuple[str | int, ...], issues: list[ConfigIssue]
) -> datetime | None:
    """The UTC time of one occurrence at this local wall time, by the post's on_clock_change policy
    when the clocks change that night; None when it is skipped (or refused, with an issue)."""
    due, problem = local_to_utc(wall, zone)
    if problem is None:
        return due
    if post.on_clock_change is None:
        issues.append(
            ConfigIssue(
                (*where, "cron"),
                f"{problem.split(';')[0]}: say what this post does then with "
                'on_clock_change = "skip", "earlier" or "later"',
            )
        )
        return None
    if post.on_clock_change == "skip":
        return None
    # Both readings of the wall time, before and after the change: earlier and later instants.
    readings = sorted({wall.replace(tzinfo=zone, fold=f).astimezone(UTC) for f in (0, 1)})
    return readings[0] if post.on_clock_change == "earlier" else readings[-1]


def day_bound(value: datetime | date, zone: ZoneInfo, end: bool) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=zone)
    return datetime.combine(value, time.max if end else time.min, tzinfo=zone)
