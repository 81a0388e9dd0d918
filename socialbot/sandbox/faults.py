"""Faults the sandbox injects per platform and path: latency, 5xx, 429 bursts, hangs, bad bodies."""

from __future__ import annotations

import asyncio
import fnmatch
import itertools
import random
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from starlette.responses import Response, StreamingResponse
from starlette.types import ASGIApp, Receive, Scope, Send

FaultResponder = Callable[[str, int], Response]


@dataclass
class Fault:
    """One rule: which requests it applies to, and what goes wrong with them."""

    network: str = "*"
    path: str = "*"
    latency_ms: int = 0
    error_rate: float = 0.0
    statuses: list[int] = field(default_factory=lambda: [500, 502, 503])
    # Every matching request gets a 429 until this many seconds after the rule was set.
    rate_limited_for: int = 0
    # Like rate_limited_for, but the platform's daily cap (X's 24-hour posting limit): the 429 says
    # the short window resets soon and the day's cap only after this many seconds.
    daily_cap_for: int = 0
    hang: bool = False
    hang_seconds: float = 600.0
    malformed: bool = False
    oversized_mb: int = 0
    expired_token: bool = False
    # A server that ignores If-None-Match / If-Modified-Since and sends no ETag or Last-Modified.
    no_validators: bool = False
    # How many requests the rule applies to before it lifts; None = until cleared.
    times: int | None = None
    id: int = 0
    reset_at: int = 0

    def matches(self, network: str, path: str) -> bool:
        """True when this rule covers a request to network at path (after the platform prefix)."""
        return self.network in ("*", network) and fnmatch.fnmatch(path, self.path)


FIELDS = set(Fault.__dataclass_fields__) - {"id", "reset_at"}


class Faults:
    """The rules in force; set at start-up or through POST /_sandbox/faults."""

    def __init__(self, seed: int = 1) -> None:
        self.rules: list[Fault] = []
        self.random = random.Random(seed)
        self.ids = itertools.count(1)
        self.lock = threading.Lock()

    def add(self, spec: dict[str, Any]) -> Fault:
        """Add a rule from its JSON form; unknown keys are an error naming them."""
        unknown = set(spec) - FIELDS
        if unknown:
            raise ValueError(
                f"unknown fault field(s): {', '.join(sorted(unknown))}; known: {', '.join(sorted(FIELDS))}"
            )
        fault = Fault(**spec)
        fault.id = next(self.ids)
        limited_for = fault.rate_limited_for or fault.daily_cap_for
        fault.reset_at = int(time.time()) + limited_for if limited_for else 0
        with self.lock:
            self.rules.append(fault)
        return fault

    def clear(self) -> None:
        """Lift every rule."""
        with self.lock:
            self.rules.clear()

    def describe(self) -> list[dict[str, Any]]:
        """The rules in force, as JSON."""
        with self.lock:
            return [asdict(rule) for rule in self.rules]

    def matching(self, network: str, path: str) -> list[Fault]:
        """The rules for this request, counting down those limited in times."""
        with self.lock:
            found = [rule for rule in self.rules if rule.matches(network, path)]
            for rule in found:
                if rule.times is not None:
                    rule.times -= 1
                    if rule.times <= 0:
                        self.rules.remove(rule)
            return found

    def roll(self, rate: float) -> bool:
        """True with probability rate (seeded, so runs repeat)."""
        with self.lock:
            return self.random.random() < rate


class Stats:
    """Requests, statuses and body bytes served per network: what a client's polling cost."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_network: dict[str, dict[str, int]] = {}

    def clear(self) -> None:
        """Start counting afresh."""
        with self.lock:
            self.by_network = {}

    def counting(self, network: str, send: Send) -> Send:
        """Wrap send so the answer is counted against network."""

        async def counted(message: Any) -> None:
            with self.lock:
                entry = self.by_network.setdefault(network, {"requests": 0, "bytes": 0})
                if message["type"] == "http.response.start":
                    entry["requests"] += 1
                    key = f"status_{message['status']}"
                    entry[key] = entry.get(key, 0) + 1
                elif message["type"] == "http.response.body":
                    entry["bytes"] += len(message.get("body", b""))
            await send(message)

        return counted

    def describe(self) -> dict[str, dict[str, int]]:
        """The counts so far, per network."""
        with self.lock:
            return {name: dict(entry) for name, entry in self.by_network.items()}


class FaultMiddleware:
    """Applies the sandbox-wide latency and the fault rules before the platform answers."""

    def __init__(
        self,
        app: ASGIApp,
        faults: Faults,
        network_of: Callable[[str], tuple[str, str]],
        responders: dict[str, FaultResponder],
        latency_ms: int = 0,
        stats: Stats | None = None,
    ) -> None:
        self.app = app
        self.stats = stats or Stats()
        self.faults = faults
        self.network_of = network_of
        self.responders = responders
        self.latency_ms = latency_ms

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/_sandbox"):
            await self.app(scope, receive, send)
            return
        network, rest = self.network_of(scope["path"])
        send = self.stats.counting(network, send)
        rules = self.faults.matching(network, rest)
        delay = self.latency_ms + sum(rule.latency_ms for rule in rules)
        if delay:
            await asyncio.sleep(delay / 1000)
        response = await self._fault(network, rules)
        if response is None:
            if any(rule.no_validators for rule in rules):
                scope, send = without_validators(scope, send)
            await self.app(scope, receive, send)
        else:
            await response(scope, receive, send)

    async def _fault(self, network: str, rules: list[Fault]) -> Response | None:
        responder = self.responders.get(network)
        for rule in rules:
            if rule.hang:
                await asyncio.sleep(rule.hang_seconds)
            if rule.expired_token and responder:
                return responder("expired_token", 0)
            if rule.reset_at and time.time() < rule.reset_at and responder:
                return responder("daily_cap" if rule.daily_cap_for else "rate_limited", rule.reset_at)
            if rule.error_rate and self.faults.roll(rule.error_rate) and responder:
                response = responder("server_error", 0)
                response.status_code = self.faults.random.choice(rule.statuses)
                return response
            if rule.malformed:
                return malformed(network)
            if rule.oversized_mb:
                return oversized(network, rule.oversized_mb)
        return None


def without_validators(scope: Scope, send: Send) -> tuple[Scope, Send]:
    """The request without its conditional headers, and a send that drops the answer's validators."""
    conditional = (b"if-none-match", b"if-modified-since")
    stripped = dict(scope, headers=[(k, v) for k, v in scope["headers"] if k.lower() not in conditional])

    async def send_without(message: Any) -> None:
        if message["type"] == "http.response.start":
            validators = (b"etag", b"last-modified")
            headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in validators]
            message = dict(message, headers=headers)
        await send(message)

    return stripped, send_without


def malformed(network: str) -> Response:
    """A 200 whose body is cut off mid-way: JSON for the APIs, XML for websites."""
    if network == "rss":
        return Response(
            '<?xml version="1.0"?><rss version="2.0"><channel><title>Broken<item><title>cut off',
            media_type="application/rss+xml",
        )
    return Response('{"data": [{"id": "1", "text": "cut off', media_type="application/json")


def oversized(network: str, megabytes: int) -> Response:
    """A 200 streaming megabytes of body, for clients' size limits."""
    chunk = b"<!-- padding -->" * 4096 if network == "rss" else b" " * 65536

    async def body() -> Any:
        yield b'<?xml version="1.0"?><rss version="2.0"><channel>' if network == "rss" else b'{"data": ['
        for _ in range(megabytes * 1024 * 1024 // len(chunk)):
            yield chunk

    media = "application/rss+xml" if network == "rss" else "application/json"
    return StreamingResponse(body(), media_type=media)
