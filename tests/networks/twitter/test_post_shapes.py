"""X's post shapes as its API v2 sends them (docs.x.com "Post fields": note_tweet, referenced_tweets
expansions, url entities): long posts whole, retweets as their originals, photo links dropped, quotes
not taken for shared links; and the sandbox's long posts, cut and whole as X gives them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from socialbot.networks.twitter.collect import tweet_to_post
from socialbot.networks.twitter.sandbox_shapes import tweet_json
from socialbot.sandbox.world import SandboxAccount, SandboxPost

LONG = (
    "Tomorrow, ballots for Labour's NEC will start arriving. We have negotiated a united left slate for the "
    "CLP positions via the CLGA, named #GrassrootsVoice. To maximise our chances of getting left reps "
    "elected, the CLGA is recommending the following regional voting order for the #GV6 in this order."
)


def tweet(text: str, **fields: Any) -> dict[str, Any]:
    return {"id": "1", "text": text, "created_at": "2026-12-01T09:00:00.000Z", **fields}


def test_a_long_post_is_read_whole_from_its_note_tweet() -> None:
    cut = LONG[:270] + "…"
    post = tweet_to_post(tweet(cut, note_tweet={"text": LONG}), {"media": {}}, "LabourLeftAll")
    assert post.text == LONG


def test_a_retweet_is_its_original_with_the_originals_media() -> None:
    retweet = tweet(
        "RT @LabourLeftAll: Tomorrow, ballots for Labour's NEC will start…",
        referenced_tweets=[{"type": "retweeted", "id": "2"}],
    )
    original = {"id": "2", "text": LONG, "attachments": {"media_keys": ["3_2"]}}
    media = {
        "3_2": {
            "media_key": "3_2",
            "type": "photo",
            "url": "https://pbs.twimg.com/media/a.jpg",
            "width": 1200,
            "height": 675,
        }
    }
    post = tweet_to_post(retweet, {"media": media, "tweets": {"2": original}}, "redflag")
    assert post.text == LONG and post.repost_of == "2" and post.external_id == "1"
    assert [m["url"] for m in post.media] == ["https://pbs.twimg.com/media/a.jpg"]


def test_a_posts_own_photo_link_is_dropped_and_a_quote_is_no_shared_link() -> None:
    urls = [
        {
            "start": 14,
            "end": 37,
            "url": "https://t.co/abcdefghij",
            "expanded_url": "https://x.com/lla/status/1/photo/1",
        },
        {
            "start": 38,
            "end": 61,
            "url": "https://t.co/klmnopqrst",
            "expanded_url": "https://x.com/other/status/99",
        },
    ]
    post = tweet_to_post(
        tweet("Rally tonight https://t.co/abcdefghij https://t.co/klmnopqrst", entities={"urls": urls}),
        {"media": {}},
        "lla",
    )
    assert post.text == "Rally tonight https://x.com/other/status/99"
    assert post.link_url is None, "the quoted post is not a link the post shares"


def test_the_sandbox_cuts_a_long_post_and_gives_it_whole_in_note_tweet() -> None:
    account = SandboxAccount("twitter", "LabourLeftAll", "Labour Left Alliance", "labour-left-alliance", "42")
    post = SandboxPost(
        1, account, datetime(2026, 12, 1, 9, tzinfo=UTC), LONG + " Check your inbox & vote.", id="100"
    )
    plain = tweet_json(post, {"tweet.fields": "created_at"})
    assert plain["text"].endswith("…") and "note_tweet" not in plain
    whole = tweet_json(post, {"tweet.fields": "created_at,note_tweet,entities"})
    assert whole["note_tweet"]["text"].endswith("Check your inbox &amp; vote."), "escaped, as X gives it"
    assert tweet_to_post(whole, {"media": {}}, "LabourLeftAll").text == LONG + " Check your inbox & vote."


def test_a_retweet_is_by_its_originals_author_and_links_to_the_original() -> None:
    retweet = tweet("RT @union_comrade: Strike today…", referenced_tweets=[{"type": "retweeted", "id": "2"}])
    original = {"id": "2", "text": "Strike today & tomorrow", "author_id": "77"}
    users = {"77": {"id": "77", "name": "Union Comrade", "username": "union_comrade"}}
    post = tweet_to_post(retweet, {"media": {}, "tweets": {"2": original}, "users": users}, "redflag")
    assert post.author == "@union_comrade" and post.text == "Strike today & tomorrow"
    assert post.permalink == "https://x.com/union_comrade/status/2" and post.external_id == "1"


def test_the_sandbox_history_has_retweets_collected_as_their_originals(sandbox: str) -> None:
    from socialbot.networks.base import SourceRef
    from socialbot.networks.twitter import TwitterSettings
    from socialbot.networks.twitter.collect import TwitterCollector

    collector = TwitterCollector(TwitterSettings(), {"SOCIALBOT_X_BEARER_TOKEN": "sandbox-bearer"}, sandbox)
    try:
        shared = collector.fetch_new(SourceRef(1, "twitter", "ph_lla", options={"include_reposts": True}))
        own = collector.fetch_new(SourceRef(2, "twitter", "ph_lla"))
    finally:
        collector.close()
    retweets = [p for p in shared.posts if p.repost_of]
    assert retweets, "the seeded timeline has retweets"
    assert all(
        p.author == "@union_comrade" and not p.text.startswith("RT @") and "&amp;" not in p.text
        for p in retweets
    )
    assert all(p.permalink == f"https://x.com/union_comrade/status/{p.repost_of}" for p in retweets)
    assert own.posts and not any(p.repost_of for p in own.posts), "asked without reposts, X leaves them out"
