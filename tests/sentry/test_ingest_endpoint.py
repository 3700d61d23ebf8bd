"""The envelope and store endpoints: what they accept, refuse, and spool.

Through the in-process app (no worker): each case looks at the spool, so
"nothing stored on bad input" is checked, not assumed.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import select, update

from tocsin.accounts import dsn, projects
from tocsin.ingest import envelope
from tocsin.store.runtime import Runtime
from tocsin.store.schema import dsn_keys, envelopes
from tocsin.store.schema import projects as projects_table

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
SAMPLE_KEY = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def project(app_runtime: Runtime) -> dict[str, Any]:
    with app_runtime.db.write() as conn:
        shop = projects.ensure_project(conn, "shop", "Shop", now=app_runtime.clock.now())
        key = dsn.list_keys(conn, shop.id)[0]
        # the samples were captured with this key: give it to the project
        conn.execute(update(dsn_keys).where(dsn_keys.c.id == key.id)
                     .values(public_key=SAMPLE_KEY))
        other = projects.ensure_project(conn, "blog", "Blog", now=app_runtime.clock.now())
        other_key = dsn.list_keys(conn, other.id)[0].public_key
    return {"id": shop.id, "key": SAMPLE_KEY, "other_key": other_key, "other_id": other.id}


def _spooled(runtime: Runtime) -> list[bytes]:
    with runtime.db.read() as conn:
        return list(conn.execute(select(envelopes.c.body).order_by(envelopes.c.id)).scalars())


def _auth(key: str) -> dict[str, str]:
    return {"X-Sentry-Auth": f"Sentry sentry_key={key}, sentry_version=7, sentry_client=t/1"}


def _event_envelope(event_id: str = "ab" * 16, extra: bytes = b"") -> bytes:
    event = orjson.dumps({"event_id": event_id, "message": "hello", "level": "error"})
    return (orjson.dumps({"event_id": event_id}) + b"\n"
            + orjson.dumps({"type": "event", "length": len(event)}) + b"\n" + event + b"\n"
            + extra)


def test_the_python_sdks_brotli_request_is_spooled_as_sent(
        client: Any, app_runtime: Runtime, project: dict[str, Any]) -> None:
    body = (SAMPLES / "python" / "error.envelope.br").read_bytes()
    headers = {k: v for k, v in orjson.loads((SAMPLES / "python" / "error.json").read_bytes())
               ["headers"] if k.lower() not in ("host", "content-length")}
    answer = client.post(f"/api/{project['id']}/envelope/", content=body, headers=headers)
    assert answer.status_code == 200, answer.text
    expected = (SAMPLES / "python" / "error.envelope").read_bytes()
    assert answer.json() == {"id": envelope.parse(expected).event_id()}
    assert _spooled(app_runtime) == [expected]


def test_the_node_sdks_query_auth_and_implicit_lengths_are_accepted(
        client: Any, app_runtime: Runtime, project: dict[str, Any]) -> None:
    body = (SAMPLES / "node" / "error-2.envelope").read_bytes()
    url = (f"/api/{project['id']}/envelope/?sentry_version=7&sentry_key={project['key']}"
           "&sentry_client=sentry.javascript.node%2F11.12.0")
    answer = client.post(url, content=body)
    assert answer.status_code == 200, answer.text
    assert len(_spooled(app_runtime)) == 1


def test_a_dsn_path_prefix_and_doubled_slashes_reach_the_endpoint(
        client: Any, app_runtime: Runtime, project: dict[str, Any]) -> None:
    for path in (f"/tocsin/api/{project['id']}/envelope/", f"/api//{project['id']}//envelope//"):
        assert client.post(path, content=_event_envelope(),
                           headers=_auth(project["key"])).status_code == 200
    assert len(_spooled(app_runtime)) == 2


@pytest.mark.parametrize(("headers", "status", "message"), [
    ({}, 401, "missing authorization"),
    ({"X-Sentry-Auth": f"Sentry sentry_key={'f' * 32}, sentry_version=7"}, 401, "unknown"),
    ({"X-Sentry-Auth": "Sentry sentry_key=!!, sentry_version=7"}, 400, "key"),
    ({"X-Sentry-Auth": f"Sentry sentry_key={SAMPLE_KEY}, sentry_version=99"}, 400, "version"),
])
def test_bad_credentials_are_refused_and_nothing_is_stored(
        client: Any, app_runtime: Runtime, project: dict[str, Any], headers: dict[str, str],
        status: int, message: str) -> None:
    answer = client.post(f"/api/{project['id']}/envelope/", content=_event_envelope(),
                         headers=headers)
    assert answer.status_code == status
    assert message in answer.json()["detail"]
    assert _spooled(app_runtime) == []


def test_two_places_of_auth_are_refused(client: Any, project: dict[str, Any]) -> None:
    answer = client.post(f"/api/{project['id']}/envelope/?sentry_key={project['key']}",
                         content=_event_envelope(), headers=_auth(project["key"]))
    assert answer.status_code == 401
    assert "multiple" in answer.json()["detail"]


def test_a_key_of_another_project_is_forbidden(
        client: Any, app_runtime: Runtime, project: dict[str, Any]) -> None:
    answer = client.post(f"/api/{project['id']}/envelope/", content=_event_envelope(),
                         headers=_auth(project["other_key"]))
    assert answer.status_code == 403
    assert _spooled(app_runtime) == []


def test_the_envelope_dsn_header_authenticates_when_nothing_else_does(
        client: Any, app_runtime: Runtime, project: dict[str, Any]) -> None:
    header = {"dsn": f"http://{project['key']}@localhost/{project['id']}"}
    body = orjson.dumps(header) + b"\n" + b'{"type":"event"}\n{"message":"hi"}\n'
    assert client.post(f"/api/{project['id']}/envelope/", content=body).status_code == 200
    wrong = {"dsn": f"http://{project['key']}@localhost/{project['other_id']}"}
    body = orjson.dumps(wrong) + b"\n" + b'{"type":"event"}\n{"message":"hi"}\n'
    assert client.post(f"/api/{project['id']}/envelope/", content=body).status_code == 400
    assert len(_spooled(app_runtime)) == 1


@pytest.mark.parametrize(("body", "status"), [
    (b"not json\n", 400),
    (b'{}\n{"type":"event","length":999}\n{}\n', 400),
    (b'{"sent_at":"2026-01-01T00:00:00Z","sent_at":"2026-01-01T00:00:00Z"}\n', 400),
    (b'{}\n{"type":"event","length":2000000}\n' + b"x" * 2_000_000 + b"\n", 413),
    (b'{}\n{"type":"check_in"}\n' + b'{"m":"' + b"x" * 200_000 + b'"}\n', 413),
])
def test_malformed_or_oversize_envelopes_are_refused_and_nothing_is_stored(
        client: Any, app_runtime: Runtime, project: dict[str, Any], body: bytes,
        status: int) -> None:
    answer = client.post(f"/api/{project['id']}/envelope/", content=body,
                         headers=_auth(project["key"]))
    assert answer.status_code == status, answer.text
    assert answer.json()["detail"]
    assert _spooled(app_runtime) == []


def test_a_gzip_bomb_is_refused_without_being_unpacked(
        client: Any, app_runtime: Runtime, project: dict[str, Any]) -> None:
    bomb = gzip.compress(b"{}\n" + b"\0" * (200 * 1024 * 1024), compresslevel=9)
    assert len(bomb) < 1024 * 1024
    answer = client.post(f"/api/{project['id']}/envelope/", content=bomb,
                         headers={**_auth(project["key"]), "Content-Encoding": "gzip"})
    assert answer.status_code == 413
    assert _spooled(app_runtime) == []


def test_every_encoding_is_read_and_an_unknown_one_refused(
        client: Any, app_runtime: Runtime, project: dict[str, Any]) -> None:
    raw = _event_envelope()
    for encoding, body in (("gzip", gzip.compress(raw)), ("deflate", zlib.compress(raw))):
        answer = client.post(f"/api/{project['id']}/envelope/", content=body,
                             headers={**_auth(project["key"]), "Content-Encoding": encoding})
        assert answer.status_code == 200, encoding
    answer = client.post(f"/api/{project['id']}/envelope/", content=raw,
                         headers={**_auth(project["key"]), "Content-Encoding": "lzma"})
    assert answer.status_code == 415
    assert _spooled(app_runtime) == [raw, raw]


def test_items_we_do_not_use_are_acknowledged_and_not_spooled(
        client: Any, app_runtime: Runtime, project: dict[str, Any]) -> None:
    body = b'{}\n{"type":"replay_recording","length":3}\nabc\n{"type":"brand_new"}\n{}\n'
    answer = client.post(f"/api/{project['id']}/envelope/", content=body,
                         headers=_auth(project["key"]))
    assert answer.status_code == 200
    assert answer.json() == {}
    assert _spooled(app_runtime) == []


def test_the_store_endpoint_takes_python_nan_and_refuses_broken_json(
        client: Any, app_runtime: Runtime, project: dict[str, Any]) -> None:
    good = b'{"event_id":"' + b"cd" * 16 + b'","message":"x","extra":{"v":NaN}}'
    answer = client.post(f"/api/{project['id']}/store/", content=good,
                         headers=_auth(project["key"]))
    assert answer.status_code == 200
    assert answer.json() == {"id": "cd" * 16}
    bad = client.post(f"/api/{project['id']}/store/", content=b'{"message": ',
                      headers=_auth(project["key"]))
    assert bad.status_code == 400
    assert len(_spooled(app_runtime)) == 1


def test_browser_requests_get_cors_and_a_foreign_origin_is_refused(
        client: Any, app_runtime: Runtime, project: dict[str, Any]) -> None:
    url = f"/api/{project['id']}/envelope/?sentry_key={project['key']}&sentry_version=7"
    preflight = client.options(url, headers={"Origin": "https://app.example.com",
                                             "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://app.example.com"
    assert "content-encoding" in preflight.headers["access-control-allow-headers"]
    with app_runtime.db.write() as conn:
        conn.execute(update(projects_table).where(projects_table.c.id == project["id"])
                     .values(allowed_origins=["https://app.example.com"]))
    ok = client.post(url, content=_event_envelope(),
                     headers={"Origin": "https://app.example.com"})
    assert ok.status_code == 200
    assert "x-sentry-rate-limits" in ok.headers["access-control-expose-headers"]
    foreign = client.post(url, content=_event_envelope("ef" * 16),
                          headers={"Origin": "https://evil.example.net"})
    assert foreign.status_code == 403
    assert len(_spooled(app_runtime)) == 1


def test_a_rate_limited_category_gets_429_with_the_headers_sdks_parse(
        client: Any, app_runtime: Runtime, project: dict[str, Any]) -> None:
    with app_runtime.db.write() as conn:
        conn.execute(update(projects_table).where(projects_table.c.id == project["id"])
                     .values(rate_limits=[{"category": "error", "per_minute": 2}]))
    url = f"/api/{project['id']}/envelope/"
    answers = [client.post(url, content=_event_envelope(f"{n:032x}"),
                           headers=_auth(project["key"])) for n in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    limited = answers[2]
    assert 1 <= int(limited.headers["retry-after"]) <= 300
    assert ":error:project" in limited.headers["x-sentry-rate-limits"]
    transaction = (b'{"event_id":"' + b"9" * 32 + b'"}\n{"type":"transaction"}\n'
                   b'{"type":"transaction","transaction":"/x","start_timestamp":1,'
                   b'"timestamp":2}\n')
    assert client.post(url, content=transaction, headers=_auth(project["key"])).status_code == 200
    assert len(_spooled(app_runtime)) == 3
