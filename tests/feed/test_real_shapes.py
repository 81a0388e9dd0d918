"""What `make run` shows: the shipped feeds.toml collected from the sandbox, whose history has the
shapes the real platforms send (tests/recordings/), and each of them handled in the store and on
the What's New page."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from socialbot.collect.round import collect_round
from socialbot.config import load_config
from socialbot.networks.routing import route_session
from socialbot.store import Post
from socialbot.store.sync import sync_config
from socialbot.web.app import create_app
from tests.conftest import ROOT
from tests.test_config import SANDBOX_ENV
from tests.web_server import serving


def hidden_mastodon_statuses(sandbox: str, acct: str) -> set[str]:
    """The ids of an account's followers-only and direct statuses, as the sandbox lists them."""
    session = route_session(requests.Session(), sandbox)
    server = acct.partition("@")[2]
    try:
        found = session.get(f"https://{server}/api/v1/accounts/lookup", params={"acct": acct}, timeout=10)
        account_id = found.json()["id"]
        statuses = session.get(
            f"https://{server}/api/v1/accounts/{account_id}/statuses", params={"limit": 40}, timeout=10
        ).json()
    finally:
        session.close()
    return {s["id"] for s in statuses if s["visibility"] in ("private", "direct")}


def test_the_shipped_sources_collected_from_the_sandbox_show_every_real_shape_handled(
    db: sessionmaker[Session], sandbox: str
) -> None:
    config = load_config(ROOT / "feeds.toml", SANDBOX_ENV)
    with db.begin() as session:
        sync_config(session, config)
    report = collect_round(db, config, env=SANDBOX_ENV, sandbox_url=sandbox, now=datetime.now(UTC))
    assert report.new > 0 and not [o for o in report.outcomes if o.status not in ("ok", "not_modified")]
    with db() as session:
        posts = session.scalars(select(Post)).all()
    by: dict[str, list[Any]] = {}
    for post in posts:
        by.setdefault(post.network, []).append(post)

    x = by["twitter"]
    assert not [p.text for p in x if "&amp;" in p.text or "&lt;" in p.text], "X's escaping undone"
    assert [p for p in x if "&" in p.text], "the history has words with & in them"
    assert [p for p in x if len(p.text) > 280], "long posts whole, from note_tweet"
    retweets = [p for p in x if p.repost_of]
    assert retweets and not [p for p in retweets if p.text.startswith("RT @")]
    assert all(p.author == "@union_comrade" for p in retweets)

    toots = by["mastodon"]
    boosts = [p for p in toots if p.repost_of]
    assert boosts and all(p.text and "/activity" not in (p.permalink or "") for p in boosts)
    assert [p for p in toots if p.content_warning], "content warnings kept"
    hidden = hidden_mastodon_statuses(sandbox, "redflag@mastodon.placeholder.invalid")
    assert hidden and not hidden & {p.external_id for p in toots}, "followers-only and direct never stored"

    skeets = by["bluesky"]
    assert [p for p in skeets if p.repost_of and "/app.bsky.feed.repost/" in p.external_id]

    facebook = by["facebook"]
    assert facebook and all(p.text or p.media for p in facebook), "a post with nothing to show is left out"

    with serving(create_app(config, db)) as base:
        pages = {
            network: requests.get(
                f"{base}/whats-new", params={"network": network, "limit": 50}, timeout=30
            ).text
            for network in ("twitter", "mastodon")
        }
    assert "&amp;amp;" not in pages["twitter"] and "&amp;" in pages["twitter"], "escaped once, not twice"
    assert "RT @" not in pages["twitter"]
    assert '<details class="sb-fold sb-cw">' in pages["mastodon"], "a post behind its warning is folded"
    assert "/activity" not in pages["mastodon"]
