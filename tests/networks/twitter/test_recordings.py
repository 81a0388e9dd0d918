"""X's real answers (tests/recordings/twitter/, tweepy's cassettes) through the collector's parsing,
every field of every post checked, and a recorded create-tweet answer through the publisher over
real HTTP."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from socialbot.config import load_config
from socialbot.dispatch.publishers import Publishers
from socialbot.networks.twitter.collect import tweet_to_post
from tests.conftest import ROOT
from tests.recordings.cassettes import interactions, replaying
from tests.test_config import SANDBOX_ENV


def test_a_recorded_timeline_page_parses_into_posts_with_every_field() -> None:
    (page,) = interactions("twitter/users_tweets.yaml")
    assert page.uri.endswith("/2/users/783214/tweets") and page.status == 200
    posts = [tweet_to_post(t, {"media": {}, "tweets": {}}, "TwitterDev") for t in page.body["data"]]
    first, second = posts
    assert first.external_id == "1577730467436138524"
    assert first.text == (
        "whoa, it works\n\nnow everyone can mix GIFs, videos, and images in one Tweet, available on iOS "
        "and Android https://t.co/3OQ4eGsUku https://t.co/LVVolAQPZi"
    ), "without entities the t.co links stay as they are"
    assert first.author == "@TwitterDev"
    assert first.permalink == "https://x.com/TwitterDev/status/1577730467436138524"
    # The request asked for no tweet.fields, so the answer has no created_at: the id's snowflake
    # time is used (X announced mixed media on 5 October 2022, and edit tests on 1 September).
    assert first.published_at == datetime(2022, 10, 5, 18, 40, 30, 908000, tzinfo=UTC)
    assert second.published_at == datetime(2022, 9, 1, 12, 40, 8, 186000, tzinfo=UTC)
    assert (first.link_url, first.media, first.repost_of) == (None, [], None)
    assert second.text.startswith("if you see an edited Tweet")
    assert page.body["meta"]["next_token"], "a next page is named (the first fetch reads one page)"


def test_a_recorded_create_tweet_answer_is_read_by_the_publisher_over_http() -> None:
    (created,) = interactions("twitter/create_tweet.yaml")
    assert created.status == 201
    with replaying(created) as server:
        publishers = Publishers(load_config(ROOT / "feeds.toml", SANDBOX_ENV), SANDBOX_ENV, server.base)
        try:
            published = publishers.get("network-x").publish_part("Test Tweet", [], "key-1")
        finally:
            publishers.close()
    assert published.external_id == "1456012973835788293"
    assert published.permalink.endswith("/status/1456012973835788293")
    ((method, path, body),) = server.requests
    assert method == "POST" and path.endswith("/2/tweets")
    assert json.loads(body) == {"text": "Test Tweet"}


def test_the_collector_reads_a_recorded_user_lookup_and_timeline_over_http() -> None:
    from socialbot.networks.base import SourceRef
    from socialbot.networks.twitter import TwitterSettings
    from socialbot.networks.twitter.collect import TwitterCollector

    (user,) = interactions("twitter/user_by_username.yaml")
    (timeline,) = interactions("twitter/users_tweets.yaml")
    assert user.body["data"]["id"] == "783214", "the same account as the recorded timeline"
    with replaying(user, timeline) as server:
        collector = TwitterCollector(TwitterSettings(), SANDBOX_ENV, server.base)
        try:
            fetched = collector.fetch_new(
                SourceRef(1, "twitter", "Twitter", None, None, None, None, {}, None)
            )
        finally:
            collector.close()
    assert fetched.platform_id == "783214" and fetched.requests == 2
    assert [p.external_id for p in fetched.posts] == ["1577730467436138524", "1565318587736285184"]
    assert fetched.cursor == "1577730467436138524", "newest_id, for the next round's since_id"
    assert [path.split("?")[0].rsplit("/2/", 1)[-1] for _, path, _ in server.requests] == [
        "users/by/username/Twitter",
        "users/783214/tweets",
    ]
