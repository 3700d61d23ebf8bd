"""tocsin.yaml declares a project's grouping rules; export writes them back."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from declare_kit import Stored, env_for, tocsin, write

from tocsin.accounts import projects

SHOP = """\
projects:
  - slug: shop
    grouping:
      fingerprint_rules: |
        # outages
        error.type:DatabaseUnavailable -> system-down
        logger:"celery.*" level:warning -> celery-warnings title="Celery warnings"
      stack_trace_rules: |
        stack.module:shop.vendor.* -app
"""


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return env_for(database_url, tmp_path)


def _rules(database_url: str) -> dict[str, str]:
    with Stored(database_url) as db, db.read() as conn:
        project = projects.get_project(conn, "shop")
        assert project is not None
        return projects.grouping_settings(conn, project.id)


def test_it_applies_and_exports_grouping_rules(env: dict[str, str], database_url: str,
                                               tmp_path: Path) -> None:
    result = tocsin(env, "apply", str(write(tmp_path / "t.yaml", SHOP)))
    assert result.exit_code == 0, result.output
    assert "grouping rules changed in 1" in result.output
    assert _rules(database_url) == {
        "fingerprint_rules": "# outages\nerror.type:DatabaseUnavailable -> system-down\n"
                             'logger:"celery.*" level:warning -> celery-warnings '
                             'title="Celery warnings"',
        "stack_trace_rules": "stack.module:shop.vendor.* -app"}
    again = tocsin(env, "apply", str(tmp_path / "t.yaml"))
    assert again.exit_code == 0 and "grouping rules" not in again.output
    exported = tocsin(env, "export")
    assert exported.exit_code == 0, exported.output
    [shop] = yaml.safe_load(exported.output)["projects"]
    assert shop["grouping"] == yaml.safe_load(SHOP)["projects"][0]["grouping"]
    # the export applies back to no change
    round_trip = tocsin(env, "apply", str(write(tmp_path / "e.yaml", exported.output)))
    assert round_trip.exit_code == 0 and "grouping rules" not in round_trip.output


def test_leaving_a_text_out_removes_those_rules(env: dict[str, str], database_url: str,
                                                tmp_path: Path) -> None:
    tocsin(env, "apply", str(write(tmp_path / "t.yaml", SHOP)))
    lighter = ("projects:\n  - slug: shop\n    grouping:\n"
               "      stack_trace_rules: 'function:log_error -group'\n")
    dry = tocsin(env, "apply", "--dry-run", str(write(tmp_path / "l.yaml", lighter)))
    assert dry.exit_code == 0 and "~ project shop: grouping rules" in dry.output
    assert tocsin(env, "apply", str(tmp_path / "l.yaml")).exit_code == 0
    assert _rules(database_url) == {"fingerprint_rules": "",
                                    "stack_trace_rules": "function:log_error -group"}
    # a project without grouping: leaves what is stored alone
    assert tocsin(env, "apply", str(write(tmp_path / "n.yaml",
                                          "projects:\n  - slug: shop\n"))).exit_code == 0
    assert _rules(database_url)["stack_trace_rules"] == "function:log_error -group"


def test_a_bad_rule_is_reported_at_its_setting(env: dict[str, str], tmp_path: Path) -> None:
    bad = SHOP.replace("stack.module:shop.vendor.* -app", "stack.module:x max-frames=3")
    result = tocsin(env, "apply", str(write(tmp_path / "b.yaml", bad)))
    assert result.exit_code == 3
    assert ("b.yaml:8: projects[0].grouping.stack_trace_rules: rule line 1, column 16: "
            "unknown action") in result.output
    assert "nothing was applied" in result.output
