"""Bank payment files in the Australian ABA ("Cemtext", Direct Entry) format.

A file is fixed-width records of 120 characters, each ended by CR LF: one descriptive
record (type 0), one detail record (type 1) per payment, and a file total record (type 7)
with the net, credit and debit totals in cents and the count of type 1 records. Payroll
credits use transaction code 53 ("pay"); a self-balancing file (what most banks ask for)
ends the details with one debit (code 13) from the employer's account for the total.
Field positions follow the Australian Bankers' Association layout as published by the
banks (e.g. the Cemtex ABA file format reference); :func:`parse_aba` reads a file back
and checks every rule :func:`aba_file` is meant to follow.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

RECORD = 120
CREDIT_PAY = "53"
DEBIT = "13"
_BSB = re.compile(r"^\d{3}-\d{3}$")
_TEXT = re.compile(r"^[ -~]*$")  # the ABA character set: printable ASCII


@dataclass(frozen=True)
class Payment:
    """One credit to an employee's account."""

    bsb: str
    account_number: str
    account_name: str
    amount: Decimal
    reference: str


@dataclass(frozen=True)
class AbaTotals:
    """What a file's total record says."""

    net_cents: int
    credit_cents: int
    debit_cents: int
    count: int


def _alpha(value: str, width: int, name: str) -> str:
    if not _TEXT.match(value):
        raise ValueError(f"{name} has characters outside the ABA set: {value!r}")
    return value[:width].ljust(width)


def _numeric(value: int, width: int, name: str) -> str:
    text = str(value)
    if value < 0 or len(text) > width:
        raise ValueError(f"{name} {value} does not fit {width} digits")
    return text.rjust(width, "0")


def _cents(amount: Decimal, name: str) -> int:
    cents = amount * 100
    if cents != cents.to_integral_value() or cents < 0:
        raise ValueError(f"{name} must be a non-negative amount in whole cents, got {amount}")
    return int(cents)


def _bsb(value: str, name: str) -> str:
    if not _BSB.match(value):
        raise ValueError(f"{name} must look like 123-456, got {value!r}")
    return value


def _account(value: str, name: str) -> str:
    if not value.isdigit() or not 1 <= len(value) <= 9:
        raise ValueError(f"{name} must be 1 to 9 digits, got {value!r}")
    return value.rjust(9)


def _detail(
    bsb: str, account: str, code: str, cents: int, title: str, reference: str,
    trace_bsb: str, trace_account: str, remitter: str,
) -> str:  # fmt: skip
    return (
        "1"
        + _bsb(bsb, "bsb")
        + _account(account, "account_number")
        + " "
        + code
        + _numeric(cents, 10, "amount")
        + _alpha(title, 32, "account_name")
        + _alpha(reference, 18, "reference")
        + _bsb(trace_bsb, "trace_bsb")
        + _account(trace_account, "trace_account")
        + _alpha(remitter, 16, "remitter")
        + "0" * 8
    )


def aba_file(
    payments: Iterable[Payment],
    *,
    bank: str,
    user_name: str,
    apca_id: int,
    description: str,
    process_on: date,
    trace_bsb: str,
    trace_account: str,
    remitter: str,
    balance: bool = True,
) -> str:
    """The ABA file paying ``payments``; with ``balance`` a debit from the trace account
    for the total makes the file self-balancing (net total zero)."""
    if not re.match(r"^[A-Z]{3}$", bank):
        raise ValueError(f"bank must be a three-letter institution code such as WBC, got {bank!r}")
    if not user_name.strip():
        raise ValueError("user_name must not be blank")
    header = (
        "0"
        + " " * 17
        + "01"
        + bank
        + " " * 7
        + _alpha(user_name, 26, "user_name")
        + _numeric(apca_id, 6, "apca_id")
        + _alpha(description, 12, "description")
        + process_on.strftime("%d%m%y")
        + " " * 40
    )
    details = []
    credits = 0
    for payment in payments:
        cents = _cents(payment.amount, f"amount of {payment.account_name}")
        if cents == 0:
            continue
        credits += cents
        details.append(
            _detail(
                payment.bsb,
                payment.account_number,
                CREDIT_PAY,
                cents,
                payment.account_name,
                payment.reference,
                trace_bsb,
                trace_account,
                remitter,
            )
        )
    debits = 0
    if balance and credits:
        debits = credits
        details.append(
            _detail(
                trace_bsb,
                trace_account,
                DEBIT,
                debits,
                user_name,
                description,
                trace_bsb,
                trace_account,
                remitter,
            )
        )
    footer = (
        "7"
        + "999-999"
        + " " * 12
        + _numeric(abs(credits - debits), 10, "net total")
        + _numeric(credits, 10, "credit total")
        + _numeric(debits, 10, "debit total")
        + " " * 24
        + _numeric(len(details), 6, "record count")
        + " " * 40
    )
    records = [header, *details, footer]
    return "".join(r + "\r\n" for r in records)


def parse_aba(text: str) -> tuple[list[dict[str, str | int]], AbaTotals]:
    """Read an ABA file back: its detail records and its totals, after checking the layout.

    Raises ``ValueError`` naming the record if a line is not 120 characters, the record
    types are out of order, or the totals do not add up.
    """
    if not text.endswith("\r\n"):
        raise ValueError("an ABA file ends every record with CR LF")
    lines = text[:-2].split("\r\n")
    for number, line in enumerate(lines, start=1):
        if len(line) != RECORD:
            raise ValueError(f"record {number} has {len(line)} characters, not {RECORD}")
    if lines[0][0] != "0" or lines[-1][0] != "7" or any(line[0] != "1" for line in lines[1:-1]):
        raise ValueError("records must be one type 0, then type 1 records, then one type 7")
    details = [
        {
            "bsb": line[1:8],
            "account_number": line[8:17].strip(),
            "code": line[18:20],
            "cents": int(line[20:30]),
            "account_name": line[30:62].rstrip(),
            "reference": line[62:80].rstrip(),
            "trace_bsb": line[80:87],
            "trace_account": line[87:96].strip(),
            "remitter": line[96:112].rstrip(),
        }
        for line in lines[1:-1]
    ]
    footer = lines[-1]
    totals = AbaTotals(
        int(footer[20:30]), int(footer[30:40]), int(footer[40:50]), int(footer[74:80])
    )
    credit = sum(int(d["cents"]) for d in details if d["code"] != DEBIT)
    debit = sum(int(d["cents"]) for d in details if d["code"] == DEBIT)
    if (totals.credit_cents, totals.debit_cents, totals.count) != (credit, debit, len(details)):
        raise ValueError("the file total record does not match the detail records")
    if totals.net_cents != abs(credit - debit):
        raise ValueError("the file's net total is not credits minus debits")
    return details, totals
