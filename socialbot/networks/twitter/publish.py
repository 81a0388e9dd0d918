"""Posting to X with tweepy's Client (OAuth 1.0a user context); threads as replies to the last part."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import tweepy

from socialbot.networks.base import Media, Published, same_text
from socialbot.networks.credentials import secrets_for
from socialbot.networks.routing import route_session
from socialbot.networks.twitter.errors import x_errors


class TwitterPublisher:
    """One X account."""

    def __init__(
        self,
        key: str,
        handle: str,
        credentials: Mapping[str, str],
        env: Mapping[str, str],
        sandbox_url: str | None,
    ) -> None:
        secret = secrets_for(key, "twitter", credentials, env)
        self.handle = handle
        self.oauth = tweepy.OAuth1UserHandler(
            secret["api_key"], secret["api_secret"], secret["access_token"], secret["access_token_secret"]
        )
        self.client = tweepy.Client(
            consumer_key=secret["api_key"],
            consumer_secret=secret["api_secret"],
            access_token=secret["access_token"],
            access_token_secret=secret["access_token_secret"],
        )
        route_session(self.client.session, sandbox_url)

    def close(self) -> None:
        """Close the session."""
        self.client.session.close()

    def publish_part(
        self, text: str, thread: list[str], idempotency_key: str, media: Sequence[Media] = ()
    ) -> Published:
        """Create the post (a reply to the previous part when there is one), its images uploaded first."""
        with x_errors(self.handle, "X refused the credentials (401)", "cannot post"):
            media_ids = [self._upload(m) for m in media] or None
            response = self.client.create_tweet(
                text=text,
                in_reply_to_tweet_id=thread[-1] if thread else None,
                media_ids=media_ids,
                user_auth=True,
            )
        post_id = str(response.data["id"])
        return Published(post_id, f"https://x.com/{self.handle}/status/{post_id}")

    def _upload(self, media: Media) -> str:
        """POST /2/media/upload signed with tweepy's OAuth 1.0a handler (tweepy 4.17 has only v1.1)."""
        response = self.client.session.post(
            "https://api.x.com/2/media/upload",
            auth=self.oauth.apply_auth(),
            timeout=60,
            files={"media": (Path(media.path).name, media.read(), media.mime_type)},
            data={"media_category": "tweet_image", "media_type": media.mime_type},
        )
        if response.status_code == 429:
            reset = int(response.headers.get("x-rate-limit-reset", "0")) or None
            raise tweepy.TooManyRequests(response, reset_time=reset)
        errors = {
            400: tweepy.BadRequest,
            401: tweepy.Unauthorized,
            403: tweepy.Forbidden,
            404: tweepy.NotFound,
        }
        if response.status_code >= 500:
            raise tweepy.TwitterServerError(response)
        if response.status_code >= 400:
            raise errors.get(response.status_code, tweepy.BadRequest)(response)
        media_id = str(response.json()["data"]["id"])
        if media.alt:
            # Alt text is not part of the upload: X takes it through the media metadata call.
            described = self.client.session.post(
                "https://api.x.com/2/media/metadata",
                auth=self.oauth.apply_auth(),
                timeout=30,
                json={"id": media_id, "metadata": {"alt_text": {"text": media.alt[:1000]}}},
            )
            if described.status_code >= 400:
                raise errors.get(described.status_code, tweepy.BadRequest)(described)
        return media_id

    def find_recent(self, text: str, since: datetime) -> Published | None:
        """Our post with this text since then, from our own timeline (t.co links set aside)."""
        with x_errors(self.handle, "X refused the credentials (401)", "cannot post"):
            me = self.client.get_me(user_auth=True).data
            page = self.client.get_users_tweets(me.id, start_time=since, max_results=100, user_auth=True)
        for tweet in page.data or []:
            if same_text(tweet.text, text):
                return Published(str(tweet.id), f"https://x.com/{self.handle}/status/{tweet.id}")
        return None


def make_publisher(
    key: str,
    handle: str,
    credentials: Mapping[str, str],
    env: Mapping[str, str],
    sandbox_url: str | None,
    settings: Any,
) -> TwitterPublisher:
    """The publisher for an X account."""
    return TwitterPublisher(key, handle, credentials, env, sandbox_url)
