"""The web app for servers that import it: `granian --interface wsgi socialbot.web.main:wsgi` (what
`socialbot run` starts, see socialbot/web/server.py), or any ASGI server (`uvicorn
socialbot.web.main:app`).

Configuration comes from the environment (SOCIALBOT_CONFIG, SOCIALBOT_DATABASE_URL), as for the CLI.
X-Forwarded-For and X-Forwarded-Proto are believed from the addresses or networks in
SOCIALBOT_TRUSTED_PROXIES (comma-separated, "*" for any; default 127.0.0.1, a reverse proxy on the
same machine), so the feeds' links carry the scheme visitors used.
"""

from __future__ import annotations

import os

from socialbot.config import config_path, load_config
from socialbot.networks.routing import sandbox_url
from socialbot.store.engine import make_engine, session_factory
from socialbot.web.app import create_app
from socialbot.web.wsgi import Served, trusted_proxies


def build() -> Served:
    """The app for the configured store."""
    config = load_config(config_path(None, os.environ), os.environ)
    trusted = trusted_proxies(os.environ)
    sessions = session_factory(make_engine(config.database_url))
    return Served(create_app(config, sessions, sandbox_url(os.environ), os.environ), trusted)


app = build()
wsgi = app.wsgi
