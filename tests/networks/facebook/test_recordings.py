"""Facebook's real Graph answers (tests/recordings/facebook/, python-facebook's test data) through the
collector's parsing, every field of every post checked, and the time-based paging they carry."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from socialbot.networks.facebook.collect import next_page, page_post
from tests.conftest import ROOT

RECORDED = ROOT / "tests" / "recordings" / "facebook"


def recorded(name: str) -> dict[str, Any]:
    return json.loads((RECORDED / name).read_text())  # type: ignore[no-any-return]


def test_a_recorded_page_of_page_posts_parses_with_every_field() -> None:
    page = recorded("page_posts.json")
    posts = [page_post(item, "zuck") for item in page["data"]]
    assert all(p is not None for p in posts)
    first = posts[0]
    assert first is not None
    assert (first.network, first.external_id) == ("facebook", "4_10113477241177441")
    assert first.text == "Happy July 4th! 🇺🇸"
    assert first.author == "zuck", "no from field requested: the page's own name"
    assert first.published_at == datetime(2021, 7, 4, 19, 50, 58, tzinfo=UTC), "+0000 offsets parsed"
    assert first.permalink == "https://www.facebook.com/4_10113477241177441"
    assert (first.link_url, first.media, first.repost_of) == (None, [], None)
    times = [p.published_at for p in posts if p]
    assert times == sorted(times, reverse=True) and len(times) == 5
    # Time-based paging: no cursors, only a next URL, whose query is the next request's.
    following = next_page(page)
    assert following is not None and following["until"] == "1624385168" and "access_token" not in following
    # Its next link names since empty: the request's own since is kept, or paging runs back
    # through the page's whole history.
    assert "since" not in following
    kept = next_page(page, since="1624000000")
    assert kept is not None and kept["since"] == "1624000000" and kept["until"] == "1624385168"


def test_a_recorded_group_feed_leaves_out_the_post_with_nothing_to_show() -> None:
    page = recorded("group_feed.json")
    posts = {item["id"]: page_post(item, "devc-hk") for item in page["data"]}
    assert posts["2260975870792283_3038566336366562"] is None, "no message, story, attachment or picture"
    kept = [p for p in posts.values() if p is not None]
    assert len(kept) == 4
    layla = posts["2260975870792283_2965835246973005"]
    assert layla is not None and layla.text.startswith("Hello developers in Hong Kong")
    assert layla.raw == {
        "id": "2260975870792283_2965835246973005",
        "updated_time": "2021-03-10T04:36:05+0000",
    }
    assert layla.published_at == datetime(2021, 3, 10, 4, 36, 5, tzinfo=UTC)
    assert next_page(page) is not None


JSON = {"Content-Type": ["application/json; charset=UTF-8"]}


def collected_over_http(*answers: Any, page: str = "4", cursor: str | None = None) -> tuple[Any, Any]:
    """What the collector fetched (or the error it raised) from a server replaying the answers, and
    the requests it made."""
    from socialbot.networks.base import SourceRef
    from socialbot.networks.facebook import FacebookSettings
    from socialbot.networks.facebook.collect import FacebookCollector
    from tests.recordings.cassettes import replaying

    with replaying(*answers, by_query=True) as server:
        collector = FacebookCollector(
            FacebookSettings(), {"SOCIALBOT_FACEBOOK_READ_TOKEN": "token"}, server.base
        )
        try:
            return collector.fetch_new(SourceRef(1, "facebook", page, None, cursor)), server.requests
        except Exception as error:  # handed to the test, which checks its type
            return error, server.requests
        finally:
            collector.close()


def test_a_recorded_missing_permission_error_parks_the_source_with_what_to_do() -> None:
    from socialbot.networks.base import AuthFailed
    from tests.recordings.cassettes import Recorded

    parked, asked = collected_over_http(
        Recorded("GET", "", 400, JSON, recorded("error_permission.json")), page="somepage"
    )
    assert isinstance(parked, AuthFailed)
    message = str(parked)
    assert (
        "code 100" in message
        and "pages_read_engagement" in message
        and "Page Public Content Access" in message
    )
    ((method, path, _),) = asked
    assert method == "GET" and "/somepage/posts" in path


def test_app_secret_proof_error_in_graphs_recorded_words_parks_the_source_with_that_reason() -> None:
    # Graph writes "app secret proof" here, not "appsecret_proof": the source was not parked with
    # the advice (python-facebook's recorded testdata/error.json).
    from socialbot.networks.base import AuthFailed
    from tests.recordings.cassettes import Recorded

    parked, _ = collected_over_http(Recorded("GET", "", 400, JSON, recorded("error_app_secret_proof.json")))
    assert isinstance(parked, AuthFailed)
    message = str(parked)
    assert (
        "requires appsecret_proof (code 100)" in message
        and "set [network.facebook] app_secret_env" in message
    )
    assert "requires either app secret proof or an app token" in message, "Graph's own words kept"


def test_two_recorded_time_based_pages_are_followed_over_http_and_each_post_kept_once() -> None:
    from tests.recordings.cassettes import Recorded

    first = Recorded("GET", "/4/posts", 200, JSON, recorded("page_posts.json"))
    second = Recorded("GET", "/4/posts?until=1624385168", 200, JSON, recorded("page_posts_p2.json"))
    fetched, asked = collected_over_http(second, first, cursor="1623000000")
    assert fetched.requests == 2, "page 1's next link followed; page 2 has none, so it is the last"
    (_, page_one, _), (_, page_two, _) = asked
    assert "until" not in page_one and "since=1623000001" in page_one
    assert "until=1624385168" in page_two and "since=1623000001" in page_two, "the request's since kept"
    # python-facebook's page 2 repeats page 1's posts: every post is kept once, newest first.
    ids = [p.external_id for p in fetched.posts]
    assert len(ids) == len(set(ids)) == 5 and ids[0] == "4_10113477241177441"
    assert fetched.cursor == "1625428258", "the newest post's time, 2021-07-04T19:50:58Z"
