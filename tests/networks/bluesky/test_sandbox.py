"""The atproto SDK's Client against the sandbox's Bluesky (AppView reads, PDS session and posts)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from atproto import Client, client_utils, exceptions
from atproto_client.request import Request

from socialbot.networks.routing import SandboxTransport
from tests.sandbox_server import control
from tests.test_config import SANDBOX_ENV

ACTOR = "lla.placeholder.invalid"


@pytest.fixture
def client(sandbox: str) -> Iterator[Callable[..., Client]]:
    requests: list[Request] = []

    def make(url: str | None = None) -> Client:
        requests.append(Request(transport=SandboxTransport(sandbox)))
        return Client(base_url=url, request=requests[-1])

    yield make
    for request in requests:
        request.close()


def test_author_feed_pages_with_a_cursor(sandbox: str, client: Any) -> None:
    reader = client("https://public.api.bsky.app/xrpc")
    first = reader.get_author_feed(actor=ACTOR, limit=10)
    assert len(first.feed) == 10 and first.cursor
    second = reader.get_author_feed(actor=ACTOR, limit=10, cursor=first.cursor)
    uris = [i.post.uri for i in first.feed + second.feed]
    assert len(set(uris)) == 20
    assert all(u.startswith("at://did:plc:") for u in uris)
    assert first.feed[0].post.author.handle == ACTOR


def test_login_and_post_a_thread_with_a_link_facet(sandbox: str, client: Any) -> None:
    poster = client()
    poster.login("network.placeholder.invalid", SANDBOX_ENV["SOCIALBOT_BLUESKY_APP_PASSWORD"])
    run = uuid.uuid4().hex[:6]
    text = (
        client_utils.TextBuilder().text(f"Vote #GV6 {run} ").link("labourleft.org", "https://labourleft.org/")
    )
    root = poster.send_post(text)
    from atproto import models

    ref = models.create_strong_ref(root)
    reply = poster.send_post(
        f"Part two {run}", reply_to=models.AppBskyFeedPost.ReplyRef(parent=ref, root=ref)
    )
    record = [e for e in control(sandbox, "GET", "published")["published"] if run in e.get("text", "")]
    assert [e["id"] for e in record] == [root.uri, reply.uri]
    assert record[0]["links"] == ["https://labourleft.org/"]
    assert record[1]["reply_to"] == root.uri


def test_text_over_300_graphemes_is_refused(sandbox: str, client: Any) -> None:
    poster = client()
    poster.login("network.placeholder.invalid", SANDBOX_ENV["SOCIALBOT_BLUESKY_APP_PASSWORD"])
    poster.send_post("🗳️" * 300)  # 300 graphemes (each two code points): allowed
    with pytest.raises(exceptions.BadRequestError, match="300 graphemes"):
        poster.send_post("x" * 301)


def test_revoked_password_cannot_log_in(sandbox: str, client: Any) -> None:
    with pytest.raises(exceptions.UnauthorizedError):
        client().login("network.placeholder.invalid", "revoked-password")


def test_a_published_mention_names_the_accounts_did(sandbox: str) -> None:
    from socialbot.config import load_config
    from socialbot.dispatch.publishers import Publishers
    from tests.conftest import ROOT

    config = load_config(ROOT / "feeds.toml", SANDBOX_ENV)
    publishers = Publishers(config, SANDBOX_ENV, sandbox)
    text = f"Thank you @{ACTOR} and @nobody.placeholder.invalid for the rally {uuid.uuid4().hex[:6]} #GV6"
    try:
        publishers.get("network-bluesky").publish_part(text, [], uuid.uuid4().hex)
    finally:
        publishers.close()
    (entry,) = [e for e in control(sandbox, "GET", "published")["published"] if e.get("text") == text]
    features = [f["features"][0] for f in entry["record"]["facets"]]
    mentioned = [f["did"] for f in features if f["$type"] == "app.bsky.richtext.facet#mention"]
    assert len(mentioned) == 1 and mentioned[0].startswith("did:"), "only the handle that resolves"
    assert [f["tag"] for f in features if f["$type"] == "app.bsky.richtext.facet#tag"] == ["GV6"]
