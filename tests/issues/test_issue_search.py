"""Searching issues: words in frames and tags, filters, tokens, stable pages."""

from __future__ import annotations

from datetime import timedelta

import pytest

import issue_kit as kit
from tocsin.issues.search import (
    SearchError,
    cursor_of,
    parse_cursor_value,
    parse_query,
    search_issues,
)
from tocsin.issues.state import IssueStates
from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database


def _titles(found: list[dict[str, object]]) -> list[object]:
    return [i["title"] for i in found]


def test_it_finds_issues_by_a_frame_function_or_a_tag_value(db: Database,
                                                            clock: FakeClock) -> None:
    now = clock.now()
    with db.write() as conn:
        pid = kit.project(conn, "shop", now)
        kit.issue(conn, pid, now, title="KeyError: 'sku'",
                  search_text="shop.cart in process_payment\nbrowser Firefox")
        kit.issue(conn, pid, now, title="ZeroDivisionError: division by zero",
                  search_text="shop.stats in average_basket\nbrowser Chrome")
    with db.read() as conn:
        assert _titles(search_issues(conn, pid, query="process_payment")) == ["KeyError: 'sku'"]
        assert _titles(search_issues(conn, pid, query="firefox")) == ["KeyError: 'sku'"]
        assert _titles(search_issues(conn, pid, query="division average_basket")) == [
            "ZeroDivisionError: division by zero"]
        assert search_issues(conn, pid, query="division firefox") == []
        assert len(search_issues(conn, pid)) == 2


@pytest.mark.parametrize("query", [
    '"unbalanced', 'NEAR(a b)', 'a* OR -b', "col:umn:", "'; DROP TABLE issues; --",
    "(((", "*", '""', "title:x AND", "^caret", "a\\b",
])
def test_fts_syntax_in_the_query_is_searched_for_not_run(
        db: Database, clock: FakeClock, query: str) -> None:
    now = clock.now()
    with db.write() as conn:
        pid = kit.project(conn, "shop", now)
        kit.issue(conn, pid, now, title="TypeError: a b", search_text="a b")
    with db.read() as conn:
        assert isinstance(search_issues(conn, pid, query=query), list)


def test_it_filters_by_status_level_environment_and_release(db: Database,
                                                            clock: FakeClock) -> None:
    now = clock.now()
    with db.write() as conn:
        pid = kit.project(conn, "shop", now)
        a = kit.issue(conn, pid, now, title="A", level="error")
        b = kit.issue(conn, pid, now, title="B", level="warning")
        c = kit.issue(conn, pid, now, title="C", level="error")
        kit.events_for(conn, a, now, environment="production", release="shop@1.2")
        kit.events_for(conn, b, now, environment="staging", release="shop@1.3")
        kit.events_for(conn, c, now, environment="production", release="shop@1.3")
        IssueStates(conn, now=now).resolve(c)
    with db.read() as conn:
        def titles(**kw: object) -> set[object]:
            return set(_titles(search_issues(conn, pid, **kw)))  # type: ignore[arg-type]

        assert titles() == {"A", "B"}
        assert titles(status="resolved") == {"C"}
        assert titles(status=None) == {"A", "B", "C"}
        assert titles(level="warning") == {"B"}
        assert titles(environment="production") == {"A"}
        assert titles(release="shop@1.3", status=None) == {"B", "C"}
        assert titles(query="is:resolved") == {"C"}
        assert titles(query="is:all release:shop@1.3 level:error") == {"C"}
        assert titles(query="env:staging") == {"B"}
        assert titles(query="environment:production is:all") == {"A", "C"}
        assert titles(query="release:shop@9") == set()


def test_it_parses_tokens_and_phrases() -> None:
    parsed = parse_query('TypeError "cart total" is:ignored level:fatal browser:Firefox')
    assert parsed.words == ["TypeError", "cart total"]
    assert parsed.status == "ignored"
    assert parsed.levels == ["fatal"]
    assert parsed.tags == [("browser", "Firefox")]
    with pytest.raises(SearchError, match="is:open is not a status"):
        parse_query("is:open")


@pytest.mark.parametrize("sort", ["last_seen", "first_seen", "times_seen", "users"])
def test_pages_never_repeat_or_skip_issues(db: Database, clock: FakeClock,
                                           sort: str) -> None:
    now = clock.now()
    with db.write() as conn:
        pid = kit.project(conn, "shop", now)
        for n in range(23):
            iid = kit.issue(conn, pid, now - timedelta(minutes=n % 4))
            # ties on purpose: only four distinct values of every sort key
            kit.events_for(conn, iid, now - timedelta(minutes=n % 4), 1 + n % 4,
                           user=f"u{n % 4}")
    with db.read() as conn:
        everything = search_issues(conn, pid, sort=sort, limit=100)  # type: ignore[arg-type]
        seen: list[int] = []
        after = None
        while True:
            page = search_issues(conn, pid, sort=sort, limit=5,  # type: ignore[arg-type]
                                 after=after)
            seen += [i["id"] for i in page]
            if len(page) < 5:
                break
            # the cursor goes through text, as the API sends it
            value, last_id = cursor_of(page[-1], sort)  # type: ignore[arg-type]
            after = (parse_cursor_value(value, sort), last_id)  # type: ignore[arg-type]
        assert seen == [i["id"] for i in everything]
        assert len(seen) == 23
