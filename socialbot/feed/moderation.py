"""Hide, unhide, pin and unpin posts: what `socialbot feed …` and the admin page call."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from socialbot.access.audit import record
from socialbot.access.roles import Action, Actor, authorize
from socialbot.store import Moderation, Post
from socialbot.store.counters import bump

ACTIONS = {
    "hide": Moderation.HIDDEN,
    "unhide": Moderation.VISIBLE,
    "pin": Moderation.PINNED,
    "unpin": Moderation.VISIBLE,
}


class ModerationError(LookupError):
    """The post named does not exist."""


def find_post(session: Session, ref: str) -> Post:
    """A post by its id, its permalink, or NETWORK:EXTERNAL_ID."""
    query = select(Post)
    if ref.isdigit():
        query = query.where(Post.id == int(ref))
    elif ref.startswith(("http://", "https://")):
        query = query.where(Post.permalink == ref)
    elif ":" in ref:
        network, external_id = ref.split(":", 1)
        query = query.where(Post.network == network, Post.external_id == external_id)
    else:
        raise ModerationError(f"feed: {ref!r}: give a post id, its permalink, or network:external_id")
    post = session.scalars(query).first()
    if post is None:
        raise ModerationError(f"feed: no post {ref!r}; `socialbot feed list` shows the ids")
    return post


def moderate(session: Session, ref: str, action: str, actor: Actor, reason: str = "") -> Post:
    """Apply action (hide, unhide, pin, unpin) to a post, record who did it and why, and refresh the feed."""
    authorize(actor, Action.MODERATE)
    post = find_post(session, ref)
    before = post.moderation
    post.moderation = ACTIONS[action]
    record(
        session,
        actor,
        f"feed.{action}",
        "feed_post",
        post.id,
        {"moderation": before.value},
        {"moderation": post.moderation.value},
        message=reason,
    )
    bump(session)
    return post
