"""Serve the web app: granian worker processes running `socialbot.web.main:wsgi`.

Granian (Rust's hyper calling into Python) rather than uvicorn: bench/feed.py serves the same
cached /feed.json with both, taking turns with nginx serving the same bytes from a file. Uvicorn
reached about a third of nginx's requests/s, granian's RSGI (asyncio) with a fast path about 0.6,
and granian's WSGI with the fast path in socialbot/web/wsgi.py 0.76-0.95, with the lowest p99. The
web server runs as its own process group so that `socialbot run` (collection, dispatch) and the
feed do not share one interpreter's lock.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from socialbot.config import Config
from socialbot.subprocesses import stop, stops_held, wait_until_answering
from socialbot.web.security import WEB_HOST_ENV
from socialbot.web.wsgi import trusted_proxies

TARGET = "socialbot.web.main:wsgi"


def web_command(host: str, port: int, workers: int, threads: int = 1) -> list[str]:
    """The command line that serves the web app (also what bench/feed.py measures): `workers`
    processes, each answering in `threads` Python threads."""
    return [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        # HTTP/1.1 only: a reverse proxy or CDN in front speaks HTTP/2 to browsers.
        "--http",
        "1",
        "--no-ws",
        "--workers",
        str(workers),
        "--blocking-threads",
        str(threads),
        "--host",
        host,
        "--port",
        str(port),
        "--log-level",
        "info",
        TARGET,
    ]


def port_in_use(host: str, port: int) -> bool:
    """True when something already listens on host:port (a port in TIME_WAIT is free)."""
    import errno
    import socket

    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            # Any other failure (an address not on this machine) is the web server's to report.
            return exc.errno == errno.EADDRINUSE
    return False


def web_environment(config: Config, env: Mapping[str, str], host: str = "") -> dict[str, str]:
    """The environment the web workers read their configuration from (socialbot.web.main)."""
    return {
        **env,
        "SOCIALBOT_CONFIG": str(config.path),
        "SOCIALBOT_DATABASE_URL": config.database_url,
        WEB_HOST_ENV: host,
    }


@contextmanager
def running_web(
    config: Config,
    host: str,
    port: int,
    workers: int,
    env: Mapping[str, str],
    timeout: float = 30.0,
    threads: int = 1,
) -> Iterator[subprocess.Popen[bytes]]:
    """Start the web server, wait until it answers /healthz, and stop it (and its workers) afterwards.

    ValueError (before anything starts) when SOCIALBOT_TRUSTED_PROXIES is not valid.
    """
    trusted_proxies(env)
    # Its own session: Ctrl-C reaches `socialbot run`, which then stops the server in order.
    process = None
    try:
        with stops_held():
            process = subprocess.Popen(
                web_command(host, port, workers, threads),
                env=web_environment(config, env, host),
                start_new_session=True,
            )
        local = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        wait_until_answering(process, f"http://{local}:{port}/healthz", timeout, "the web server")
        yield process
    finally:
        if process is not None:
            stop(process, group=True)
