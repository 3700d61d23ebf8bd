"""Rules, silences and maintenance windows in tocsin.yaml: applied, pruned,
exported, and errors that name the file's line and field."""

from __future__ import annotations

from pathlib import Path

from declare_kit import Stored, env_for, tocsin, write

from tocsin.alerting import maintenance, rule_store, silences

FILE = """
channels:
  - name: ops
    kind: webhook
    settings: {url: "https://hooks.example.org/tocsin"}
rules:
  - name: Shop down
    severity: critical
    condition: {kind: monitor_down}
    filters: {monitor: "Shop*"}
    for: 2m
    channels: [ops]
  - name: Error burst
    condition: {kind: error_count, threshold: 10, window: 5m}
    channels: [ops]
silences:
  - matchers: ['service="shop"']
    comment: migrating the database
    created_by: alice
    ends_at: "2099-01-01T00:00:00Z"
maintenance_windows:
  - name: Sunday backup
    monitors: [m-1]
    cron: "0 2 * * 0"
    duration: 1h
    timezone: Europe/Berlin
"""


def test_apply_creates_prunes_and_exports_rules(sqlite_database_url: str,
                                                tmp_path: Path) -> None:
    env = env_for(sqlite_database_url, tmp_path)
    path = write(tmp_path / "tocsin.yaml", FILE)
    result = tocsin(env, "apply", str(path))
    assert result.exit_code == 0, result.output
    assert ("2 rules created, 1 maintenance windows created, 1 silences created"
            in result.output), result.output
    again = tocsin(env, "apply", str(path))
    assert "rules created" not in again.output and "silences created" not in again.output
    with Stored(sqlite_database_url) as db, db.read() as conn:
        rules = {s.rule.name: s for s in rule_store.list_rules(conn)}
        assert rules["Shop down"].rule.for_s == 120 and rules["Shop down"].source == "yaml"
        assert [w.name for w in maintenance.all_windows(conn)] == ["Sunday backup"]
        assert len(silences.list_silences(conn)) == 1
    exported = tocsin(env, "export")
    assert "rules:" in exported.output and "name: Shop down" in exported.output
    assert "for: 2m" in exported.output and "cron: 0 2 * * 0" in exported.output
    write(path, FILE.split("  - name: Error burst")[0])
    pruned = tocsin(env, "apply", "--prune", str(path))
    assert ("1 rules deleted, 1 maintenance windows deleted, 1 silences expired"
            in pruned.output), pruned.output
    with Stored(sqlite_database_url) as db, db.read() as conn:
        assert [s.rule.name for s in rule_store.list_rules(conn)] == ["Shop down"]
        [kept] = silences.list_silences(conn)  # expired, not deleted: the history keeps it
        assert kept.ends_at.year < 2099


def test_bad_rules_are_reported_at_their_line(sqlite_database_url: str,
                                              tmp_path: Path) -> None:
    env = env_for(sqlite_database_url, tmp_path)
    bad = FILE.replace("threshold: 10", "threshold: 0").replace('cron: "0 2 * * 0"',
                                                                 'cron: "every sunday"')
    path = write(tmp_path / "tocsin.yaml", bad)
    result = tocsin(env, "apply", str(path))
    assert result.exit_code == 3
    assert f"{path}:14: rules[1].condition.threshold: must be > 0" in result.output
    assert "maintenance_windows[0].cron: 'every sunday' is not a cron" in result.output
    missing = write(tmp_path / "other.yaml", FILE.replace("channels: [ops]\n  - name: Error",
                                                          "channels: [pager]\n  - name: Error"))
    result = tocsin(env, "apply", str(missing))
    assert result.exit_code == 3, result.output
    assert "rules[0].channels[0]: no channel named 'pager'" in result.output
