"""The payroll service's settings: database, employer and bank file details, sessions.

Nothing secret is stored in the repository. The only secret the service needs is the first
administrator's password: ``DEPLOYBOOK_PAYROLL_ADMIN_PASSWORD`` if set, otherwise one is
generated when ``deploybook payroll serve`` first starts on an empty database and written to
``admin-password.txt`` (mode 0600) in the state folder (``_work/payroll_service/`` unless
``--state-dir`` says otherwise). Session tokens are random (``secrets``), stored only as SHA-256
digests, so there is no signing key to keep.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from deploybook.paths import work_dir
from deploybook.payroll.service.store import sqlite_url

# names of where the password is, not passwords
ADMIN_PASSWORD_ENV = "DEPLOYBOOK_PAYROLL_ADMIN_PASSWORD"  # noqa: S105  # nosec B105
ADMIN_PASSWORD_FILE = "admin-password.txt"  # noqa: S105  # nosec B105


class Employer(BaseModel):
    """Who pays: the name on payslips and the bank file's header and trace account."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "Deploybook Pty Ltd"
    abn: str | None = Field(default=None, pattern=r"^\d{2} \d{3} \d{3} \d{3}$")  # on payslips
    bank: str = Field(default="WBC", pattern=r"^[A-Z]{3}$")
    user_name: str = Field(default="DEPLOYBOOK PTY LTD", min_length=1, max_length=26)
    apca_id: int = Field(default=123456, ge=0, le=999_999)
    trace_bsb: str = Field(default="032-000", pattern=r"^\d{3}-\d{3}$")
    trace_account: str = Field(default="123456", pattern=r"^\d{1,9}$")
    remitter: str = Field(default="DEPLOYBOOK", min_length=1, max_length=16)


class ServiceSettings(BaseModel):
    """How one payroll service runs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    database_url: str
    employer: Employer = Employer()
    session_minutes: int = Field(default=60, ge=1, le=24 * 60)
    secure_cookies: bool = False  # set behind TLS: the session cookie is then HTTPS-only
    inject_defect: bool = False  # rehearsal: engine 2.0 pays double time at time and a half


def default_state_dir() -> Path:
    """``_work/payroll_service/``: the default database and the generated admin password."""
    return work_dir("payroll_service")


def default_database_url(state_dir: Path | None = None) -> str:
    """A SQLite file in the state folder."""
    return sqlite_url((state_dir or default_state_dir()) / "payroll.db")
