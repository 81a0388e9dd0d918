"""One post composed from fields (the command line, the desk and the API), checked exactly as a
campaign file's post is, with every problem named by its field rather than by a file's line.

It is planned as a one-post campaign (`cli` by default), so the length, thread, image and clock-change
rules are the campaign files' own. A new post's time must not be in the past.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from socialbot.config import Config
from socialbot.queue.campaign import (
    FILE_WORDING,
    Campaign,
    CampaignFile,
    Wording,
    plan_campaign,
)
from socialbot.queue.errors import QueueError
from socialbot.queue.occurrences import local_to_utc
from socialbot.tomlfile import ConfigIssue, issue_from_pydantic

# A time a little in the past is "now" typed slowly; more than this is refused.
GRACE = timedelta(minutes=1)


@dataclass
class PostRequest:
    """What an officer asks for: the fields of one post."""

    targets: list[str]
    text: str = ""
    # Local time in the configured zone (naive); None sends it now.
    at: datetime | None = None
    not_after: datetime | None = None
    # Split a long text into a numbered thread where a network threads ("auto").
    thread: bool = False
    # Or the thread's parts as written (the desk's "explicit parts").
    parts: list[str] = field(default_factory=list)
    requires_approval: bool = False
    variants: dict[str, str] = field(default_factory=dict)
    # (path, alt text) of each image.
    media: list[tuple[str, str]] = field(default_factory=list)
    key: str | None = None
    campaign: str = "cli"


@dataclass(frozen=True)
class Problem:
    """One problem with a request, named by its field: "at", "text", "variants.twitter", "media[0].path"."""

    field: str
    message: str


class ComposeError(QueueError):
    """A request that cannot be queued; every problem found, nothing queued."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))
        self.problems = problems


def new_key(at: datetime) -> str:
    """A key of its own for a post without one: its local time and a random part, so two posts at
    one minute are two posts."""
    return f"post-{at:%Y%m%d-%H%M}-{secrets.token_hex(3)}"


def compose(
    request: PostRequest,
    config: Config,
    now: datetime,
    base_dir: Path,
    wording: Wording = FILE_WORDING,
) -> Campaign:
    """The request planned as a one-post campaign; ComposeError lists every problem by field.

    Image paths are relative to base_dir.
    """
    campaign, problems = plan_request(request, config, now, base_dir, wording)
    if problems or campaign is None:
        raise ComposeError(problems)
    return campaign


def plan_request(
    request: PostRequest,
    config: Config,
    now: datetime,
    base_dir: Path,
    wording: Wording = FILE_WORDING,
) -> tuple[Campaign | None, list[Problem]]:
    """The request planned as a one-post campaign, and every problem by field (the plan is None only
    when the fields do not even validate). compose() refuses on any problem; the desk's preview
    shows the plan beside them, so the two can never disagree."""
    zone = config.timezone
    problems: list[Problem] = []
    at = request.at or now.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)
    if request.at is not None:
        due, _ = local_to_utc(at, zone)  # a clock-change problem is reported by the planning below
        if due is not None and due < now - GRACE:
            problems.append(
                Problem("at", f"{at:%a %d %b %Y %H:%M} {zone.key} is in the past; give a time to come")
            )
    post: dict[str, Any] = {
        "key": request.key or new_key(at),
        "at": at,
        "text": request.text,
        "requires_approval": request.requires_approval,
        "variants": request.variants,
        "media": [{"path": path, "alt": alt} for path, alt in request.media],
    }
    if request.not_after is not None:
        post["not_after"] = request.not_after
    if request.parts:
        post["thread"] = list(request.parts)
    elif request.thread:
        post["thread"] = "auto"
    body = {"campaign": request.campaign, "timezone": zone.key, "targets": request.targets, "post": [post]}
    try:
        file = CampaignFile.model_validate(body)
    except ValidationError as exc:
        return None, problems + [field_problem(issue_from_pydantic(e)) for e in exc.errors()]
    campaign, issues = plan_campaign(base_dir / f"{request.campaign}.toml", file, config, wording)
    campaign.from_file = False
    return campaign, problems + [field_problem(issue) for issue in issues]


def field_problem(issue: ConfigIssue, table: str = "post") -> Problem:
    """A one-entry campaign's issue, its key path ("post", 0, "media", 1, "path") as a field name
    ("media[1].path"); table is the entry's table ("post", or "event" for queue/event_compose.py)."""
    path = issue.path[2:] if issue.path[:2] == (table, 0) else issue.path
    name = ""
    for part in path:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return Problem(name or table, issue.message)
