"""Serve the web app."""

from __future__ import annotations

import uvicorn
from starlette.applications import Starlette


def serve_web(app: Starlette, host: str, port: int) -> None:
    """Serve app with uvicorn until interrupted."""
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="info",
        proxy_headers=True,
        server_header=False,
        timeout_graceful_shutdown=5,
    )
