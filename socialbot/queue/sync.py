"""`schedule sync`: a campaign file into ScheduledPost and Delivery rows, idempotently by campaign + key.

Unsent deliveries follow the file (text, times, targets); anything sent, sending, failed or unknown
is never touched. Posts gone from the file are cancelled only with prune.

The file-or-web rule, decided here once: a post that came from a campaign file belongs to that
file. The desk, the API and the CLI may approve, cancel or retry it, which the next sync leaves as
they are (it touches only unsent deliveries, and a cancelled one is not unsent); an edit (its
text, time or targets) is refused with "edit schedules/X.toml", because the next sync would undo
it. The other way round, a sync never touches a post made on the desk, the API or `queue add`
(they are not in any file's campaign), and an approved post whose file changes waits for
approval again: what was approved is not what would go out.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from socialbot.access.audit import record
from socialbot.access.roles import Actor
from socialbot.queue.campaign import Campaign, PlannedPost
from socialbot.queue.errors import FilePostEdit
from socialbot.queue.event_sync import sync_events
from socialbot.store import Account, Delivery, DeliveryState, ScheduledPost

# States a file may still change: nothing has left for the platform yet.
UNSENT = {DeliveryState.DRAFT, DeliveryState.PENDING_APPROVAL, DeliveryState.SCHEDULED}


@dataclass
class SyncResult:
    """What a sync did, for the summary line and the audit trail."""

    posts_created: int = 0
    posts_updated: int = 0
    deliveries_created: int = 0
    deliveries_rescheduled: int = 0
    deliveries_cancelled: int = 0
    left_alone: int = 0
    past_examples: int = 0
    removed_posts: list[str] = field(default_factory=list)
    removed_events: list[str] = field(default_factory=list)


def example_not_queued(campaign: Campaign, sandbox_url: str | None) -> str | None:
    """Why this campaign is not queued here, or None: an example campaign is queued only against a
    sandbox, so the shipped examples never go out on the network's real accounts."""
    if campaign.file.example and not sandbox_url:
        return (
            f"{campaign.path}: not queued: an example campaign (example = true) is queued only against "
            "a sandbox (--sandbox, --with-sandbox or SOCIALBOT_SANDBOX_URL); `schedule rehearse` plays it"
        )
    return None


def refuse_edit_of_file_post(post: ScheduledPost) -> None:
    """FilePostEdit when a campaign file owns this post (the file-or-web rule above)."""
    if post.source_file:
        raise FilePostEdit(
            f"queue: {post.campaign}:{post.key} comes from {post.source_file}: edit it there, then "
            "`socialbot schedule sync`; here it can be approved, cancelled or retried"
        )


def sync_campaign(
    session: Session,
    campaign: Campaign,
    actor: Actor,
    prune: bool = False,
    keep_others: bool = False,
    now: datetime | None = None,
) -> SyncResult:
    """Make the store match the campaign file; one transaction, so nothing is half-applied.

    keep_others: the file holds only some of the campaign's posts (`queue add` adds one at a time).
    now: an example campaign's deliveries due before it are not queued (they would only expire).
    """
    result = SyncResult()
    not_before = now if campaign.file.example else None
    name = campaign.file.campaign
    accounts = {a.key: a for a in session.scalars(select(Account))}
    stored = {
        p.key: p
        for p in session.scalars(
            select(ScheduledPost)
            .where(ScheduledPost.campaign == name)
            .options(selectinload(ScheduledPost.deliveries))
        )
        # A file's sync sees only file posts: one made elsewhere is never pruned or rewritten by it.
        if (p.source_file is not None) == campaign.from_file
    }
    for planned in campaign.posts:
        post = stored.pop(planned.table.key, None)
        if planned.cancelled:
            # A reminder of a cancelled event: what is unsent is cancelled, nothing new is made.
            result.deliveries_cancelled += cancel_unsent(post)
            continue
        if post is None and not_before and all(d.due_at < not_before for d in planned.deliveries):
            result.past_examples += 1
            continue
        before: dict[str, object] = {}
        if post is None:
            post = ScheduledPost(campaign=name, key=planned.table.key)
            session.add(post)
            result.posts_created += 1
        elif _changes(post, planned, campaign):
            result.posts_updated += 1
            before = _audited(post)
        changed = post.id is None or bool(before)
        # A file's posts are the file's author's (reviewed where the file is), not the syncing user's:
        # whoever approves them is someone else than the file.
        _apply(post, planned, campaign, f"file:{campaign.path}" if campaign.from_file else actor.name)
        _sync_deliveries(session, post, planned, campaign, accounts, result, not_before)
        if before:
            _submit_again(session, post, actor)
        if before and post.requires_approval:
            _approve_again(session, post, actor)
        if changed:
            session.flush()
            action = "post.update" if before else "post.create"
            record(session, actor, action, "scheduled_post", post.id, before, _audited(post), campaign=name)
    for key, post in ({} if keep_others else stored).items():
        result.removed_posts.append(key)
        if prune:
            result.deliveries_cancelled += cancel_unsent(post)
    result.removed_events = sync_events(session, campaign, actor, prune, now or datetime.now(UTC))
    record(session, actor, "schedule.sync", "campaign", name, file=str(campaign.path), **vars(result))
    session.flush()
    return result


def cancel_unsent(post: ScheduledPost | None) -> int:
    """Cancel a post's unsent deliveries; how many."""
    cancelled = 0
    for delivery in post.deliveries if post is not None else []:
        if delivery.state in UNSENT:
            delivery.state = DeliveryState.CANCELLED
            cancelled += 1
    return cancelled


def _audited(post: ScheduledPost) -> dict[str, object]:
    """What the audit trail keeps of a post, before and after a change."""
    return {
        "text": post.text,
        "variants": dict(post.variants or {}),
        "thread": list(post.thread or []),
        "run_at": post.run_at.isoformat() if post.run_at else None,
        "cron": post.cron,
        "requires_approval": post.requires_approval,
    }


def _approve_again(session: Session, post: ScheduledPost, actor: Actor) -> None:
    """The file changed an approved post: its scheduled deliveries wait for approval again."""
    if post.approved_by is None:
        return
    for delivery in post.deliveries:
        if delivery.state is DeliveryState.SCHEDULED:
            delivery.state = DeliveryState.PENDING_APPROVAL
            record(
                session,
                actor,
                "delivery.approval_withdrawn",
                "delivery",
                delivery.id,
                {"state": "scheduled", "approved_by": post.approved_by},
                {"state": "pending_approval"},
                message="the campaign file changed the post after it was approved",
            )
    post.approved_by = post.approved_at = None


def _submit_again(session: Session, post: ScheduledPost, actor: Actor) -> None:
    """A post sent back to its author (drafts) was edited: it waits for approval again (or is
    scheduled, if it no longer needs approval)."""
    state = DeliveryState.PENDING_APPROVAL if post.requires_approval else DeliveryState.SCHEDULED
    for delivery in post.deliveries:
        if delivery.state is DeliveryState.DRAFT:
            delivery.state = state
            record(
                session,
                actor,
                "delivery.submit",
                "delivery",
                delivery.id,
                {"state": "draft"},
                {"state": state.value},
                message="edited after it was sent back",
            )


def _apply(post: ScheduledPost, planned: PlannedPost, campaign: Campaign, actor: str) -> None:
    table = planned.table
    post.text = table.text
    post.variants = dict(table.variants)
    post.thread = list(table.thread) if isinstance(table.thread, list) else []
    post.thread_auto = table.thread == "auto"
    # Paths are resolved against the campaign file's folder, so dispatch finds them from anywhere.
    post.media = [{"path": str((campaign.path.parent / m.path).resolve()), "alt": m.alt} for m in table.media]
    post.timezone = campaign.zone.key
    post.cron = table.cron
    # The last local day of a recurring post, kept (as UTC noon of that day) for {days_left}.
    post.recur_end = _noon(table.end, campaign) if table.end is not None else None
    post.run_at = planned.deliveries[0].due_at if planned.deliveries and table.at else None
    post.requires_approval = requires_approval(planned, campaign)
    post.source_file = str(campaign.path) if campaign.from_file else None
    post.example = campaign.file.example
    post.created_by = post.created_by or actor


def _noon(day: datetime | date, campaign: Campaign) -> datetime:
    value = day.date() if isinstance(day, datetime) else day
    return datetime.combine(value, time(12), tzinfo=campaign.zone).astimezone(UTC)


def _changes(post: ScheduledPost, planned: PlannedPost, campaign: Campaign) -> bool:
    table = planned.table
    return bool(
        post.text != table.text
        or post.variants != dict(table.variants)
        or post.requires_approval != requires_approval(planned, campaign)
        or post.cron != table.cron
        or (table.at is not None and planned.deliveries and post.run_at != planned.deliveries[0].due_at)
    )


def requires_approval(planned: PlannedPost, campaign: Campaign) -> bool:
    """Whether the post waits for an approver: its own setting, else its campaign's."""
    value = planned.table.requires_approval
    return campaign.file.requires_approval if value is None else value


def _sync_deliveries(
    session: Session,
    post: ScheduledPost,
    planned: PlannedPost,
    campaign: Campaign,
    accounts: dict[str, Account],
    result: SyncResult,
    not_before: datetime | None = None,
) -> None:
    existing = {(d.account.key, d.occurrence): d for d in post.deliveries}
    first_state = DeliveryState.PENDING_APPROVAL if post.requires_approval else DeliveryState.SCHEDULED
    for wanted in planned.deliveries:
        delivery = existing.pop((wanted.account, wanted.occurrence), None)
        if delivery is None and not_before and wanted.due_at < not_before:
            continue
        if delivery is None:
            # A random idempotency key, not the row id: ids repeat across databases; platforms remember keys.
            post.deliveries.append(
                Delivery(
                    account=accounts[wanted.account],
                    occurrence=wanted.occurrence,
                    state=first_state,
                    due_at=wanted.due_at,
                    not_after=wanted.not_after,
                    idempotency_key=uuid.uuid4().hex,
                )
            )
            result.deliveries_created += 1
        elif delivery.state not in UNSENT:
            result.left_alone += 1
        elif delivery.due_at != wanted.due_at or delivery.not_after != wanted.not_after:
            delivery.due_at, delivery.not_after = wanted.due_at, wanted.not_after
            result.deliveries_rescheduled += 1
    # An account or occurrence the file no longer has: its unsent delivery is cancelled.
    for delivery in existing.values():
        if delivery.state in UNSENT:
            delivery.state = DeliveryState.CANCELLED
            result.deliveries_cancelled += 1


def describe(result: SyncResult, campaign: str, prune: bool) -> str:
    """One line for people."""
    line = (
        f"{campaign}: {result.posts_created} posts created, {result.posts_updated} updated; deliveries: "
        f"{result.deliveries_created} created, {result.deliveries_rescheduled} rescheduled, "
        f"{result.deliveries_cancelled} cancelled, {result.left_alone} already sent or sending (untouched)"
    )
    if result.past_examples:
        line += f"; {result.past_examples} example posts already past, not queued"
    if result.removed_posts:
        what = "cancelled" if prune else "kept; --prune cancels them"
        line += f"; no longer in the file ({what}): {', '.join(result.removed_posts)}"
    if result.removed_events:
        what = "cancelled" if prune else "kept; --prune cancels them"
        line += f"; events no longer in the file ({what}): {', '.join(result.removed_events)}"
    return line
