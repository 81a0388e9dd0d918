"""Run the sandbox with uvicorn: `socialbot sandbox`."""

from __future__ import annotations

import uvicorn
from starlette.applications import Starlette


def serve(app: Starlette, host: str, port: int) -> None:
    """Serve app until interrupted; quick to stop, so hung fault requests do not hold a restart."""
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=1,
        lifespan="off",
    )
    uvicorn.Server(config).run()
