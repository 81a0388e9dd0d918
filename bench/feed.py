"""Feed benchmark (not a test). Run: make bench, or .venv/bin/python bench/feed.py [--posts N] [--seconds S].

1. A SQLite store with 1,000,000 posts: the first page and page 50 (by cursor) of the feed query,
   each timed (median of 25 runs); the target is <= 5 ms.
2. wrk against GET /feed.json?limit=20 (64 connections, 10 s) on socialbot as `socialbot run` serves
   it (granian, socialbot/web/server.py), with more threads or workers and under uvicorn for
   comparison, and against nginx serving the same bytes from a file, in the same run: requests/s,
   the ratio to nginx and p99 latency. Targets: ratio >= 0.5, p99 <= 5 ms.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from socialbot.feed.query import FeedFilter, feed_page  # noqa: E402
from socialbot.sandbox.process import free_port  # noqa: E402
from socialbot.store.engine import make_engine, session_factory  # noqa: E402
from socialbot.store.migrate import upgrade  # noqa: E402
from socialbot.subprocesses import child_environment, wait_until_answering  # noqa: E402
from socialbot.web.server import web_command  # noqa: E402

FEEDS = '[settings]\ntimezone = "Europe/London"\n'


def fill_store(path: Path, count: int) -> None:
    """count posts over 34 groups, a tenth of them sharing one of 500 links; raw inserts (this is set-up)."""
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    connection = sqlite3.connect(path)
    now = datetime.now(UTC)
    with connection:
        connection.executemany(
            "insert into groups (slug, name, enabled, created_at, updated_at) values (?,?,1,?,?)",
            [(f"group-{g}", f"Group {g}", now.isoformat(" "), now.isoformat(" ")) for g in range(34)],
        )
        stamp = now.replace(tzinfo=None).isoformat(" ", "microseconds")
        batch = []
        for i in range(count):
            published = (now - timedelta(seconds=30 * i)).replace(tzinfo=None).isoformat(" ", "microseconds")
            # A shared article is posted by a few groups around the same time (four shares each).
            link = f"https://labourleft.org/article/{i // 40}/" if i % 10 == 0 else None
            batch.append(
                (
                    "facebook",
                    f"p{i}",
                    1 + i % 34,
                    "",
                    f"Post {i} from the branch #GV6",
                    None,
                    f"https://www.facebook.com/p{i}",
                    link,
                    None,
                    "[]",
                    published,
                    stamp,
                    stamp,
                    "{}",
                    "pinned" if i in (5000, 70000) else "visible",
                )
            )
            if len(batch) == 50_000:
                connection.executemany(INSERT, batch)
                batch.clear()
        connection.executemany(INSERT, batch)
    connection.execute("analyze")
    connection.close()


INSERT = (
    "insert into posts (network, external_id, group_id, author, text, html, permalink, link_url, repost_of,"
    " media, published_at, fetched_at, updated_at, raw, moderation) values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)


def time_pages(path: Path) -> None:
    sessions = session_factory(make_engine(f"sqlite:///{path}"))
    with sessions() as session:
        cursor = None
        for _ in range(49):
            cursor = feed_page(session, FeedFilter(), 10, cursor).next_cursor
        for label, at in (("first page", None), ("page 50", cursor)):
            runs = []
            for _ in range(25):
                started = time.perf_counter()
                page = feed_page(session, FeedFilter(), 10, at)
                runs.append((time.perf_counter() - started) * 1000)
            print(
                f"  {label:10}: {statistics.median(runs):6.2f} ms median, {max(runs):6.2f} ms worst "
                f"({len(page.items)} items)  (target <= 5 ms)"
            )


def wrk(url: str, seconds: int, connections: int) -> tuple[float, float]:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    value, unit = float(p99.group(1)), p99.group(2)  # type: ignore[union-attr]
    return rps, value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def serve(command: list[str], env: dict[str, str], url: str) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        wait_until_answering(process, url, 30, command[0])
    except RuntimeError:
        stop(process)
        raise
    return process


def stop(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(10)


def load_test(db: Path, work: Path, seconds: int, rounds: int) -> None:
    """All servers up at once, measured in turn for `rounds` rounds: the VM's drift hits each alike."""
    (work / "feeds.toml").write_text(FEEDS)
    env = child_environment(
        {"SOCIALBOT_CONFIG": str(work / "feeds.toml"), "SOCIALBOT_DATABASE_URL": f"sqlite:///{db}"}
    )
    bin_dir = Path(sys.executable).parent
    commands: dict[str, Callable[[int], list[str]]] = {
        # Exactly what `socialbot run --web-workers N --web-threads T` starts.
        "socialbot run (granian WSGI, 1 worker)": lambda port: web_command("127.0.0.1", port, 1, 1),
        "granian WSGI, 1 worker, 2 threads": lambda port: web_command("127.0.0.1", port, 1, 2),
        "granian WSGI, 2 workers": lambda port: web_command("127.0.0.1", port, 2, 1),
        "uvicorn ASGI, 2 workers": lambda port: [
            str(bin_dir / "uvicorn"),
            "socialbot.web.main:app",
            "--interface",
            "asgi3",
            "--workers",
            "2",
            "--no-access-log",
            "--log-level",
            "warning",
            "--port",
            str(port),
        ],
    }
    urls: dict[str, str] = {}
    processes = []
    try:
        for label, command in commands.items():
            port = free_port()
            urls[label] = f"http://127.0.0.1:{port}/feed.json?limit=20"
            processes.append(serve(command(port), env, urls[label]))
        body = httpx.get(next(iter(urls.values()))).content
        (work / "www").mkdir()
        (work / "www" / "feed.json").write_bytes(body)
        # nginx's workers run as an unprivileged user: they must be able to read the file.
        for path in (work, work / "www", work / "www" / "feed.json"):
            path.chmod(0o755)
        port = free_port()
        conf = work / "nginx.conf"
        conf.write_text(f"""worker_processes 2; daemon off; pid {work}/nginx.pid; error_log {work}/error.log;
events {{ worker_connections 1024; }}
http {{ access_log off; default_type application/feed+json;
  server {{ listen 127.0.0.1:{port}; root {work}/www; location / {{ try_files $uri =404; }} }} }}""")
        reference = "nginx, the same bytes from a file"
        urls[reference] = f"http://127.0.0.1:{port}/feed.json"
        processes.append(serve(["nginx", "-c", str(conf), "-p", str(work)], env, urls[reference]))
        for url in urls.values():
            wrk(url, 2, 64)  # warm-up
        runs: dict[str, list[tuple[float, float]]] = {label: [] for label in urls}
        for _ in range(rounds):
            for label, url in urls.items():
                runs[label].append(wrk(url, seconds, 64))
    finally:
        for process in processes:
            stop(process)
    print(
        f"  wrk, {seconds} s, 64 connections, GET /feed.json?limit=20 ({len(body):,} bytes), "
        f"{rounds} rounds taking turns; medians (targets: ratio >= 0.5, p99 <= 5 ms):"
    )
    for label, results in runs.items():
        ratios = [rps / nginx for (rps, _), (nginx, _) in zip(results, runs[reference], strict=True)]
        print(
            f"  {label:38}: {statistics.median(r for r, _ in results):9,.0f} requests/s  "
            f"p99 {statistics.median(p for _, p in results):6.2f} ms  "
            f"ratio to nginx {statistics.median(ratios):4.2f} "
            f"(rounds: {', '.join(f'{ratio:.2f}' for ratio in ratios)})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        work = Path(directory)
        db = work / "feed.db"
        started = time.monotonic()
        fill_store(db, args.posts)
        print(f"== 1. {args.posts:,} posts in SQLite (filled in {time.monotonic() - started:.0f} s)")
        time_pages(db)
        print("== 2. serving the feed")
        if shutil.which("wrk") and shutil.which("nginx"):
            load_test(db, work, args.seconds, args.rounds)
        else:
            print("  wrk or nginx is missing (apt-get install wrk nginx-light); skipped")


if __name__ == "__main__":
    main()
