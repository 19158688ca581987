"""A throwaway PostgreSQL server for the payroll tests, or the one ``DEPLOYBOOK_PG_URL`` names.

:func:`throwaway_postgres` starts a private cluster from the installed server binaries
(Debian's ``postgresql`` package puts them in ``/usr/lib/postgresql/<version>/bin``) in a
temporary folder, listening only on a Unix socket there, and removes it afterwards. As root
it runs the server as the ``postgres`` user (``initdb`` refuses root). If PostgreSQL is not
installed it raises :class:`PostgresUnavailable` saying how to install it.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess  # starts initdb and pg_ctl with argument lists  # nosec B404
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

URL_ENV = "DEPLOYBOOK_PG_URL"
HOW_TO = (
    "install the PostgreSQL server (Debian/Ubuntu: `apt-get install postgresql`; macOS: "
    "`brew install postgresql@15`) so that initdb and pg_ctl are on PATH or in "
    "/usr/lib/postgresql/<version>/bin, or point DEPLOYBOOK_PG_URL at a server where the "
    "user may create databases, e.g. postgresql+psycopg://user:password@localhost:5432/postgres"
)


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server can be started or reached; the message says what to do."""


def server_bin() -> Path:
    """The folder holding ``initdb`` and ``pg_ctl`` (newest installed version first)."""
    installed = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if installed:
        return installed[-1].parent
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    raise PostgresUnavailable(f"PostgreSQL server binaries not found: {HOW_TO}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run(command: list[str], as_postgres: bool) -> None:
    prefix = ["runuser", "-u", "postgres", "--"] if as_postgres else []
    done = subprocess.run(prefix + command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise PostgresUnavailable(
            f"{Path(command[0]).name} failed ({done.returncode}): "
            f"{(done.stderr or done.stdout).strip()[-500:]}\nTo fix: {HOW_TO}"
        )


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """The SQLAlchemy URL of a running PostgreSQL server, stopped and removed on exit."""
    url = os.environ.get(URL_ENV)
    if url:
        yield url
        return
    binaries = server_bin()
    as_root = os.geteuid() == 0
    if as_root:
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            raise PostgresUnavailable(
                f"running as root needs a 'postgres' user: {HOW_TO}"
            ) from None
    folder = Path(tempfile.mkdtemp(prefix="deploybook-pg-"))
    folder.chmod(0o755)  # the postgres user must reach its data and socket
    if as_root:
        os.chown(folder, account.pw_uid, account.pw_gid)
    data, port = folder / "data", _free_port()
    try:
        _run([str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
              "-E", "UTF8", "--no-sync"], as_root)  # fmt: skip
        options = f"-k {folder} -p {port} -c listen_addresses='' -c fsync=off"
        _run([str(binaries / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"),
              "-o", options, "-w", "-t", "60", "start"], as_root)  # fmt: skip
        try:
            yield f"postgresql+psycopg://postgres@/postgres?host={folder}&port={port}"
        finally:
            _run([str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                 as_root)  # fmt: skip
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _libpq(url: str) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def fresh_database(url: str) -> str:
    """Create an empty database on the server of ``url``; return its SQLAlchemy URL."""
    name = f"payroll_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(_libpq(url), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.OperationalError as exc:
        raise PostgresUnavailable(
            f"cannot reach PostgreSQL at {url}: {exc}\nTo fix: {HOW_TO}"
        ) from None
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """Drop the database of ``url`` (after :func:`fresh_database`)."""
    target = make_url(url)
    if not target.database:
        raise ValueError(f"url: {url!r} names no database")
    admin = target.set(database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(_libpq(admin), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(target.database)
            )
        )
