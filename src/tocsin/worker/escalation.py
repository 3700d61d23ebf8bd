"""The escalation loop: expire acknowledgements, page due steps, send updates.

Every few seconds: acknowledgements and snoozes past their end go back to
triggered (``Incidents.expire``); each incident with escalation steps due is
claimed (``paging.record_escalation``, a conditional update, so two workers
never both page one step) and, in the same transaction, its pages are put in
the notify outbox and written on its timeline with their delivery ids. Then
incidents whose status changed since their channels were paged get an update
on the same thread. The deliver loop sends what this one queues.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from tocsin.incidents import paging
from tocsin.incidents.lifecycle import TOCSIN, Incidents, expiry_due
from tocsin.lib.waiting import pause
from tocsin.notify import channels, outbox
from tocsin.notify.message import Message
from tocsin.notify.personal import enqueue_email
from tocsin.store import wakeups
from tocsin.store.runtime import Runtime
from tocsin.worker.incident_messages import incident_message, update_text
from tocsin.worker.nudges import nudged_by

log = logging.getLogger(__name__)

TICK_S = 1.0
"""An incident's first page goes out within a tick of the alert (a read when
idle); later escalation waits are minutes."""


class Escalator:
    def __init__(self, runtime: Runtime, *, tick: float = TICK_S) -> None:
        self.runtime = runtime
        self.tick = tick
        self.ack_timeout = timedelta(minutes=runtime.config.ack_timeout_minutes)

    async def run(self, stop: asyncio.Event) -> None:
        nudge, unsubscribe = nudged_by(wakeups.INCIDENTS)
        try:
            while not stop.is_set():
                try:
                    await asyncio.to_thread(self.run_once)
                except Exception:
                    log.exception("escalation tick failed")
                await pause(stop, self.tick, nudge)
        finally:
            unsubscribe()

    def run_once(self) -> int:
        """One tick; how many incidents were paged."""
        now = self.runtime.clock.now()
        with self.runtime.db.read() as conn:
            expiring = expiry_due(conn, now)
        if expiring:
            with self.runtime.db.write() as conn:
                Incidents(conn, now=now, ack_timeout=self.ack_timeout).expire()
        with self.runtime.db.read() as conn:
            due = paging.due_escalations(conn, now)
        paged = 0
        for item in due:
            with self.runtime.db.write() as conn:
                if paging.record_escalation(conn, item, now):
                    self._page(conn, item, now)
                    paged += 1
        self.announce(now)
        return paged

    def _message(self, incident: dict[str, Any], now: datetime, *, actor: str = "",
                 text: str = "") -> Message:
        return incident_message(incident, base_url=self.runtime.config.base_url,
                                secret=self.runtime.secret_key, now=now, actor=actor,
                                text=text)

    def _page(self, conn: Connection, item: paging.DueEscalation, now: datetime) -> None:
        states = Incidents(conn, now=now, ack_timeout=self.ack_timeout)
        incident = item.incident
        any_sent = False
        for action in item.actions:
            step = {"step": action.seq + 1, "pass": action.pass_number + 1}
            for name in action.channels:
                channel = channels.by_name(conn, name)
                if channel is None:
                    states.record(item.id, "escalation note", TOCSIN,
                                  {**step, "note": f"no channel named {name!r}"})
                    continue
                ids = outbox.enqueue(conn, [channel.id], self._message(incident, now), now=now)
                states.record(item.id, "paged", TOCSIN,
                              {**step, "channel": name, "delivery_ids": ids})
                any_sent = True
            for user_id in action.user_ids:
                address = item.emails.get(user_id)
                if address is None:
                    states.record(item.id, "escalation note", TOCSIN,
                                  {**step, "note": f"user {user_id} no longer exists"})
                    continue
                name, delivery_id = enqueue_email(
                    conn, address, self._message(incident, now, actor=address), now=now)
                states.record(item.id, "paged", TOCSIN, {
                    **step, "channel": name, "user_id": user_id, "email": address,
                    "schedule": action.schedule_name or None, "delivery_ids": [delivery_id]})
                any_sent = True
            if action.note:
                states.record(item.id, "escalation note", TOCSIN, {**step, "note": action.note})
        if any_sent:
            paging.mark_announced(conn, item.id, was=None, status="triggered")

    def announce(self, now: datetime) -> int:
        """Tell the channels already paged that the status changed; how many told."""
        with self.runtime.db.read() as conn:
            changed = paging.unannounced(conn)
        told = 0
        for incident in changed:
            with self.runtime.db.write() as conn:
                if not paging.mark_announced(conn, incident["id"],
                                             was=incident["announced_status"],
                                             status=incident["status"]):
                    continue  # another worker announced it
                text = update_text(incident, now)
                message = self._message(incident, now, text=text)
                names = paging.paged_channels(conn, incident["id"])
                found = [c for c in (channels.by_name(conn, n) for n in names) if c]
                ids = outbox.enqueue(conn, [c.id for c in found], message, now=now)
                Incidents(conn, now=now).record(incident["id"], "update sent", TOCSIN, {
                    "status": incident["status"], "text": text,
                    "channels": [c.name for c in found], "delivery_ids": ids})
                told += 1
        return told
