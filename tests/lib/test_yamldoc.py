"""lib.yamldoc: YAML as plain data, with the line of every key and item."""

from __future__ import annotations

import re
import time

import pytest

from tocsin.lib.yamldoc import YamlError, format_path, load

TEXT = """\
# a comment
projects:
  - slug: shop
monitors:
  - name: Home
    kind: http

  - name: Backup
    tags: [a, b]
    settings:
      port: 5432
"""


def _problems(text: str, **kwargs: object) -> list[str]:
    with pytest.raises(YamlError) as info:
        load(text, "tocsin.yaml", **kwargs)  # type: ignore[arg-type]
    return [str(p) for p in info.value.problems]


def test_it_reads_plain_data() -> None:
    doc = load(TEXT, "tocsin.yaml")
    assert doc.data == {
        "projects": [{"slug": "shop"}],
        "monitors": [{"name": "Home", "kind": "http"},
                     {"name": "Backup", "tags": ["a", "b"], "settings": {"port": 5432}}],
    }


def test_it_remembers_the_line_of_every_key_and_item() -> None:
    doc = load(TEXT, "tocsin.yaml")
    assert doc.line(("projects",)) == 2
    assert doc.line(("projects", 0)) == 3
    assert doc.line(("monitors", 1)) == 8
    assert doc.line(("monitors", 1, "tags", 1)) == 9
    assert doc.line(("monitors", 1, "settings", "port")) == 11
    assert doc.where(("monitors", 0, "kind")) == "tocsin.yaml:6"


def test_it_falls_back_to_the_nearest_ancestor_for_a_missing_field() -> None:
    doc = load(TEXT, "tocsin.yaml")
    assert doc.line(("monitors", 1, "url")) == 8
    assert doc.line(("monitors", 1, "settings", "nope", 3)) == 10


def test_it_writes_paths_like_a_reader_would() -> None:
    assert format_path(("monitors", 2, "url")) == "monitors[2].url"
    assert format_path(("monitors", 0, "json_path", 1, "op")) == "monitors[0].json_path[1].op"
    assert format_path(()) == ""


def test_it_reports_syntax_errors_with_line_and_column() -> None:
    [problem] = _problems("monitors:\n  - name: x\n   kind: tcp\n")
    assert problem.startswith("tocsin.yaml:3:4: ")


def test_it_reports_a_bad_indent_under_a_key() -> None:
    [problem] = _problems("a: 1\n  b: 2\n")
    assert problem.startswith("tocsin.yaml:2:")
    assert "not allowed" in problem


def test_it_refuses_duplicate_keys_naming_both_lines() -> None:
    problems = _problems("monitors:\n  - name: a\n    kind: tcp\n    name: b\n")
    assert problems == ["tocsin.yaml:4: monitors[0].name: duplicate key (first at line 2)"]


def test_it_refuses_duplicate_keys_in_flow_mappings() -> None:
    assert _problems("a: {b: 1, b: 2}\n") == [
        "tocsin.yaml:1: a.b: duplicate key (first at line 1)"]


def test_it_substitutes_environment_variables_in_values() -> None:
    doc = load('dsn: "postgresql://u:${PW}@db/x"\nport: ${PORT}\n', "f",
               env={"PW": "s3cret", "PORT": "5432"})
    assert doc.data == {"dsn": "postgresql://u:s3cret@db/x", "port": "5432"}


def test_it_uses_the_default_when_a_variable_is_unset_or_empty() -> None:
    doc = load("a: ${A:-one}\nb: ${B:-two}\nc: ${C}\n", "f", env={"B": "", "C": ""})
    assert doc.data == {"a": "one", "b": "two", "c": ""}


def test_it_names_the_line_of_an_unset_variable() -> None:
    problems = _problems("x: 1\nmonitors:\n  - dsn: postgresql://u:${PG_PASSWORD}@h/d\n",
                         env={})
    assert problems == [
        "tocsin.yaml:3: monitors[0].dsn: environment variable PG_PASSWORD is not set "
        "(write ${PG_PASSWORD:-default} to give a default)"]


def test_it_keeps_a_double_dollar_literal() -> None:
    assert load("a: $${NOT_A_VAR} costs $5\n", "f", env={}).data == {
        "a": "${NOT_A_VAR} costs $5"}


def test_it_refuses_a_malformed_variable() -> None:
    [problem] = _problems("a: ${not closed\n", env={})
    assert problem.startswith("tocsin.yaml:1: a: '${' starts an environment variable")


def test_it_never_substitutes_in_keys_or_comments() -> None:
    doc = load("${K}: 1 # ${C}\n", "f", env={})
    assert doc.data == {"${K}": 1}


def test_it_collects_problems_when_asked_to_keep_going() -> None:
    doc = load("a: ${X}\nb: 1\nb: 2\n", "f", env={}, keep_going=True)
    assert [p.line for p in doc.problems] == [1, 3]
    assert doc.data["b"] == 2


def test_it_refuses_python_tags() -> None:
    [problem] = _problems("a: !!python/object/apply:os.system [echo hi]\n")
    assert problem.startswith("tocsin.yaml:1:4: ")
    assert "python/object/apply:os.system is not supported" in problem
    [problem] = _problems("a: !!python/name:os.system x\n")
    assert problem.startswith("tocsin.yaml:1:4: ")
    assert "could not determine a constructor" in problem


def test_it_refuses_unknown_tags_on_collections() -> None:
    [problem] = _problems("a: !custom {b: 1}\n")
    assert "tag !custom is not supported" in problem


def test_it_refuses_more_than_one_document() -> None:
    [problem] = _problems("a: 1\n---\nb: 2\n")
    assert problem.startswith("tocsin.yaml:2:")


def test_it_merges_anchored_defaults_with_own_keys_winning() -> None:
    doc = load("base: &b {interval: 60s, kind: http}\nm:\n  <<: *b\n  interval: 30s\n", "f")
    assert doc.data["m"] == {"interval": "30s", "kind": "http"}


def test_it_refuses_a_node_that_contains_itself() -> None:
    [problem] = _problems("a: &x [1, *x]\n")
    assert "contains it" in problem


def test_it_stops_an_alias_bomb_quickly() -> None:
    text = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
    for i in range(1, 9):
        text += f"{chr(97 + i)}: &{chr(97 + i)} [" + ",".join(["*" + chr(96 + i)] * 9) + "]\n"
    started = time.monotonic()
    [problem] = _problems(text)
    assert "expands to more than" in problem
    assert time.monotonic() - started < 30


@pytest.mark.parametrize("depth", [100, 200_000])
def test_it_refuses_deep_nesting_instead_of_crashing(depth: int) -> None:
    [problem] = _problems("a: " + "[" * depth + "]" * depth)
    # the column is where the 65th level opens, or where PyYAML (6.0.4 on)
    # gave up on a very deep document itself
    assert re.fullmatch(r"tocsin\.yaml:1:\d+: nested deeper than 64 levels", problem)
    if depth == 100:
        assert problem == "tocsin.yaml:1:67: nested deeper than 64 levels"


def test_it_reads_an_empty_file_as_nothing() -> None:
    assert load("", "f").data is None
    assert load("# only a comment\n", "f").data is None


def test_it_keeps_yes_and_no_keys_as_words() -> None:
    assert load("on: 1\nno: 2\n", "f").data == {"on": 1, "no": 2}
