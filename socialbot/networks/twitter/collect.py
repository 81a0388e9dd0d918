"""X timelines through tweepy's Client with the app's bearer token; every post is read once.

X bills per post read (pay-per-use since February 2026), so a source's first fetch reads only its
newest `first_fetch` posts and every later one asks for posts after since_id, never again.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import tweepy

from socialbot.networks.base import (
    AuthFailed,
    Fetched,
    Post,
    Rejected,
    SourceRef,
    secret_fingerprint,
)
from socialbot.networks.links import canonical_url
from socialbot.networks.per_thread import PerThread
from socialbot.networks.routing import route_session
from socialbot.networks.twitter import TwitterSettings
from socialbot.networks.twitter.errors import x_errors

# note_tweet: a post longer than 280 characters comes whole only there (its text is cut).
TWEET_FIELDS = [
    "created_at", "entities", "attachments", "referenced_tweets",
    "conversation_id", "author_id", "note_tweet",
]  # fmt: skip
# A retweet's own text is a cut "RT @x: …"; the original, with its media, comes in includes.tweets.
# Its author is the original's, in includes.users.
EXPANSIONS = [
    "attachments.media_keys", "referenced_tweets.id", "referenced_tweets.id.attachments.media_keys",
    "referenced_tweets.id.author_id",
]  # fmt: skip
MEDIA_FIELDS = ["url", "preview_image_url", "width", "height", "alt_text", "type"]
MAX_PAGES = 10


class TwitterCollector:
    """Reads X timelines; one tweepy Client per thread."""

    def __init__(self, settings: TwitterSettings, env: Mapping[str, str], sandbox_url: str | None) -> None:
        self.settings = settings
        self.token = env.get(settings.bearer_token_env, "")
        self.sandbox_url = sandbox_url
        self.clients = PerThread(self._new_client, lambda client: client.session.close())

    def credentials_fingerprint(self) -> str:
        """Changes when the bearer token does."""
        return secret_fingerprint(self.token)

    def close(self) -> None:
        """Close every thread's session."""
        self.clients.close()

    def _new_client(self, _: str) -> tweepy.Client:
        # Answers as the JSON's dicts: tweepy's Tweet objects (each parsing its own dates) cost a
        # sixth of the X collector's CPU (bench/collect.py's sources), and tweet_to_post reads dicts.
        client = tweepy.Client(bearer_token=self.token, wait_on_rate_limit=False, return_type=dict)
        route_session(client.session, self.sandbox_url, self.settings)
        return client

    def _client(self) -> tweepy.Client:
        return self.clients.get()

    def fetch_new(self, source: SourceRef) -> Fetched:
        """Posts after the cursor (since_id); the newest first_fetch posts on a source's first fetch."""
        if not self.token:
            raise AuthFailed(f"twitter: environment variable {self.settings.bearer_token_env} is not set")
        requests_made = 0
        with x_errors(
            source.locator, "the bearer token was refused (401): renew it", "cannot read timelines"
        ):
            user_id = source.platform_id
            if not user_id:
                user_id, requests_made = self._resolve(source.locator), 1
            exclude = [] if source.options.get("include_reposts") else ["retweets"]
            if not source.options.get("include_replies"):
                exclude.append("replies")
            tweets, includes, newest, pages = self._read(user_id, source.cursor, exclude)
        posts = [tweet_to_post(t, includes, source.locator) for t in tweets]
        return Fetched(
            posts, cursor=newest or source.cursor, platform_id=user_id, requests=requests_made + pages
        )

    def _resolve(self, handle: str) -> str:
        response: dict[str, Any] = self._client().get_user(username=handle)
        if not response.get("data"):
            errors = response.get("errors") or [{}]
            raise Rejected(f"twitter: @{handle}: {errors[0].get('detail', 'no such user')}", "unknown user")
        return str(response["data"]["id"])

    def _read(
        self, user_id: str, since_id: str | None, exclude: list[str]
    ) -> tuple[list[dict[str, Any]], dict[str, Any], str | None, int]:
        tweets: list[dict[str, Any]] = []
        media: dict[str, Any] = {}
        originals: dict[str, Any] = {}
        users: dict[str, Any] = {}
        newest, token, pages = None, None, 0
        while pages < MAX_PAGES:
            page: dict[str, Any] = self._client().get_users_tweets(
                user_id,
                since_id=since_id,
                pagination_token=token,
                exclude=exclude or None,
                max_results=100 if since_id else self.settings.first_fetch,
                tweet_fields=TWEET_FIELDS,
                expansions=EXPANSIONS,
                media_fields=MEDIA_FIELDS,
                user_auth=False,
            )
            pages += 1
            tweets += page.get("data") or []
            includes = page.get("includes") or {}
            media |= {m["media_key"]: m for m in includes.get("media", [])}
            originals |= {t["id"]: t for t in includes.get("tweets", [])}
            users |= {u["id"]: u for u in includes.get("users", [])}
            meta = page.get("meta") or {}
            newest = newest or meta.get("newest_id")
            token = meta.get("next_token")
            # Without since_id this is the first fetch: one page, never the whole history.
            if not token or not since_id:
                break
        return tweets, {"media": media, "tweets": originals, "users": users}, newest, pages


def tweet_to_post(tweet: dict[str, Any], includes: dict[str, Any], handle: str) -> Post:
    """A v2 tweet as a Post: t.co links expanded in the text, the first outside link kept for dedup.

    X's text is HTML-escaped (&amp;, &lt;, &gt;); the Post holds what the author wrote. A long post's
    whole text is its note_tweet's; a retweet carries its original's text and media (X's docs: "Post
    fields", note_tweet; referenced_tweets expansions).
    """
    repost = next((r["id"] for r in tweet.get("referenced_tweets", []) if r["type"] == "retweeted"), None)
    shown = (includes.get("tweets") or {}).get(repost, tweet) if repost else tweet
    note = shown.get("note_tweet") or {}
    text = html.unescape(note.get("text") or shown["text"])
    links = []
    for url in (note.get("entities") or shown.get("entities") or {}).get("urls", []):
        expanded = url.get("expanded_url") or url["url"]
        if is_own_media_link(expanded):
            # The post's own photo or video link is dropped from the text, as X's apps do.
            text = re.sub(rf" ?{re.escape(url['url'])}", "", text).strip()
            continue
        text = text.replace(url["url"], expanded)
        # A quoted post's link is the quote, not a link the post shares.
        if not is_post_link(expanded):
            links.append(expanded)
    media = []
    for key in (shown.get("attachments") or {}).get("media_keys", []):
        item = includes["media"].get(key)
        if item and (item.get("url") or item.get("preview_image_url")):
            media.append(
                {
                    "type": item.get("type", "photo"),
                    "url": item.get("url") or item.get("preview_image_url"),
                    "width": item.get("width"),
                    "height": item.get("height"),
                    "alt": item.get("alt_text", ""),
                }
            )
    # A retweet is by its original's author (as Mastodon boosts and Bluesky reposts are).
    author = (includes.get("users") or {}).get(shown.get("author_id")) if repost else None
    return Post(
        network="twitter",
        external_id=tweet["id"],
        text=text,
        author=f"@{author['username']}" if author else f"@{handle}",
        published_at=created_at(tweet),
        # A retweet links to its original, as "View on X" should.
        permalink=f"https://x.com/{author['username']}/status/{repost}"
        if author
        else f"https://x.com/{handle}/status/{tweet['id']}",
        link_url=canonical_url(links[0]) if links else None,
        media=media,
        repost_of=repost,
        raw={"id": tweet["id"], "conversation_id": tweet.get("conversation_id")},
    )


# X's ids are snowflakes: milliseconds since this epoch, shifted left by 22 bits (docs.x.com, "IDs").
SNOWFLAKE_EPOCH_MS = 1288834974657


def created_at(tweet: dict[str, Any]) -> datetime:
    """When a tweet was posted: its created_at, or, where an answer left it out (a request without
    tweet.fields, as in tweepy's recorded answers), the time its snowflake id carries."""
    if tweet.get("created_at"):
        return datetime.fromisoformat(str(tweet["created_at"]).replace("Z", "+00:00"))
    return datetime.fromtimestamp(((int(tweet["id"]) >> 22) + SNOWFLAKE_EPOCH_MS) / 1000, UTC)


def is_post_link(url: str) -> bool:
    """A link to a post on X (a quote), not to an article."""
    return re.match(r"^https?://(www\.|mobile\.)?(x|twitter)\.com/\w+/status/\d+", url) is not None


def is_own_media_link(url: str) -> bool:
    """X's links to a post's own photos (pic.twitter.com / x.com/…/photo/1) are not shared links."""
    return "/photo/" in url or "/video/" in url or url.startswith("https://pic.")


def make_collector(settings: Any, env: Mapping[str, str], sandbox_url: str | None) -> TwitterCollector:
    """The X collector for these settings."""
    return TwitterCollector(settings, env, sandbox_url)
