"""Frames in grouping: line numbers never count, source lines do (sentry-protocol §2.3)."""

from __future__ import annotations

from event_kit import frame, normal, python_error

from tocsin.issues.grouping import group


def _hashes(frames: list[dict], **more) -> list[str]:
    return group(normal(python_error(frames, **more))).hashes


def test_it_groups_events_whose_frames_differ_only_in_line_numbers() -> None:
    before = _hashes([frame("main", lineno=10), frame("charge", lineno=40)])
    after = _hashes([frame("main", lineno=12), frame("charge", lineno=47)])
    assert before == after


def test_it_splits_when_the_crashing_source_line_changes() -> None:
    before = _hashes([frame("charge", context_line="    total = price * qty")])
    after = _hashes([frame("charge", context_line="    total = price * quantity")])
    assert set(before).isdisjoint(after)


def test_it_collapses_whitespace_in_source_lines() -> None:
    tight = _hashes([frame("charge", context_line="total = price * qty")])
    loose = _hashes([frame("charge", context_line="   total  =  price *   qty ")])
    assert tight == loose


def test_it_ignores_source_lines_longer_than_120_characters() -> None:
    long_a = "x = " + "a" * 130
    long_b = "x = " + "b" * 130
    assert _hashes([frame("charge", context_line=long_a)]) == _hashes(
        [frame("charge", context_line=long_b)]
    )
    why = group(normal(python_error([frame("charge", context_line=long_a)]))).why
    assert "line too long" in str(why)


def test_it_ignores_source_lines_on_platforms_that_do_not_group_by_them() -> None:
    def go(line: str) -> list[str]:
        raw = python_error([frame("charge", context_line=line)])
        raw["platform"] = "java"
        return group(normal(raw)).hashes

    assert go("int a = 1;") == go("int b = 2;")


def test_it_drops_recursion_so_depth_does_not_split_groups() -> None:
    shallow = [frame("main"), frame("walk", lineno=5), frame("fail")]
    deep = [frame("main")] + [frame("walk", lineno=5)] * 40 + [frame("fail")]
    assert _hashes(shallow) == _hashes(deep)
    assert "ignored due to recursion" in str(group(normal(python_error(deep))).why)


def test_it_uses_the_module_and_not_the_file_name_when_there_is_a_module() -> None:
    moved = _hashes([frame("charge", abs_path="/opt/other/place/orders.py")])
    assert moved == _hashes([frame("charge")])


def test_it_uses_the_lowercased_file_name_when_there_is_no_module() -> None:
    upper = _hashes([frame("charge", module=None, abs_path="/srv/App/Orders.PY")])
    lower = _hashes([frame("charge", module=None, abs_path="/elsewhere/orders.py")])
    assert upper == lower


def test_it_lets_a_library_only_stack_fall_to_the_system_variant() -> None:
    lib = "/srv/shop/.venv/lib/python3.12/site-packages/yaml/parser.py"
    result = group(normal(python_error([frame("parse", abs_path=lib, in_app=None)])))
    assert result.variant == "system"
    assert len(result.hashes) == 1
    app = result.why["variants"]["app"]
    assert app["contributes"] is False
    assert app["hint"] == "ignored because it contains no in-app frames"


def test_it_puts_the_app_hash_first_and_the_system_hash_last() -> None:
    lib = "/srv/shop/.venv/lib/python3.12/site-packages/yaml/parser.py"
    result = group(normal(python_error([frame("load"), frame("parse", abs_path=lib, in_app=None)])))
    assert result.variant == "app"
    assert [result.why["variants"][v]["hash"] for v in ("app", "system")] == result.hashes


def test_it_keeps_the_app_hash_when_only_library_frames_change() -> None:
    lib = "/srv/shop/.venv/lib/python3.12/site-packages/yaml/"
    one = _hashes([frame("load"), frame("parse", abs_path=lib + "parser.py", in_app=False)])
    two = _hashes([frame("load"), frame("scan", abs_path=lib + "scanner.py", in_app=False)])
    assert one[0] == two[0]
    assert one[1] != two[1]


def test_it_trims_javascript_receivers_from_function_names() -> None:
    def go(function: str) -> list[str]:
        raw = python_error([frame(function, module="orders", abs_path="/srv/api/orders.js")])
        raw["platform"] = "node"
        return group(normal(raw)).hashes

    assert go("Object.handleOrder") == go("handleOrder")
    assert go("Function.handleOrder [as run]") == go("handleOrder")


def test_it_leaves_node_event_loop_plumbing_out_of_grouping() -> None:
    def go(extra: list[dict]) -> list[str]:
        frames = [*extra, frame("handleOrder", module="orders", abs_path="/srv/api/orders.js")]
        raw = python_error(frames)
        raw["platform"] = "node"
        return group(normal(raw)).hashes

    tick = frame("processTicksAndRejections", module="task_queues", in_app=False,
                 abs_path="node:internal/process/task_queues", context_line=None)  # fmt: skip
    assert go([tick]) == go([])
