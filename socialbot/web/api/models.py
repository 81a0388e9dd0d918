"""What the API takes and gives: pydantic models, from which FastAPI writes /api/v1/openapi.json."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    """A request body: unknown fields are errors."""

    model_config = ConfigDict(extra="forbid")


class PostIn(Strict):
    """A new post, checked exactly as a campaign file's post and `queue add` are."""

    targets: list[str] = Field(min_length=1, description="Account keys from feeds.toml, e.g. network-x.")
    text: str = Field(default="", description="The post's text.")
    at: datetime | None = Field(
        default=None,
        description="When, as a local time in the bot's zone (Europe/London by default); with an offset it "
        "is converted. Left out: now.",
    )
    not_after: datetime | None = Field(default=None, description="If not sent by then, expire it instead.")
    thread: bool = Field(default=False, description="Split a long text into a numbered thread where needed.")
    requires_approval: bool = Field(default=False, description="Queue it as waiting for an approver.")
    variants: dict[str, str] = Field(default_factory=dict, description="Another text per network.")
    key: str | None = Field(default=None, description="A stable key; left out, the post gets one of its own.")
    campaign: str = Field(default="desk", description="The campaign it belongs to (not a campaign file's).")
    replace: bool = Field(default=False, description="Change the post already queued with this key.")


class AnnounceIn(Strict):
    """A reminder made from the event, as [[event.announce]] in a campaign file."""

    at: str | None = Field(
        default=None, description='"09:00 same day", "18:00 day before", "start" or "end".'
    )
    before: str | None = Field(default=None, description='Before the start: "1h", "30m", "2d".')
    text: str = Field(
        default="", description="{title}, {date}, {time}, {location}, {online_url}… are filled in."
    )
    key: str | None = Field(default=None, description="The reminder's own key (the post is EVENT-KEY).")


class EventIn(Strict):
    """A new event (or, with replace, a change to one), checked exactly as a campaign file's [[event]]."""

    title: str = Field(min_length=1, max_length=200)
    start: datetime = Field(description="Local time in the bot's zone; with an offset it is converted.")
    end: datetime | None = None
    location: str = ""
    online_url: str = Field(default="", description="The livestream, if any (http or https).")
    description: str = ""
    group: str | None = Field(default=None, description="The organising group's slug from feeds.toml.")
    status: Literal["confirmed", "cancelled"] = "confirmed"
    announce: list[AnnounceIn] = Field(default_factory=list)
    targets: list[str] = Field(default_factory=list, description="Accounts the reminders go to.")
    requires_approval: bool = Field(default=False, description="The reminders wait for an approver.")
    key: str | None = Field(
        default=None, description="A stable key; left out, the event gets one of its own."
    )
    campaign: str = Field(default="desk", description="The campaign it belongs to (not a campaign file's).")
    replace: bool = Field(default=False, description="Change the event already queued with this key.")


class EventCreated(BaseModel):
    """A queued event, its reminders' posts and their deliveries."""

    event: str = Field(description="campaign:key")
    replaced: bool
    reminders: list[str] = Field(description="campaign:key of each reminder post.")
    deliveries: list[DeliveryOut]


class RescheduleIn(Strict):
    """A new time for unsent deliveries."""

    at: datetime = Field(description="The new local time (7:30pm, not 7pm).")


class SendBackIn(Strict):
    """Why a post goes back to its author; they read it on the desk."""

    note: str = Field(min_length=1, max_length=2000, description="What should change.")


class ModerationIn(Strict):
    """Why a post of the feed is hidden or pinned."""

    reason: str = Field(default="", max_length=500)


class DeliveryOut(BaseModel):
    """One post to one account."""

    id: int
    post: str = Field(description="campaign:key")
    account: str
    network: str
    state: str
    due_at: datetime
    due_local: str = Field(description="The due time in the bot's zone, as officers read it.")
    not_after: datetime | None
    attempts: int
    parts_sent: int
    permalink: str | None
    last_error: str | None
    created_by: str
    approved_by: str | None


class DeliveriesOut(BaseModel):
    """Deliveries, soonest first."""

    deliveries: list[DeliveryOut]


class PostCreated(BaseModel):
    """A queued post and its deliveries."""

    post: str
    replaced: bool
    deliveries: list[DeliveryOut]


class FeedPostOut(BaseModel):
    """A post of the What's New feed after moderation."""

    id: int
    network: str
    external_id: str
    moderation: Literal["visible", "hidden", "pinned"]


class Me(BaseModel):
    """Whose token this is."""

    email: str
    name: str
    role: str


class FieldProblem(BaseModel):
    """One problem with one field of a request."""

    field: str
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem: what went wrong, for people, and each field's problem."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] = Field(default_factory=list)
