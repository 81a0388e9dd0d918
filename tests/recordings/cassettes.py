"""Read the client libraries' recorded answers (vcrpy cassettes, YAML) kept in tests/recordings/."""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

RECORDINGS = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Recorded:
    """One recorded request and its answer."""

    method: str
    uri: str
    status: int
    headers: dict[str, list[str]]
    body: Any
    # The request's own body as recorded (bytes for a binary one), when the cassette kept it.
    request_body: bytes | str | None = None


def interactions(name: str) -> list[Recorded]:
    """Every interaction of a cassette, its body decoded (gzip undone, JSON parsed where it is JSON)."""
    cassette = yaml.safe_load((RECORDINGS / name).read_text())
    found = []
    for interaction in cassette["interactions"]:
        request, response = interaction["request"], interaction["response"]
        raw = response["body"]["string"]
        if isinstance(raw, bytes) and raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        text = raw.decode() if isinstance(raw, bytes) else raw
        try:
            body: Any = json.loads(text) if text else None
        except ValueError:
            body = text
        found.append(
            Recorded(
                request["method"],
                request["uri"],
                response["status"]["code"],
                response["headers"],
                body,
                request.get("body"),
            )
        )
    return found


@dataclass
class Replay:
    """The replaying server's base URL and what was asked of it: (method, path, body)."""

    base: str
    requests: list[tuple[str, str, bytes]]


@contextmanager
def replaying(*recorded: Recorded, by_query: bool = False) -> Iterator[Replay]:
    """A local HTTP server that answers each request with the recorded answer whose request path it
    ends with (the first one otherwise): status, headers, body. A client library thus meets the
    platform's own bytes over real HTTP. Its base URL, and what was asked of it.

    by_query: the request must also carry every query parameter of the recorded URI (for pages of
    one path told apart by their query, such as Graph's time-based pages)."""

    def matches(path: str, found: Recorded) -> bool:
        wanted = urlsplit(found.uri)
        if not path.split("?")[0].endswith(wanted.path):
            return False
        asked = parse_qs(urlsplit(path).query, keep_blank_values=True)
        return not by_query or all(asked.get(k) == v for k, v in parse_qs(wanted.query).items())

    def answer(path: str) -> Recorded:
        return next((r for r in recorded if matches(path, r)), recorded[0])

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            asked.append((self.command, self.path, self.rfile.read(length)))
            found = answer(self.path)
            body = found.body.encode() if isinstance(found.body, str) else json.dumps(found.body).encode()
            self.send_response(found.status)
            for name, values in found.headers.items():
                if name.lower() in ("content-type", "x-request-id", "link"):
                    self.send_header(name, values[0])
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_DELETE = do_GET  # noqa: N815

        def log_message(self, *args: Any) -> None:
            return

    asked: list[tuple[str, str, bytes]] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Replay(f"http://127.0.0.1:{server.server_address[1]}", asked)
    finally:
        server.shutdown()
        server.server_close()
