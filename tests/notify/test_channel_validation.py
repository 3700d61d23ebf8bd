"""Channel documents are checked per kind, and every error names its field."""

from __future__ import annotations

import pytest

from tocsin.notify import kinds
from tocsin.notify.channels import parse_spec
from tocsin.notify.errors import ChannelError


def _errors(doc: dict[str, object]) -> str:
    with pytest.raises(ChannelError) as caught:
        parse_spec(doc)
    return str(caught.value)


def test_it_names_the_field_of_a_bad_webhook_url() -> None:
    text = _errors({"name": "ops", "kind": "webhook", "settings": {"url": "ftp://x"}})
    assert text == "settings.url: must be an http(s) URL"


def test_it_lists_every_problem_at_once() -> None:
    text = _errors({"name": "", "kind": "email", "settings": {"to": ["ops@example.org", "nope"]},
                    "rate_limit_per_minute": 0, "colour": "red"})
    for part in ("colour: unknown field", "name: must be text", "settings.to[1]: not an e-mail",
                 "rate_limit_per_minute: must be a whole number"):
        assert part in text, text


def test_it_refuses_an_unknown_kind() -> None:
    assert _errors({"name": "x", "kind": "fax", "settings": {}}).startswith(
        "kind: must be one of webhook, email, apprise, slack, discord")


def test_it_checks_apprise_urls_with_apprise_itself() -> None:
    ok = parse_spec({"name": "a", "kind": "apprise",
                     "settings": {"urls": ["json://127.0.0.1:9/hook", "ntfy://alerts"]}})
    assert len(ok.settings["urls"]) == 2
    text = _errors({"name": "a", "kind": "apprise", "settings": {"urls": ["nosuch://x"]}})
    assert text.startswith("settings.urls[0]: not an Apprise URL")


def test_it_wants_a_slack_webhook_or_a_bot_and_a_discord_webhook_url() -> None:
    assert "settings.channel" in _errors({"name": "s", "kind": "slack",
                                          "settings": {"token": "xoxb-1"}})
    assert "settings.url" in _errors({"name": "s", "kind": "slack", "settings": {}})
    assert "Discord webhook URL" in _errors({"name": "d", "kind": "discord",
                                             "settings": {"url": "https://example.org/x"}})
    parse_spec({"name": "d", "kind": "discord",
                "settings": {"url": "https://discord.com/api/webhooks/123/abc-DEF"}})


def test_it_masks_secrets_and_keeps_them_when_sent_back_masked() -> None:
    stored = {"url": "https://h.example/x", "secret": "s3cret", "headers": {"X-Key": "k"}}
    shown = kinds.masked("webhook", stored)
    assert shown == {"url": "https://h.example/x", "secret": kinds.MASK,
                     "headers": {"X-Key": kinds.MASK}}
    assert kinds.unmasked("webhook", shown, stored) == stored
