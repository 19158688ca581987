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
from datetime import date, datetime
from decimal import Decimal

RECORD = 120
CREDIT_PAY = "53"
DEBIT = "13"
CODES = {DEBIT, "50", "51", "52", CREDIT_PAY, "54", "55", "56", "57"}  # 50-57 are credits
INDICATORS = " NWXY"  # blank, or: new or varied details, withholding tax (N, W, X, Y)
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
    for name, value in (("user_name", user_name), ("description", description),
                        ("remitter", remitter)):  # fmt: skip
        if not value.strip():
            raise ValueError(f"{name} must not be blank")
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


_FIELD_RULES = {  # what a field may hold, and how an error describes it
    "blank": (re.compile(r" *"), "blanks"),
    "digits": (re.compile(r"[0-9]+"), "digits only"),
    "bsb": (re.compile(r"[0-9]{3}-[0-9]{3}"), "a BSB like 123-456"),
    "text": (re.compile(r"[ -~]*[!-~][ -~]*"), "text that is not blank"),
    "text or blank": (_TEXT, "ABA characters"),
    "account": (re.compile(r" *[0-9-]*[0-9][0-9 -]*(?<! )"), "an account number, right-justified"),
}


def _field(line: str, number: int, name: str, start: int, end: int, rule: str) -> str:
    """Characters ``start:end`` of record ``number``; ``ValueError`` naming them unless they
    follow ``rule`` (a key of ``_FIELD_RULES``)."""
    value = line[start:end]
    pattern, wanted = _FIELD_RULES[rule]
    if not pattern.fullmatch(value):
        raise ValueError(
            f"record {number}, {name} (positions {start + 1}-{end}): expected {wanted}, "
            f"found {value!r}"
        )
    return value


def _descriptive(line: str) -> None:
    _field(line, 1, "filler", 1, 18, "blank")
    _field(line, 1, "reel sequence number", 18, 20, "digits")
    if not re.fullmatch(r"[A-Z]{3}", line[20:23]):
        raise ValueError(f"record 1, financial institution (positions 21-23): {line[20:23]!r}")
    _field(line, 1, "filler", 23, 30, "blank")
    _field(line, 1, "user name", 30, 56, "text")
    _field(line, 1, "user identification number", 56, 62, "digits")
    _field(line, 1, "description", 62, 74, "text")
    try:
        datetime.strptime(_field(line, 1, "processing date", 74, 80, "digits"), "%d%m%y")
    except ValueError:
        raise ValueError(
            f"record 1, processing date (positions 75-80): {line[74:80]!r} is not DDMMYY"
        ) from None
    _field(line, 1, "filler", 80, 120, "blank")


def _detail_record(line: str, number: int) -> dict[str, str | int]:
    if line[17] not in INDICATORS:
        raise ValueError(f"record {number}, indicator (position 18): {line[17]!r}")
    code = line[18:20]
    if code not in CODES:
        raise ValueError(f"record {number}, transaction code (positions 19-20): {code!r}")
    return {
        "bsb": _field(line, number, "BSB", 1, 8, "bsb"),
        "account_number": _field(line, number, "account number", 8, 17, "account").strip(),
        "code": code,
        "cents": int(_field(line, number, "amount", 20, 30, "digits")),
        "account_name": _field(line, number, "account title", 30, 62, "text").rstrip(),
        "reference": _field(line, number, "lodgement reference", 62, 80, "text or blank").rstrip(),
        "trace_bsb": _field(line, number, "trace BSB", 80, 87, "bsb"),
        "trace_account": _field(line, number, "trace account", 87, 96, "account").strip(),
        "remitter": _field(line, number, "remitter", 96, 112, "text").rstrip(),
        "withholding_cents": int(_field(line, number, "withholding tax", 112, 120, "digits")),
    }


def _file_total(line: str, number: int) -> AbaTotals:
    if line[1:8] != "999-999":
        raise ValueError(f"record {number}, BSB format filler (positions 2-8): {line[1:8]!r}")
    _field(line, number, "filler", 8, 20, "blank")
    _field(line, number, "filler", 50, 74, "blank")
    _field(line, number, "filler", 80, 120, "blank")
    net, credit, debit, count = (
        int(_field(line, number, name, start, end, "digits"))
        for name, start, end in (("net total", 20, 30), ("credit total", 30, 40),
                                 ("debit total", 40, 50), ("record count", 74, 80))
    )  # fmt: skip
    return AbaTotals(net, credit, debit, count)


def parse_aba(text: str) -> tuple[list[dict[str, str | int]], AbaTotals]:
    """Read an ABA file back: its detail records and its totals, after checking the layout.

    Every field of every record is checked (blank fillers, BSBs, digits, dates, codes);
    a ``ValueError`` names the record, the field and its positions. Then the file total
    record must match the detail records: credit and debit totals, their net, the count.
    """
    if not text.endswith("\r\n"):
        raise ValueError("an ABA file ends every record with CR LF")
    lines = text[:-2].split("\r\n")
    for number, line in enumerate(lines, start=1):
        if len(line) != RECORD:
            raise ValueError(f"record {number} has {len(line)} characters, not {RECORD}")
    if (
        len(lines) < 2
        or lines[0][0] != "0"
        or lines[-1][0] != "7"
        or any(line[0] != "1" for line in lines[1:-1])
    ):
        raise ValueError("records must be one type 0, then type 1 records, then one type 7")
    _descriptive(lines[0])
    details = [_detail_record(line, number) for number, line in enumerate(lines[1:-1], start=2)]
    totals = _file_total(lines[-1], len(lines))
    credit = sum(int(d["cents"]) for d in details if d["code"] != DEBIT)
    debit = sum(int(d["cents"]) for d in details if d["code"] == DEBIT)
    if (totals.credit_cents, totals.debit_cents, totals.count) != (credit, debit, len(details)):
        raise ValueError("the file total record does not match the detail records")
    if totals.net_cents != abs(credit - debit):
        raise ValueError("the file's net total is not credits minus debits")
    return details, totals
