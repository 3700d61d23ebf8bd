"""End to end: the real sentry-cli (npm @sentry/cli) uploads two builds of one
code base, the real @sentry/node reports an error thrown in each, and Tocsin
shows the original frames and puts both events in one issue."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from sdk_kit import run_node_script
from sentry_cli_kit import require_sentry_cli
from sentry_cli_kit import sentry_cli as _sentry_cli
from sentry_cli_kit import token as _token
from sqlalchemy import select

from sourcemap_kit import FIXTURES, debug_id
from tocsin.issues import eventdata
from tocsin.store.schema import releases, source_files


@pytest.fixture(autouse=True)
def _tools() -> None:
    require_sentry_cli()


def test_sentry_cli_creates_and_finalizes_a_release(sentry: Any) -> None:
    token = _token(sentry)
    out = _sentry_cli(sentry, token, "releases", "new", "shop@2.0.0", "--org", "acme",
                      "--project", "shop")
    assert "Created release shop@2.0.0" in out
    out = _sentry_cli(sentry, token, "releases", "finalize", "shop@2.0.0", "--org", "acme",
                      "--project", "shop")
    assert "Finalized release shop@2.0.0" in out
    out = _sentry_cli(sentry, token, "releases", "info", "shop@2.0.0", "--org", "acme",
                      "--project", "shop")
    assert "shop@2.0.0" in out
    with sentry.runtime.db.read() as conn:
        versions = conn.execute(select(releases.c.version)).scalars().all()
    assert versions == ["shop@2.0.0"]


def test_sentry_cli_uploads_and_node_errors_show_the_original_source(
        sentry: Any, tmp_path: Path) -> None:
    token = _token(sentry)
    for build in ("a", "b"):
        # a copy, so the CLI never touches the committed fixtures
        shutil.copytree(FIXTURES / f"build-{build}", tmp_path / f"build-{build}")
        out = _sentry_cli(sentry, token, "sourcemaps", "upload", "--org", "acme",
                          "--project", "shop", "--release", "shop@1.0.0",
                          str(tmp_path / f"build-{build}"))
        assert debug_id(build) in out
    with sentry.runtime.db.read() as conn:
        stored = {(r.debug_id, r.kind) for r in conn.execute(select(source_files))}
    assert stored == {(debug_id(b), k) for b in "ab" for k in ("source", "sourcemap")}

    for build in ("a", "b"):
        run_node_script("minified.mjs", sentry.dsn, str(tmp_path / f"build-{build}" /
                                                        "checkout.min.mjs"))
    stored_events = sentry.wait_for_events(2)
    assert len(sentry.issues()) == 1
    for event in stored_events:
        data = eventdata.unpack(event["data"])
        thrower = data["exception"]["values"][-1]["stacktrace"]["frames"][-1]
        assert (thrower["filename"], thrower["lineno"], thrower["function"]) == (
            "src/checkout.js", 14, "chargeCard")
        assert "throw new CheckoutError(" in thrower["context_line"]
        assert thrower["data"]["symbolicated"] is True
