"""`socialbot sandbox`: the local imitation of the platforms (imports no database code, to start fast)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from socialbot.cli import App, pass_app


@click.command("sandbox")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8099, show_default=True, help="Port to listen on.")
@click.option("--seed", default=1, show_default=True, help="Seed of the generated accounts and posts.")
@click.option("--latency", "latency_ms", default=0, show_default=True, help="Added to every answer, in ms.")
@click.option(
    "--state",
    "state_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Keep the published record (and the clock) in FILE across restarts.",
)
@click.option("--frozen-clock", is_flag=True, help="Time moves only by POST /_sandbox/tick (for tests).")
@pass_app
def sandbox(
    app: App, host: str, port: int, seed: int, latency_ms: int, state_file: Path | None, frozen_clock: bool
) -> None:
    """Serve the local imitation of X, Facebook, Bluesky, Mastodon and the groups' websites."""
    from socialbot.sandbox.app import create_app
    from socialbot.sandbox.server import serve

    asgi = create_app(
        app.config,
        os.environ,
        seed=seed,
        latency_ms=latency_ms,
        state_file=state_file,
        real_time=not frozen_clock,
    )
    click.echo(f"sandbox: http://{host}:{port} ({len(asgi.state.world.accounts)} accounts, seed {seed})")
    serve(asgi, host, port)
