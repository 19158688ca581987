"""Starting the service: the first administrator, settings from the command line, the
server in a thread, and the parts the load test is made of."""

from __future__ import annotations

import stat
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from deploybook.cli import build_parser
from deploybook.payroll.report.loadtest import LoadResult, free_port
from deploybook.payroll.service.api.accounts import authenticate
from deploybook.payroll.service.api.models import EmployeeIn, Page
from deploybook.payroll.service.app import create_app
from deploybook.payroll.service.server import bootstrap_admin, serve_in_thread, settings_for
from deploybook.payroll.service.settings import ADMIN_PASSWORD_ENV, ServiceSettings
from deploybook.payroll.service.store import PayrollStore, sqlite_url


def test_the_first_admin_gets_a_generated_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ADMIN_PASSWORD_ENV, raising=False)
    store = PayrollStore(sqlite_url(tmp_path / "p.db"))
    store.upgrade()
    written = bootstrap_admin(store, tmp_path / "state")
    assert written is not None
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert authenticate(store, "admin", written.read_text().strip())
    assert bootstrap_admin(store, tmp_path / "state") is None  # users exist: nothing to do
    store.close()


def test_the_first_admin_password_can_come_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ADMIN_PASSWORD_ENV, "from the environment")
    store = PayrollStore(sqlite_url(tmp_path / "p.db"))
    store.upgrade()
    assert bootstrap_admin(store, tmp_path) is None
    assert not (tmp_path / "admin-password.txt").exists()
    assert authenticate(store, "admin", "from the environment")
    store.close()


def test_settings_from_the_command_line(tmp_path: Path) -> None:
    args = build_parser().parse_args(["payroll", "serve", "--port", "9", "--inject-defect"])
    assert (args.host, args.port, args.inject_defect, args.url) == ("127.0.0.1", 9, True, None)
    employer = tmp_path / "employer.yaml"
    employer.write_text("name: Acme\nbank: NAB\nabn: 12 345 678 901\n")
    found = settings_for(None, tmp_path / "state", employer_file=employer, secure_cookies=True)
    assert found.database_url == sqlite_url(tmp_path / "state" / "payroll.db")
    assert (found.employer.name, found.employer.bank, found.secure_cookies) == ("Acme", "NAB", True)
    assert found.employer.abn == "12 345 678 901"  # printed on payslips
    for bad, field in (("bank: nab\n", "bank"), ("abn: '12345678901'\n", "abn")):
        employer.write_text(bad)
        with pytest.raises(ValidationError, match=field):
            settings_for("sqlite://", tmp_path, employer_file=employer)


def test_a_server_in_a_thread(tmp_path: Path) -> None:
    app = create_app(ServiceSettings(database_url=sqlite_url(tmp_path / "p.db")))
    with serve_in_thread(app) as base:
        assert httpx.get(f"{base}/api/v1/health").json()["revision"] == "0004"
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{base}/api/v1/health")  # stopped
    assert 1024 < free_port() < 65536


def test_load_figures() -> None:
    result = LoadResult("payslips", 2, 5, 1, 2.0, (10.0, 20.0, 30.0, 40.0))
    assert result.percentile(50) == 25.0
    assert result.requests_per_second == 2.0
    assert result.row()["p99_ms"] == 39.7
    empty = LoadResult("payslips", 1, 0, 0, 0.0, ())
    assert empty.requests_per_second == 0.0
    assert empty.percentile(95) != empty.percentile(95)


def test_request_models_refuse_what_storage_cannot_hold() -> None:
    good = {
        "id": "E1",
        "name": "Pat",
        "department": "Ops",
        "location": "Perth",
        "frequency": "weekly",
        "basis": "hourly",
        "rate": "30.50",
        "scale": "1",
        "tax_free_threshold": False,
        "bsb": "032-000",
        "account_number": "12345678",
    }
    assert EmployeeIn.model_validate(good).rate == 30.5
    for change in (
        {"name": "Pat\x00"},
        {"name": "   "},
        {"department": "x" * 61},
        {"rate": "1.001"},
        {"medicare_children": 21},
        {"colour": "red"},
    ):
        with pytest.raises(ValidationError):
            EmployeeIn.model_validate(good | change)
    page = Page[int](items=[1], total=3, limit=1, offset=0, next="/x?offset=1&limit=1")
    assert page.model_dump()["next"] == "/x?offset=1&limit=1"
