"""A project's grouping rules on its settings page: two textareas, every bad
line named under its textarea, and nothing saved until all parse."""

from __future__ import annotations

import html
from typing import Any

from ui_kit import csrf_of, post_form, sign_in

from tocsin.accounts import projects
from tocsin.accounts.projects import Project
from tocsin.store.runtime import Runtime

PAGE = "/projects/shop/settings"
RULES = 'error.type:ConnectionError error.value:"*timed out*" -> network-timeout'


def _rules(runtime: Runtime, project: Project) -> dict[str, str]:
    with runtime.db.read() as conn:
        return projects.grouping_settings(conn, project.id)


def test_grouping_rules_are_changed_from_the_page(client: Any, shop: Project,
                                                  app_runtime: Runtime) -> None:
    sign_in(client, "alice@example.org")
    saved = post_form(client, PAGE, "/projects/shop/grouping",
                      fingerprint_rules="# timeouts\r\n" + RULES,
                      stack_trace_rules="stack.module:shop.vendor.* -app")
    assert saved.status_code == 303
    assert _rules(app_runtime, shop) == {"fingerprint_rules": "# timeouts\n" + RULES,
                                         "stack_trace_rules": "stack.module:shop.vendor.* -app"}
    page = html.unescape(client.get(saved.headers["location"]).text)
    assert "The grouping rules were saved." in page
    assert "# timeouts\n" + RULES in page
    cleared = post_form(client, PAGE, "/projects/shop/grouping", fingerprint_rules="",
                        stack_trace_rules="")
    assert cleared.status_code == 303
    assert _rules(app_runtime, shop) == {"fingerprint_rules": "", "stack_trace_rules": ""}


def test_every_bad_line_is_named_under_its_textarea(client: Any, shop: Project,
                                                    app_runtime: Runtime) -> None:
    sign_in(client, "alice@example.org")
    answer = post_form(client, PAGE, "/projects/shop/grouping",
                       fingerprint_rules=f"{RULES}\nerror.type:X\ncolour:red -> x",
                       stack_trace_rules="function:a max-frames=3")
    assert answer.status_code == 400
    text = html.unescape(answer.text)
    assert "The rules were not saved" in text
    fingerprint_errors = text.split('id="fingerprint_rules-errors"')[1].split("</ul>")[0]
    assert "Line 2, column 13: expected '->' and a fingerprint" in fingerprint_errors
    assert "Line 3, column 1: unknown matcher 'colour'" in fingerprint_errors
    stack_errors = text.split('id="stack_trace_rules-errors"')[1].split("</ul>")[0]
    assert "Line 1, column 12: unknown action 'max-frames=3'" in stack_errors
    assert 'aria-invalid="true"' in text
    assert f"{RULES}\nerror.type:X" in text  # what was typed stays in the form
    assert _rules(app_runtime, shop)["fingerprint_rules"] == ""


def test_a_viewer_sees_the_rules_but_cannot_change_them(client: Any, shop: Project,
                                                        app_runtime: Runtime) -> None:
    with app_runtime.db.write() as conn:
        projects.update_grouping_settings(conn, shop.id, fingerprint_rules=RULES)
    sign_in(client, "charlie@example.org")
    page = client.get(PAGE)
    assert "Save grouping rules" not in page.text
    assert f"<pre>{RULES}</pre>" in html.unescape(page.text)
    refused = client.post("/projects/shop/grouping",
                          data={"csrf": csrf_of(page.text), "fingerprint_rules": ""},
                          follow_redirects=False)
    assert refused.status_code == 403
    assert _rules(app_runtime, shop)["fingerprint_rules"] == RULES
