"""Running the payroll service: ``deploybook payroll serve``, a server in a thread for tests,
and the first administrator of an empty database.

The server listens on loopback (127.0.0.1) unless told otherwise; put it behind a TLS
proxy and pass ``--secure-cookies`` before exposing it.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
import yaml
from fastapi import FastAPI

from deploybook.payroll.service.api.accounts import hash_password, save_account
from deploybook.payroll.service.app import create_app
from deploybook.payroll.service.payruns import PayrollService
from deploybook.payroll.service.schema import users
from deploybook.payroll.service.settings import (
    ADMIN_PASSWORD_ENV,
    ADMIN_PASSWORD_FILE,
    Employer,
    ServiceSettings,
    default_database_url,
)
from deploybook.payroll.service.store import PayrollStore

ADMIN = "admin"


def bootstrap_admin(store: PayrollStore, state_dir: Path) -> Path | None:
    """On a database without users, create user ``admin`` with the admin role and a login.

    The password is ``$DEPLOYBOOK_PAYROLL_ADMIN_PASSWORD`` if set; otherwise a random one is
    written to ``state_dir/admin-password.txt`` (readable by the owner only), whose path is
    returned. Returns ``None`` when the database has users already or the password came from
    the environment.
    """
    with store.transaction() as conn:
        if conn.execute(users.select().limit(1)).first() is not None:
            return None
    password = os.environ.get(ADMIN_PASSWORD_ENV) or secrets.token_urlsafe(18)
    hashed = hash_password(password)
    PayrollService(store).add_users(ADMIN, {ADMIN: ["admin"]})
    with store.transaction() as conn:
        save_account(conn, ADMIN, ADMIN, password_hash=hashed, employee_id=None)
    if os.environ.get(ADMIN_PASSWORD_ENV):
        return None
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / ADMIN_PASSWORD_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(password + "\n")
    return path


def serve(settings: ServiceSettings, *, host: str, port: int, state_dir: Path) -> None:
    """Migrate, create the first admin if needed, and serve until interrupted."""
    app = create_app(settings)
    written = bootstrap_admin(app.state.store, state_dir)
    if written is not None:
        print(f"first start: user 'admin', password in {written} (mode 0600)")
    uvicorn.run(app, host=host, port=port, log_level="info")


@contextmanager
def serve_in_thread(app: FastAPI, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port in a thread; yield its base URL."""
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, name="payroll-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the payroll server did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def settings_for(
    url: str | None,
    state_dir: Path,
    *,
    employer_file: Path | None = None,
    session_minutes: int = 60,
    secure_cookies: bool = False,
    inject_defect: bool = False,
) -> ServiceSettings:
    """Settings from the command line: the database (a SQLite file in ``state_dir`` unless
    ``url`` names one) and the employer's details (a YAML file of :class:`Employer` fields).
    """
    state_dir.mkdir(parents=True, exist_ok=True)
    employer = Employer()
    if employer_file is not None:
        employer = Employer.model_validate(yaml.safe_load(employer_file.read_text()) or {})
    return ServiceSettings(
        database_url=url or default_database_url(state_dir),
        employer=employer,
        session_minutes=session_minutes,
        secure_cookies=secure_cookies,
        inject_defect=inject_defect,
    )
