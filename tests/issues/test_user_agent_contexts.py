"""Browser and OS contexts derived from the User-Agent, as Relay does."""

from __future__ import annotations

import pytest
from event_kit import normal

from tocsin.issues import useragent

CHROME_LINUX = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                "Chrome/131.0.0.0 Safari/537.36")


@pytest.mark.parametrize(("agent", "browser", "os"), [
    (CHROME_LINUX, ("Chrome", "131.0.0"), ("Linux", None)),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86", ("Edge", "131.0.2903"),
     ("Windows", "10")),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
     "Gecko) Version/17.6 Safari/605.1.15", ("Safari", "17.6"), ("Mac OS X", "10.15.7")),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
     "like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", ("Safari", "17.5"), ("iOS", "17.5")),
    ("Mozilla/5.0 (Android 14; Mobile; rv:132.0) Gecko/132.0 Firefox/132.0",
     ("Firefox", "132.0"), ("Android", "14")),
    ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "HeadlessChrome/156.0.0.0 Safari/537.36", ("HeadlessChrome", "156.0.0"), ("Linux", None)),
])
def test_common_agents(agent: str, browser: tuple[str, str], os: tuple[str, str | None]) -> None:
    found = useragent.parse(agent)
    assert (found["browser"]["name"], found["browser"]["version"]) == browser
    assert (found["os"]["name"], found["os"].get("version")) == os


def test_an_agent_it_does_not_know_adds_nothing() -> None:
    assert useragent.parse("curl/8.5.0") == {}


def _event(platform: str, **contexts: object) -> dict[str, object]:
    return normal({"platform": platform, "message": "x", "contexts": contexts,
                   "request": {"url": "https://shop.example.com/cart",
                               "headers": {"User-Agent": CHROME_LINUX}}})


def test_a_browser_event_gets_browser_and_os_contexts_and_tags() -> None:
    event = _event("javascript")
    assert event["contexts"]["browser"]["name"] == "Chrome"
    assert event["contexts"]["os"]["name"] == "Linux"
    assert ["browser.name", "Chrome"] in event["tags"]
    assert ["browser", "Chrome 131.0.0"] in event["tags"]


def test_a_server_event_keeps_its_own_os_and_names_the_visitors_client_os() -> None:
    event = _event("python", os={"name": "Debian", "version": "12"})
    assert event["contexts"]["os"]["name"] == "Debian"
    assert event["contexts"]["client_os"]["name"] == "Linux"
    assert event["contexts"]["browser"]["name"] == "Chrome"


def test_contexts_the_sdk_sent_win() -> None:
    event = _event("javascript", browser={"name": "Firefox", "version": "1"})
    assert event["contexts"]["browser"]["name"] == "Firefox"
