"""The web app for servers that import it: `uvicorn socialbot.web.asgi:app` or granian, with workers.

Configuration comes from the environment (SOCIALBOT_CONFIG, SOCIALBOT_DATABASE_URL), as for the CLI.
"""

from __future__ import annotations

import os

from starlette.applications import Starlette

from socialbot.config import config_path, load_config
from socialbot.store.engine import make_engine, session_factory
from socialbot.web.app import create_app


def build() -> Starlette:
    """The app for the configured store."""
    config = load_config(config_path(None, os.environ), os.environ)
    return create_app(config, session_factory(make_engine(config.database_url)))


app = build()
