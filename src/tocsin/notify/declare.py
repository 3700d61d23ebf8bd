"""Declared channels (tocsin.yaml's ``channels:``) against stored ones.

Channels are matched by name. A declared channel that is missing is created
(marked as coming from a file), one whose document differs is updated, and
with ``prune`` a channel a file created that is no longer declared is
deleted; channels made through the API are never pruned. ``execute`` runs in
the caller's transaction, so ``tocsin apply`` stays all or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from tocsin.notify.channels import (
    Channel,
    ChannelSpec,
    create,
    delete_channel,
    list_channels,
    update_channel,
)

SOURCE = "yaml"


@dataclass
class ChannelPlan:
    create: list[ChannelSpec] = field(default_factory=list)
    update: list[tuple[Channel, ChannelSpec]] = field(default_factory=list)
    unchanged: int = 0
    delete: list[Channel] = field(default_factory=list)

    def summary(self) -> str:
        return (f"channels: {len(self.create)} created, {len(self.update)} updated, "
                f"{self.unchanged} unchanged, {len(self.delete)} deleted")

    def details(self) -> list[str]:
        lines = [f"  + channel {s.name} ({s.kind})" for s in self.create]
        for old, new in self.update:
            before, after = old.spec.document(), new.document()
            changed = sorted(k for k in before.keys() | after.keys()
                             if before.get(k) != after.get(k))
            lines.append(f"  ~ channel {new.name}: {', '.join(changed)}")
        return lines + [f"  - channel {c.name}" for c in self.delete]


def _all(conn: Connection) -> list[Channel]:
    found, _ = list_channels(conn, limit=1_000_000)
    return found


def plan(conn: Connection, specs: list[ChannelSpec], *, prune: bool) -> ChannelPlan:
    stored = {c.name: c for c in _all(conn)}
    todo = ChannelPlan()
    for spec in specs:
        old = stored.get(spec.name)
        if old is None:
            todo.create.append(spec)
        elif old.spec.document() != spec.document():
            todo.update.append((old, spec))
        else:
            todo.unchanged += 1
    if prune:
        declared = {s.name for s in specs}
        todo.delete = [c for c in stored.values()
                       if c.source == SOURCE and c.name not in declared]
    return todo


def execute(conn: Connection, todo: ChannelPlan, *, now: datetime) -> None:
    for old in todo.delete:
        delete_channel(conn, old.id)
    for old, spec in todo.update:
        update_channel(conn, old.id, spec, now=now)
    for spec in todo.create:
        create(conn, spec, now=now, source=SOURCE)


def exported(conn: Connection) -> list[dict[str, Any]]:
    """Every channel's document, by name, as ``tocsin export`` writes them."""
    return [c.spec.document() for c in sorted(_all(conn), key=lambda c: c.name)]
