"""`socialbot collect` and `socialbot sources` as people run them, against the sandbox."""

from __future__ import annotations

from pathlib import Path

from tests.test_cli import socialbot


def test_collect_in_an_empty_environment_then_nothing_due_then_sources(tmp_path: Path, sandbox: str) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    assert socialbot("--database-url", url, "db", "upgrade").returncode == 0
    assert socialbot("--database-url", url, "groups", "sync").returncode == 0
    # No credentials in the environment at all: against a sandbox, socialbot brings its own.
    first = socialbot("--database-url", url, "collect", "--sandbox", sandbox, env={"COLUMNS": "200"})
    assert first.returncode == 0, first.stderr
    assert "parked" not in first.stdout, "no source is parked for want of a token"
    again = socialbot("--database-url", url, "collect", "--sandbox", sandbox)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("collect: nothing is due; next: ")
    assert (
        "`socialbot collect --group " in again.stdout and "collects a group now, due or not" in again.stdout
    )
    forced = socialbot(
        "--database-url", url, "collect", "--sandbox", sandbox, "--group", "labour-left-alliance"
    )
    assert forced.returncode == 0 and "Collection round" in forced.stdout
    missing = socialbot("--database-url", url, "collect", "--sandbox", sandbox, "--group", "nosuch")
    assert "no enabled source matches --group nosuch" in missing.stdout

    every = socialbot("--database-url", url, "sources")
    assert every.returncode == 0
    assert every.stdout.strip().splitlines()[-1].startswith("89 sources: ")
    rss = socialbot("--database-url", url, "sources", "--network", "rss")
    assert rss.stdout.strip().splitlines()[-1].startswith("8 sources: ")
    mine = socialbot("--database-url", url, "sources", "--group", "labour-left-alliance", "--status", "ok")
    last = mine.stdout.strip().splitlines()[-1]
    assert last.endswith(" ok") and not last.startswith("0 ")
    parked = socialbot("--database-url", url, "sources", "--status", "parked")
    assert parked.stdout.strip() == "0 sources"
    bad = socialbot("--database-url", url, "sources", "--status", "fine")
    assert bad.returncode == 2 and "'fine' is not one of" in bad.stderr
