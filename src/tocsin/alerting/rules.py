"""The rule: one model over every source (monitors, heartbeats, errors, quota).

A rule is parsed from a plain document (API body, tocsin.yaml entry) into a
frozen :class:`Rule`; every problem names its field path
(``rules[3].condition.threshold: must be > 0``) so a user can find it.
Timer defaults are Alertmanager's (group_wait 30 s, group_interval 5 min,
repeat_interval 4 h): they are what teams coming from Prometheus expect.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from tocsin.lib.durations import parse_duration
from tocsin.notify.message import SEVERITIES

GROUP_WAIT_S = 30.0
GROUP_INTERVAL_S = 300.0
REPEAT_INTERVAL_S = 4 * 3600.0

# kind -> (signal kinds it reads, is it "instant": one occurrence, no ongoing state)
CONDITIONS: dict[str, tuple[tuple[str, ...], bool]] = {
    "monitor_down": (("monitor.",), False),
    "monitor_degraded": (("monitor.",), False),
    "monitor_up": (("monitor.up",), True),  # "up again" after down/degraded
    "heartbeat": (("monitor.",), False),  # late, missed, failed, exited non-zero, timed out
    "issue_new": (("issue.new",), True),
    "issue_regression": (("issue.regression",), True),
    "error_count": (("event.batch",), False),  # more than N events/users in a window
    "transaction_p95": (("transaction.batch",), False),  # p95 above threshold ms
    "throughput": (("transaction.batch",), False),  # more than threshold a minute
    "error_rate": (("transaction.batch",), False),  # failed transactions above percent
    "crash_free": (("sessions.batch",), False),  # crash-free sessions below percent
    "quota": (("project.quota",), True),
    "server_error": (("event.batch",), True),  # any 5xx error event (on a URL glob)
    "cert_expiry": ((), False),  # polled: certificate expires within threshold days
    "response_time": ((), False),  # polled: p95 over window above threshold ms
}
FILTERS = ("monitor", "monitor_kind", "project_id", "environment", "level", "unhandled",
           "url", "status_code_min", "transaction")
_CONDITION_KEYS = {"kind", "threshold", "window", "per", "measure", "percent", "on"}
HEARTBEAT_EVENTS = ("late", "missed", "failed", "exit_status", "timeout")
"""What a heartbeat's state change reports as its reason ("fail" is shown as failed)."""


@dataclass(frozen=True)
class Condition:
    kind: str
    threshold: int = 0
    window_s: float = 300.0
    per: str = "project"  # error_count: "issue" or "project"
    measure: str = "events"  # error_count: "events" or "users"
    percent: float = 80.0  # quota
    on: tuple[str, ...] = HEARTBEAT_EVENTS  # heartbeat: which failures count


@dataclass(frozen=True)
class Rule:
    name: str
    condition: Condition
    severity: str = "high"
    filters: Mapping[str, Any] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)
    for_s: float = 0.0
    resolve_after_s: float = 0.0
    group_by: tuple[str, ...] = ("alertname",)
    group_wait_s: float = GROUP_WAIT_S
    group_interval_s: float = GROUP_INTERVAL_S
    repeat_interval_s: float = REPEAT_INTERVAL_S
    channels: tuple[str, ...] = ()
    escalation_policy: str | None = None
    depends_on: tuple[str, ...] = ()  # rule names whose firing alerts mute this one
    runbook_url: str | None = None
    notes: str = ""
    enabled: bool = True

    @property
    def instant(self) -> bool:
        return CONDITIONS[self.condition.kind][1]

    def document(self) -> dict[str, Any]:
        """The canonical document: parse_rule(rule.document()) == rule."""
        doc = asdict(self)
        cond = doc.pop("condition")
        cond["window"] = cond.pop("window_s")
        if self.condition.kind == "heartbeat":
            cond["on"] = list(self.condition.on)
        else:
            del cond["on"]
        doc["condition"] = cond
        for key in ("for", "resolve_after", "group_wait", "group_interval", "repeat_interval"):
            doc[key] = doc.pop(f"{key}_s")
        doc["group_by"] = list(self.group_by)
        doc["channels"] = list(self.channels)
        doc["depends_on"] = list(self.depends_on)
        doc["filters"], doc["labels"] = dict(self.filters), dict(self.labels)
        return doc


class RuleError(ValueError):
    """A rule document is invalid; the message starts with the field path."""


def _duration(doc: Mapping[str, Any], key: str, default: float, path: str) -> float:
    if doc.get(key) is None:
        return default
    try:
        return parse_duration(doc[key])
    except (ValueError, TypeError) as exc:
        raise RuleError(f"{path}.{key}: {exc}") from None


def _strings(value: Any, path: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise RuleError(f"{path}: must be a list of names")
    return tuple(value)


def _condition(doc: Any, path: str) -> Condition:
    if not isinstance(doc, dict):
        raise RuleError(f"{path}: must be a mapping with a kind")
    kind = doc.get("kind")
    if kind not in CONDITIONS:
        raise RuleError(f"{path}.kind: must be one of {', '.join(CONDITIONS)}")
    unknown = sorted(set(doc) - _CONDITION_KEYS)
    if unknown:
        raise RuleError(f"{path}.{unknown[0]}: unknown field")
    threshold = doc.get("threshold", 0)
    bad = isinstance(threshold, bool) or not isinstance(threshold, int)
    needs = ("error_count", "transaction_p95", "throughput", "cert_expiry", "response_time")
    if bad or (kind in needs and threshold <= 0):
        raise RuleError(f"{path}.threshold: must be > 0")
    per, measure = doc.get("per", "project"), doc.get("measure", "events")
    if per not in ("issue", "project"):
        raise RuleError(f"{path}.per: must be issue or project")
    if measure not in ("events", "users"):
        raise RuleError(f"{path}.measure: must be events or users")
    window = _duration(doc, "window", 300.0, path)
    if window <= 0 or window > 86400:
        raise RuleError(f"{path}.window: must be between 1s and 1d")
    percent = doc.get("percent", 80.0)
    if isinstance(percent, bool) or not isinstance(percent, int | float) or percent <= 0:
        raise RuleError(f"{path}.percent: must be > 0")
    on = doc.get("on", list(HEARTBEAT_EVENTS))
    if not isinstance(on, list) or not on or any(e not in HEARTBEAT_EVENTS for e in on):
        raise RuleError(f"{path}.on: must list some of {', '.join(HEARTBEAT_EVENTS)}")
    return Condition(kind=kind, threshold=int(threshold), window_s=window, per=per,
                     measure=measure, percent=float(percent), on=tuple(on))


def _filters(doc: Any, path: str) -> dict[str, Any]:
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise RuleError(f"{path}: must be a mapping")
    for key, value in doc.items():
        if key not in FILTERS:
            raise RuleError(f"{path}.{key}: unknown filter (known: {', '.join(FILTERS)})")
        if key == "unhandled" and not isinstance(value, bool):
            raise RuleError(f"{path}.unhandled: must be true or false")
        if key in ("project_id", "status_code_min") and (
                isinstance(value, bool) or not isinstance(value, int)):
            raise RuleError(f"{path}.{key}: must be a whole number")
        if key == "level" and not (isinstance(value, list) and value):
            raise RuleError(f"{path}.level: must be a list such as [error, fatal]")
    return dict(doc)


_KEYS = {"name", "condition", "severity", "filters", "labels", "for", "resolve_after",
         "group_by", "group_wait", "group_interval", "repeat_interval", "channels",
         "escalation_policy", "depends_on", "runbook_url", "notes", "enabled"}


def parse_rule(doc: Any, path: str = "rule") -> Rule:
    if not isinstance(doc, dict):
        raise RuleError(f"{path}: must be a mapping")
    unknown = sorted(set(doc) - _KEYS)
    if unknown:
        raise RuleError(f"{path}.{unknown[0]}: unknown field")
    name = doc.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise RuleError(f"{path}.name: must be 1-200 characters")
    severity = doc.get("severity", "high")
    if severity not in SEVERITIES:
        raise RuleError(f"{path}.severity: must be one of {', '.join(SEVERITIES)}")
    labels = doc.get("labels") or {}
    if not isinstance(labels, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in labels.items()):
        raise RuleError(f"{path}.labels: must map names to text")
    timers = {key: _duration(doc, key, default, path) for key, default in (
        ("for", 0.0), ("resolve_after", 0.0), ("group_wait", GROUP_WAIT_S),
        ("group_interval", GROUP_INTERVAL_S), ("repeat_interval", REPEAT_INTERVAL_S))}
    if timers["group_interval"] <= 0 or timers["repeat_interval"] <= 0:
        raise RuleError(f"{path}.group_interval: group_interval and repeat_interval must be > 0")
    enabled = doc.get("enabled", True)
    if not isinstance(enabled, bool):
        raise RuleError(f"{path}.enabled: must be true or false")
    runbook = doc.get("runbook_url")
    if runbook is not None and not (isinstance(runbook, str)
                                    and runbook.startswith(("http://", "https://"))):
        raise RuleError(f"{path}.runbook_url: must be an http(s) URL")
    policy = doc.get("escalation_policy")
    if policy is not None and not (isinstance(policy, str) and policy):
        raise RuleError(f"{path}.escalation_policy: must be a policy name")
    return Rule(
        name=name.strip(), condition=_condition(doc.get("condition"), f"{path}.condition"),
        severity=severity, filters=_filters(doc.get("filters"), f"{path}.filters"),
        labels=labels, for_s=timers["for"], resolve_after_s=timers["resolve_after"],
        group_by=_strings(doc.get("group_by", ["alertname"]), f"{path}.group_by"),
        group_wait_s=timers["group_wait"], group_interval_s=timers["group_interval"],
        repeat_interval_s=timers["repeat_interval"],
        channels=_strings(doc.get("channels"), f"{path}.channels"),
        escalation_policy=policy,
        depends_on=_strings(doc.get("depends_on"), f"{path}.depends_on"),
        runbook_url=runbook, notes=str(doc.get("notes") or ""), enabled=enabled)
