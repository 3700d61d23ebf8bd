"""What a running process shares: settings, database, batched writer, clock.

Built once by the CLI (or a test) and handed to the web app and the worker;
nothing reaches for globals.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from tocsin.config import Config
from tocsin.lib.clock import Clock, SystemClock
from tocsin.store.engine import Database
from tocsin.store.migrate import migrate
from tocsin.store.schema import instance
from tocsin.store.writer import BatchWriter


@dataclass
class Runtime:
    config: Config
    db: Database
    writer: BatchWriter
    clock: Clock = field(default_factory=SystemClock)
    secret_key: str = ""
    # set by the worker's digest in this process, called by ingest after spooling
    wake_digest: Callable[[], None] = field(default=lambda: None)

    @classmethod
    def open(cls, config: Config, *, clock: Clock | None = None, run_migrations: bool = True
             ) -> Runtime:
        db = Database.connect(config.database_url, sqlite_synchronous=config.sqlite_synchronous)
        if run_migrations:
            migrate(db)
        writer = BatchWriter(db, batch_size=config.writer_batch_size,
                             max_delay=config.writer_max_delay_ms / 1000)
        runtime = cls(config=config, db=db, writer=writer, clock=clock or SystemClock())
        runtime.secret_key = config.secret_key or runtime._stored_secret()
        return runtime

    def _stored_secret(self) -> str:
        # Several processes may start at once against a new database: the
        # first insert wins, and everyone reads back the stored key.
        dialect = postgresql if self.db.is_postgres else sqlite
        with self.db.write() as conn:
            conn.execute(dialect.insert(instance).values(
                key="secret_key", value=secrets.token_urlsafe(48)).on_conflict_do_nothing())
            value = conn.execute(
                select(instance.c.value).where(instance.c.key == "secret_key")).scalar_one()
        return str(value)

    def start(self) -> None:
        self.writer.start()

    def close(self) -> None:
        self.writer.stop()
        self.db.dispose()
