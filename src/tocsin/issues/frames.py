"""Stack frames in one shape, with ``in_app`` always decided.

SDKs send frames in several dialects (Python sends ``vars`` and five lines of
context, Node sends ``in_app`` and ``node:`` internals, browsers send URLs).
Everything downstream — grouping, titles, the UI — reads the shape built here.

``in_app`` follows sentry-protocol §2.5: the SDK's value, overruled to False by
Sentry's server-side path rules (``all-platforms@2023-01-11``); unset is False.
"""

from __future__ import annotations

from typing import Any

# Frames beyond this many are cut from the middle: both ends matter (the entry
# point and the crash site), a deep recursion's middle does not. Sentry keeps
# 250 too and records the cut as ``frames_omitted``.
MAX_FRAMES = 250
_MAX_CONTEXT_LINES = 10
_MAX_TEXT = 1024

# sentry-protocol §2.5 "Server enhancers": paths that are never application code.
_NOT_APP_PATHS = (
    "/vendor/",
    "/site-packages/",
    "/dist-packages/",
    "/node_modules/",
    "/go/pkg/mod/",
    "unpkg.com/",
    "cdnjs.cloudflare.com/",
    "cdn.jsdelivr.net/",
    "esm.run/",
)
# Transpiler helpers and polyfills: not app, and (§2.5 "-app -group") not part
# of any grouping either, so upgrading Babel does not split every issue.
_NOISE_PATHS = ("@babel/", "core-js/", "regenerator-runtime/", "tslib/")
# Node's event-loop plumbing, present under every async stack (§2.5 Node).
_NOISE_FUNCTIONS = frozenset(
    {
        "runMicrotasks",
        "processTicksAndRejections",
        "nextTick",
        "_tickCallback",
        "_tickDomainCallback",
        "processImmediate",
        "listOnTimeout",
        "processTimers",
    }
)


def text(value: Any, limit: int = _MAX_TEXT) -> str | None:
    """A string field: strings pass (cut to ``limit``), numbers become text, the rest None."""
    if isinstance(value, str):
        return value if len(value) <= limit else value[:limit]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)[:limit]
    return None


def _number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if -(2**63) <= value < 2**63 else None
    if isinstance(value, float) and value == value and abs(value) < 2**63:
        return int(value)
    return None


def _lines(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    if len(value) <= _MAX_CONTEXT_LINES and all(
        type(line) is str and len(line) <= _MAX_TEXT for line in value
    ):
        return value  # the usual case: already clean, no copy
    return [line[:_MAX_TEXT] for line in value[:_MAX_CONTEXT_LINES] if isinstance(line, str)]


def _path_of(frame: dict[str, Any]) -> str:
    return frame["abs_path"] or frame["filename"] or ""


def is_grouping_noise(frame: dict[str, Any]) -> bool:
    """True for frames Sentry's enhancers mark ``-group`` (§2.5)."""
    if frame["function"] in _NOISE_FUNCTIONS:
        return True
    path = _path_of(frame)
    return any(marker in path for marker in _NOISE_PATHS)


def not_app_by_path(frame: dict[str, Any]) -> bool:
    """True when Sentry's server rules mark the frame ``-app`` (§2.5 step 2)."""
    path = _path_of(frame).replace("\\", "/")
    if path.startswith("node:") or any(marker in path for marker in _NOT_APP_PATHS):
        return True
    return is_grouping_noise(frame)


def normalise_frame(raw: Any) -> dict[str, Any] | None:
    """One frame in the canonical shape, or None if ``raw`` is not a frame."""
    if not isinstance(raw, dict):
        return None
    get = raw.get
    frame: dict[str, Any] = {
        "filename": text(get("filename")),
        "abs_path": text(get("abs_path")),
        "module": text(get("module")),
        "package": text(get("package")),
        "function": text(get("function")) or text(get("raw_function")),
        "platform": text(get("platform"), 32),
        "lineno": _number(get("lineno")),
        "colno": _number(get("colno")),
        "context_line": text(get("context_line")),
        "pre_context": _lines(get("pre_context")),
        "post_context": _lines(get("post_context")),
        "in_app": False,
        "vars": get("vars") if isinstance(get("vars"), dict) else None,
    }
    # The path rules only ever say "-app", so they matter where they overrule an
    # SDK that claimed a vendored file (PHP/Ruby ``vendor/``, a bundled
    # ``node_modules``) as application code, as Sentry's enhancers do. A frame
    # neither side vouches for is not in app (S-PROC `_normalize_in_app`).
    in_app = get("in_app")
    frame["in_app"] = in_app is True and not not_app_by_path(frame)
    return frame


def normalise_stacktrace(raw: Any) -> dict[str, Any] | None:
    """``{"frames": [...]}`` (oldest call first, as SDKs send), or None without frames."""
    if not isinstance(raw, dict):
        return None
    raw_frames = raw.get("frames")
    if not isinstance(raw_frames, list):
        return None
    stacktrace: dict[str, Any] = {}
    if len(raw_frames) > MAX_FRAMES:
        half = MAX_FRAMES // 2
        stacktrace["frames_omitted"] = [half, len(raw_frames) - half]
        raw_frames = raw_frames[:half] + raw_frames[-half:]
    frames = [frame for frame in map(normalise_frame, raw_frames) if frame is not None]
    if not frames:
        return None
    stacktrace["frames"] = frames
    return stacktrace
