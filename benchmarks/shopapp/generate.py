"""Capture Sentry envelopes from the real ``sentry-sdk`` running the fake shop.

    PYTHONPATH=benchmarks python -m shopapp.generate --dsn DSN --out envelopes.json
        [--count 200] [--seed 7]

Runs ``--count`` requests through ``shopapp.views`` (the 20 views in turn,
each request with its own customer, tags, form and breadcrumbs) under
``sentry_sdk.init`` with a transport that keeps each envelope instead of
sending it. What it writes is what the SDK's HTTP transport would put on the
wire before compressing: ``Envelope.serialize()`` bytes (the transport's
``serialize_into`` writes the same bytes into its gzip stream), plus the
``X-Sentry-Auth`` and ``User-Agent`` headers it would send. The load
generator gzips each body (level 9, as the transport does when it uses gzip)
after giving it a fresh event id.

Output: JSON ``{"sdk_version", "dsn", "auth", "user_agent", "envelopes":
[{"view", "event_id", "body"}]}`` with ``body`` in base64. A summary of
sizes goes to stderr.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import logging
import random
import statistics
import sys
from pathlib import Path
from typing import Any

MAX_COUNT = 10_000
RELEASE = "shop@2.14.3"


def capture(dsn: str, count: int, seed: int) -> dict[str, Any]:
    import sentry_sdk
    from sentry_sdk.envelope import Envelope
    from sentry_sdk.transport import Transport
    from sentry_sdk.utils import Dsn

    from shopapp import views
    from shopapp.web import handle

    captured: list[bytes] = []

    class CaptureTransport(Transport):
        """Keeps each envelope's bytes; ``capture_envelope`` runs in the calling thread."""

        def capture_envelope(self, envelope: Envelope) -> None:
            captured.append(envelope.serialize())

    # The logging integration turns INFO records into breadcrumbs and ERROR
    # records into events, but only records the logger lets through.
    logging.getLogger().setLevel(logging.INFO)
    logging.getLogger().addHandler(logging.NullHandler())
    sentry_sdk.init(dsn=dsn, transport=CaptureTransport, release=RELEASE,
                    environment="production", server_name="shop-web-2",
                    send_client_reports=False)
    rng = random.Random(seed)
    out = []
    for i in range(count):
        view = views.VIEWS[i % len(views.VIEWS)]
        before = len(captured)
        handle(views.make_request(view, rng), view.view)
        new = captured[before:]
        if len(new) != 1:
            raise SystemExit(f"view {view.name} produced {len(new)} envelopes, not 1")
        body = new[0]
        header = json.loads(body.split(b"\n", 1)[0])
        items = [json.loads(line)["type"] for line in body.split(b"\n")[1::2] if line]
        if items != ["event"]:
            raise SystemExit(f"view {view.name} sent items {items}, not one event")
        event_id = header["event_id"]
        if body.count(event_id.encode()) != 2:  # the envelope header and the event
            raise SystemExit(f"view {view.name}: event id not found exactly twice")
        out.append({"view": view.name, "event_id": event_id,
                    "body": base64.b64encode(body).decode()})
    sentry_sdk.flush(timeout=2)
    parsed = Dsn(dsn)
    client = f"sentry.python/{sentry_sdk.VERSION}"
    return {"sdk_version": sentry_sdk.VERSION, "dsn": dsn, "release": RELEASE,
            "views": len(views.VIEWS), "auth": parsed.to_auth(client).to_header(),
            "user_agent": client, "envelopes": out}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if not 0 < args.count <= MAX_COUNT:
        parser.error(f"--count from 1 to {MAX_COUNT}")
    result = capture(args.dsn, args.count, args.seed)
    args.out.write_text(json.dumps(result))
    raw = [len(base64.b64decode(e["body"])) for e in result["envelopes"]]
    wire = [len(gzip.compress(base64.b64decode(e["body"]), compresslevel=9))
            for e in result["envelopes"]]
    print(f"captured {len(raw)} envelopes from {result['views']} views with sentry-sdk "
          f"{result['sdk_version']}: median {statistics.median(raw):.0f} B, gzip "
          f"{statistics.median(wire):.0f} B (min {min(wire)}, max {max(wire)})",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
