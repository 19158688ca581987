"""The bank file of an approved pay run: made from the bank details each payslip was
calculated with, hashed, recorded, and every download audited.

The first file made for a run is generation 1 (its SHA-256 goes in ``aba_files``). Asking
again for the same content is a download of that generation; content that differs (the
employer's bank file settings changed, say) is a new generation, recorded with the hash of
the one before it and flagged in the audit log: a bank may otherwise be sent two different
files for one payroll. The approver's exception report lists runs with such a file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import Connection, func, insert, select

from deploybook.payroll.engine.aba import aba_file, parse_aba
from deploybook.payroll.service.audit import write_audit
from deploybook.payroll.service.reports import payments
from deploybook.payroll.service.schema import aba_files
from deploybook.payroll.service.settings import Employer
from deploybook.payroll.service.store import PayrollStore, now, table_names


@dataclass(frozen=True)
class BankFile:
    """A bank file as delivered: its text, hash and generation."""

    text: str
    sha256: str
    generation: int
    previous_sha256: str | None  # the generation before, when this one differs from it

    @property
    def regenerated(self) -> bool:
        """Whether this file differs from one made earlier for the same run."""
        return self.previous_sha256 is not None


def build(store: PayrollStore, run_id: int, paid_on: object, employer: Employer) -> str:
    """The ABA text paying the net pay of run ``run_id`` (not recorded)."""
    return aba_file(
        payments(store, run_id, f"PAY {paid_on:%d%m%y}"),
        bank=employer.bank,
        user_name=employer.user_name,
        apca_id=employer.apca_id,
        description="PAYROLL",
        process_on=paid_on,  # type: ignore[arg-type]
        trace_bsb=employer.trace_bsb,
        trace_account=employer.trace_account,
        remitter=employer.remitter,
    )


def _latest(conn: Connection, run_id: int) -> tuple[int, str] | None:
    row = conn.execute(
        select(aba_files.c.generation, aba_files.c.sha256)
        .where(aba_files.c.pay_run_id == run_id)
        .order_by(aba_files.c.generation.desc())
        .limit(1)
    ).first()
    return None if row is None else (row.generation, row.sha256)


def record(conn: Connection, actor: str, run_id: int, text: str) -> BankFile:
    """Record a bank file made for run ``run_id`` (a new generation if its content is new)
    and audit the download.
    """
    digest = hashlib.sha256(text.encode("ascii")).hexdigest()
    if "aba_files" not in table_names(conn):
        write_audit(conn, actor, "pay_run.bank_file", "pay_run", run_id, sha256=digest)
        return BankFile(text, digest, 0, None)
    latest = _latest(conn, run_id)
    if latest is not None and latest[1] == digest:
        write_audit(conn, actor, "pay_run.bank_file", "pay_run", run_id, sha256=digest,
                    generation=latest[0])  # fmt: skip
        return BankFile(text, digest, latest[0], None)
    generation = 1 if latest is None else latest[0] + 1
    _, totals = parse_aba(text)
    conn.execute(
        insert(aba_files).values(
            pay_run_id=run_id, generation=generation, sha256=digest, records=totals.count,
            credit_cents=totals.credit_cents, created_by=actor, created_at=now(),
        )
    )  # fmt: skip
    previous = None if latest is None else latest[1]
    action = "pay_run.bank_file" if latest is None else "pay_run.bank_file.regenerated"
    write_audit(conn, actor, action, "pay_run", run_id, sha256=digest, generation=generation,
                previous_sha256=previous, records=totals.count,
                credit_cents=totals.credit_cents)  # fmt: skip
    return BankFile(text, digest, generation, previous)


def generations(conn: Connection, run_id: int) -> int:
    """How many different bank files were made for run ``run_id``."""
    if "aba_files" not in table_names(conn):
        return 0
    query = select(func.count()).select_from(aba_files).where(aba_files.c.pay_run_id == run_id)
    return int(conn.scalar(query) or 0)
