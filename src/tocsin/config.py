"""The one settings object, read from ``TOCSIN_*`` environment variables.

Every setting is declared once in ``SETTINGS`` with its type, default, the reason
for the default and its documentation; ``docs/configuration.md`` must mention
each one (a test checks). ``NAME_FILE`` may hold a path whose contents are the
value, for secrets kept out of the environment. Parsing is strict: booleans are
``true``/``false`` only, numbers must be in range, and all problems are reported
together with an id and a hint (``tocsin check-config``).

Layer 7: imports only lib and the standard library.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class ConfigError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


@dataclass(frozen=True)
class Problem:
    id: str
    setting: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        tail = f" (hint: {self.hint})" if self.hint else ""
        return f"[{self.id}] {self.setting}: {self.message}{tail}"


def _bool(raw: str) -> bool:
    if raw in ("true", "1"):
        return True
    if raw in ("false", "0"):
        return False
    raise ValueError("must be true or false")


def _number(convert: Callable[[str], float], lo: float, hi: float) -> Callable[[str], Any]:
    def parse(raw: str) -> Any:
        value = convert(raw)
        if not lo <= value <= hi:
            raise ValueError(f"must be between {lo} and {hi}")
        return value

    return parse


def _int(lo: int, hi: int) -> Callable[[str], Any]:
    return _number(int, lo, hi)


def _float(lo: float, hi: float) -> Callable[[str], Any]:
    return _number(float, lo, hi)


def _choice(*options: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if raw not in options:
            raise ValueError(f"must be one of {', '.join(options)}")
        return raw

    return parse


def _str(raw: str) -> str:
    return raw


def _url(raw: str) -> str:
    if not raw.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    return raw.rstrip("/")


def _ping_url(raw: str) -> str:
    # Kept exactly as given: a heartbeat URL's trailing slash may matter.
    if not raw.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    return raw


def _database_url(raw: str) -> str:
    if not raw.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:", "postgres:")):
        raise ValueError("must be a sqlite:/// or postgresql:// URL")
    return raw


@dataclass(frozen=True)
class Setting:
    name: str
    parse: Callable[[str], Any]
    default: str | None
    doc: str
    secret: bool = False


SETTINGS: tuple[Setting, ...] = (
    Setting("DATA_DIR", _str, "./data",
            "Directory for the SQLite database and generated secrets."),
    Setting("DATABASE_URL", _database_url, None,
            "SQLAlchemy URL. Unset: a SQLite file `tocsin.db` in the data directory "
            "(WAL mode). `postgresql://user@host/db` for several processes or machines.",
            secret=True),
    Setting("HOST", _str, "127.0.0.1",
            "Address the web server listens on. Loopback by default: expose it on purpose."),
    Setting("PORT", _int(1, 65535), "8000", "TCP port the web server listens on."),
    Setting("BASE_URL", _url, None,
            "Public URL of this server, used in ping URLs and set-up links. "
            "Unset: http://HOST:PORT."),
    Setting("SECRET_KEY", _str, None,
            "Key for signed links and sign-in cookies (changing it signs everyone out). "
            "Unset: generated once and kept in the database.",
            secret=True),
    Setting("LOG_LEVEL", _choice("debug", "info", "warning", "error"), "info",
            "Log verbosity."),
    Setting("CONFIG_FILE", _str, None,
            "A tocsin.yaml applied at start-up (like `tocsin apply`), all or nothing."),
    Setting("WORKER_ID", _str, None,
            "Name of this process in leases and /ready. Unset: hostname:pid."),
    Setting("SQLITE_SYNCHRONOUS", _choice("FULL", "NORMAL"), "FULL",
            "SQLite fsync policy. FULL: an acknowledged ping survives a power cut; "
            "group commit keeps it cheap."),
    Setting("WRITER_BATCH_SIZE", _int(1, 10000), "500",
            "Most writes grouped into one commit by the batched writer."),
    Setting("WRITER_MAX_DELAY_MS", _float(0, 1000), "2",
            "How long the batched writer waits to fill a batch. Small: a ping is "
            "answered within a few ms even when idle."),
    Setting("PROBE_CONCURRENCY", _int(1, 10000), "500",
            "Most probes in flight at once in one worker."),
    Setting("PROBE_HOST_CONCURRENCY", _int(1, 1000), "16",
            "Most probes in flight against one host, so a shared host is not hammered."),
    Setting("SCHEDULER_TICK_MS", _int(10, 5000), "100",
            "How often the scheduler claims due checks; bounds schedule drift."),
    Setting("RESULTS_RETENTION_DAYS", _int(1, 3650), "7",
            "Days raw check results and pings are kept."),
    Setting("MINUTE_ROLLUP_RETENTION_DAYS", _int(1, 3650), "3",
            "Days per-minute rollups are kept (the 24 h charts read them)."),
    Setting("HOUR_ROLLUP_RETENTION_DAYS", _int(1, 3650), "90",
            "Days per-hour rollups are kept (7/30/90-day uptime reads them)."),
    Setting("DAY_ROLLUP_RETENTION_DAYS", _int(1, 36500), "730",
            "Days per-day rollups are kept: two years of history."),
    Setting("PING_BODY_LIMIT", _int(0, 10_000_000), "100000",
            "Bytes of a ping's body kept as the run's log; the rest is cut and marked. "
            "100 KB as hosted Healthchecks allows."),
    Setting("METRICS_TOKEN", _str, None,
            "If set, /metrics requires `Authorization: Bearer <token>`.", secret=True),
    Setting("SETUP_LINK_TTL_HOURS", _int(1, 720), "24",
            "Hours the first-start admin set-up link stays valid."),
    Setting("SESSION_HOURS", _int(1, 8760), "168",
            "Hours a sign-in to the web pages lasts. A week: people stay signed in "
            "through a working week, and a cookie left on a lost laptop stops working."),
    Setting("SIGNIN_MAX_FAILURES", _int(1, 10_000), "10",
            "Failed sign-ins to the web pages, per account and per client address, "
            "within TOCSIN_SIGNIN_WINDOW_MINUTES before further tries are refused (429). "
            "Ten: enough for someone who mistypes, far too few to guess a password."),
    Setting("SIGNIN_WINDOW_MINUTES", _int(1, 1440), "15",
            "Minutes over which failed sign-ins are counted; a refused sign-in may try "
            "again once the oldest counted failure is this old."),
    Setting("INGEST_MAX_ENVELOPE_BYTES", _int(1024, 1 << 31), str(100 * 1024 * 1024),
            "Largest Sentry envelope accepted, counted after decompression (a compressed "
            "bomb is refused, not unpacked). 100 MiB as Relay's default."),
    Setting("INGEST_MAX_WIRE_BYTES", _int(1024, 1 << 31), str(20 * 1024 * 1024),
            "Largest request body accepted on the wire, before decompression."),
    Setting("INGEST_BACKLOG_LIMIT", _int(100, 100_000_000), "200000",
            "Envelopes waiting for the digest beyond which new ones are answered 429 "
            "with Retry-After, so the SDKs back off instead of timing out."),
    Setting("ATTACHMENT_MAX_BYTES", _int(0, 1 << 30), str(1024 * 1024),
            "Largest attachment (screenshot, view hierarchy) kept; larger ones are "
            "accepted and dropped, and counted as such."),
    Setting("EVENT_RETENTION_DAYS", _int(1, 3650), "90",
            "Days events, logs and slow spans are kept. Issues keep their counters."),
    Setting("DIGEST_BATCH_SIZE", _int(1, 10000), "200",
            "Envelopes digested in one transaction: bigger batches share commits and "
            "issue updates."),
    Setting("DIGEST_PROCESS", _bool, "true",
            "`tocsin serve` digests events in a child process of its own, so a burst of "
            "errors does not slow the web side; false keeps it in one process (less memory)."),
    Setting("SLOW_SPAN_MS", _float(1, 3_600_000), "1000",
            "Spans longer than this are kept as slow spans (a database query over 1 s)."),
    Setting("PERF_MINUTE_RETENTION_DAYS", _int(2, 3650), "7",
            "Days per-minute performance rollups are kept. Windows up to a day read them; "
            "a week covers the 24 h view with room for a look back."),
    Setting("PERF_HOUR_RETENTION_DAYS", _int(1, 3650), "90",
            "Days per-hour performance rollups are kept. Windows over a day read them; "
            "90 days, the longest window the API takes."),
    Setting("SMTP_HOST", _str, None,
            "Mail server for e-mail channels. Unset: e-mail channels fail with a message "
            "saying so."),
    Setting("SMTP_PORT", _int(1, 65535), "587",
            "Mail server port. 587 is the submission port with STARTTLS; 465 with "
            "TOCSIN_SMTP_TLS=true; 25 for a local relay."),
    Setting("SMTP_USERNAME", _str, None, "User name to sign in to the mail server, if any."),
    Setting("SMTP_PASSWORD", _str, None, "Password to sign in to the mail server.",
            secret=True),
    Setting("SMTP_FROM", _str, "tocsin@localhost",
            "The From address of notification e-mail. Set it to an address your mail "
            "server may send as."),
    Setting("SMTP_STARTTLS", _bool, "true",
            "Upgrade the connection with STARTTLS (port 587). True: passwords and alerts "
            "do not cross the network in clear by default."),
    Setting("SMTP_TLS", _bool, "false",
            "Connect with TLS from the start (port 465) instead of STARTTLS."),
    Setting("DELIVERY_RETENTION_DAYS", _int(1, 3650), "90",
            "Days finished notification deliveries and their attempts are kept; as long as "
            "events, so an incident's timeline keeps its notifications."),
    Setting("DEADMAN_URL", _ping_url, None,
            "An external heartbeat URL (a Healthchecks check, Dead Man's Snitch) the worker "
            "requests every TOCSIN_DEADMAN_INTERVAL minutes, so you hear when Tocsin "
            "itself stops. Unset: no pings."),
    Setting("DEADMAN_INTERVAL", _int(1, 1440), "5",
            "Minutes between dead-man's-switch pings. 5: the outside checker can alert "
            "within minutes with a grace of one or two periods."),
    Setting("ACK_TIMEOUT_MINUTES", _int(1, 10080), "30",
            "Minutes an incident's acknowledgement lasts; unresolved by then, it goes back "
            "to triggered and escalation starts again. 30 as PagerDuty: an ack by someone "
            "who then fell asleep must not silence the page for good."),
)


# Read by single CLI commands, not part of the settings object.
CLI_VARIABLES = {
    "TOCSIN_NEW_PASSWORD": "Password for `tocsin createuser` and `tocsin setpassword` in "
                           "scripts (instead of a prompt).",
}


@dataclass(frozen=True)
class Config:
    data_dir: Path
    database_url: str
    host: str
    port: int
    base_url: str
    secret_key: str | None
    log_level: str
    config_file: Path | None
    worker_id: str
    sqlite_synchronous: str
    writer_batch_size: int
    writer_max_delay_ms: float
    probe_concurrency: int
    probe_host_concurrency: int
    scheduler_tick_ms: int
    results_retention_days: int
    minute_rollup_retention_days: int
    hour_rollup_retention_days: int
    day_rollup_retention_days: int
    ping_body_limit: int
    metrics_token: str | None
    setup_link_ttl_hours: int
    session_hours: int
    signin_max_failures: int
    signin_window_minutes: int
    ingest_max_envelope_bytes: int
    ingest_max_wire_bytes: int
    ingest_backlog_limit: int
    attachment_max_bytes: int
    event_retention_days: int
    digest_batch_size: int
    digest_process: bool
    slow_span_ms: float
    perf_minute_retention_days: int
    perf_hour_retention_days: int
    smtp_host: str | None
    smtp_port: int
    smtp_username: str | None
    smtp_password: str | None
    smtp_from: str
    smtp_starttls: bool
    smtp_tls: bool
    delivery_retention_days: int
    deadman_url: str | None
    deadman_interval: int
    ack_timeout_minutes: int

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _raw(env: Mapping[str, str], setting: Setting, problems: list[Problem]) -> str | None:
    key = f"TOCSIN_{setting.name}"
    file_key = f"{key}_FILE"
    if file_key in env:
        if key in env:
            problems.append(Problem("C002", key, f"set both {key} and {file_key}",
                                    "keep one of them"))
        try:
            return Path(env[file_key]).read_text().strip()
        except OSError as exc:
            problems.append(Problem("C003", file_key, f"cannot read {env[file_key]}: "
                                    f"{exc.strerror}", "check the path and permissions"))
            return None
    return env.get(key, setting.default)


def load_config(env: Mapping[str, str] | None = None, **overrides: Any) -> Config:
    """Read and validate every setting; raise ConfigError listing all problems."""
    env = os.environ if env is None else env
    problems: list[Problem] = []
    known = {f"TOCSIN_{s.name}" for s in SETTINGS}
    known |= {f"{k}_FILE" for k in known} | set(CLI_VARIABLES)
    for key in env:
        if key.startswith("TOCSIN_") and key not in known and not key.startswith("TOCSIN_TEST"):
            problems.append(Problem("C001", key, "unknown setting",
                                    "see docs/configuration.md for the list"))
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = _raw(env, setting, problems)
        if raw is None or raw == "":
            values[setting.name.lower()] = None
            continue
        try:
            values[setting.name.lower()] = setting.parse(raw)
        except ValueError as exc:
            problems.append(Problem("C004", f"TOCSIN_{setting.name}",
                                    f"invalid value {raw!r}: {exc}", setting.doc))
    if problems:
        raise ConfigError(problems)
    values.update(overrides)
    data_dir = Path(values["data_dir"])
    if values["database_url"] is None:
        values["database_url"] = f"sqlite:///{(data_dir / 'tocsin.db').resolve()}"
    if values["base_url"] is None:
        values["base_url"] = f"http://{values['host']}:{values['port']}"
    if values["worker_id"] is None:
        values["worker_id"] = f"{socket.gethostname()}:{os.getpid()}"
    config_file = values["config_file"]
    values["data_dir"] = data_dir
    values["config_file"] = Path(config_file) if config_file else None
    return Config(**values)
