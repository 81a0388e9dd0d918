"""One post from fields (queue/compose.py, `queue add`): its own key, no silent replacing, no past
times, the campaign files' options, and problems named by the command's own options."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from socialbot.config import Config, load_config
from socialbot.queue import ops
from socialbot.queue.compose import ComposeError, PostRequest, compose
from socialbot.store import Delivery, ScheduledPost
from socialbot.store.sync import sync_config
from tests.conftest import ADMIN, ROOT
from tests.dispatch.test_dispatch import PNG
from tests.test_cli import socialbot
from tests.test_config import SANDBOX_ENV

NEXT_YEAR = date.today().year + 1
EVENING = datetime(NEXT_YEAR, 12, 9, 19, 30)


@pytest.fixture
def config() -> Config:
    return load_config(ROOT / "feeds.toml", SANDBOX_ENV)


def add(db: sessionmaker[Session], config: Config, request: PostRequest, replace: bool = False) -> str:
    campaign = compose(request, config, datetime.now(UTC), ROOT)
    with db.begin() as session:
        sync_config(session, config)
        ops.add_post(session, campaign, actor=ADMIN, replace=replace)
    return campaign.posts[0].table.key


def test_two_posts_at_one_minute_are_two_posts(db: sessionmaker[Session], config: Config) -> None:
    first = add(db, config, PostRequest(["network-x"], "Ballots drop tomorrow", at=EVENING))
    second = add(db, config, PostRequest(["network-x"], "Check your inbox & vote #GV6", at=EVENING))
    assert first != second and first.startswith(f"post-{NEXT_YEAR}1209-1930-")
    with db() as session:
        texts = sorted(session.scalars(select(ScheduledPost.text)))
        states = {d.state.value for d in session.scalars(select(Delivery))}
    assert texts == ["Ballots drop tomorrow", "Check your inbox & vote #GV6"]
    assert states == {"scheduled"}, "nothing was cancelled"


def test_a_key_is_only_replaced_when_asked(db: sessionmaker[Session], config: Config) -> None:
    add(db, config, PostRequest(["network-x"], "7pm tonight", at=EVENING, key="telly"))
    with pytest.raises(ops.KeyExists, match="cli:telly is queued already"):
        add(db, config, PostRequest(["network-x"], "7:30pm tonight", at=EVENING, key="telly"))
    later = EVENING + timedelta(minutes=30)
    add(db, config, PostRequest(["network-x"], "7:30pm not 7pm", at=later, key="telly"), replace=True)
    with db() as session:
        post = session.scalars(select(ScheduledPost).where(ScheduledPost.key == "telly")).one()
        (delivery,) = post.deliveries
    assert post.text == "7:30pm not 7pm"
    assert delivery.due_at == datetime(NEXT_YEAR, 12, 9, 20, 0, tzinfo=UTC)  # 20:00 GMT


def test_a_past_time_is_refused(config: Config) -> None:
    with pytest.raises(ComposeError) as error:
        compose(
            PostRequest(["network-x"], "late", at=datetime(2020, 1, 1, 10)), config, datetime.now(UTC), ROOT
        )
    assert [p.field for p in error.value.problems] == ["at"]
    assert "is in the past" in error.value.problems[0].message


def test_now_is_now(config: Config) -> None:
    now = datetime.now(UTC)
    campaign = compose(PostRequest(["network-x"], "on air"), config, now, ROOT)
    (delivery,) = campaign.posts[0].deliveries
    assert now - timedelta(minutes=1) <= delivery.due_at <= now


def test_images_variants_and_a_deadline(config: Config, tmp_path: Path) -> None:
    (tmp_path / "ballot.png").write_bytes(PNG)
    request = PostRequest(
        ["network-x", "network-facebook"],
        "Ballots drop tomorrow #GV6",
        at=EVENING,
        not_after=EVENING + timedelta(hours=2),
        variants={"facebook": "Ballots drop tomorrow. The whole slate: …"},
        media=[("ballot.png", "The six #GV6 candidates")],
    )
    campaign = compose(request, config, datetime.now(UTC), tmp_path)
    parts = {d.account: d.parts for d in campaign.posts[0].deliveries}
    assert parts["network-facebook"] == ["Ballots drop tomorrow. The whole slate: …"]
    assert all(d.not_after is not None for d in campaign.posts[0].deliveries)
    assert campaign.posts[0].table.media[0].alt == "The six #GV6 candidates"


def test_every_problem_is_named_by_its_field(config: Config, tmp_path: Path) -> None:
    request = PostRequest(
        ["network-x", "network-bluesky", "network-nowhere"],
        "word " * 80,
        at=EVENING,
        variants={"myspace": "hi"},
        media=[("missing.png", "alt")],
    )
    with pytest.raises(ComposeError) as error:
        compose(request, config, datetime.now(UTC), tmp_path)
    fields = [p.field for p in error.value.problems]
    assert "targets" in fields and "variants.myspace" in fields and "text" in fields
    # A missing image is one problem for the post, not one per target.
    assert fields.count("media[0].path") == 1
    # 01:30 on the last Sunday of March: the hour the clocks skip.
    sunday = max(date(NEXT_YEAR, 3, d) for d in range(25, 32) if date(NEXT_YEAR, 3, d).weekday() == 6)
    spring = PostRequest(
        ["network-x"], "hi", at=datetime.combine(sunday, datetime.min.time()).replace(hour=1, minute=30)
    )
    with pytest.raises(ComposeError) as gap:
        compose(spring, config, datetime.now(UTC), tmp_path)
    assert [p.field for p in gap.value.problems] == ["at"]
    assert "does not exist in Europe/London" in gap.value.problems[0].message


def test_queue_add_speaks_its_own_options(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    assert socialbot("--database-url", url, "db", "upgrade").returncode == 0

    def queue_add(*args: str) -> tuple[int, str, str]:
        # Run from tmp_path, where the images are, with the shipped feeds.toml.
        env = SANDBOX_ENV | {"SOCIALBOT_CONFIG": str(ROOT / "feeds.toml")}
        result = socialbot("--database-url", url, "queue", "add", *args, env=env, cwd=tmp_path)
        return result.returncode, result.stdout, result.stderr

    at = f"{NEXT_YEAR}-12-09 19:30"
    code, _, err = queue_add("--at", at, "--to", "network-x", "--text", "x " * 200)
    assert code == 2
    assert err.startswith("socialbot: queue add: --text: text for network-x (X) is ")
    assert "add --thread or a shorter --variant twitter=TEXT" in err
    assert "cli.toml" not in err and "thread = " not in err and "/tmp" not in err.split("--text")[0]

    code, _, err = queue_add(
        "--at", at, "--to", "network-x,network-bluesky", "--text", "hi", "--image", "no.png", "--alt", "a"
    )
    assert code == 2 and err.count("--image 1: no.png: no such file") == 1

    code, _, err = queue_add("--at", "2020-01-01 10:00", "--to", "network-x", "--text", "late")
    assert code == 2 and "--at: Wed 01 Jan 2020 10:00 Europe/London is in the past" in err

    code, out, _ = queue_add("--at", at, "--to", "network-x", "--text", "one")
    code2, out2, _ = queue_add("--at", at, "--to", "network-x", "--text", "two")
    assert code == code2 == 0 and "1 posts created" in out and "1 posts created" in out2
    assert "cancelled" not in out2.replace("0 cancelled", "")

    code, _, _ = queue_add("--at", at, "--to", "network-x", "--text", "k", "--key", "telly")
    code2, _, err = queue_add("--at", at, "--to", "network-x", "--text", "k2", "--key", "telly")
    assert code == 0 and code2 == 2 and "cli:telly is queued already ('k'); --replace changes it" in err
    code, out, _ = queue_add("--at", at, "--to", "network-x", "--text", "k2", "--key", "telly", "--replace")
    assert code == 0 and out.startswith("replaced cli:telly")

    (tmp_path / "ballot.png").write_bytes(PNG)
    code, out, err = queue_add(
        "--now", "--to", "network-x,network-facebook", "--text", "Ballots drop tomorrow #GV6",
        "--variant", "facebook=The whole post", "--image", "ballot.png", "--alt", "The slate",
        "--not-after", f"{NEXT_YEAR}-01-01 00:00",
    )  # fmt: skip
    assert code == 0, err
    listed = socialbot("--database-url", url, "queue", "list", env=SANDBOX_ENV | {"COLUMNS": "200"}).stdout
    assert "The whole post" in listed and "Ballots drop tomorrow #GV6" in listed
