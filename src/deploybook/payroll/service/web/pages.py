"""The payroll officer's web pages: server-rendered HTML forms, no JavaScript.

Log in, see the pay runs and their status, prepare and calculate a run, run both engines in
parallel and read the reconciliation, approve or reject with a reason, mark paid, download
the bank file, open a payslip; employees see their own payslips. Every action goes through
the same service, role checks and audit log as the API. The session is an HttpOnly,
SameSite=Strict cookie; every form carries the session's CSRF token, and the approve and
pay forms an idempotency key (a double submit does not act twice).
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from deploybook.payroll.engine.domain import PayFrequency, PayPeriod
from deploybook.payroll.service.api import queries
from deploybook.payroll.service.api.access import STAFF, service_of, store_of
from deploybook.payroll.service.api.accounts import (
    Principal,
    TooManyAttempts,
    authenticate,
    close_session,
    open_session,
    resolve,
)
from deploybook.payroll.service.api.idempotency import run_once
from deploybook.payroll.service.api.models import USER_PATTERN
from deploybook.payroll.service.api.pay_runs import (
    employer_payslip_html,
    get_aba,
    readable_payslip,
    run_body,
)
from deploybook.payroll.service.api.problems import ApiError, from_exception
from deploybook.payroll.service.parallel import parallel_run
from deploybook.payroll.service.payruns import PayRun, Status

HERE = Path(__file__).parent
COOKIE = "payroll_session"
PAGE = 50
router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.filters["money"] = lambda v: "" if v is None else f"{Decimal(v):,.2f}"
NOTICES = {
    "created": "Pay run prepared.",
    "calculated": "Pay run calculated.",
    "reconciled": "Parallel run done: see the reconciliation below.",
    "approved": "Pay run approved.",
    "rejected": "Pay run sent back to its preparer.",
    "paid": "Pay run marked paid.",
}


class LoginRequired(Exception):
    """The page needs a logged-in user."""


def mount(app: FastAPI) -> None:
    """Add the pages and their stylesheet to ``app``."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    async def to_login(request: Request, exc: Exception) -> Response:
        return RedirectResponse("/login", status_code=303)

    app.add_exception_handler(LoginRequired, to_login)


def render(
    request: Request, name: str, user: Principal | None, status: int = 200, **context: Any
) -> HTMLResponse:
    """A page, with the user (and their CSRF token) for the layout."""
    return templates.TemplateResponse(request, name, {"user": user, **context}, status_code=status)


def render_text(title: str, text: str, status: int = 200) -> HTMLResponse:
    """A page with a title and a sentence (for pages outside a request's user)."""
    html = templates.get_template("message.html").render(user=None, title=title, message=text)
    return HTMLResponse(html, status_code=status)


def signed_in(request: Request) -> Principal:
    """The user of the session cookie; :class:`LoginRequired` if there is none."""
    token = request.cookies.get(COOKIE)
    user = resolve(store_of(request), token) if token else None
    if user is None:
        raise LoginRequired
    return user


def _check_csrf(user: Principal, token: str) -> None:
    if not hmac.compare_digest(user.csrf_token.encode(), token.encode()):
        raise ApiError(403, "permission-denied", "the form has expired: reload the page")


def _failure(request: Request, user: Principal, exc: Exception) -> HTMLResponse:
    error = from_exception(exc)
    return render(
        request,
        "message.html",
        user,
        error.status,
        title=f"Refused ({error.status})",
        message=error.detail,
    )


# --- logging in ---------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> HTMLResponse:
    """The login form."""
    return render(request, "login.html", None)


@router.post("/login", response_class=HTMLResponse)
def log_in(
    request: Request,
    username: Annotated[str, Form(max_length=50)],
    password: Annotated[str, Form(max_length=128)],
) -> Response:
    """Check the password, open a session and go to the pay runs."""
    store, settings = store_of(request), request.app.state.settings
    try:
        ok = bool(re.match(USER_PATTERN, username)) and authenticate(
            store, username, password, request.client.host if request.client else None
        )
    except TooManyAttempts as exc:
        return render(request, "login.html", None, 429, error=str(exc))
    if not ok:
        return render(request, "login.html", None, 401, error="Wrong user name or password.")
    token, _ = open_session(store, username, settings.session_minutes)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        COOKIE,
        token,
        max_age=settings.session_minutes * 60,
        httponly=True,
        samesite="strict",
        secure=settings.secure_cookies,
        path="/",
    )
    return response


@router.post("/logout")
def log_out(request: Request, csrf_token: Annotated[str, Form(max_length=64)]) -> Response:
    """End the session."""
    user = signed_in(request)
    try:
        _check_csrf(user, csrf_token)
    except ApiError as exc:
        return _failure(request, user, exc)
    close_session(store_of(request), request.cookies.get(COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


# --- pay runs -----------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def home(request: Request, offset: Annotated[int, Query(ge=0)] = 0) -> Response:
    """The pay runs and their status (payroll staff); employees go to their payslips."""
    user = signed_in(request)
    if not user.has_any(STAFF):
        if user.employee_id:
            return RedirectResponse("/my-payslips", status_code=303)
        return render(
            request,
            "message.html",
            user,
            403,
            title="Nothing to show",
            message=f"{user.name} holds no payroll role; admins manage users through the API.",
        )
    with store_of(request).transaction() as conn:
        runs, total = queries.pay_run_page(conn, PAGE, offset)
    return render(
        request,
        "pay_runs.html",
        user,
        runs=runs,
        total=total,
        offset=offset,
        page=PAGE,
        frequencies=[f.value for f in PayFrequency],
        today=date.today().replace(day=1).isoformat(),
    )


def _run_page(
    request: Request,
    user: Principal,
    run_id: int,
    status: int = 200,
    error: str | None = None,
    notice: str | None = None,
    offset: int = 0,
) -> HTMLResponse:
    service = service_of(request)
    run = service.pay_run(run_id)
    with store_of(request).transaction() as conn:
        slips, slip_total = queries.payslip_page(conn, run_id, PAGE, offset)
        by_line = queries.reconciliation_by_line(conn, run_id)
    approver = "approver" in user.roles
    preparer = user.name in (run.created_by, run.calculated_by)
    return render(
        request,
        "pay_run.html",
        user,
        status,
        run=run,
        exceptions=service.exceptions(user.name, run_id),
        slips=slips,
        slip_total=slip_total,
        offset=offset,
        page=PAGE,
        by_line=by_line,
        can_prepare="clerk" in user.roles and run.status is Status.DRAFT,
        can_approve=approver
        and not preparer
        and run.status is Status.DRAFT
        and run.calculated_by is not None,
        can_pay=approver and not preparer and run.status is Status.APPROVED,
        why_not=_why_not(user, run, approver, preparer),
        error=error,
        notice=NOTICES.get(notice or ""),
        key=secrets.token_urlsafe(16),
        can_download=user.has_any(("approver", "auditor"))
        and run.status in (Status.APPROVED, Status.PAID),
    )


def _why_not(user: Principal, run: PayRun, approver: bool, preparer: bool) -> str | None:
    if run.status is Status.PAID:
        return None
    if not approver:
        return (
            f"Approving and paying need the approver role; {user.name} holds "
            + (", ".join(sorted(user.roles)) or "no role")
            + "."
        )
    if preparer:
        return (
            f"Segregation of duties: {user.name} prepared this run and may not approve or pay it."
        )
    if run.status is Status.DRAFT and run.calculated_by is None:
        return "The run must be calculated (again) before it can be approved."
    return None


@router.get("/pay-runs/{run_id}", response_class=HTMLResponse)
def pay_run_page(
    request: Request,
    run_id: int,
    done: Annotated[str | None, Query(max_length=20)] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    """A pay run: totals, who did what, the actions the user may take, its payslips."""
    user = signed_in(request)
    if not user.has_any(STAFF):
        return _failure(
            request, user, ApiError(403, "permission-denied", f"{user.name!r} may not see pay runs")
        )
    try:
        return _run_page(request, user, run_id, notice=done, offset=offset)
    except Exception as exc:
        return _failure(request, user, exc)


@router.post("/pay-runs", response_class=HTMLResponse)
def create(
    request: Request,
    csrf_token: Annotated[str, Form(max_length=64)],
    frequency: Annotated[PayFrequency, Form()],
    period_start: Annotated[date, Form()],
) -> Response:
    """Prepare the draft pay run of a period."""
    user = signed_in(request)
    try:
        _check_csrf(user, csrf_token)
        run = service_of(request).create_pay_run(
            user.name, PayPeriod.starting(frequency, period_start)
        )
    except Exception as exc:
        return _failure(request, user, exc)
    return RedirectResponse(f"/pay-runs/{run.id}?done=created", status_code=303)


def _act(
    request: Request, run_id: int, csrf_token: str, done: str, action: Callable[[Principal], object]
) -> Response:
    user = signed_in(request)
    try:
        _check_csrf(user, csrf_token)
        action(user)
    except Exception as exc:
        error = from_exception(exc)
        try:
            return _run_page(request, user, run_id, error.status, error=error.detail)
        except Exception as missing:
            return _failure(request, user, missing)
    return RedirectResponse(f"/pay-runs/{run_id}?done={done}", status_code=303)


Csrf = Annotated[str, Form(max_length=64)]
Key = Annotated[str, Form(pattern=r"^[\x21-\x7e]{1,255}$")]


@router.post("/pay-runs/{run_id}/calculate")
def calculate(request: Request, run_id: int, csrf_token: Csrf) -> Response:
    """Calculate the draft (clerk)."""
    return _act(
        request,
        run_id,
        csrf_token,
        "calculated",
        lambda u: service_of(request).calculate(u.name, run_id),
    )


@router.post("/pay-runs/{run_id}/parallel-run")
def run_in_parallel(
    request: Request,
    run_id: int,
    csrf_token: Csrf,
    tolerance_cents: Annotated[int, Form(ge=0, le=100_000)] = 0,
) -> Response:
    """Run both engines on the draft and store the reconciliation (clerk)."""
    return _act(
        request,
        run_id,
        csrf_token,
        "reconciled",
        lambda u: parallel_run(service_of(request), u.name, run_id, tolerance_cents),
    )


def _once(request: Request, run_id: int, csrf_token: str, key: str, name: str) -> Response:
    """Approve or mark paid through the idempotency key the form carries (as the API does)."""
    service = service_of(request)
    action = {"approve": service.approve, "mark-paid": service.mark_paid}[name]
    done = {"approve": "approved", "mark-paid": "paid"}[name]
    path = f"/api/v1/pay-runs/{run_id}/{name}"
    return _act(request, run_id, csrf_token, done, lambda user: run_once(
        store_of(request), user.name, key, ("POST", path, None),
        lambda: (200, run_body(action(user.name, run_id)))))  # fmt: skip


@router.post("/pay-runs/{run_id}/approve")
def approve(request: Request, run_id: int, csrf_token: Csrf, idempotency_key: Key) -> Response:
    """Approve (approver, not the preparer)."""
    return _once(request, run_id, csrf_token, idempotency_key, "approve")


@router.post("/pay-runs/{run_id}/mark-paid")
def mark_paid(request: Request, run_id: int, csrf_token: Csrf, idempotency_key: Key) -> Response:
    """Mark paid (approver, not the preparer)."""
    return _once(request, run_id, csrf_token, idempotency_key, "mark-paid")


@router.post("/pay-runs/{run_id}/reject")
def reject(
    request: Request,
    run_id: int,
    csrf_token: Csrf,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Send the run back with a reason (approver)."""
    return _act(
        request,
        run_id,
        csrf_token,
        "rejected",
        lambda u: service_of(request).reject(u.name, run_id, reason),
    )


@router.get("/pay-runs/{run_id}/reconciliation", response_class=HTMLResponse)
def reconciliation_page(
    request: Request, run_id: int, offset: Annotated[int, Query(ge=0)] = 0
) -> HTMLResponse:
    """The lines of the run's parallel run that did not reconcile."""
    user = signed_in(request)
    try:
        if not user.has_any(STAFF):
            raise ApiError(403, "permission-denied", f"{user.name!r} may not see pay runs")
        run = service_of(request).pay_run(run_id)
        with store_of(request).transaction() as conn:
            items, total = queries.reconciliation_page(conn, run_id, PAGE, offset)
            by_line = queries.reconciliation_by_line(conn, run_id)
    except Exception as exc:
        return _failure(request, user, exc)
    return render(
        request,
        "reconciliation.html",
        user,
        run=run,
        items=items,
        total=total,
        by_line=by_line,
        offset=offset,
        page=PAGE,
    )


@router.get("/pay-runs/{run_id}/payslips/{employee_id}", response_class=HTMLResponse)
def payslip_page(request: Request, run_id: int, employee_id: str) -> HTMLResponse:
    """One payslip (payroll staff; an employee their own, once approved)."""
    user = signed_in(request)
    try:
        found = readable_payslip(request, user, run_id, employee_id)
        html = employer_payslip_html(request, run_id, employee_id)
    except Exception as exc:
        return _failure(request, user, exc)
    return render(request, "payslip.html", user, slip=found, run_id=run_id, payslip=html)


@router.get("/pay-runs/{run_id}/aba")
def aba_download(request: Request, run_id: int) -> Response:
    """The bank file of an approved or paid run (approvers, auditors)."""
    user = signed_in(request)
    try:
        if not user.has_any(("approver", "auditor")):
            raise ApiError(
                403,
                "permission-denied",
                f"{user.name!r} needs the approver or auditor role for the bank file",
            )
        found: PlainTextResponse = get_aba(request, user, run_id)
    except Exception as exc:
        return _failure(request, user, exc)
    return found


@router.get("/my-payslips", response_class=HTMLResponse)
def my_payslips(request: Request, offset: Annotated[int, Query(ge=0)] = 0) -> HTMLResponse:
    """The user's own payslips of approved and paid runs."""
    user = signed_in(request)
    if user.employee_id is None:
        return _failure(
            request,
            user,
            ApiError(403, "permission-denied", f"{user.name!r} is not linked to an employee"),
        )
    with store_of(request).transaction() as conn:
        slips, total = queries.employee_payslip_page(
            conn, user.employee_id, ("approved", "paid"), PAGE, offset
        )
    return render(
        request, "my_payslips.html", user, slips=slips, total=total, offset=offset, page=PAGE
    )
