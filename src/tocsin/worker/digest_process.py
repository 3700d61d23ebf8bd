"""``tocsin serve``'s digest in a child process, so it gets a core of its own.

In one process the digest (about 0.6 ms of CPU per event) and the web side
share one interpreter lock: a burst of errors slowed every answer, pings
and API calls included. ``tocsin serve`` therefore starts the digest loop as
a child (``python -m tocsin.worker.digest_process FD``) against the same
database and keeps the rest of the worker in process; ``tocsin worker``
processes (PostgreSQL) digest in process, as they are separate already.

The parent wakes the child through a pipe — a byte per spooled envelope,
dropped when the pipe is full, since a wake that is already pending is
enough — and stops it by closing the pipe: at end of file the child finishes
its batch and exits. So a parent that dies, however it dies, takes the child
with it. A child that dies is started again by the worker's loop guard.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys

from tocsin.lib import gc_tuning
from tocsin.store.runtime import Runtime

log = logging.getLogger(__name__)

STOP_TIMEOUT_S = 30.0

GROUP_STOP_GRACE_S = 2.0


def _noop() -> None:
    return None


class DigestProcess:
    """A worker loop (``run``) that keeps the digest child running."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def run(self, stop: asyncio.Event) -> None:
        runtime = self.runtime
        read_end, write_end = os.pipe()
        os.set_blocking(write_end, False)
        env = dict(os.environ, TOCSIN_DATABASE_URL=runtime.config.database_url,
                   TOCSIN_DATA_DIR=str(runtime.config.data_dir),
                   TOCSIN_WORKER_ID=f"{runtime.config.worker_id}:digest")
        try:
            child = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "tocsin.worker.digest_process", str(read_end),
                pass_fds=(read_end,), env=env)
        finally:
            os.close(read_end)

        def poke() -> None:
            with contextlib.suppress(BlockingIOError, BrokenPipeError):
                os.write(write_end, b".")

        runtime.wake_digest = poke
        ended = asyncio.create_task(child.wait())
        stopping = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait({ended, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            runtime.wake_digest = _noop
            stopping.cancel()
            os.close(write_end)  # end of file: the child finishes its batch and exits
            try:
                await asyncio.wait_for(asyncio.shield(ended), STOP_TIMEOUT_S)
            except TimeoutError:
                child.kill()
                await ended
        if not stop.is_set() and child.returncode in (0, -signal.SIGTERM):
            # A SIGTERM to the whole process group (systemd's default, timeout(1))
            # reaches the child as it reaches us: give our own stop a moment
            # rather than report a crash while shutting down.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), GROUP_STOP_GRACE_S)
        if not stop.is_set():
            raise RuntimeError(f"the digest process exited with status {child.returncode}")


async def _digest_until_closed(fd: int) -> None:
    from tocsin.config import load_config
    from tocsin.worker.digest import Digester

    runtime = Runtime.open(load_config(), run_migrations=False)
    digester = Digester(runtime)
    gc_tuning.tune()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def readable() -> None:
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return
        if data:
            digester.wake.set()
        else:  # the parent closed the pipe or died
            loop.remove_reader(fd)
            stop.set()

    os.set_blocking(fd, False)
    loop.add_reader(fd, readable)
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    # Ctrl-C reaches the whole process group: the parent decides when to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        await digester.run(stop)
    finally:
        runtime.close()


def main(argv: list[str]) -> int:
    logging.basicConfig(level=os.environ.get("TOCSIN_LOG_LEVEL", "info").upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(_digest_until_closed(int(argv[0])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
