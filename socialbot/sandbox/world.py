"""The sandbox's world: every account in feeds.toml, its deterministic history, a clock, and the record."""

from __future__ import annotations

import bisect
import hashlib
import json
import os
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from socialbot.sandbox.content import SEED_GROUP, SEED_POSTS, Draft, draft_post

HISTORY = timedelta(days=42)
FUTURE = timedelta(days=60)
# Networks whose long posts are threads of replies; Facebook and websites post them whole.
THREADED = {"twitter", "bluesky", "mastodon"}
MEAN_INTERVALS_HOURS = [3, 6, 12, 24, 48, 96]


@dataclass
class SandboxPost:
    """A post on a sandbox account; networks render it in their own JSON or XML shape."""

    seq: int
    account: SandboxAccount
    created_at: datetime
    text: str
    links: list[str] = field(default_factory=list)
    image: bool = False
    reply_to: SandboxPost | None = None
    edited_at: datetime | None = None
    published: bool = False
    media_ids: list[str] = field(default_factory=list)
    id: str = ""

    @property
    def network(self) -> str:
        """The network of the account this post is on."""
        return self.account.network


@dataclass
class SandboxAccount:
    """An account, page or feed that the sandbox serves."""

    network: str
    locator: str
    name: str
    group: str
    numeric_id: str
    posts: list[SandboxPost] = field(default_factory=list)

    @property
    def handle(self) -> str:
        """The locator without a Mastodon server part: what a profile shows after the @."""
        return self.locator.split("@")[0]

    def visible(self, now: datetime) -> list[SandboxPost]:
        """Posts made up to now, oldest first."""
        return self.posts[: bisect.bisect_right([p.created_at for p in self.posts], now)]


IdMaker = Callable[[SandboxPost], str]


def _timeline_order(post: SandboxPost) -> tuple[datetime, int]:
    return post.created_at, post.seq


class World:
    """Accounts and timelines for a seed, a clock that ticks, and the record of what was published."""

    def __init__(
        self,
        sources: Iterable[tuple[str, str, str, str]],
        seed: int = 1,
        id_makers: Mapping[str, IdMaker] | None = None,
        epoch: datetime | None = None,
        real_time: bool = True,
        state_file: Path | None = None,
    ) -> None:
        self.seed = seed
        self.epoch = (epoch or datetime.now(UTC)).replace(microsecond=0)
        self.real_time = real_time
        self.started = time.monotonic()
        self.offset = timedelta(0)
        self.id_makers = dict(id_makers or {})
        self.lock = threading.RLock()
        self.accounts: dict[tuple[str, str], SandboxAccount] = {}
        # The same accounts by (network, numeric id): X, Mastodon and Facebook address them so.
        self.by_number: dict[tuple[str, str], SandboxAccount] = {}
        self.by_id: dict[tuple[str, str], SandboxPost] = {}
        self.record: list[dict[str, Any]] = []
        self.state_file = state_file
        self._seq = 0
        for network, locator, name, group in sorted(set(sources)):
            self._add_account(network, locator, name, group)
        if state_file and state_file.exists():
            self._load_state(state_file)

    # The clock ------------------------------------------------------------------------------

    def now(self) -> datetime:
        """The sandbox's time: start time, plus real time passed if enabled, plus ticks."""
        passed = timedelta(seconds=time.monotonic() - self.started) if self.real_time else timedelta(0)
        return self.epoch + passed + self.offset

    def tick(self, seconds: float) -> datetime:
        """Move the clock forward; posts scheduled in between appear."""
        with self.lock:
            self.offset += timedelta(seconds=seconds)
            self._save_state()
            return self.now()

    # Accounts -------------------------------------------------------------------------------

    def account(self, network: str, locator: str) -> SandboxAccount | None:
        """The account with this handle, page name, numeric id or feed URL, if the sandbox has it."""
        return self.accounts.get((network, locator.lower())) or self.by_number.get((network, locator))

    def ensure_account(self, network: str, locator: str, name: str = "") -> SandboxAccount:
        """The account, created empty if the sandbox has not heard of it (e.g. a token's own user)."""
        with self.lock:
            return self.account(network, locator) or self._add_account(
                network, locator, name or locator, "", history=False
            )

    def network_accounts(self, network: str) -> list[SandboxAccount]:
        """Every account on one network."""
        return [a for a in self.accounts.values() if a.network == network]

    def post(self, network: str, post_id: str) -> SandboxPost | None:
        """A post by its network id."""
        return self.by_id.get((network, post_id))

    def _add_account(
        self, network: str, locator: str, name: str, group: str, history: bool = True
    ) -> SandboxAccount:
        digest = hashlib.sha256(f"{network}:{locator.lower()}".encode()).digest()
        numeric = str(10**15 + int.from_bytes(digest[:6], "big"))
        account = SandboxAccount(network, locator, name, group, numeric)
        self.accounts[(network, locator.lower())] = account
        self.by_number.setdefault((network, numeric), account)
        if history:
            self._generate(account)
        return account

    def _generate(self, account: SandboxAccount) -> None:
        rng = random.Random(f"{self.seed}:{account.network}:{account.locator.lower()}")
        mean = rng.choice(MEAN_INTERVALS_HOURS) * 3600
        at = self.epoch - HISTORY
        drafts: list[tuple[datetime, Draft]] = []
        while at < self.epoch + FUTURE:
            at += timedelta(seconds=int(rng.expovariate(1 / mean)) + 60)
            drafts.append((at, draft_post(rng)))
        if account.group == SEED_GROUP:
            drafts += [(self.epoch - timedelta(hours=h), d) for h, d in SEED_POSTS]
        for at, draft in sorted(drafts, key=lambda pair: pair[0]):
            self._add_draft(account, at, draft)
        # Appended as made (a thread's later parts can pass a seed post's time): sorted once here.
        account.posts.sort(key=_timeline_order)

    def _add_draft(self, account: SandboxAccount, at: datetime, draft: Draft) -> None:
        parts = draft.thread if draft.thread and account.network in THREADED else [draft.text]
        previous = None
        for i, text in enumerate(parts):
            post = self._new_post(
                account, at + timedelta(seconds=20 * i), text, draft.links if i == 0 else [], in_order=False
            )
            post.image, post.reply_to = draft.image and i == 0, previous
            previous = post

    def _new_post(
        self, account: SandboxAccount, at: datetime, text: str, links: list[str], in_order: bool = True
    ) -> SandboxPost:
        self._seq += 1
        post = SandboxPost(self._seq, account, at, text, list(links))
        maker = self.id_makers.get(account.network)
        post.id = maker(post) if maker else str(post.seq)
        self.by_id[(account.network, post.id)] = post
        if in_order:
            bisect.insort(account.posts, post, key=_timeline_order)
        else:
            account.posts.append(post)
        return post

    # Changes made through the APIs -----------------------------------------------------------

    def publish(
        self,
        account: SandboxAccount,
        text: str,
        *,
        reply_to: SandboxPost | None = None,
        links: list[str] | None = None,
        media_ids: list[str] | None = None,
        meta: Mapping[str, Any] | None = None,
    ) -> SandboxPost:
        """A post made through an API: on the account's timeline now, and in the record."""
        with self.lock:
            post = self._new_post(account, self.now(), text, links or [])
            post.reply_to, post.published, post.media_ids = reply_to, True, list(media_ids or [])
            self.record.append(
                {
                    "network": account.network,
                    "account": account.locator,
                    "id": post.id,
                    "text": text,
                    "reply_to": reply_to.id if reply_to else None,
                    "links": post.links,
                    "media_ids": post.media_ids,
                    "at": post.created_at.isoformat(),
                    **dict(meta or {}),
                }
            )
            self._save_state()
            return post

    def record_media(self, network: str, media_id: str, size: int, media_type: str) -> None:
        """Keep a media upload in the record."""
        with self.lock:
            self.record.append(
                {
                    "network": network,
                    "kind": "media",
                    "id": media_id,
                    "size": size,
                    "media_type": media_type,
                    "at": self.now().isoformat(),
                }
            )
            self._save_state()

    def describe_media(self, network: str, media_id: str, alt: str) -> None:
        """An upload's alt text, set after the upload (X's media metadata call)."""
        with self.lock:
            for entry in self.record:
                if entry.get("kind") == "media" and entry["network"] == network and entry["id"] == media_id:
                    entry["alt"] = alt
            self._save_state()

    def edit(self, network: str, post_id: str, text: str) -> SandboxPost | None:
        """Change a post's text, as its author editing it would."""
        with self.lock:
            post = self.post(network, post_id)
            if post:
                post.text, post.edited_at = text, self.now()
                self._save_state()
            return post

    def delete(self, post: SandboxPost) -> None:
        """Remove a post from its timeline (the record keeps that it was published)."""
        with self.lock:
            post.account.posts.remove(post)
            self.by_id.pop((post.network, post.id), None)

    # State that survives a restart ----------------------------------------------------------

    def _save_state(self) -> None:
        if not self.state_file:
            return
        edits = [
            {"network": p.network, "id": p.id, "text": p.text}
            for p in self.by_id.values()
            if p.edited_at and not p.published
        ]
        state = {"offset_seconds": self.offset.total_seconds(), "record": self.record, "edits": edits}
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, ensure_ascii=False))
        os.replace(tmp, self.state_file)

    def _load_state(self, path: Path) -> None:
        state = json.loads(path.read_text())
        self.offset = timedelta(seconds=state.get("offset_seconds", 0))
        for entry in state.get("record", []):
            self.record.append(entry)
            if entry.get("kind") == "media":
                continue
            account = self.ensure_account(entry["network"], entry["account"])
            post = self._new_post(
                account, datetime.fromisoformat(entry["at"]), entry["text"], entry.get("links", [])
            )
            # Keep the id the client was given before the restart.
            self.by_id.pop((post.network, post.id), None)
            post.id, post.published = entry["id"], True
            post.reply_to = self.post(entry["network"], entry["reply_to"]) if entry.get("reply_to") else None
            self.by_id[(post.network, post.id)] = post
        for edit in state.get("edits", []):
            edited = self.post(edit["network"], edit["id"])
            if edited:
                edited.text = edit["text"]
