"""The API's request and response bodies (pydantic), which the OpenAPI document describes.

Money travels as decimal strings (``"1234.50"``; numbers are accepted on input), dates as
ISO dates. Request models carry the limits the database has (text lengths, integer ranges,
no control characters), so that bad input is refused with 422 before it reaches storage; the
domain then checks the business rules (:mod:`deploybook.payroll.engine.domain`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from deploybook.payroll.engine.domain import PayBasis, PayFrequency
from deploybook.payroll.service.payruns import Role, Status

T = TypeVar("T")
USER_PATTERN = r"^[A-Za-z][A-Za-z0-9._-]{0,49}$"
EMPLOYEE_PATTERN = r"^[A-Za-z0-9_-]{1,20}$"
RULE_SET_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,59}$"
_PRINTABLE = (
    r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"  # no control chars, not blank
)

UserName = Annotated[str, StringConstraints(pattern=USER_PATTERN)]
EmployeeId = Annotated[str, StringConstraints(pattern=EMPLOYEE_PATTERN)]
RuleSetName = Annotated[str, StringConstraints(pattern=RULE_SET_PATTERN)]
Money = Annotated[Decimal, Field(ge=0, lt=Decimal("1e9"), decimal_places=2)]
Hours = Annotated[Decimal, Field(ge=0, le=744, decimal_places=2)]
PayDate = Annotated[date, Field(ge=date(2000, 1, 1), le=date(2099, 12, 31))]

# printable texts (no control characters, not blank) up to the column's length
Text60 = Annotated[str, StringConstraints(min_length=1, max_length=60, pattern=_PRINTABLE)]
Text120 = Annotated[str, StringConstraints(min_length=1, max_length=120, pattern=_PRINTABLE)]
Text500 = Annotated[str, StringConstraints(min_length=1, max_length=500, pattern=_PRINTABLE)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Page(BaseModel, Generic[T]):
    """One page of a list: ``items``, how many there are in all, and the next page's address."""

    items: list[T]
    total: int
    limit: int
    offset: int
    next: str | None


# --- people -----------------------------------------------------------------------------


class EmployeeIn(_In):
    """An employee as the clerk enters them (the fields of the domain's ``Employee``)."""

    id: EmployeeId
    name: Text120
    department: Text60
    location: Text60
    frequency: PayFrequency
    basis: PayBasis
    rate: Money
    scale: Literal["1", "2", "3", "5", "6", "4-resident", "4-foreign-resident"]
    tax_free_threshold: bool
    bsb: Annotated[str, StringConstraints(pattern=r"^\d{3}-\d{3}$")]
    account_number: Annotated[str, StringConstraints(pattern=r"^\d{5,9}$")]
    tax_offsets: Money = Decimal(0)
    medicare_spouse: bool = False
    medicare_children: int = Field(default=0, ge=0, le=20)
    stsl: bool = False  # a study and training support loan declared (Schedule 8)
    salary_sacrifice: Money = Decimal(0)
    post_tax_deductions: Money = Decimal(0)
    active: bool = True


class EmployeeOut(BaseModel):
    """An employee as stored."""

    id: str
    name: str
    department: str
    location: str
    frequency: PayFrequency
    basis: PayBasis
    rate: Decimal
    scale: str
    tax_free_threshold: bool
    bsb: str
    account_number: str
    tax_offsets: Decimal
    medicare_spouse: bool
    medicare_children: int
    stsl: bool = False
    salary_sacrifice: Decimal
    post_tax_deductions: Decimal
    active: bool


class EmployeesIn(_In):
    """Employees to add or update (by id)."""

    employees: list[EmployeeIn] = Field(min_length=1, max_length=200_000)


class Count(BaseModel):
    """How many records a request wrote."""

    count: int


class TimesheetIn(_In):
    """One employee's hours and allowances for the period."""

    employee_id: EmployeeId
    ordinary_hours: Hours = Decimal(0)
    overtime_15_hours: Hours = Decimal(0)
    overtime_20_hours: Hours = Decimal(0)
    allowances: Money = Decimal(0)


class TimesheetOut(BaseModel):
    """A recorded timesheet."""

    employee_id: str
    ordinary_hours: Decimal
    overtime_15_hours: Decimal
    overtime_20_hours: Decimal
    allowances: Decimal


class TimesheetsIn(_In):
    """The hours of a pay period (replacing any recorded before for these employees)."""

    frequency: PayFrequency
    period_start: PayDate
    timesheets: list[TimesheetIn] = Field(min_length=1, max_length=200_000)


class UserIn(_In):
    """A user's roles, and optionally a new password and the employee they are."""

    roles: list[Role] = Field(min_length=1, max_length=5)
    password: str | None = Field(default=None, min_length=12, max_length=128)
    employee_id: EmployeeId | None = None


class UserOut(BaseModel):
    """A user (never their password hash)."""

    name: str
    roles: list[str]
    employee_id: str | None
    can_log_in: bool


class RoleRequestOut(BaseModel):
    """A role grant filed by one admin, approved or rejected by another."""

    id: int
    user_name: str
    roles: list[str]
    requested_by: str
    requested_at: datetime
    status: Literal["pending", "approved", "rejected"]
    decided_by: str | None
    decided_at: datetime | None

    @field_validator("requested_at", "decided_at")
    @classmethod
    def _in_utc(cls, at: datetime | None) -> datetime | None:
        return None if at is None else _utc(at)


class Me(BaseModel):
    """The user behind the request."""

    name: str
    roles: list[str]
    employee_id: str | None


class PasswordIn(_In):
    """A password change."""

    current_password: str = Field(min_length=1, max_length=128)
    new_password: str = Field(min_length=12, max_length=128)


class Token(BaseModel):
    """A bearer token (OAuth 2 password flow)."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the token's kind, not a secret
    expires_in: int


def _utc(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)  # SQLite keeps no zone: it is UTC


class AuditCheck(BaseModel):
    """What recomputing the audit log's hash chain found."""

    intact: bool
    entries: int
    broken_at: int | None
    problem: str | None


class ExceptionsOut(BaseModel):
    """What an approver should look at before approving a run (against the previous run)."""

    pay_run_id: int
    previous_pay_run_id: int | None
    count: int
    starters: list[str]
    leavers: list[str]
    new_bank_details: list[dict[str, str]]
    changes: list[dict[str, Any]]
    bank_file_generations: int


class AuditEntry(BaseModel):
    """One entry of the audit log (times in UTC)."""

    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    detail: dict[str, Any]

    @field_validator("at")
    @classmethod
    def _utc(cls, at: datetime) -> datetime:
        return at if at.tzinfo else at.replace(tzinfo=UTC)  # SQLite keeps no zone: it is UTC


class ScopeFilter(_In):
    """Employees engine 2.0 pays: all, or those in the departments and/or locations listed."""

    all: bool = False
    department: list[Text60] | None = Field(default=None, min_length=1, max_length=50)
    location: list[Text60] | None = Field(default=None, min_length=1, max_length=50)


class EngineScope(_In):
    """The engine 2.0 feature flag: an empty list pays everyone with engine 1.0."""

    filters: list[ScopeFilter] = Field(max_length=50)


# --- rules ------------------------------------------------------------------------------


class RuleSetSummary(BaseModel):
    """A rule set and how many of its values rest on each kind of source."""

    name: str
    title: str
    applies_from: date
    applies_to: date
    provenance: dict[str, int]


class Bracket(BaseModel):
    """A Schedule 1 coefficient row: ``y = a*x - b`` for weekly earnings below ``upper``."""

    upper: Decimal | None
    a: Decimal | None
    b: Decimal | None


class RuleSetDetail(RuleSetSummary):
    """A rule set's coefficients and parameters."""

    brackets: dict[str, list[Bracket]]
    scale4_rates: dict[str, Decimal]
    offset_rates: dict[str, Decimal]
    offset_scales: list[str]


# --- pay runs ---------------------------------------------------------------------------


class PayRunIn(_In):
    """A pay period to prepare: its frequency, first day and payment date (default: 3 days
    after it ends).
    """

    frequency: PayFrequency
    period_start: PayDate
    paid_on: PayDate | None = None


class CalculateIn(_In):
    """Which rule set to force (default: the one in force on the payment date)."""

    rule_set: RuleSetName | None = None


class RejectIn(_In):
    """Why a pay run goes back to its preparer."""

    reason: Text500


class ParallelRunIn(_In):
    """How far the two engines may differ on a payslip line, in cents."""

    tolerance_cents: int = Field(default=0, ge=0, le=100_000)


class PayRunOut(BaseModel):
    """A pay run with its totals and who did what."""

    id: int
    frequency: PayFrequency
    period_start: date
    period_end: date
    paid_on: date
    status: Status
    rule_set: str | None
    employees: int
    gross: Decimal
    withholding: Decimal
    super_guarantee: Decimal
    net: Decimal
    created_by: str
    calculated_by: str | None
    approved_by: str | None
    paid_by: str | None


class CalculationOut(BaseModel):
    """A calculated pay run, the employees each engine paid and the time it took."""

    run: PayRunOut
    engines: dict[str, int]
    compute_seconds: float
    persist_seconds: float


class ParallelRunOut(BaseModel):
    """Both engines on the same inputs, compared line by line (the lines that differ are
    stored: ``GET /pay-runs/{id}/reconciliation``).
    """

    pay_run_id: int
    employees: int
    lines: int
    mismatched_employees: int
    mismatched_lines: int
    tolerance_cents: int
    official_engines: dict[str, int]


class ReconciliationItem(BaseModel):
    """A payslip line on which the official and the shadow engine differ."""

    employee_id: str
    line: str
    official: Decimal | None
    shadow: Decimal | None
    official_engine: str
    shadow_engine: str


class Line(BaseModel):
    """One payslip line."""

    position: int
    kind: str
    description: str
    quantity: Decimal | None
    rate: Decimal | None
    amount: Decimal


class PayslipSummary(BaseModel):
    """A payslip's totals."""

    pay_run_id: int
    employee_id: str
    name: str
    department: str
    location: str
    gross: Decimal
    withholding: Decimal
    deductions: Decimal
    super_guarantee: Decimal
    net: Decimal


class Payslip(PayslipSummary):
    """A payslip with its lines and year-to-date totals."""

    period_start: date
    period_end: date
    paid_on: date
    status: Status
    taxable: Decimal
    salary_sacrifice: Decimal
    deduction_shortfall: Decimal
    ote: Decimal
    weekly_earnings: Decimal
    bracket: int
    ytd_gross: Decimal
    ytd_withholding: Decimal
    ytd_super: Decimal
    ytd_net: Decimal
    lines: list[Line]


class SummaryRow(BaseModel):
    """Employees and money of one department and location (or the total)."""

    department: str
    location: str
    employees: int
    gross: Decimal
    withholding: Decimal
    super_guarantee: Decimal
    salary_sacrifice: Decimal
    deductions: Decimal
    net: Decimal


class JournalRow(BaseModel):
    """One general-ledger line."""

    account: str
    debit: Decimal
    credit: Decimal


class Health(BaseModel):
    """Whether the service is up, and the database revision it runs on."""

    status: Literal["ok"]
    revision: str | None
