"""A project's grouping rules through the API: read, change, and 422s that name the line."""

from __future__ import annotations

from typing import Any

from api_cast import Cast

import issue_kit as kit
from tocsin.store.runtime import Runtime

URL = "/api/v1/projects/shop/grouping"
RULES = "# outages\nerror.type:DatabaseUnavailable -> system-down\n"


def test_it_reads_and_changes_grouping_rules(client: Any, cast: Cast,
                                             app_runtime: Runtime) -> None:
    with app_runtime.db.write() as conn:
        kit.project(conn, "shop", app_runtime.clock.now())
    assert client.get(URL, headers=cast.charlie).json() == {
        "fingerprint_rules": "", "stack_trace_rules": ""}
    changed = client.patch(URL, headers=cast.bob, json={"fingerprint_rules": RULES})
    assert changed.status_code == 200
    assert changed.json() == {"fingerprint_rules": RULES.strip(), "stack_trace_rules": ""}
    both = client.patch(URL, headers=cast.bob,
                        json={"stack_trace_rules": "module:shop.vendor.* -app"}).json()
    assert both == {"fingerprint_rules": RULES.strip(),
                    "stack_trace_rules": "module:shop.vendor.* -app"}
    cleared = client.patch(URL, headers=cast.bob, json={"fingerprint_rules": None}).json()
    assert cleared["fingerprint_rules"] == ""
    assert client.patch(URL, headers=cast.charlie, json={}).status_code == 403
    assert client.get("/api/v1/projects/nope/grouping", headers=cast.alice).status_code == 404


def test_a_bad_rule_is_a_422_naming_the_setting_and_line(client: Any, cast: Cast,
                                                         app_runtime: Runtime) -> None:
    with app_runtime.db.write() as conn:
        kit.project(conn, "shop", app_runtime.clock.now())
    for body, field, words in [
        ({"fingerprint_rules": RULES + "error.type:X -> "}, "fingerprint_rules",
         "line 3, column 16: expected a fingerprint"),
        ({"stack_trace_rules": "function:a -app\nfunction:b max-frames=3"}, "stack_trace_rules",
         "line 2, column 12: unknown action"),
    ]:
        response = client.patch(URL, json=body, headers=cast.alice)
        assert response.status_code == 422, body
        [problem] = response.json()["fields"]
        assert problem["loc"] == ["body", field]
        assert problem["message"].startswith(words), problem
    assert client.get(URL, headers=cast.alice).json()["fingerprint_rules"] == ""
