"""Channels in tocsin.yaml: applied, updated, pruned, exported, and errors that
name the file's line and field."""

from __future__ import annotations

from pathlib import Path

from declare_kit import Stored, env_for, tocsin, write

from tocsin.notify.channels import list_channels

FILE = """
channels:
  - name: ops webhook
    kind: webhook
    settings:
      url: https://hooks.example.org/tocsin
      secret: ${HOOK_SECRET}
    rate_limit_per_minute: 20
  - name: on-call mail
    kind: email
    settings:
      to: [ops@example.org]
    daily_test: true
"""


def _channels(database_url: str) -> dict[str, dict[str, object]]:
    with Stored(database_url) as db, db.read() as conn:
        found, _ = list_channels(conn)
        return {c.name: c.spec.document() | {"source": c.source} for c in found}


def test_apply_creates_updates_and_prunes_channels(
        sqlite_database_url: str, tmp_path: Path) -> None:
    env = env_for(sqlite_database_url, tmp_path, HOOK_SECRET="s3cret")
    path = write(tmp_path / "tocsin.yaml", FILE)
    result = tocsin(env, "apply", str(path))
    assert result.exit_code == 0, result.output
    assert "channels: 2 created, 0 updated, 0 unchanged, 0 deleted" in result.output
    stored = _channels(sqlite_database_url)
    assert stored["ops webhook"]["settings"] == {
        "url": "https://hooks.example.org/tocsin", "secret": "s3cret", "format": "json"}
    assert stored["ops webhook"]["rate_limit_per_minute"] == 20
    assert stored["on-call mail"]["daily_test"] is True
    assert stored["on-call mail"]["source"] == "yaml"
    write(path, FILE.replace("20", "30").split("  - name: on-call mail")[0])
    result = tocsin(env, "apply", "--prune", str(path))
    assert "channels: 0 created, 1 updated, 0 unchanged, 1 deleted" in result.output, \
        result.output
    assert list(_channels(sqlite_database_url)) == ["ops webhook"]


def test_export_writes_channels_that_apply_reads_back_unchanged(
        sqlite_database_url: str, tmp_path: Path) -> None:
    env = env_for(sqlite_database_url, tmp_path, HOOK_SECRET="s3cret")
    assert tocsin(env, "apply", str(write(tmp_path / "tocsin.yaml", FILE))).exit_code == 0
    exported = tocsin(env, "export")
    assert exported.exit_code == 0, exported.output
    assert "channels:\n- name: on-call mail\n  kind: email\n" in exported.output
    again = tocsin(env, "apply", str(write(tmp_path / "back.yaml", exported.output)))
    assert "channels: 0 created, 0 updated, 2 unchanged, 0 deleted" in again.output, \
        again.output


def test_a_bad_channel_is_refused_with_its_line_and_field(
        sqlite_database_url: str, tmp_path: Path) -> None:
    env = env_for(sqlite_database_url, tmp_path)
    path = write(tmp_path / "tocsin.yaml", """channels:
  - name: a
    kind: webhook
    settings: {url: ftp://x}
  - name: b
    kind: slack
    settings: {}
  - name: b
    kind: email
    settings: {to: [ops@example.org]}
  - name: b
    kind: email
    settings: {to: [ops@example.org]}
""")
    result = tocsin(env, "check-config", str(path))
    assert result.exit_code == 3
    assert result.stderr.splitlines()[-4:] == [
        f"{path}:4: channels[0].settings.url: must be an http(s) URL",
        f"{path}:7: channels[1].settings.url: give an incoming webhook url, or a bot token "
        "and channel (so messages can be updated)",
        f"{path}:11: channels[3].name: channel 'b' is declared twice (also at line 8)",
        f"3 problems in {path}; the file is not valid.",
    ]
