"""``tocsin``: run the server and manage it from a shell.

Exit codes: 0 success, 1 the command failed (the message says why),
2 wrong usage (click's own), 3 invalid settings or configuration file.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

import tocsin
from tocsin.config import Config, ConfigError, load_config
from tocsin.lib import gc_tuning
from tocsin.store.runtime import Runtime

EXIT_FAILED, EXIT_CONFIG = 1, 3


def _config(**overrides: object) -> Config:
    try:
        return load_config(None, **{k: v for k, v in overrides.items() if v is not None})
    except ConfigError as exc:
        click.echo("Invalid settings:", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(EXIT_CONFIG)


@contextmanager
def _runtime(config: Config) -> Iterator[Runtime]:
    """Open the database (migrating it) for one command, and close it after."""
    try:
        runtime = Runtime.open(config)
    except Exception as exc:
        click.echo(f"error: cannot open the database {config.database_url.split('@')[-1]}: "
                   f"{exc}", err=True)
        sys.exit(EXIT_FAILED)
    try:
        yield runtime
    finally:
        runtime.close()


def _logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: "
                        "%(message)s")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(tocsin.__version__, prog_name="tocsin")
def cli() -> None:
    """Tocsin: self-hosted monitoring and alerting for small web teams."""


def _apply_startup_file(runtime: Runtime, path: Path | None) -> None:
    if path is None:
        return
    from tocsin.cli.declare import DeclareError, apply_file

    try:
        summary = apply_file(runtime, path)
    except DeclareError as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_CONFIG)
    click.echo(f"Applied {path}: {summary}")


def _announce(runtime: Runtime) -> None:
    from tocsin.accounts import tokens, users

    cfg = runtime.config
    click.echo(f"Tocsin {tocsin.__version__} on {cfg.base_url} "
               f"({runtime.db.dialect}; data in {cfg.data_dir})")
    with runtime.db.write() as conn:
        if users.count_users(conn) == 0:
            token = tokens.create_setup_token(conn, now=runtime.clock.now(),
                                              ttl_hours=cfg.setup_link_ttl_hours)
            click.echo(f"No users yet. Create the first admin within "
                       f"{cfg.setup_link_ttl_hours} h at: {cfg.base_url}/setup/{token}")


def _serve_http(runtime: Runtime, with_worker: bool) -> None:
    import uvicorn

    from tocsin.web.app import create_app

    background = None
    if with_worker:
        from tocsin.worker.main import Worker

        background = Worker(runtime, digest_in_child=runtime.config.digest_process).running
    app = create_app(runtime, background=background)
    cfg = runtime.config
    gc_tuning.tune()
    uvicorn.run(app, host=cfg.host, port=cfg.port, log_level=cfg.log_level,
                access_log=cfg.log_level == "debug")


@cli.command()
@click.option("--config", "config_file", type=click.Path(path_type=Path),
              help="A tocsin.yaml to apply at start (overrides TOCSIN_CONFIG_FILE).")
@click.option("--host", help="Listen address (overrides TOCSIN_HOST).")
@click.option("--port", type=int, help="Listen port (overrides TOCSIN_PORT).")
def serve(config_file: Path | None, host: str | None, port: int | None) -> None:
    """Run the web server and the worker together (the embedded default; the Sentry
    digest runs in a child process, see TOCSIN_DIGEST_PROCESS)."""
    config = _config(host=host, port=port)
    _logging(config.log_level)
    with _runtime(config) as runtime:
        _apply_startup_file(runtime, config_file or config.config_file)
        _announce(runtime)
        _serve_http(runtime, with_worker=True)


@cli.command()
@click.option("--host", help="Listen address (overrides TOCSIN_HOST).")
@click.option("--port", type=int, help="Listen port (overrides TOCSIN_PORT).")
def web(host: str | None, port: int | None) -> None:
    """Run only the web server (with separate workers, against PostgreSQL)."""
    config = _config(host=host, port=port)
    _logging(config.log_level)
    with _runtime(config) as runtime:
        _announce(runtime)
        _serve_http(runtime, with_worker=False)


@cli.command()
def worker() -> None:
    """Run only the background worker (probes, deadlines, rollups, retention)."""
    config = _config()
    _logging(config.log_level)
    if config.is_sqlite:
        click.echo("note: with SQLite run one process (`tocsin serve`); separate workers "
                   "are for PostgreSQL.", err=True)
    from tocsin.worker.main import Worker

    async def main(runtime: Runtime) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        runtime.start()
        gc_tuning.tune()
        await Worker(runtime).run(stop)

    with _runtime(config) as runtime:
        click.echo(f"Tocsin worker {config.worker_id} started")
        asyncio.run(main(runtime))


@cli.command()
def migrate() -> None:
    """Apply database migrations (also done at every start)."""
    from tocsin.store.engine import Database
    from tocsin.store.migrate import migrate as run

    config = _config()
    db = Database.connect(config.database_url)
    try:
        before, after = run(db)
    except Exception as exc:
        click.echo(f"error: migration failed: {exc}", err=True)
        sys.exit(EXIT_FAILED)
    finally:
        db.dispose()
    click.echo(f"Database at revision {after}" + ("" if before == after else
                                                   f" (was {before or 'empty'})"))


@cli.command("check-config")
@click.argument("file", required=False, type=click.Path(path_type=Path))
def check_config(file: Path | None) -> None:
    """Validate the TOCSIN_* settings and, if given, a tocsin.yaml, without changing
    anything."""
    config = _config()
    click.echo("Settings: OK")
    path = file or config.config_file
    if path is not None:
        from tocsin.cli.declare import DeclareError, check_file

        try:
            summary = check_file(path)
        except DeclareError as exc:
            click.echo(str(exc), err=True)
            sys.exit(EXIT_CONFIG)
        click.echo(f"{path}: OK ({summary})")


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
@click.option("--prune", is_flag=True,
              help="Also delete monitors that were created from a file but are no longer in it.")
def apply(file: Path, dry_run: bool, prune: bool) -> None:
    """Create or update what FILE declares: all of it, or nothing."""
    from tocsin.cli.declare import DeclareError, apply_file

    try:
        with _runtime(_config()) as runtime:
            summary = apply_file(runtime, file, dry_run=dry_run, prune=prune)
    except DeclareError as exc:
        click.echo(str(exc), err=True)
        sys.exit(exc.exit_code)
    click.echo(("Would apply: " if dry_run else "Applied: ") + summary)


@cli.command()
@click.option("--project", help="Only this project.")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write to a file.")
def export(project: str | None, output: Path | None) -> None:
    """Write everything that exists (also what the API made) as tocsin.yaml."""
    from tocsin.cli.declare import DeclareError, export_text

    try:
        with _runtime(_config()) as runtime:
            text = export_text(runtime, project=project)
    except DeclareError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    if output:
        output.write_text(text)
        click.echo(f"Wrote {output}")
    else:
        click.echo(text, nl=False)


@cli.command()
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(["owner", "admin", "member", "viewer"]),
              default="owner", show_default=True)
@click.option("--name", default="")
@click.option("--password", help="Prompted for when not given (or read from "
              "TOCSIN_NEW_PASSWORD in scripts).", envvar="TOCSIN_NEW_PASSWORD")
@click.option("--token", "token_name", help="Also create an API token with this name and "
              "print it.")
def createuser(email: str, role: str, name: str, password: str | None,
               token_name: str | None) -> None:
    """Create a user (and optionally an API token)."""
    from tocsin.accounts import tokens, users

    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with _runtime(_config()) as runtime, runtime.db.write() as conn:
            user = users.create_user(conn, email, password, role=role, name=name,
                                     now=runtime.clock.now())
            token = (tokens.create_api_token(conn, user.id, token_name,
                                             now=runtime.clock.now())
                     if token_name else None)
    except users.AccountError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_FAILED)
    click.echo(f"Created {user.role} {user.email}")
    if token:
        click.echo(f"API token (shown once): {token}")


@cli.command()
@click.option("--email", required=True)
@click.option("--password", help="Prompted for when not given (or read from "
              "TOCSIN_NEW_PASSWORD in scripts).", envvar="TOCSIN_NEW_PASSWORD")
def setpassword(email: str, password: str | None) -> None:
    """Give a user a new password; their web sessions end."""
    from tocsin.accounts import users

    if password is None:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    try:
        with _runtime(_config()) as runtime, runtime.db.write() as conn:
            user = users.user_by_email(conn, email)
            if user is None:
                raise users.AccountError(f"no user with e-mail {email.strip().lower()}")
            users.set_password(conn, user.id, password)
    except users.AccountError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_FAILED)
    click.echo(f"New password set for {user.email}; their web sessions have ended.")


def main() -> None:
    cli(prog_name="tocsin")
