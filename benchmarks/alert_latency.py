"""Alerting: latency from "down" to the webhook, and a storm of 1,000 failures.

    .venv/bin/python benchmarks/alert_latency.py [--monitors 50] [--spacing 0.5]
        [--seconds 300] [--postgres] [--json out.json]
    .venv/bin/python benchmarks/alert_latency.py --storm 1000 [--group-wait 30]

Starts ``alert_peers.py`` (an HTTP target whose paths flip from 200 to 503 on
command, and a webhook receiver stamping each POST with ``time.time()``),
writes a ``tocsin.yaml`` (one webhook channel, N ``http`` monitors every 10 s
-- the shortest interval allowed -- with the default ``failure_threshold: 2``,
so a failure is re-checked at once and the second failure is the state
change to *down*; an escalation policy whose one step pages the same
channel; rules), and runs the real server on a fresh database: ``tocsin serve``
applying the file at start (``TOCSIN_CONFIG_FILE``, as ``--config`` does) on
SQLite, or ``tocsin apply`` then ``tocsin web`` + ``tocsin worker`` on a
PostgreSQL database created on 127.0.0.1:5432 and dropped after.

Latency (default): two rules on every monitor, each grouped by ``monitor``
(one group per monitor) with ``group_wait: 0``: ``direct`` tells the channel,
``incident`` names the escalation policy, so its incident pages the channel
from the escalation loop. Targets are flipped one at a time, ``--spacing``
apart. Per monitor, latency = webhook arrival - ``state_changes.at`` of its
change to down (the check result that confirmed it), read from the database
after the run.

Storm (``--storm N``): one rule with the escalation policy, its channel, and
the default grouping (``group_by: [alertname]``, ``group_wait: 30s``): every
target flips at once. Counted: group messages and pages received, incidents
opened; timed from the flip: all monitors down, last incident open, last
message. Both modes sample the server's CPU and RSS; every wait is bounded
by ``--seconds``. Goal (issue 4): latency p99 <= 1 s with group wait 0.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import timeit
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import error_ingest as ingest
import scale_measure as measure
import scale_monitors as scale
import scale_target as target
from sqlalchemy import func, select, text

from tocsin.config import load_config
from tocsin.store.engine import Database
from tocsin.store.schema import deliveries, incidents, monitors, state_changes

HERE = Path(__file__).resolve().parent
INTERVAL = "10s"  # checks.spec.MIN_INTERVAL_S
GOAL_P99_S = 1.0
MAX_MONITORS = 5_000
POLL_S = 0.25


def config_file(args: argparse.Namespace, names: list[str], target_port: int,
                hook_port: int) -> dict[str, Any]:
    """The tocsin.yaml, as a document (written as JSON, which YAML reads)."""
    doc: dict[str, Any] = {
        "version": 1,
        "projects": [{"slug": "bench", "name": "Alert bench"}],
        "channels": [{"name": "hook", "kind": "webhook",
                      "settings": {"url": f"http://127.0.0.1:{hook_port}/hook"}}],
        "escalation_policies": [{"name": "bench", "repeat": 0,
                                 "steps": [{"channels": ["hook"]}]}],
        "monitors": [{"name": n, "project": "bench", "kind": "http", "interval": INTERVAL,
                      "url": f"http://127.0.0.1:{target_port}/{n}"} for n in names],
    }
    down = {"kind": "monitor_down"}
    if args.storm:
        storm: dict[str, Any] = {"name": "storm", "severity": "critical", "condition": down,
                                 "channels": ["hook"], "escalation_policy": "bench"}
        if args.group_wait is not None:
            storm["group_wait"] = f"{args.group_wait:g}s"
        doc["rules"] = [storm]
    else:
        one = {"condition": down, "group_by": ["monitor"], "group_wait": "0s"}
        doc["rules"] = [{"name": "direct", "channels": ["hook"], **one},
                        {"name": "incident", "escalation_policy": "bench", **one}]
    return doc


def _post(port: int, path: str, doc: Any) -> Any:
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", json.dumps(doc).encode(),
                                 {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as answer:
        return json.load(answer)


def received(port: int) -> list[dict[str, Any]]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_control/received",
                                timeout=30) as answer:
        return list(json.load(answer))


def kind_of(message: dict[str, Any]) -> str:
    """``page`` (an incident's, from the escalation loop) or ``group`` (a rule's)."""
    return "page" if str(message["body"].get("source", "")).startswith("incident:") else "group"


def _count(db: Database, query: Any) -> int:
    with db.read() as conn:
        return int(conn.execute(query).scalar_one())


def wait_all_up(db: Database, server: ingest.Server, n: int, deadline: float) -> float:
    """Until every monitor has passed a check: a flip before that is no state change."""
    started = time.monotonic()
    while time.monotonic() < deadline:
        server.check_alive()
        if _count(db, select(func.count()).select_from(monitors)
                  .where(monitors.c.status == "up")) >= n:
            return time.monotonic() - started
        time.sleep(POLL_S)
    raise SystemExit(f"not every monitor was up before the deadline ({n} expected)")


def run_latency(args: argparse.Namespace, names: list[str], port: int, server: ingest.Server,
                deadline: float) -> dict[str, Any]:
    flips: dict[str, float] = {}
    for name in names:
        flips[name] = _post(port, "/_control/fail", {"names": [name]})["at"]
        time.sleep(args.spacing)
    # Each monitor is told twice: the direct rule's message and the incident's page.
    while time.monotonic() < deadline:
        server.check_alive()
        if len(received(port)) >= 2 * len(names):
            break
        time.sleep(POLL_S)
    time.sleep(1.0)  # anything extra (a repeat) would show as a duplicate
    return {"flips": flips}


def run_storm(args: argparse.Namespace, names: list[str], port: int, db: Database,
              server: ingest.Server, deadline: float) -> dict[str, Any]:
    flip = _post(port, "/_control/fail", {"all": True})["at"]
    all_down_seen = None
    while time.monotonic() < deadline:
        server.check_alive()
        down = _count(db, select(func.count()).select_from(monitors)
                      .where(monitors.c.status == "down"))
        if down >= len(names) and all_down_seen is None:
            all_down_seen = time.time()
        got = received(port)
        kinds = {kind_of(m) for m in got}
        quiet = not got or time.time() - max(m["at"] for m in got) >= args.settle
        if all_down_seen is not None and kinds >= {"page", "group"} and quiet:
            break
        time.sleep(POLL_S)
    return {"flip": flip}


def latency_rows(db: Database, names: list[str], got: list[dict[str, Any]]
                 ) -> dict[str, Any]:
    down_at, opened_at, enqueued_at = downs(db), incident_opened(db), enqueued(db)
    firsts: dict[tuple[str, str], dict[str, Any]] = {}
    duplicates = 0
    for m in sorted(got, key=lambda m: m["at"]):
        labels = m["body"].get("labels") or {}
        key = (kind_of(m), str(labels.get("monitor_name")))
        duplicates += key in firsts
        firsts.setdefault(key, m)
    rows = {}
    for row, kind in (("direct rule -> webhook", "group"),
                      ("incident -> escalation page", "page")):
        told = [(n, firsts[(kind, n)]) for n in names if (kind, n) in firsts and n in down_at]
        lat = sorted(m["at"] - down_at[n] for n, m in told)
        # Where the time goes: down -> the delivery written to the outbox (the
        # alerting, and for a page the escalation, loop) -> the webhook's arrival.
        queued = [(enqueued_at[m["body"].get("delivery")], m["at"], down_at[n]) for n, m in told
                  if m["body"].get("delivery") in enqueued_at]
        rows[row] = _stats(lat) | {
            "misses": sum(1 for n in names if (kind, n) not in firsts),
            "never_down": sum(1 for n in names if n not in down_at),
            "enqueued_after_down": _stats(sorted(q - d for q, _, d in queued)),
            "received_after_enqueued": _stats(sorted(a - q for q, a, _ in queued))}
    opened = sorted(opened_at[n] - down_at[n] for n in names if n in opened_at and n in down_at)
    rows["incident -> escalation page"]["opened_after_down"] = _stats(opened)
    return {"rows": rows, "duplicates": duplicates}


def _stats(values: list[float]) -> dict[str, Any]:
    return {"count": len(values), "p50_s": round(measure.percentile(values, 0.50), 3),
            "p99_s": round(measure.percentile(values, 0.99), 3),
            "max_s": round(values[-1], 3) if values else None,
            "min_s": round(values[0], 3) if values else None}


def downs(db: Database) -> dict[str, float]:
    """Each monitor's first change to down, as Unix time."""
    with db.read() as conn:
        rows = conn.execute(select(monitors.c.name, func.min(state_changes.c.at))
                            .join(state_changes, state_changes.c.monitor_id == monitors.c.id)
                            .where(state_changes.c.new_status == "down")
                            .group_by(monitors.c.name)).all()
    return {str(name): at.timestamp() for name, at in rows}


def enqueued(db: Database) -> dict[int, float]:
    """Delivery id (the webhook body's ``delivery``) -> when it entered the outbox."""
    with db.read() as conn:
        rows = conn.execute(select(deliveries.c.id, deliveries.c.created_at)).all()
    return {int(i): at.timestamp() for i, at in rows}


def incident_opened(db: Database) -> dict[str, float]:
    """Monitor name -> opening time of its incident (one monitor per incident)."""
    with db.read() as conn:
        rows = conn.execute(select(incidents.c.labels, incidents.c.opened_at)).all()
    return {str((labels or {}).get("monitor_name")): at.timestamp() for labels, at in rows}


def storm_result(db: Database, flip: float, n: int, got: list[dict[str, Any]]
                 ) -> dict[str, Any]:
    down_at = downs(db)
    with db.read() as conn:
        opened = [at.timestamp() for at in conn.execute(select(incidents.c.opened_at)).scalars()]
    pages = [m for m in got if kind_of(m) == "page"]
    groups = [m for m in got if kind_of(m) == "group"]
    firing_in = [int(next((f["value"] for f in m["body"].get("facts", [])
                           if f["name"] == "Firing"), 0)) for m in groups]

    def after(values: list[float]) -> float | None:
        return round(max(values) - flip, 2) if values else None

    return {"monitors_down": len(down_at), "first_down_s": round(min(down_at.values()) - flip, 2)
            if down_at else None, "all_down_s": after(list(down_at.values()))
            if len(down_at) >= n else None,
            "incidents_opened": len(opened), "last_incident_open_s": after(opened),
            "group_messages": len(groups), "firing_per_group_message": firing_in,
            "pages": len(pages), "messages": len(got),
            "last_message_s": after([m["at"] for m in got])}


def start(args: argparse.Namespace, work: Path, yaml_path: Path, admin: Any, db_name: str
          ) -> tuple[ingest.Server, dict[str, str], int]:
    port = target.free_port()
    env = {k: v for k, v in os.environ.items() if k not in ingest._OWN_SETTINGS}
    env.update(TOCSIN_DATA_DIR=str(work), TOCSIN_PORT=str(port), TOCSIN_HOST="127.0.0.1",
               TOCSIN_LOG_LEVEL="warning", PYTHONPATH=os.pathsep.join(
                   filter(None, [str(ingest.SRC), os.environ.get("PYTHONPATH")])))
    server = ingest.Server()
    if admin is None:
        env["TOCSIN_CONFIG_FILE"] = str(yaml_path)  # what `serve --config FILE` sets
        server.start("serve", env | {"TOCSIN_WORKER_ID": f"{ingest.WORKER_ID}-worker"},
                     work / "serve.log")
        return server, env, port
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{db_name}"'))
    env["TOCSIN_DATABASE_URL"] = ingest.PG_URL.format(name=db_name)
    done = subprocess.run([sys.executable, "-m", "tocsin", "apply", str(yaml_path)], env=env,
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise SystemExit(f"tocsin apply failed:\n{done.stdout}{done.stderr}")
    server.start("web", env | {"TOCSIN_WORKER_ID": f"{ingest.WORKER_ID}-web"},
                 work / "web.log")
    server.start("worker", env | {"TOCSIN_WORKER_ID": f"{ingest.WORKER_ID}-worker"},
                 work / "worker.log")
    return server, env, port


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--monitors", type=int, default=50, help="latency mode")
    parser.add_argument("--spacing", type=float, default=0.5, help="seconds between flips")
    parser.add_argument("--storm", type=int, help="storm mode: this many monitors at once")
    parser.add_argument("--group-wait", type=float, help="storm rule's group_wait (s)")
    parser.add_argument("--settle", type=float, default=5.0,
                        help="storm: stop once no message came for this long")
    parser.add_argument("--seconds", type=float, default=300.0, help="cap on the whole run")
    parser.add_argument("--postgres", action="store_true",
                        help="web + worker on a fresh database on 127.0.0.1:5432")
    parser.add_argument("--json", type=Path, help="also write the report here")
    parser.add_argument("--keep", action="store_true", help="keep the temp directory")
    args = parser.parse_args()
    n = args.storm or args.monitors
    if not 1 <= n <= MAX_MONITORS:
        parser.error(f"1 to {MAX_MONITORS} monitors")
    deadline = time.monotonic() + args.seconds
    work = Path(tempfile.mkdtemp(prefix="tocsin-alerts-"))
    names = [f"m-{i:05d}" for i in range(n)]
    tport, hport = target.free_port(), target.free_port()
    peers = subprocess.Popen([sys.executable, str(HERE / "alert_peers.py"), str(tport),
                              str(hport)])
    admin = None
    server: ingest.Server | None = None
    db_name = f"tocsin_bench_{uuid.uuid4().hex[:10]}"
    try:
        target._wait_listening(tport, peers)
        yaml_path = work / "tocsin.yaml"
        yaml_path.write_text(json.dumps(config_file(args, names, tport, hport), indent=1))
        if args.postgres:
            from sqlalchemy import create_engine

            admin = create_engine(ingest.PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        server, env, port = start(args, work, yaml_path, admin, db_name)
        ingest._wait_http(server, port)
        db = Database.connect(load_config(env).database_url)
        up_s = wait_all_up(db, server, n, deadline)
        print(f"{n} monitors up after {up_s:.1f} s; flipping", flush=True)
        sampler = ingest.Sampler(server)
        sampler.start()
        load_before = [round(x, 2) for x in os.getloadavg()]
        cpu0, t0 = ingest._cpu_seconds(server), time.monotonic()
        ran = (run_storm(args, names, tport, db, server, deadline) if args.storm
               else run_latency(args, names, tport, server, deadline))
        cpu1, t1 = ingest._cpu_seconds(server), time.monotonic()
        sampler.halt.set()
        sampler.join(timeout=5)
        load_after = [round(x, 2) for x in os.getloadavg()]
        got = received(tport)
        server.stop()
        result = (storm_result(db, ran["flip"], n, got) if args.storm
                  else latency_rows(db, names, got))
        db.dispose()
    finally:
        if server is not None:
            server.stop()
        peers.terminate()
        peers.wait(timeout=10)
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))
            admin.dispose()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    out: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "mode": "storm" if args.storm else "latency", "monitors": n, "interval": INTERVAL,
        "database": "postgresql" if args.postgres else "sqlite",
        "machine": scale.machine() | {"timeit_sum_range_1000_us": round(
            min(timeit.repeat("sum(range(1000))", number=2000, repeat=3)) / 2000 * 1e6, 2)},
        "load_before": load_before, "load_after": load_after,
        "server_cpu_cores": round(sum(sum(b) - sum(a) for a, b in zip(cpu0, cpu1, strict=True))
                                  / (t1 - t0), 2),
        "server_rss_mb_max": round(sampler.max_rss / 1e6, 1), "run_s": round(t1 - t0, 1),
    } | result
    if not args.storm:
        out["goal_p99_met"] = all(r["misses"] == 0 and r["p99_s"] <= GOAL_P99_S
                                  for r in result["rows"].values())
    print(report(out))
    if args.json:
        args.json.write_text(json.dumps(out, indent=1) + "\n")


def report(out: dict[str, Any]) -> str:
    head = (f"{out['mode']}: {out['monitors']} http monitors every {out['interval']} on "
            f"{out['database']}; server CPU {out['server_cpu_cores']} cores, RSS max "
            f"{out['server_rss_mb_max']} MB; load {out['load_before']} -> {out['load_after']}")
    if out["mode"] == "storm":
        keys = ["monitors_down", "first_down_s", "all_down_s", "incidents_opened",
                "last_incident_open_s", "group_messages", "pages", "last_message_s"]
        return "\n".join([head, "", "| " + " | ".join(keys) + " |",
                          "|" + "---|" * len(keys),
                          "| " + " | ".join(str(out[k]) for k in keys) + " |"])
    lines = [head, "", "| path | count | p50 | p99 | max | misses |", "|---|---|---|---|---|---|"]
    for name, r in out["rows"].items():
        lines.append(f"| {name} | {r['count']} | {r['p50_s']} s | {r['p99_s']} s | "
                     f"{r['max_s']} s | {r['misses']} |")
    for name, r in out["rows"].items():
        q, s = r["enqueued_after_down"], r["received_after_enqueued"]
        lines.append(f"{name}: down -> outbox p50 {q['p50_s']} s, p99 {q['p99_s']} s; "
                     f"outbox -> received p50 {s['p50_s']} s, p99 {s['p99_s']} s")
    opened = out["rows"]["incident -> escalation page"]["opened_after_down"]
    lines += ["", f"incident opened after down: p50 {opened['p50_s']} s, p99 {opened['p99_s']} s;"
              f" duplicates {out['duplicates']}",
              f"goal p99 <= {GOAL_P99_S:g} s with group wait 0: "
              + ("met" if out["goal_p99_met"] else "MISSED")]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
