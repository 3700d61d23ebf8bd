"""`tocsin check-config FILE`: validates a tocsin.yaml without touching a database."""

from __future__ import annotations

from pathlib import Path

import pytest
from declare_kit import EXAMPLE, tocsin, write

from tocsin.checks import heartbeat_spec
from tocsin.checks.probes import registry
from tocsin.checks.spec import COMMON_FIELDS

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration-file.md"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    # No TOCSIN_DATABASE_URL: the default SQLite file must not even be created.
    return {"TOCSIN_DATA_DIR": str(tmp_path / "data")}


def test_it_accepts_the_example_and_counts_what_it_declares(env: dict[str, str],
                                                            tmp_path: Path) -> None:
    result = tocsin(env, "check-config", str(EXAMPLE))
    assert result.exit_code == 0, result.output
    assert result.output == ("Settings: OK\n"
                             f"{EXAMPLE}: OK (2 projects, 11 monitors, 2 heartbeats)\n")
    assert not (tmp_path / "data").exists()


def test_it_lists_every_problem_in_line_order(env: dict[str, str], tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "tocsin.yaml", """\
version: 2
projects:
  - slug: Shop
monitors:
  - name: Home
    kind: http
    url: ftp://shop.example.com/
    interval: 5s
  - name: Home
    kind: tcp
    host: 127.0.0.1
    port: 99999
  - name: Other
    kind: tcp
    host: 127.0.0.1
    port: 1
    slug: home
status_pages: []
heartbeats:
  - name: Backup
    kind: http
""")
    result = tocsin(env, "check-config", "tocsin.yaml")
    assert result.exit_code == 3
    assert result.stdout == "Settings: OK\n"
    assert result.stderr.splitlines() == [
        "tocsin.yaml:1: version: this version of Tocsin reads version 1 files",
        "tocsin.yaml:3: projects[0].slug: must be lowercase letters, digits and dashes, "
        "like shop-api",
        "tocsin.yaml:7: monitors[0].url: URL scheme must be http or https, not 'ftp'",
        "tocsin.yaml:8: monitors[0].interval: interval must be between 10s and 24h",
        "tocsin.yaml:12: monitors[1].port: Input should be less than or equal to 65535",
        "tocsin.yaml:18: status_pages: not supported by this version of Tocsin (it reads "
        "version, projects, monitors, heartbeats, channels, schedules, escalation_policies, "
        "rules, silences and maintenance_windows; status pages come in a later version)",
        "tocsin.yaml:21: heartbeats[0].kind: must be heartbeat here (other kinds go under "
        "monitors:)",
        "7 problems in tocsin.yaml; the file is not valid.",
    ]


def test_it_names_both_lines_of_a_duplicate_monitor(env: dict[str, str], tmp_path: Path
                                                   ) -> None:
    path = write(tmp_path / "tocsin.yaml",
                 "monitors:\n  - {name: Home, kind: tcp, host: a, port: 1}\n"
                 "  - {name: Home, kind: tcp, host: b, port: 2}\n")
    result = tocsin(env, "check-config", str(path))
    assert result.exit_code == 3
    assert (f"{path}:3: monitors[1]: a second monitor default/home: monitors[0] at line 2 "
            "has the same project and slug") in result.stderr


def test_it_reads_environment_variables(env: dict[str, str], tmp_path: Path) -> None:
    path = write(tmp_path / "tocsin.yaml",
                 "monitors:\n  - name: Cache\n    kind: redis\n"
                 "    url: redis://:${TOCSIN_TEST_REDIS_PASSWORD}@127.0.0.1:6379/0\n")
    unset = tocsin(env, "check-config", str(path))
    assert unset.exit_code == 3
    assert (f"{path}:4: monitors[0].url: environment variable TOCSIN_TEST_REDIS_PASSWORD "
            "is not set") in unset.stderr
    ok = tocsin(env | {"TOCSIN_TEST_REDIS_PASSWORD": "pw"}, "check-config", str(path))
    assert ok.exit_code == 0, ok.output


def test_it_reports_a_syntax_error_with_its_column(env: dict[str, str], tmp_path: Path
                                                  ) -> None:
    path = write(tmp_path / "tocsin.yaml", 'monitors:\n  - name: "Home\n    kind: tcp\n')
    result = tocsin(env, "check-config", str(path))
    assert result.exit_code == 3
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"{path}:4:1: ") and "quoted scalar" in first


@pytest.mark.parametrize("version", ["1.0", "true", '"1"', "2"])
def test_it_reads_only_version_1(version: str, env: dict[str, str], tmp_path: Path) -> None:
    path = write(tmp_path / "tocsin.yaml", f"version: {version}\n")
    result = tocsin(env, "check-config", str(path))
    assert result.exit_code == 3
    assert f"{path}:1: version: this version of Tocsin reads version 1 files" in result.stderr
    assert tocsin(env, "check-config", str(write(path, "version: 1\n"))).exit_code == 0


def test_it_accepts_an_empty_file(env: dict[str, str], tmp_path: Path) -> None:
    path = write(tmp_path / "tocsin.yaml", "# nothing yet\n")
    result = tocsin(env, "check-config", str(path))
    assert result.exit_code == 0
    assert "OK (0 projects, 0 monitors, 0 heartbeats)" in result.output


def test_it_refuses_a_file_that_is_not_a_mapping(env: dict[str, str], tmp_path: Path
                                                ) -> None:
    path = write(tmp_path / "tocsin.yaml", "- name: Home\n")
    result = tocsin(env, "check-config", str(path))
    assert result.exit_code == 3
    assert f"{path}:1: the file must be a mapping" in result.stderr


def test_it_refuses_a_file_that_is_not_utf8(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "tocsin.yaml"
    path.write_bytes(b"monitors: []\nname: \xff\n")
    result = tocsin(env, "check-config", str(path))
    assert result.exit_code == 3
    assert "not UTF-8 text (byte 19)" in result.stderr


def test_it_documents_every_field_of_every_kind() -> None:
    text = DOC.read_text()
    sections = {kind: text.split(f"kind: {kind}`", 1)[-1].split("\n## ", 1)[0]
                for kind in [*registry.KINDS, heartbeat_spec.KIND]}
    missing = [f"common.{f}" for f in COMMON_FIELDS if f"| `{f}` |" not in text]
    for kind, module in [*registry.KINDS.items(), (heartbeat_spec.KIND, heartbeat_spec)]:
        assert kind in sections and sections[kind] != text, f"no section for kind {kind}"
        missing += [f"{kind}.{f}" for f in module.Settings.model_fields
                    if f"| `{f}` |" not in sections[kind]]
    assert missing == []
