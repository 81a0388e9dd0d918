"""Posting to a Facebook Page's feed with facebook-sdk (the Page's token), at the configured Graph version."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import facebook
import requests

from socialbot.networks.base import Media, Published, same_text
from socialbot.networks.credentials import secrets_for
from socialbot.networks.facebook.errors import TIMEOUT, graph_errors, remember_regain
from socialbot.networks.routing import route_session

URL = re.compile(r"https?://\S+")


class FacebookPublisher:
    """One Facebook Page."""

    def __init__(
        self,
        key: str,
        page: str,
        credentials: Mapping[str, str],
        env: Mapping[str, str],
        sandbox_url: str | None,
        api_version: str,
    ) -> None:
        token = secrets_for(key, "facebook", credentials, env)["page_token"]
        self.page = page
        session = route_session(requests.Session(), sandbox_url)
        self.graph = facebook.GraphAPI(access_token=token, timeout=TIMEOUT, session=session)
        self.graph.version = api_version
        self.regain = remember_regain(session)

    def close(self) -> None:
        """Close the session."""
        self.graph.session.close()

    def publish_part(
        self, text: str, thread: list[str], idempotency_key: str, media: Sequence[Media] = ()
    ) -> Published:
        """Post text to the Page's feed, or as a photo post with the first image (threads go whole)."""
        with graph_errors(self.page, self.regain):
            if media:
                with open(media[0].path, "rb") as image:
                    photo = self.graph.put_photo(image=image, album_path=f"{self.page}/photos", message=text)
                result = {"id": photo.get("post_id") or photo["id"]}
            else:
                # The first link also goes as `link`, so Facebook shows its preview card (Graph "Page Feed").
                link = URL.search(text)
                extra = {"link": link.group(0)} if link else {}
                result = self.graph.put_object(self.page, "feed", message=text, **extra)
        post_id = str(result["id"])
        return Published(post_id, f"https://www.facebook.com/{post_id}")

    def find_recent(self, text: str, since: datetime) -> Published | None:
        """The Page's post with this message since then."""
        with graph_errors(self.page, self.regain):
            page = self.graph.get_connections(
                self.page,
                "posts",
                fields="message,permalink_url",
                limit=100,
                since=str(int(since.timestamp())),
            )
        for post in page.get("data", []):
            if same_text(post.get("message", ""), text):
                return Published(
                    post["id"], post.get("permalink_url") or f"https://www.facebook.com/{post['id']}"
                )
        return None


def make_publisher(
    key: str,
    handle: str,
    credentials: Mapping[str, str],
    env: Mapping[str, str],
    sandbox_url: str | None,
    settings: Any,
) -> FacebookPublisher:
    """The publisher for a Facebook Page."""
    return FacebookPublisher(key, handle, credentials, env, sandbox_url, settings.api_version)
