"""Grouping components: the tree of values an event is grouped by, with hints.

A component is ``{"id", "contributes", "hint", "values"}`` where ``values`` holds
strings and child components. Only contributing values reach the hash; the rest
stay in the tree, each with the reason it was left out, so the UI can show why
two events did or did not group (sentry-protocol §2.8 step 8).

The rules are Sentry's ``newstyle:2023-01-11`` ones (§2.2–2.3): a frame is its
module (else file name), function and, for some platforms, its source line —
never its line number, so edits above the crash keep the issue.
"""

from __future__ import annotations

from typing import Any

from tocsin.issues.frames import is_grouping_noise
from tocsin.issues.messages import normalise_message

Component = dict[str, Any]

# §2.3: source lines group only where SDKs send them reliably.
CONTEXT_LINE_PLATFORMS = frozenset({"javascript", "node", "python", "php", "ruby"})
MAX_CONTEXT_LINE = 120
_JS_PLATFORMS = frozenset({"javascript", "node"})
_IGNORED_FUNCTIONS = frozenset({"?", "<anonymous>", "anonymous", "Anonymous function",
                                "<unknown>", "<redacted>"})  # fmt: skip
_JS_NOISE_PATHS = frozenset({"[native code]", "native code", "eval code", "<anonymous>"})


def component(
    id: str, values: list[Any], contributes: bool = True, hint: str | None = None
) -> Component:
    return {"id": id, "contributes": contributes, "hint": hint, "values": values}


def flatten(node: Component) -> list[str]:
    """The contributing values of a tree, in order: what gets hashed."""
    # Iterative: this runs for every event, and a call per component costs
    # more than the walk itself.
    out: list[str] = []
    pending: list[Any] = [node]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            out.append(item)
        elif item["contributes"]:
            pending.extend(reversed(item["values"]))
    return out


def _is_url(path: str | None) -> bool:
    return path is not None and "://" in path and not path.startswith("file://")


def _trim_function(function: str, platform: str) -> str:
    if platform in _JS_PLATFORMS:
        # "Function.executeUserEntryPoint [as runMain]" → "executeUserEntryPoint",
        # "Object.handler" → "handler": the receiver is incidental (§2.3 JS).
        function = function.split(" [as ", 1)[0]
        for prefix in ("async ", "new "):
            function = function.removeprefix(prefix)
        if "." in function.strip("."):
            function = function.rstrip(".").rsplit(".", 1)[-1] or function
    elif platform == "ruby" and function.startswith("block "):
        function = "block"  # "block (2 levels) in foo" varies with nesting
    return function


def _same_frame(frame: dict[str, Any], previous: dict[str, Any] | None) -> bool:
    if previous is None:
        return False
    return all(
        frame[key] == previous[key]
        for key in ("abs_path", "package", "module", "filename", "function", "lineno", "colno")
    )


def frame_component(
    frame: dict[str, Any], previous: dict[str, Any] | None, event_platform: str, lone: bool
) -> Component:
    """One frame's component, as the system variant sees it."""
    platform = frame["platform"] or event_platform
    is_js = platform in _JS_PLATFORMS
    abs_path = frame["abs_path"]
    values: list[Any] = []

    module = frame["module"]
    if module and is_js and abs_path and abs_path.endswith(module):
        values.append(component("module", [module], False, "ignored because it is a path"))
        module = None
    elif module:
        values.append(component("module", [module]))

    path = frame["filename"] or abs_path
    if path:
        name = path.replace("\\", "/").rpartition("/")[2].lower()
        if module:
            values.append(component("filename", [name], False, "module takes precedence"))
        elif _is_url(abs_path) or path in _JS_NOISE_PATHS:
            hint = "ignored because frame points to a URL"
            values.append(component("filename", [name], False, hint))
        else:
            values.append(component("filename", [name], bool(name)))

    function = frame["function"]
    if function:
        trimmed = _trim_function(function, platform)
        if trimmed in _IGNORED_FUNCTIONS or not trimmed:
            values.append(component("function", [function], False, "ignored unknown function name"))
            function = None
        else:
            values.append(component("function", [trimmed]))
            function = trimmed

    line = frame["context_line"]
    if line and platform in CONTEXT_LINE_PLATFORMS:
        collapsed = " ".join(line.split())
        if len(line) > MAX_CONTEXT_LINE:
            values.append(component("context-line", [collapsed[:80]], False, "line too long"))
        elif is_js and not function and _is_url(abs_path):
            hint = "ignored because it is minified code without a function"
            values.append(component("context-line", [collapsed], False, hint))
        else:
            values.append(component("context-line", [collapsed], bool(collapsed)))

    node = component("frame", values, any(value["contributes"] for value in values))
    if _same_frame(frame, previous):
        node.update(contributes=False, hint="ignored due to recursion")
    elif is_js and (frame["function"] == "eval" or abs_path in _JS_NOISE_PATHS):
        node.update(contributes=False, hint="ignored: JavaScript eval or native code frame")
    elif is_js and lone and not function and _is_url(abs_path):
        node.update(contributes=False, hint="ignored single frame without function in a URL")
    elif frame.get("group") is False:
        node.update(contributes=False, hint="ignored by a stack trace rule (-group)")
    elif is_grouping_noise(frame) and frame.get("group") is None:
        node.update(contributes=False, hint="ignored by the built-in rules (runtime plumbing)")
    elif not node["contributes"]:
        node["hint"] = "nothing in this frame contributes"
    return node


def stacktrace_components(
    stacktrace: dict[str, Any] | None, platform: str
) -> tuple[Component, Component] | None:
    """``(app, system)`` components for one stacktrace; None when it has no frames."""
    if not stacktrace:
        return None
    frames = stacktrace["frames"]
    lone = len(frames) == 1
    system_frames: list[Component] = []
    app_frames: list[Component] = []
    previous = None
    for frame in frames:
        node = frame_component(frame, previous, platform, lone)
        previous = frame
        system_frames.append(node)
        if frame["in_app"] or not node["contributes"]:
            app_frames.append(node)
        else:
            app_frames.append({**node, "contributes": False, "hint": "non app frame"})
    system = component("stacktrace", system_frames, any(f["contributes"] for f in system_frames))
    app = component("stacktrace", app_frames, any(f["contributes"] for f in app_frames))
    if not system["contributes"]:
        system["hint"] = "ignored because it contains no contributing frames"
    if not app["contributes"]:
        app["hint"] = "ignored because it contains no in-app frames"
    return app, system


def exception_component(
    exception: dict[str, Any], stacktrace: Component | None
) -> Component:
    """§2.2: ``[stacktrace, type, value]`` (the 2023 config's order)."""
    values: list[Any] = []
    stack_contributes = bool(stacktrace and stacktrace["contributes"])
    if stacktrace:
        values.append(stacktrace)
    kind = exception["type"]
    if kind:
        if (exception["mechanism"] or {}).get("synthetic"):
            hint = "ignored because exception is synthetic"
            values.append(component("type", [kind], False, hint))
        else:
            values.append(component("type", [kind]))
    value = exception["value"]
    if value:
        if stack_contributes:
            values.append(component("value", [value], False, "stacktrace takes precedence"))
        else:
            normalised = normalise_message(value)
            values.append(component("value", [normalised], bool(normalised.strip())))
    node = component("exception", values, any(value["contributes"] for value in values))
    if not node["contributes"]:
        node["hint"] = "nothing in this exception contributes"
    return node
