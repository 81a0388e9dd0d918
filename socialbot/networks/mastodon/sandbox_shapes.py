"""The JSON shapes of the sandbox's Mastodon API: Account and Status entities, ids and times, as
docs.joinmastodon.org/entities/ documents them and Mastodon.py parses them."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import escape
from typing import Any

from socialbot.sandbox.world import SandboxAccount, SandboxPost

URL = re.compile(r"https?://\S+")


def make_id(post: SandboxPost) -> str:
    """A Mastodon snowflake: milliseconds, then 16 bits of sequence."""
    return str((int(post.created_at.timestamp() * 1000) << 16) | (post.seq & 0xFFFF))


def masto_time(at: datetime) -> str:
    """ISO 8601 with milliseconds and Z."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def account_json(account: SandboxAccount, server: str) -> dict[str, Any]:
    """An Account entity."""
    user, _, host = account.locator.partition("@")
    host = host or server
    return {
        "id": account.numeric_id,
        "username": user,
        "acct": user if host == server else f"{user}@{host}",
        "display_name": account.name,
        "locked": False,
        "bot": False,
        "group": False,
        "created_at": "2020-06-01T00:00:00.000Z",
        "note": "",
        "url": f"https://{host}/@{user}",
        "avatar": f"https://{host}/avatars/original/missing.png",
        "followers_count": 100,
        "following_count": 50,
        "statuses_count": len(account.posts),
        "fields": [],
        "emojis": [],
    }


def visibility(post: SandboxPost) -> str:
    """Seeded history has followers-only and direct statuses too, as real accounts do (never ours)."""
    if post.published:
        return "public"
    return {3: "private", 11: "direct", 7: "unlisted"}.get(post.seq % 17, "public")


def content_warning(post: SandboxPost) -> str:
    """Seeded history has statuses behind a content warning (spoiler_text), as real accounts post."""
    if post.published:
        return ""
    return {5: "Police at the picket line (images)", 9: "Long thread: the NEC results"}.get(post.seq % 13, "")


def is_boost(post: SandboxPost) -> bool:
    """Whether the timeline shows this seeded status as a boost."""
    return not post.published and post.seq % 9 == 4


def timeline_json(post: SandboxPost, server: str) -> dict[str, Any]:
    """A status as an account's timeline lists it: every ninth seeded one a boost of another account's
    status, shaped as Mastodon answers a reblog (empty content, an /activity url, the original under
    "reblog")."""
    status = status_json(post, server)
    if not is_boost(post):
        return status
    original = dict(status)
    status.update(
        content="",
        url=f"{status['uri']}/activity",
        uri=f"{status['uri']}/activity",
        media_attachments=[],
        tags=[],
        reblog=original
        | {
            "id": f"{post.id}0",
            "account": account_json(post.account, server) | {"acct": "comrade@union.example"},
        },
    )
    return status


def status_json(post: SandboxPost, server: str) -> dict[str, Any]:
    """A Status entity; content is HTML, as Mastodon renders it."""
    account = account_json(post.account, server)
    host = account["url"].split("/")[2]
    paragraphs = "".join(f"<p>{linkify(escape(p))}</p>" for p in post.text.split("\n\n") if p)
    for link in post.links:
        if link not in post.text:
            paragraphs += (
                f'<p><a href="{escape(link)}" rel="nofollow noopener" target="_blank">{escape(link)}</a></p>'
            )
    media = []
    if post.image:
        media.append(
            {
                "id": str(post.seq),
                "type": "image",
                "url": f"https://{host}/media/sandbox{post.seq}.png",
                "preview_url": f"https://{host}/media/sandbox{post.seq}_small.png",
                "description": f"Photo from {post.account.name}",
                "meta": {"original": {"width": 1200, "height": 675}},
            }
        )
    return {
        "id": post.id,
        "created_at": masto_time(post.created_at),
        "in_reply_to_id": post.reply_to.id if post.reply_to else None,
        "in_reply_to_account_id": post.reply_to.account.numeric_id if post.reply_to else None,
        "sensitive": bool(content_warning(post)),
        "spoiler_text": content_warning(post),
        "visibility": visibility(post),
        "language": "en",
        "uri": f"https://{host}/users/{account['username']}/statuses/{post.id}",
        "url": f"https://{host}/@{account['username']}/{post.id}",
        "replies_count": 0,
        "reblogs_count": post.seq % 4,
        "favourites_count": post.seq % 20,
        "edited_at": masto_time(post.edited_at) if post.edited_at else None,
        "content": paragraphs,
        "reblog": None,
        "account": account,
        "media_attachments": media,
        "mentions": [],
        "tags": [{"name": t, "url": f"https://{host}/tags/{t}"} for t in re.findall(r"#(\w+)", post.text)],
        "emojis": [],
        "card": None,
        "poll": None,
    }


def linkify(text: str) -> str:
    """Wrap escaped URLs in anchors, as Mastodon's formatter does."""
    return URL.sub(
        lambda m: f'<a href="{m.group(0)}" rel="nofollow noopener" target="_blank">{m.group(0)}</a>', text
    )
