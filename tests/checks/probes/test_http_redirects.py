"""Redirects: followed like a browser would, bounded, and summed into the waterfall."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from tocsin.checks.probes.base import ProbeResult, Reason

if TYPE_CHECKING:
    from conftest import Exchange, ProbeTarget

Check = Callable[..., ProbeResult]


def test_it_follows_relative_and_absolute_locations(
    http_server: ProbeTarget, http_check: Check
) -> None:
    http_server.redirect("/a", "/b", 301)
    http_server.redirect("/b", http_server.url("/c", host="localhost"), 302)
    http_server.reply("/c", 200, "arrived")

    result = http_check(url=http_server.url("/a"), keyword="arrived")

    assert result.ok, result.message
    assert result.details["redirects"] == 2
    assert result.details["final_url"] == http_server.url("/c", host="localhost")
    assert result.details["redirect_chain"][0] == http_server.url("/a")
    assert [r.path for r in http_server.requests] == ["/a", "/b", "/c"]


def test_303_turns_a_post_into_a_get_without_body(
    http_server: ProbeTarget, http_check: Check
) -> None:
    http_server.redirect("/form", "/done", 303)
    http_server.reply("/done", 200)

    http_check(url=http_server.url("/form"), method="POST", body="a=1")

    followed = http_server.requests[-1]
    assert (followed.method, followed.body) == ("GET", b"")
    assert "content-length" not in followed.headers


def test_307_keeps_the_method_and_body(http_server: ProbeTarget, http_check: Check) -> None:
    http_server.redirect("/api", "/api2", 307)
    http_server.reply("/api2", 200)

    http_check(url=http_server.url("/api"), method="PUT", body="payload")

    followed = http_server.requests[-1]
    assert (followed.method, followed.body) == ("PUT", b"payload")


def test_max_redirects_zero_reports_the_redirect_itself(
    http_server: ProbeTarget, http_check: Check
) -> None:
    http_server.redirect("/old", "/new", 301)
    http_server.reply("/new", 200)

    failing = http_check(url=http_server.url("/old"), max_redirects=0)
    expected = http_check(url=http_server.url("/old"), max_redirects=0, expect_status=["301"])
    not_followed = http_check(url=http_server.url("/old"), follow_redirects=False)

    assert failing.reason is Reason.STATUS and failing.status_code == 301
    assert expected.ok and expected.details["redirects"] == 0
    assert not_followed.status_code == 301
    assert all(r.path == "/old" for r in http_server.requests)


def test_a_redirect_loop_fails_after_max_redirects(
    http_server: ProbeTarget, http_check: Check
) -> None:
    http_server.redirect("/loop", "/loop")

    result = http_check(url=http_server.url("/loop"), max_redirects=3)

    assert result.reason is Reason.STATUS
    assert result.message == "too many redirects (more than max_redirects=3)"
    assert len(http_server.requests) == 4


def test_credentials_are_not_sent_to_another_origin(
    http_server: ProbeTarget, http_check: Check
) -> None:
    other = http_server.url("/landing", host="localhost")
    http_server.redirect("/login", other)
    http_server.reply("/landing", 200)

    http_check(url=http_server.url("/login"), headers={"Authorization": "Bearer s3cret"})

    first, second = http_server.requests
    assert first.headers["authorization"] == "Bearer s3cret"
    assert "authorization" not in second.headers


def test_a_redirect_to_another_scheme_fails_cleanly(
    http_server: ProbeTarget, http_check: Check
) -> None:
    http_server.redirect("/", "ftp://files.example/")

    result = http_check(url=http_server.url("/"))

    assert result.reason is Reason.PROTOCOL
    assert "bad redirect to 'ftp://files.example/'" in result.message


def test_phase_timings_are_summed_over_redirects(
    http_server: ProbeTarget, http_check: Check
) -> None:
    def slow_redirect(ex: Exchange) -> None:
        ex.stop.wait(0.2)
        ex.respond(302, headers={"Location": "/slow"})

    http_server.routes["/slow-redirect"] = slow_redirect
    http_server.slow("/slow", 0.2)

    result = http_check(url=http_server.url("/slow-redirect"))

    assert result.ok, result.message
    assert result.timings["processing"] >= 0.4
