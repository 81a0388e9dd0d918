"""An ASGI app behind socialbot's WSGI bridge, for tests/web/test_served.py (run by granian)."""

from __future__ import annotations

import json

from starlette.types import Receive, Scope, Send

from socialbot.web.wsgi import AsgiBridge


async def echo(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["path"] == "/silent":
        return  # answers nothing: the bridge must still answer (500)
    if scope["path"] == "/raises":
        # As Starlette's error middleware does: answer 500, then raise again for the server to log.
        await send({"type": "http.response.start", "status": 500, "headers": [(b"x-error", b"kept")]})
        await send({"type": "http.response.body", "body": b"Internal Server Error"})
        raise RuntimeError("the app failed")
    if scope["path"] == "/stream":
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]}
        )
        for part in range(3):
            await send({"type": "http.response.body", "body": f"part {part}\n".encode(), "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    answer = {
        "length": len(body),
        "path": scope["path"],
        "query": scope["query_string"].decode(),
        "method": scope["method"],
        "client": scope["client"][0],
        "content_type": dict(scope["headers"]).get(b"content-type", b"").decode(),
    }
    await send({"type": "http.response.start", "status": 201, "headers": [(b"x-echo", b"yes")]})
    await send({"type": "http.response.body", "body": json.dumps(answer).encode()})


app = AsgiBridge(echo)
