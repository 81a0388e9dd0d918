"""Sending a claimed delivery part by part: each part's id is stored before the next part is sent."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload, selectinload, sessionmaker

from socialbot.collect.pacing import backoff
from socialbot.dispatch.publishers import Publishers
from socialbot.networks.base import AuthFailed, Media, NetworkError, Published, RateLimited, Rejected
from socialbot.queue.text import IMAGE_TYPES, compose_parts, fill_occurrence
from socialbot.store import AuditEvent, Delivery, DeliveryPart, DeliveryState, ScheduledPost

log = logging.getLogger("socialbot.dispatch")
RETRY_BASE, RETRY_CAP = 30, 30 * 60


@dataclass
class SendOutcome:
    """How a delivery ended this time: sent, retry, failed or expired, and why."""

    delivery_id: int
    state: DeliveryState
    message: str = ""


def load(session: Session, delivery_id: int) -> Delivery:
    """A delivery with its post, account and sent parts."""
    return session.scalars(
        select(Delivery)
        .where(Delivery.id == delivery_id)
        .options(
            joinedload(Delivery.scheduled_post), joinedload(Delivery.account), selectinload(Delivery.parts)
        )
    ).one()


def record_part(
    sessions: sessionmaker[Session], delivery_id: int, position: int, published: Published
) -> None:
    """A part that is on the platform, recorded at once and on its own (before the next is sent);
    nothing is in flight any more."""
    with sessions.begin() as session:
        session.add(
            DeliveryPart(
                delivery_id=delivery_id,
                position=position,
                external_id=published.external_id,
                permalink=published.permalink,
            )
        )
        session.execute(update(Delivery).where(Delivery.id == delivery_id).values(sending_part=None))


def mark_sending(sessions: sessionmaker[Session], delivery_id: int, position: int) -> None:
    """Durably note that part position's request is about to leave: after a crash, only then is the
    platform asked whether it went out (a delivery claimed but never started is simply sent)."""
    with sessions.begin() as session:
        session.execute(update(Delivery).where(Delivery.id == delivery_id).values(sending_part=position))


def parts_of(delivery: Delivery) -> list[str]:
    """The texts this delivery's network receives, as the campaign was planned (occurrence filled in)."""
    post: ScheduledPost = delivery.scheduled_post
    parts = compose_parts(
        delivery.account.network, post.text, dict(post.variants), list(post.thread), post.thread_auto
    )
    last_day = post.recur_end.astimezone(ZoneInfo(post.timezone)).date() if post.recur_end else None
    return [fill_occurrence(part, delivery.occurrence, last_day) for part in parts]


def media_of(delivery: Delivery) -> list[Media]:
    """The post's images, for its first part."""
    return [
        Media(m["path"], IMAGE_TYPES.get(Path(m["path"]).suffix.lower(), "image/png"), m.get("alt", ""))
        for m in delivery.scheduled_post.media
    ]


def send_delivery(
    sessions: sessionmaker[Session], delivery_id: int, publishers: Publishers, now: datetime
) -> SendOutcome:
    """Publish the parts not yet sent; then sent, or back to scheduled (retry), or failed."""
    with sessions() as session:
        delivery = load(session, delivery_id)
        texts = parts_of(delivery)
        done = [part.external_id for part in delivery.parts]
        account_key = delivery.account.key
        key = delivery.idempotency_key or f"delivery-{delivery_id}"
        media = media_of(delivery)
    try:
        publisher = publishers.get(account_key)
        for position in range(len(done), len(texts)):
            mark_sending(sessions, delivery_id, position)
            published = publisher.publish_part(
                texts[position],
                done,
                idempotency_key=f"{key}-{position}",
                media=media if position == 0 else (),
            )
            record_part(sessions, delivery_id, position, published)
            done.append(published.external_id)
    except (Rejected, AuthFailed) as exc:
        return _finish(sessions, delivery_id, DeliveryState.FAILED, now, str(exc))
    except NetworkError as exc:
        return _retry(sessions, delivery_id, now, exc)
    return _finish(sessions, delivery_id, DeliveryState.SENT, now, "")


def _finish(
    sessions: sessionmaker[Session], delivery_id: int, state: DeliveryState, now: datetime, message: str
) -> SendOutcome:
    with sessions.begin() as session:
        delivery = load(session, delivery_id)
        delivery.state = state
        delivery.sending_part = None
        delivery.last_error = message or None
        if state is DeliveryState.SENT:
            delivery.sent_at = now
            delivery.permalink = delivery.parts[0].permalink if delivery.parts else None
        session.add(
            AuditEvent(
                actor=delivery.claimed_by or "dispatch",
                action=f"delivery.{state.value}",
                subject_type="delivery",
                subject_id=str(delivery_id),
                detail={
                    "account": delivery.account.key,
                    "post": delivery.scheduled_post.key,
                    "parts": len(delivery.parts),
                },
                message=message,
            )
        )
    if state is DeliveryState.FAILED:
        log.warning("dispatch: delivery %d failed: %s", delivery_id, message)
    return SendOutcome(delivery_id, state, message)


def _retry(
    sessions: sessionmaker[Session], delivery_id: int, now: datetime, error: NetworkError
) -> SendOutcome:
    """Back to scheduled after a transient error, later by capped backoff or the platform's reset time."""
    with sessions.begin() as session:
        delivery = load(session, delivery_id)
        wait = timedelta(seconds=backoff(delivery.attempts, RETRY_BASE, RETRY_CAP, random.Random()))
        due = now + wait
        if isinstance(error, RateLimited):
            due = max(due, error.reset_at + timedelta(seconds=1))
        delivery.last_error = str(error)
        # The platform answered (an error): the part did not go out, nothing is in doubt.
        delivery.sending_part = None
        if delivery.not_after is not None and due > delivery.not_after:
            delivery.state = DeliveryState.EXPIRED
            delivery.last_error = f"{error}; the next try would be after its not_after deadline"
        else:
            delivery.state, delivery.due_at = DeliveryState.SCHEDULED, due
        state = delivery.state
    return SendOutcome(delivery_id, state, str(error))
