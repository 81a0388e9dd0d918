"""Posts for feed tests: ordinary, long, shared, and hostile ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from socialbot.store import Group, Post

NOW = datetime.now(UTC).replace(microsecond=0)
LONG = (
    "Tomorrow, ballots for Labour's NEC will start arriving. We have negotiated a united left slate for the "
    "CLP positions via the CLGA, named #GrassrootsVoice. To maximise our chances of getting left reps "
    "elected, the CLGA is recommending the following regional voting order for the #GV6: Laura Pidcock, "
    "Ann Henderson, Mish Rahman, Gemma Bolton, Nadia Jama, Yasmine Dar. Vote #GV6, your grassroots voice "
    "for socialism. https://labourleft.org/2026/10/grassroots-voice-gv6/"
)
HOSTILE = [
    "<script>window.__pwned = 1</script> Ballots drop tomorrow",
    'Read <img src=x onerror="window.__pwned=2"> this',
    "\"><svg onload=window.__pwned=3> attribute breakout ' onmouseover='window.__pwned=4",
    'javascript:window.__pwned=5 and https://evil.example/x"onmouseover="window.__pwned=6',
    'RTL \u202egnp.exe\u202c override and <a href="javascript:window.__pwned=7">click</a>',
    "A" * 100_000 + " <script>window.__pwned=8</script>",
]


def seed_feed(db: sessionmaker[Session], count: int = 30, hostile: bool = False) -> None:
    """count ordinary posts over three groups, one long, one shared link; optionally the hostile set."""
    with db.begin() as session:
        groups = [
            Group(slug="labour-left-alliance", name="Labour Left Alliance"),
            Group(slug="red-flag", name="Red Flag"),
            Group(slug="portsmouth-district-unite-community", name="Portsmouth & District Unite Community"),
        ]
        session.add_all(groups)
        session.flush()
        networks = ["facebook", "twitter", "bluesky", "mastodon", "rss"]
        for i in range(count):
            network = networks[i % 5]
            session.add(
                Post(
                    network=network,
                    external_id=f"post{i}",
                    group_id=groups[i % 3].id,
                    text=LONG if i == 1 else f"Post number {i} from the branch #GV6 @RichardBurgon",
                    permalink=f"https://example.org/{network}/post{i}",
                    published_at=NOW - timedelta(minutes=10 * i + 5),
                )
            )
        for n, group in enumerate(groups):
            session.add(
                Post(
                    network="facebook",
                    external_id=f"shared{n}",
                    group_id=group.id,
                    text="Recall conference rally tonight",
                    link_url="https://labourleft.org/rally/",
                    permalink=f"https://example.org/facebook/shared{n}",
                    published_at=NOW - timedelta(minutes=1, seconds=n),
                )
            )
        if hostile:
            for n, text in enumerate(HOSTILE):
                session.add(
                    Post(
                        network="rss",
                        external_id=f"hostile{n}",
                        group_id=groups[0].id,
                        text=text,
                        permalink="javascript:window.__pwned=9" if n == 0 else f"https://example.org/h{n}",
                        link_url="javascript:alert(1)" if n == 1 else None,
                        media=[{"url": "javascript:window.__pwned=10", "type": "photo"}],
                        published_at=NOW - timedelta(seconds=n),
                    )
                )


def one_post(
    db: sessionmaker[Session], network: str = "twitter", external_id: str = "1", text: str = "Solidarity"
) -> str:
    """One collected post of the first group in the store; its network:external_id."""
    from sqlalchemy import select

    with db.begin() as session:
        group = session.scalars(select(Group).order_by(Group.id)).first()
        assert group is not None
        session.add(
            Post(
                network=network,
                external_id=external_id,
                group_id=group.id,
                text=text,
                published_at=datetime.now(UTC),
            )
        )
    return f"{network}:{external_id}"
