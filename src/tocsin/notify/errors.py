"""How a send fails, and how a channel's settings are wrong.

A transport raises ``PermanentError`` when sending again cannot help (a 4xx,
a bad address, a revoked token): the outbox stops and marks the channel
failing. ``TransientError`` (429, 5xx, timeouts, refused connections) is
retried with backoff, honouring the peer's Retry-After.
"""

from __future__ import annotations

from collections.abc import Sequence

Loc = tuple[str | int, ...]


class SendError(Exception):
    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class PermanentError(SendError):
    pass


class TransientError(SendError):
    def __init__(self, message: str, *, status: int | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class ChannelError(ValueError):
    """Invalid channel input; each problem names its field, like ``settings.url``."""

    def __init__(self, errors: Sequence[tuple[Loc, str]]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(f"{format_loc(loc)}: {msg}" if loc else msg
                                   for loc, msg in self.errors))


def format_loc(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class ChannelNotFound(LookupError):
    pass
