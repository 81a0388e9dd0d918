"""The JSON shapes of the sandbox's X API v2: tweets, entities, media, users, errors, pagination tokens.

Field by field as the X API v2 reference documents them (docs.x.com/x-api: the Post, User and Media
objects; "Pagination"), and as tweepy 4.17 parses them.
"""

from __future__ import annotations

import hashlib
import html
import re
from datetime import datetime
from typing import Any

from socialbot.sandbox.world import SandboxAccount, SandboxPost

HASHTAG = re.compile(r"#(\w+)")
MENTION = re.compile(r"@(\w{1,15})")


def x_time(at: datetime) -> str:
    """X's timestamp: ISO 8601 with milliseconds and Z (tweepy's parse_datetime needs the .000)."""
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def short_link(url: str, post: SandboxPost) -> str:
    """The t.co link X puts in a post's text in place of url."""
    return "https://t.co/" + hashlib.sha256(f"{url}{post.seq}".encode()).hexdigest()[:10]


def select_tweets(posts: list[SandboxPost], q: Any) -> list[SandboxPost]:
    """Newest first, filtered by since_id / until_id / times / exclude, capped at 3,200 as X does."""
    since, until = q.get("since_id"), q.get("until_id")
    exclude = set(q.get("exclude", "").split(","))
    chosen = []
    for post in reversed(posts):
        number = int(post.id)
        if (since and number <= int(since)) or (until and number >= int(until)):
            continue
        if "replies" in exclude and post.reply_to is not None:
            continue
        if "retweets" in exclude and is_retweet(post):
            continue
        if q.get("start_time") and x_time(post.created_at) < q["start_time"].replace("Z", ".000Z")[:24]:
            continue
        if q.get("end_time") and x_time(post.created_at) > q["end_time"].replace("Z", ".000Z")[:24]:
            continue
        chosen.append(post)
    return chosen[:3200]


# The account whose posts the seeded retweets share.
RETWEETED = {"id": "1500000000000000001", "name": "Union Comrade", "username": "union_comrade"}


def is_retweet(post: SandboxPost) -> bool:
    """Whether the timeline shows this seeded post as a retweet of another account's post (every
    eleventh seeded one; never one of ours), as real accounts' timelines have them."""
    return not post.published and post.seq % 11 == 6


def original_id(post: SandboxPost) -> str:
    """The retweeted original's id: a snowflake a day older than the retweet's."""
    return str(int(post.id) - (86_400_000 << 22))


def retweet_json(post: SandboxPost, tweet: dict[str, Any]) -> dict[str, Any]:
    """The seeded post (tweet, as tweet_json gave it) as a timeline lists a retweet: its own text a
    cut "RT @x: …", no media of its own, the original named in referenced_tweets."""
    text = cut_text(f"RT @{RETWEETED['username']}: " + tweet.get("note_tweet", tweet)["text"])
    retweet = {k: v for k, v in tweet.items() if k in ("created_at", "author_id", "conversation_id")}
    return retweet | {
        "id": post.id,
        "text": text,
        "edit_history_tweet_ids": [post.id],
        "referenced_tweets": [{"type": "retweeted", "id": original_id(post)}],
    }


def original_json(post: SandboxPost, tweet: dict[str, Any]) -> dict[str, Any]:
    """The includes.tweets entry of a retweet: the original (tweet), with its media and author."""
    original = tweet | {"id": original_id(post), "edit_history_tweet_ids": [original_id(post)]}
    original.pop("referenced_tweets", None)
    if "author_id" in original:
        original["author_id"] = RETWEETED["id"]
    return original


def render_timeline(page: list[SandboxPost], q: Any, account: SandboxAccount) -> dict[str, Any]:
    """data, includes and meta as X returns them for a page of posts."""
    expansions = set(q.get("expansions", "").split(","))
    # Each post is rendered once; a retweet's rendering is its original's too.
    tweets = [(p, tweet_json(p, q)) for p in page]
    data = [retweet_json(p, t) if is_retweet(p) else t for p, t in tweets]
    body: dict[str, Any] = {"data": data, "meta": {"result_count": len(page)}}
    if page:
        body["meta"] |= {"newest_id": page[0].id, "oldest_id": page[-1].id}
    includes: dict[str, Any] = {}
    retweets = [p for p in page if is_retweet(p)]
    if "attachments.media_keys" in expansions:
        # A retweet's media come with its original, when referenced tweets' media are asked for.
        shown = [
            p
            for p in page
            if not is_retweet(p) or "referenced_tweets.id.attachments.media_keys" in expansions
        ]
        media = [media_json(p, q) for p in shown if p.image]
        if media:
            includes["media"] = media
    if "referenced_tweets.id" in expansions and retweets:
        includes["tweets"] = [original_json(p, t) for p, t in tweets if is_retweet(p)]
    users = [user_json(account)] if "author_id" in expansions and page else []
    if "referenced_tweets.id.author_id" in expansions and retweets:
        users.append(dict(RETWEETED))
    if users:
        includes["users"] = users
    if includes:
        body["includes"] = includes
    return body


def rendered_text(post: SandboxPost) -> str:
    """The post's text as X shows it: every link replaced by (or followed by) its t.co form."""
    text = post.text
    for link in post.links:
        short = short_link(link, post)
        text = text.replace(link, short) if link in text else f"{text} {short}"
    return text


def x_escaped(text: str) -> str:
    """Text as X's API gives it: &, < and > HTML-escaped (as recorded answers show: "&amp;")."""
    return html.escape(text, quote=False)


def cut_text(text: str) -> str:
    """text as a long post's text field shows it: its first 280 weighted characters, then "…"."""
    from socialbot.networks.twitter.text import parse_tweet

    if parse_tweet(html.unescape(text)).weightedLength <= 280:
        return text
    words, kept = text.split(" "), ""
    for word in words:
        if parse_tweet(html.unescape(f"{kept} {word}…".strip())).weightedLength > 280:
            break
        kept = f"{kept} {word}".strip()
    return f"{kept}…"


def tweet_json(post: SandboxPost, q: Any) -> dict[str, Any]:
    """One tweet object with the fields asked for in tweet.fields."""
    fields = set(q.get("tweet.fields", "").split(","))
    # Entities' offsets are counted in the text as given, escaped. A post longer than 280 comes cut
    # in text and whole in note_tweet, when asked for.
    full = x_escaped(rendered_text(post))
    text = cut_text(full)
    tweet: dict[str, Any] = {"id": post.id, "text": text, "edit_history_tweet_ids": [post.id]}
    if text != full and "note_tweet" in fields:
        tweet["note_tweet"] = {"text": full}
        if "entities" in fields and (entities := entities_json(post, full)):
            tweet["note_tweet"]["entities"] = entities
    if "created_at" in fields:
        tweet["created_at"] = x_time(post.created_at)
    if "author_id" in fields:
        tweet["author_id"] = post.account.numeric_id
    if "conversation_id" in fields:
        root = post
        while root.reply_to is not None:
            root = root.reply_to
        tweet["conversation_id"] = root.id
    if "entities" in fields:
        entities = entities_json(post, text)
        if entities:
            tweet["entities"] = entities
    if "attachments" in fields and post.image:
        tweet["attachments"] = {"media_keys": [f"3_{post.id}"]}
    if post.reply_to is not None and "referenced_tweets" in fields:
        tweet["referenced_tweets"] = [{"type": "replied_to", "id": post.reply_to.id}]
    if post.reply_to is not None and "in_reply_to_user_id" in fields:
        tweet["in_reply_to_user_id"] = post.reply_to.account.numeric_id
    if "public_metrics" in fields:
        tweet["public_metrics"] = {
            "retweet_count": post.seq % 7,
            "reply_count": post.seq % 3,
            "like_count": post.seq % 40,
            "quote_count": 0,
        }
    return tweet


def entities_json(post: SandboxPost, text: str) -> dict[str, Any]:
    """urls (with expanded_url, not t.co), hashtags and mentions, with code-point offsets."""
    entities: dict[str, Any] = {}
    urls = []
    for link in post.links:
        short = short_link(link, post)
        start = text.find(short)
        if start >= 0:
            urls.append(
                {
                    "start": start,
                    "end": start + len(short),
                    "url": short,
                    "expanded_url": link,
                    "display_url": link.split("://", 1)[1][:26]
                    + ("…" if len(link.split("://", 1)[1]) > 26 else ""),
                }
            )
    if urls:
        entities["urls"] = urls
    tags = [{"start": m.start(), "end": m.end(), "tag": m.group(1)} for m in HASHTAG.finditer(text)]
    if tags:
        entities["hashtags"] = tags
    mentions = [{"start": m.start(), "end": m.end(), "username": m.group(1)} for m in MENTION.finditer(text)]
    if mentions:
        entities["mentions"] = mentions
    return entities


def media_json(post: SandboxPost, q: Any) -> dict[str, Any]:
    """The includes.media entry of a post's photo."""
    fields = set(q.get("media.fields", "").split(","))
    media: dict[str, Any] = {"media_key": f"3_{post.id}", "type": "photo"}
    if "url" in fields:
        media["url"] = f"https://pbs.twimg.com/media/sandbox{post.id}.png"
    if "width" in fields or "height" in fields:
        media |= {"width": 1200, "height": 675}
    if "alt_text" in fields:
        media["alt_text"] = f"Photo from {post.account.name}"
    return media


def user_json(account: SandboxAccount) -> dict[str, Any]:
    """A user object with the default fields: id, name, username."""
    return {"id": account.numeric_id, "name": account.name or account.handle, "username": account.handle}


def encode_token(last_id: int) -> str:
    """An opaque pagination token standing for "older than last_id"."""
    return f"7140dibdnow9c7btw{last_id:x}"


def decode_token(token: str) -> int:
    """The id a pagination token made by encode_token stands for (0 when it is not one of ours)."""
    try:
        return int(token.removeprefix("7140dibdnow9c7btw"), 16)
    except ValueError:
        return 0
