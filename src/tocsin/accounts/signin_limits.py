"""The limit on failed sign-ins: per account and per client address.

Each failure is a row (``signin_failures``) keyed by the SHA-256 of the
e-mail that was tried, and another keyed by the client's address. When either
key has ``max_failures`` rows in the last ``window``, sign-in is refused
until the oldest of them leaves the window, before any password is checked.

Why a table rather than a counter in memory: the count must survive a restart
(or a restart would be a free reset for whoever is guessing) and be shared by
every ``tocsin web`` process behind a load balancer; the database is the one
thing they share, and a cache or broker is not part of Tocsin (DESIGN.md).
The e-mail is hashed so the table does not collect addresses people mistyped.
The same rule holds for an e-mail with no account, so being refused tells
nothing about which accounts exist.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, select

from tocsin.store.engine import Database
from tocsin.store.pruning import by_id, drain
from tocsin.store.schema import signin_failures

__all__ = ["Limit", "client_of", "forget_account", "keys", "prune", "record_failure",
           "retry_after"]


@dataclass(frozen=True)
class Limit:
    max_failures: int
    window: timedelta


def _key(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


def client_of(address: str) -> str:
    """What counts as one client: an IPv4 address, or an IPv6 address's /64.

    One IPv6 host is usually handed a whole /64, so counting single IPv6
    addresses would give a guesser 2**64 fresh counts.
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address  # not an address (a test client, a Unix socket): as it is
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{ip}/64", strict=False))
    return str(ip)


def keys(email: str, address: str) -> tuple[str, str]:
    """The account's key and the client's key."""
    return _key("email", email.strip().lower()), _key("ip", client_of(address))


def retry_after(conn: Connection, limit: Limit, keys_: tuple[str, ...], *,
                now: datetime) -> timedelta | None:
    """How long until a sign-in may be tried again; None when it may now.

    One query; it reads at most a few rows a key, since failures are not
    recorded while a key is refused.
    """
    rows = conn.execute(
        select(signin_failures.c.key, signin_failures.c.at)
        .where(signin_failures.c.key.in_(keys_), signin_failures.c.at > now - limit.window)
        .order_by(signin_failures.c.at.desc())
    ).all()
    wait = timedelta(0)
    for key in keys_:
        recent = [at for k, at in rows if k == key]  # newest first
        if len(recent) >= limit.max_failures:
            # allowed again once fewer than max_failures remain in the window:
            # when the max_failures-th newest failure leaves it
            wait = max(wait, recent[limit.max_failures - 1] + limit.window - now)
    return wait if wait > timedelta(0) else None


def record_failure(conn: Connection, keys_: tuple[str, ...], *, now: datetime) -> None:
    conn.execute(signin_failures.insert(), [{"key": key, "at": now} for key in keys_])


def forget_account(conn: Connection, account_key: str) -> None:
    """After a good sign-in, the account's earlier slips no longer count; the
    address's do, or one's own account would reset the count for guessing
    others' from the same address."""
    conn.execute(delete(signin_failures).where(signin_failures.c.key == account_key))


def prune(db: Database, *, now: datetime, window: timedelta, batch: int = 5000,
          pause: float = 0.02, keep_going: Callable[[], bool] = lambda: True) -> int:
    """Delete failures older than the window: they no longer count."""
    stmt = by_id(signin_failures, signin_failures.c.at <= now - window, signin_failures.c.at,
                 batch)
    return drain(db, stmt, batch, pause, keep_going)
