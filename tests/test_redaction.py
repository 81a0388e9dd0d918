"""No credential in `-v` logs: collect and dispatch against the sandbox with every log line captured,
and the filter's patterns one by one."""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path

import pytest

from socialbot.redaction import REDACTED, RedactSecrets
from tests.test_cli import socialbot
from tests.test_config import SANDBOX_ENV


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        pytest.param(
            "Authorization: Bearer AAAAAAAAAAAAAAAAAAAAAxyz%2Fabc", "Authorization: Bearer ", id="bearer"
        ),
        pytest.param(
            '{\'Authorization\': \'OAuth oauth_nonce="1", oauth_consumer_key="ck", oauth_token="tok"\'}',
            "'Authorization': 'OAuth ",
            id="oauth1-header",
        ),
        pytest.param(
            "GET /v21.0/me/feed?access_token=EAAB1234567&limit=5", "access_token=", id="access-token"
        ),
        pytest.param("body: oauth_token=abcdef123&oauth_verifier=xyz987", "oauth_token=", id="oauth-body"),
        pytest.param(
            "postgresql://socialbot:hunter2hunter2@db:5432/socialbot", "postgresql://socialbot:", id="url"
        ),
    ],
)
def test_token_shapes_are_redacted(line: str, kept: str) -> None:
    clean = RedactSecrets().redact(line)
    assert REDACTED in clean and clean.startswith(line[: line.index(kept)] + kept)
    for secret in ("AAAAAAAAAAAAAAAAAAAAAxyz", 'tok"', "EAAB1234567", "abcdef123", "hunter2hunter2"):
        assert secret not in clean


def test_a_known_secret_is_redacted_in_messages_arguments_and_tracebacks() -> None:
    redactor = RedactSecrets()
    redactor.add(["sandbox-network-x-access_token", "short"])
    record = logging.LogRecord(
        "x", logging.DEBUG, __file__, 1, "sent %s", ("sandbox-network-x-access_token",), None
    )
    redactor.filter(record)
    assert record.getMessage() == f"sent {REDACTED}"
    assert redactor.redact("a short word") == "a short word", "too short to be a secret worth hiding"


def collect_group(
    url: str, sandbox: str, *options: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`socialbot collect` of the Labour Left Alliance's sources from the sandbox."""
    return socialbot(
        *options,
        "--database-url",
        url,
        "collect",
        "--sandbox",
        sandbox,
        "--group",
        "labour-left-alliance",
        env=env,
    )


def test_verbose_collect_and_dispatch_log_no_credential(tmp_path: Path, sandbox: str) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    assert socialbot("--database-url", url, "db", "upgrade").returncode == 0
    everywhere = "network-x,network-facebook,network-bluesky,network-mastodon"
    add = socialbot(
        "--database-url", url, "queue", "add", "--now", "--to", everywhere, "--text", "Vote #GV6 -v"
    )
    assert add.returncode == 0, add.stderr
    outputs = []
    for env in ({}, SANDBOX_ENV):
        collected = collect_group(url, sandbox, "-v", env=env)
        dispatched = socialbot(
            "-v",
            "--database-url",
            url,
            "dispatch",
            "--sandbox",
            sandbox,
            "--until-idle",
            "--interval",
            "0",
            env=env,
        )
        assert collected.returncode == 0 and dispatched.returncode == 0, dispatched.stderr[-2000:]
        outputs += [collected.stdout, collected.stderr, dispatched.stdout, dispatched.stderr]
    logged = "\n".join(outputs)
    assert "DEBUG" in logged and ": sent" in logged, "the run was verbose and published"
    leaked = {name for name, value in SANDBOX_ENV.items() if value in logged}
    assert leaked == set()


def test_a_quiet_collect_logs_no_line_per_request(tmp_path: Path, sandbox: str) -> None:
    # httpx logs every request at INFO: without -v a round over 89 sources printed 89 such lines.
    def collect(*verbose: str) -> str:
        url = f"sqlite:///{tmp_path / f'bot{len(verbose)}.db'}"
        assert socialbot("--database-url", url, "db", "upgrade").returncode == 0
        assert socialbot("--database-url", url, "groups", "sync").returncode == 0
        done = collect_group(url, sandbox, *verbose)
        assert done.returncode == 0 and "new posts" in done.stdout, done.stderr
        return done.stdout + done.stderr

    assert "HTTP Request:" not in collect()
    assert "HTTP Request:" in collect("-v"), "with -v each request is shown"
