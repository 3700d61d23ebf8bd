"""What a signal means for a rule: observations (the condition holds, or not).

Each observation carries the identity labels that make its fingerprint (one
alert per monitor, per issue, or per project) and the annotations shown in
the notification. ``error_count`` is not decided here: its signals only feed
the window counters, and :mod:`tocsin.alerting.counters` decides on the tick.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from tocsin.alerting.rules import Rule
from tocsin.store.signals import Signal


@dataclass(frozen=True)
class Observation:
    identity: dict[str, str]
    labels: dict[str, str]
    annotations: dict[str, str]
    active: bool


def _monitor_ok(rule: Rule, p: dict[str, Any]) -> bool:
    f = rule.filters
    if "monitor" in f and not fnmatchcase(str(p.get("name", "")), str(f["monitor"])):
        return False
    if "monitor_kind" in f and p.get("kind") != f["monitor_kind"]:
        return False
    return "project_id" not in f or p.get("project_id") == f["project_id"]


def event_ok(rule: Rule, p: dict[str, Any], project_id: int | None) -> bool:
    """Whether an event.batch summary passes the rule's filters."""
    f = rule.filters
    if "project_id" in f and project_id != f["project_id"]:
        return False
    if "environment" in f and p.get("environment") != f["environment"]:
        return False
    if "level" in f and p.get("level") not in f["level"]:
        return False
    if f.get("unhandled") and str(p.get("handled")).lower() not in ("no", "false"):
        return False
    if "url" in f and not fnmatchcase(str(p.get("url") or ""), str(f["url"])):
        return False
    code = p.get("status_code")
    return "status_code_min" not in f or (isinstance(code, int)
                                          and code >= f["status_code_min"])


def _monitor(rule: Rule, s: Signal) -> list[Observation]:
    p = s.payload
    if not _monitor_ok(rule, p):
        return []
    identity = {"monitor": str(p.get("monitor"))}
    labels = {**identity, "monitor_name": str(p.get("name")), "monitor_kind": str(p.get("kind"))}
    notes = {"summary": f"{p.get('name')} is {p.get('new_status')}",
             "reason": str(p.get("reason") or ""), "cause": str(p.get("cause") or "")}
    new, old = p.get("new_status"), p.get("old_status")
    kind = rule.condition.kind
    if kind == "monitor_up":
        if new == "up" and old in ("down", "degraded"):
            return [Observation(identity, labels, {**notes, "summary": f"{p.get('name')} is up "
                                                    "again"}, True)]
        return []
    if kind == "heartbeat":
        if p.get("kind") != "heartbeat":
            return []
        reason = {"fail": "failed"}.get(str(p.get("reason")), str(p.get("reason")))
        failing = new in ("down", "degraded") and reason in rule.condition.on
        # A late heartbeat that then misses stays one alert; only "up" (or a
        # pause) clears it, not a reason the rule does not count.
        if not failing and new in ("down", "degraded"):
            return []
        return [Observation(identity, labels, notes, failing)]
    wanted = "down" if kind == "monitor_down" else "degraded"
    return [Observation(identity, labels, notes, new == wanted)]


def _issue(rule: Rule, s: Signal) -> list[Observation]:
    p = s.payload
    if not event_ok(rule, p, s.project_id):
        return []
    identity = {"issue": str(p.get("issue_id", s.subject.removeprefix("issue:")))}
    labels = {**identity, "project_id": str(s.project_id)}
    what = "New issue" if rule.condition.kind == "issue_new" else "Regression"
    title = p.get("title") or p.get("message") or s.subject
    return [Observation(identity, labels, {"summary": f"{what}: {title}"}, True)]


def _quota(rule: Rule, s: Signal) -> list[Observation]:
    p = s.payload
    if float(p.get("percent") or 0) < rule.condition.percent:
        return []
    identity = {"project_id": str(s.project_id)}
    summary = f"Project {p.get('project')} used {p.get('percent')} % of its monthly quota"
    return [Observation(identity, dict(identity), {"summary": summary}, True)]


def _server_error(rule: Rule, s: Signal) -> list[Observation]:
    p = s.payload
    code = p.get("status_code")
    if not isinstance(code, int) or code < 500 or not event_ok(rule, p, s.project_id):
        return []
    url = str(p.get("url") or "")
    identity = {"project_id": str(s.project_id), "url": url}
    summary = f"{code} on {url or 'a request'} ({p.get('count', 1)} events)"
    return [Observation(identity, dict(identity), {"summary": summary}, True)]


def observations(rule: Rule, signal: Signal) -> list[Observation]:
    kind = rule.condition.kind
    if kind.startswith(("monitor_", "heartbeat")) and signal.kind.startswith("monitor."):
        return _monitor(rule, signal)
    if (kind, signal.kind) in (("issue_new", "issue.new"),
                               ("issue_regression", "issue.regression")):
        return _issue(rule, signal)
    if kind == "quota" and signal.kind == "project.quota":
        return _quota(rule, signal)
    if kind == "server_error" and signal.kind == "event.batch":
        return _server_error(rule, signal)
    return []
