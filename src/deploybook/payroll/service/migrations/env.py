"""Alembic environment: runs on the connection the payroll store hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

config = context.config
connection = config.attributes.get("connection")


def _run(conn: Connection) -> None:
    context.configure(
        connection=conn,
        target_metadata=None,
        render_as_batch=conn.dialect.name == "sqlite",  # SQLite alters tables by copying
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    _run(connection)
else:  # `alembic -x url=...` from the command line
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise ValueError("url: pass the database as alembic -x url=... or sqlalchemy.url")
    with create_engine(url).connect() as conn:
        _run(conn)
