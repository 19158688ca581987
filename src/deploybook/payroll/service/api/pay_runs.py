"""API routes for pay runs: prepare, calculate, reconcile, approve, reject, pay; payslips,
the summary and journal reports, and the ABA bank file (``/api/v1/pay-runs``).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse

from deploybook.payroll.engine.domain import PayPeriod
from deploybook.payroll.engine.rules import rule_set_named
from deploybook.payroll.service.api import queries
from deploybook.payroll.service.api.access import (
    STAFF,
    Approver,
    Clerk,
    Staff,
    User,
    requires,
    service_of,
    store_of,
)
from deploybook.payroll.service.api.accounts import Principal
from deploybook.payroll.service.api.idempotency import HEADER, PATTERN, REPLAYED, run_once
from deploybook.payroll.service.api.models import (
    EMPLOYEE_PATTERN,
    CalculateIn,
    CalculationOut,
    ExceptionsOut,
    JournalRow,
    Page,
    ParallelRunIn,
    ParallelRunOut,
    PayRunIn,
    PayRunOut,
    Payslip,
    PayslipSummary,
    ReconciliationItem,
    RejectIn,
    SummaryRow,
)
from deploybook.payroll.service.api.paging import Paging, page
from deploybook.payroll.service.api.problems import ApiError, responses, translated
from deploybook.payroll.service.parallel import parallel_run
from deploybook.payroll.service.payruns import PayRun, Status
from deploybook.payroll.service.reports import journal, payslip_html, summary

router = APIRouter(prefix="/api/v1/pay-runs", tags=["pay runs"])
R = responses
RunId = Annotated[int, Path(ge=1, le=2**31 - 1, description="pay run id")]
EmployeeId = Annotated[str, Path(pattern=EMPLOYEE_PATTERN)]
VISIBLE_STATUSES = (Status.APPROVED, Status.PAID)
REPLAY_HEADER = {
    REPLAYED: {
        "description": "true when the response replays an earlier "
        "request with the same Idempotency-Key",
        "schema": {"type": "string"},
    }
}


_KEY = Header(
    alias=HEADER,
    pattern=PATTERN,
    description="unique per request (e.g. a UUID): a retry with the same key replays the "
    "first response instead of doing the work again",
)
OptionalKey = Annotated[str | None, _KEY]
RequiredKey = Annotated[str, _KEY]


def run_body(run: PayRun) -> dict[str, Any]:
    """A pay run as its JSON body."""
    values = asdict(run)
    return PayRunOut.model_validate(values).model_dump(mode="json")


@router.get("", summary="Pay runs (staff)", responses=R(401, 403, 422))
def list_pay_runs(
    request: Request, user: Staff, at: Paging, status: Annotated[Status | None, Query()] = None
) -> Page[PayRunOut]:
    """Pay runs, newest period first (payroll staff), optionally of one status."""
    with store_of(request).transaction() as conn:
        rows, total = queries.pay_run_page(
            conn, at.limit, at.offset, status.value if status else None
        )
    return Page[PayRunOut].model_validate(page(request, rows, total, at))


@router.post(
    "",
    summary="Prepare a period's pay run (clerk)",
    status_code=201,
    responses={
        **R(401, 403, 409, 422),
        200: {
            "description": "the period's existing run",
            "model": PayRunOut,
            "headers": REPLAY_HEADER,
        },
    },
    response_model=PayRunOut,
)
def create_pay_run(
    request: Request, user: Clerk, body: PayRunIn, key: OptionalKey = None
) -> JSONResponse:
    """The draft pay run of a period (clerk): 201 when created, 200 with the existing run if
    the period has one already (a period is never paid twice).
    """
    service = service_of(request)

    def work() -> tuple[int, Any]:
        with translated(["period_start", "paid_on"]):
            period = PayPeriod.starting(body.frequency, body.period_start, body.paid_on)
            before = {r.id for r in service.pay_runs()}
            run = service.create_pay_run(user.name, period)
        return (200 if run.id in before else 201), run_body(run)

    request_id = ("POST", request.url.path, body.model_dump(mode="json"))
    return run_once(store_of(request), user.name, key, request_id, work)


@router.get("/{run_id}", summary="A pay run (staff)", responses=R(401, 403, 404, 422))
def get_pay_run(request: Request, user: Staff, run_id: RunId) -> PayRunOut:
    """One pay run (payroll staff)."""
    with translated():
        return PayRunOut.model_validate(asdict(service_of(request).pay_run(run_id)))


@router.post(
    "/{run_id}/calculate",
    summary="Calculate a draft (clerk)",
    response_model=CalculationOut,
    responses={**R(401, 403, 404, 409, 422), 200: {"headers": REPLAY_HEADER}},
)
def calculate(
    request: Request, user: Clerk, run_id: RunId, body: CalculateIn, key: OptionalKey = None
) -> JSONResponse:
    """Compute every payslip of a draft run and store them in one transaction (clerk). If any
    employee cannot be paid, 422 lists them and nothing is written.
    """
    service = service_of(request)
    if body.rule_set is not None:
        try:
            rule_set_named(body.rule_set)
        except ValueError as exc:
            raise ApiError(422, "validation", f"rule_set: {exc}", field="rule_set") from None

    def work() -> tuple[int, Any]:
        with translated(["rule_set", "paid_on"]):
            calc = service.calculate(user.name, run_id, rule_set=body.rule_set)
        out = CalculationOut(
            run=PayRunOut.model_validate(asdict(calc.run)),
            engines=calc.engine_counts,
            compute_seconds=calc.compute_seconds,
            persist_seconds=calc.persist_seconds,
        )
        return 200, out.model_dump(mode="json")

    request_id = ("POST", request.url.path, body.model_dump(mode="json"))
    return run_once(store_of(request), user.name, key, request_id, work)


def _transition(
    request: Request, user: Principal, key: str, name: str, run_id: int
) -> JSONResponse:
    service = service_of(request)
    action = {"approve": service.approve, "mark-paid": service.mark_paid}[name]

    def work() -> tuple[int, Any]:
        with translated():
            return 200, run_body(action(user.name, run_id))

    return run_once(store_of(request), user.name, key, ("POST", request.url.path, None), work)


@router.post(
    "/{run_id}/approve",
    summary="Approve (approver, not the preparer)",
    response_model=PayRunOut,
    responses={**R(400, 401, 403, 404, 409, 422), 200: {"headers": REPLAY_HEADER}},
)
def approve(request: Request, user: Approver, run_id: RunId, key: RequiredKey) -> JSONResponse:
    """Approve a calculated draft (approver, not the run's preparer). Needs an
    Idempotency-Key: a retried approval is answered from the first.
    """
    return _transition(request, user, key, "approve", run_id)


@router.post(
    "/{run_id}/mark-paid",
    summary="Mark paid (approver, not the preparer)",
    response_model=PayRunOut,
    responses={**R(400, 401, 403, 404, 409, 422), 200: {"headers": REPLAY_HEADER}},
)
def mark_paid(request: Request, user: Approver, run_id: RunId, key: RequiredKey) -> JSONResponse:
    """Record that an approved run's bank file was sent (approver, not the run's preparer).
    Needs an Idempotency-Key: a retry never pays twice.
    """
    return _transition(request, user, key, "mark-paid", run_id)


@router.post(
    "/{run_id}/reject",
    summary="Reject with a reason (approver)",
    responses=R(401, 403, 404, 409, 422),
)
def reject(request: Request, user: Approver, run_id: RunId, body: RejectIn) -> PayRunOut:
    """Send a calculated draft back to its preparer with a reason (approver)."""
    with translated(["reason"]):
        return PayRunOut.model_validate(
            asdict(service_of(request).reject(user.name, run_id, body.reason))
        )


@router.post(
    "/{run_id}/parallel-run",
    summary="Parallel run: both engines (clerk)",
    responses=R(401, 403, 404, 409, 422),
)
def run_in_parallel(
    request: Request,
    user: Clerk,
    run_id: RunId,
    body: ParallelRunIn,
) -> ParallelRunOut:
    """Pay a draft run's inputs with both engine versions and reconcile every line (clerk);
    the lines that differ are stored as the run's reconciliation.
    """
    with translated():
        run = parallel_run(service_of(request), user.name, run_id, body.tolerance_cents)
    result, counts = run.reconciliation, run.official_engines
    return ParallelRunOut(
        pay_run_id=run_id,
        employees=result.employees,
        lines=result.lines,
        mismatched_employees=result.mismatched_employees,
        mismatched_lines=len(result.items),
        tolerance_cents=body.tolerance_cents,
        official_engines=counts,
    )


def _existing(request: Request, run_id: int) -> PayRun:
    with translated():
        return service_of(request).pay_run(run_id)


@router.get(
    "/{run_id}/reconciliation",
    summary="Lines that did not reconcile (staff)",
    responses=R(401, 403, 404, 422),
)
def reconciliation(
    request: Request, user: Staff, run_id: RunId, at: Paging
) -> Page[ReconciliationItem]:
    """The lines of the run's last parallel run that did not reconcile (payroll staff)."""
    _existing(request, run_id)
    with store_of(request).transaction() as conn:
        rows, total = queries.reconciliation_page(conn, run_id, at.limit, at.offset)
    return Page[ReconciliationItem].model_validate(page(request, rows, total, at))


@router.get(
    "/{run_id}/payslips", summary="A run's payslips (staff)", responses=R(401, 403, 404, 422)
)
def list_payslips(request: Request, user: Staff, run_id: RunId, at: Paging) -> Page[PayslipSummary]:
    """The run's payslips by employee id (payroll staff)."""
    _existing(request, run_id)
    with store_of(request).transaction() as conn:
        rows, total = queries.payslip_page(conn, run_id, at.limit, at.offset)
    return Page[PayslipSummary].model_validate(page(request, rows, total, at))


def readable_payslip(
    request: Request, user: Principal, run_id: int, employee_id: str
) -> dict[str, Any]:
    """One payslip if ``user`` may read it: payroll staff any, an employee their own once the
    run is approved; 403 for someone else's, 404 if there is none (yet).
    """
    staff = user.has_any(STAFF)
    if not staff and user.employee_id != employee_id:
        raise ApiError(403, "permission-denied", f"{user.name!r} may see only their own payslips")
    with store_of(request).transaction() as conn:
        found = queries.payslip(conn, run_id, employee_id)
    if found is None or (not staff and found["status"] not in VISIBLE_STATUSES):
        raise ApiError(404, "not-found", f"pay run {run_id} has no payslip for {employee_id}")
    return found


def employer_payslip_html(request: Request, run_id: int, employee_id: str) -> str:
    """One payslip's HTML under the configured employer's name and ABN (access not checked)."""
    employer = request.app.state.settings.employer
    return payslip_html(store_of(request), run_id, employee_id, employer.name, abn=employer.abn)


@router.get(
    "/{run_id}/payslips/{employee_id}",
    summary="A payslip (staff, or the employee)",
    responses=R(401, 403, 404, 422),
)
def get_payslip(request: Request, user: User, run_id: RunId, employee_id: EmployeeId) -> Payslip:
    """One payslip with its lines (payroll staff; an employee their own, once approved)."""
    return Payslip.model_validate(readable_payslip(request, user, run_id, employee_id))


@router.get(
    "/{run_id}/payslips/{employee_id}/html",
    summary="A payslip as HTML (staff, or the employee)",
    response_class=HTMLResponse,
    responses={**R(401, 403, 404, 422), 200: {"content": {"text/html": {}}}},
)
def get_payslip_html(
    request: Request, user: User, run_id: RunId, employee_id: EmployeeId
) -> HTMLResponse:
    """One payslip as the HTML the employee receives."""
    readable_payslip(request, user, run_id, employee_id)
    return HTMLResponse(employer_payslip_html(request, run_id, employee_id))


def _report_rows(request: Request, run_id: int, build: Any) -> list[dict[str, Any]]:
    run = _existing(request, run_id)
    if run.employees == 0 or (run.status is Status.DRAFT and run.calculated_by is None):
        raise ApiError(
            409, "invalid-state", f"pay run {run_id} has not been calculated since its last change"
        )
    frame = build(store_of(request), run_id)
    return frame.reset_index().to_dict("records") if build is summary else frame.to_dict("records")


@router.get(
    "/{run_id}/summary",
    summary="Summary by department and location (staff)",
    responses=R(401, 403, 404, 409, 422),
)
def get_summary(request: Request, user: Staff, run_id: RunId) -> list[SummaryRow]:
    """Employees and money by department and location, with a total row (payroll staff)."""
    rows = _report_rows(request, run_id, summary)
    return [SummaryRow.model_validate(r | {"employees": int(r["employees"])}) for r in rows]


@router.get(
    "/{run_id}/journal",
    summary="General-ledger journal (staff)",
    responses=R(401, 403, 404, 409, 422),
)
def get_journal(request: Request, user: Staff, run_id: RunId) -> list[JournalRow]:
    """The run's general-ledger journal; debits equal credits (payroll staff)."""
    return [JournalRow.model_validate(r) for r in _report_rows(request, run_id, journal)]


@router.get(
    "/{run_id}/aba",
    summary="ABA bank file (approver, auditor)",
    response_class=PlainTextResponse,
    responses={
        **R(401, 403, 404, 409, 422),
        200: {
            "content": {"text/plain": {}},
            "headers": {
                "X-Bank-File-SHA256": {
                    "description": "SHA-256 of the file",
                    "schema": {"type": "string"},
                },
                "X-Bank-File-Generation": {
                    "description": "1 for the first file of the run; more means a file with "
                    "other content was made before (see the audit log)",
                    "schema": {"type": "string"},
                },
            },
        },
    },
)
def get_aba(
    request: Request,
    user: Annotated[Principal, Depends(requires("approver", "auditor"))],
    run_id: RunId,
) -> PlainTextResponse:
    """The ABA (Cemtext) bank file paying the net pay of an approved or paid run (approvers,
    auditors): fixed-width records ended by CR LF, paying the bank account each payslip was
    calculated with. The file is hashed and recorded, and every download is audited; a file
    whose content differs from one made before for the run is a new generation.
    """
    with translated():
        made = service_of(request).bank_file(user.name, run_id, request.app.state.settings.employer)
    return PlainTextResponse(
        made.text,
        headers={
            "Content-Disposition": f'attachment; filename="payrun-{run_id}.aba"',
            "X-Bank-File-SHA256": made.sha256,
            "X-Bank-File-Generation": str(made.generation),
        },
    )


@router.get(
    "/{run_id}/exceptions",
    summary="What to check before approving (staff)",
    responses=R(401, 403, 404, 422),
)
def get_exceptions(request: Request, user: Staff, run_id: RunId) -> ExceptionsOut:
    """The approver's exception report: starters and leavers since the previous run, new
    bank details, every change to employee records since the previous run was calculated,
    and how many different bank files were made for the run.
    """
    with translated():
        found = service_of(request).exceptions(user.name, run_id)
    return ExceptionsOut(
        pay_run_id=found.run_id, previous_pay_run_id=found.previous_run_id, count=found.count,
        starters=found.starters, leavers=found.leavers,
        new_bank_details=found.new_bank_details, changes=found.changes,
        bank_file_generations=found.bank_file_generations,
    )  # fmt: skip
