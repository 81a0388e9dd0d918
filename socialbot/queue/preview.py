"""What each account would receive of a post being composed: its parts, each counted against its
network's limit as the dispatcher and `schedule plan` count it, and what each part links.

Built from queue/compose.py's own plan (plan_request), so the desk's preview can never disagree with
what is validated and sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from socialbot.config import Config
from socialbot.networks import NETWORKS
from socialbot.queue.campaign import Wording
from socialbot.queue.compose import PostRequest, Problem, plan_request
from socialbot.queue.text import LIMITS, linked, measure

# The desk's form names the ways to fix a post.
DESK_WORDING = Wording(thread_auto='choose "Split into a thread"', variant="a shorter {network} variant")


@dataclass(frozen=True)
class PartPreview:
    """One part as its network receives it, its length as that network counts it, and its links."""

    text: str
    length: int
    maximum: int
    unit: str
    links: list[tuple[str, str]]

    @property
    def fits(self) -> bool:
        """Whether the network accepts it."""
        return self.length <= self.maximum


@dataclass(frozen=True)
class TargetPreview:
    """One account's delivery: its parts and the images on its first part."""

    account: str
    network: str
    label: str
    parts: list[PartPreview]
    images: list[tuple[str, str]]


@dataclass
class Preview:
    """The whole post's preview: per account, when (local, with the zone) and every problem by field."""

    targets: list[TargetPreview] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    when: str = ""

    def problems_for(self, name: str) -> list[str]:
        """The messages for one field ("at", "text", "variants.twitter", "media[0].alt", …)."""
        return [p.message for p in self.problems if p.field == name or p.field.startswith(f"{name}.")]


def preview(request: PostRequest, config: Config, now: datetime, base_dir: Path) -> Preview:
    """The preview of request: what compose() would queue, with its problems rather than refusing."""
    campaign, problems = plan_request(request, config, now, base_dir, DESK_WORDING)
    shown = Preview(problems=problems)
    if campaign is None:
        return shown
    for planned in campaign.posts:
        images = [(Path(m.path).name, m.alt) for m in planned.table.media]
        for delivery in planned.deliveries:
            limit = LIMITS[delivery.network]
            parts = [
                PartPreview(text, measure(delivery.network, text), limit.maximum, limit.unit, linked(text))
                for text in delivery.parts
            ]
            label = NETWORKS[delivery.network].label
            shown.targets.append(TargetPreview(delivery.account, delivery.network, label, parts, images))
            local = delivery.due_at.astimezone(campaign.zone)
            shown.when = f"{local:%a %d %b %Y %H:%M %Z} ({campaign.zone.key})"
    return shown
