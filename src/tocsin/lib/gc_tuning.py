"""Garbage collection tuned for a long-running service that parses JSON all day.

CPython starts a collection every 700 net new container objects. A digest
batch builds hundreds of thousands of them (each event is a tree of dicts and
lists) which live until the batch is written and hold no reference cycles,
so the collector kept walking them for nothing: collecting every 10,000
instead cut the digest's CPU per event by about an eighth (measured in
process on the shop's events, 2026-12-07). What start-up loaded (modules,
the app, compiled statements) is frozen out of every later collection.
Cycles are still collected, only less often.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000


def tune() -> None:
    """Call once a process has started up, before it serves."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
