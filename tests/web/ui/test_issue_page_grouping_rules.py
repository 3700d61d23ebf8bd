"""An issue's "why it grouped here" names the project's rules that decided it."""

from __future__ import annotations

import html
from typing import Any

from issue_pages_kit import digest, sample
from ui_kit import sign_in

from tocsin.accounts import projects
from tocsin.accounts.projects import Project
from tocsin.store.runtime import Runtime


def test_the_issue_page_names_the_fingerprint_and_stack_trace_rules(
        client: Any, shop: Project, app_runtime: Runtime) -> None:
    with app_runtime.db.write() as conn:
        projects.update_grouping_settings(
            conn, shop.id, fingerprint_rules="error.type:ConfigError -> config",
            stack_trace_rules="function:load_settings -group")
    [issue_id] = digest(app_runtime, shop, [sample(fingerprint=["from-the-sdk"])])
    sign_in(client, "charlie@example.org")
    page = html.unescape(client.get(f"/projects/shop/issues/{issue_id}").text)
    why = page.split('id="grouping-heading"')[1].split("</section>")[0]
    assert ("The project's fingerprint rule <code>error.type:ConfigError -> config</code> set "
            "the fingerprint, in place of the SDK's <code>from-the-sdk</code>") in why
    assert ("stack trace rules that changed frames: <code>function:load_settings -group</code>"
            in why)
