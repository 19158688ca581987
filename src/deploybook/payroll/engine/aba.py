"""Bank payment files in the Australian ABA ("Cemtext", Direct Entry) format.

A file is fixed-width records of 120 characters, each ended by CR LF: one descriptive
record (type 0), one detail record (type 1) per payment, and a file total record (type 7)
with the net, credit and debit totals in cents and the count of type 1 records. Payroll
credits use transaction code 53 ("pay"); a self-balancing file (what most banks ask for)
ends the details with one debit (code 13) from the employer's account for the total.
Field positions follow the Australian Bankers' Association layout as published by the
banks (e.g. the Cemtex ABA file format reference); :func:`parse_aba` reads a file back
and checks every rule :func:`aba_file` is meant to follow.

Text fields hold printable ASCII only. A name or reference outside it is transliterated
(``anyascii``: Zoë -> Zoe, Núñez -> Nunez, 张伟 -> ZhangWei; symbols and invisible
characters are dropped), so nobody goes unpaid for the spelling of their name; only a text
with no letter or digit left is refused, by name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from anyascii import anyascii

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


def to_aba_text(value: str) -> str:
    """``value`` in the ABA character set: transliterated to ASCII, symbols and control or
    invisible characters dropped, runs of spaces made one.
    """
    kept = "".join(c for c in value if unicodedata.category(c)[0] not in "SC" or c == " ")
    ascii_text = "".join(c for c in anyascii(kept) if _TEXT.match(c))
    return " ".join(ascii_text.split())


def _alpha(value: str, width: int, name: str) -> str:
    text = to_aba_text(value)
    if value.strip() and not any(c.isalnum() for c in text):
        raise ValueError(
            f"{name} ({value!r}): no letters or digits in the ABA character set once transliterated"
        )
    return text[:width].ljust(width)


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
        + title  # both already in the ABA set, padded (see _alpha)
        + reference
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
    for the total makes the file self-balancing (net total zero).
    """
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
    for number, payment in enumerate(payments, start=1):
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
                _alpha(payment.account_name, 32, f"account_name of payment {number}"),
                _alpha(payment.reference, 18, f"reference of payment {number}"),
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
                _alpha(user_name, 32, "user_name"),
                _alpha(description, 18, "description"),
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
    "institution": (re.compile(r"[A-Z]{3}"), "a three-letter institution code"),
    "date": (re.compile(r"(0[1-9]|[12][0-9]|3[01])(0[1-9]|1[0-2])[0-9]{2}"), "a date DDMMYY"),
    "indicator": (re.compile(f"[{INDICATORS}]"), f"one of {INDICATORS.strip()} or a blank"),
    "code": (
        re.compile("|".join(sorted(CODES))),
        f"a transaction code ({', '.join(sorted(CODES))})",
    ),
    "999-999": (re.compile("999-999"), "999-999"),
}


@dataclass(frozen=True)
class Field:
    """One field of a record: its name, its characters ``start:end`` and what it may hold."""

    name: str
    start: int
    end: int
    rule: str


def _layout(*fields: tuple[str, int, int, str]) -> tuple[Field, ...]:
    """Fields given as (name, first position, last position, rule), positions from 1 as the
    banks' layouts number them; the record type (position 1) comes first.
    """
    return tuple(Field(name, first - 1, last, rule) for name, first, last, rule in fields)


LAYOUT = {  # the Australian Bankers' Association layout of each record type
    "0": _layout(
        ("filler", 2, 18, "blank"), ("reel sequence number", 19, 20, "digits"),
        ("financial institution", 21, 23, "institution"), ("filler", 24, 30, "blank"),
        ("user name", 31, 56, "text"), ("user identification number", 57, 62, "digits"),
        ("description", 63, 74, "text"), ("processing date", 75, 80, "date"),
        ("filler", 81, 120, "blank"),
    ),
    "1": _layout(
        ("BSB", 2, 8, "bsb"), ("account number", 9, 17, "account"),
        ("indicator", 18, 18, "indicator"), ("transaction code", 19, 20, "code"),
        ("amount", 21, 30, "digits"), ("account title", 31, 62, "text"),
        ("lodgement reference", 63, 80, "text or blank"), ("trace BSB", 81, 87, "bsb"),
        ("trace account", 88, 96, "account"), ("remitter", 97, 112, "text"),
        ("withholding tax", 113, 120, "digits"),
    ),
    "7": _layout(
        ("BSB format filler", 2, 8, "999-999"), ("filler", 9, 20, "blank"),
        ("net total", 21, 30, "digits"), ("credit total", 31, 40, "digits"),
        ("debit total", 41, 50, "digits"), ("filler", 51, 74, "blank"),
        ("record count", 75, 80, "digits"), ("filler", 81, 120, "blank"),
    ),
}  # fmt: skip


def record_fields(line: str, number: int) -> dict[str, str]:
    """Every field of record ``number`` by name (fillers left out), after checking each one
    against :data:`LAYOUT`; a ``ValueError`` names the record, the field and its positions.
    """
    found = {}
    for field in LAYOUT[line[0]]:
        value = line[field.start : field.end]
        pattern, wanted = _FIELD_RULES[field.rule]
        valid = bool(pattern.fullmatch(value))
        if valid and field.rule == "date":
            try:
                datetime.strptime(value, "%d%m%y")
            except ValueError:
                valid = False
        if not valid:
            where = (f"position {field.end}" if field.end - field.start == 1
                     else f"positions {field.start + 1}-{field.end}")  # fmt: skip
            raise ValueError(
                f"record {number}, {field.name} ({where}): expected {wanted}, found {value!r}"
            )
        if field.name != "filler":
            found[field.name] = value
    return found


def _read_detail(line: str, number: int) -> dict[str, str | int]:
    fields = record_fields(line, number)
    return {
        "bsb": fields["BSB"],
        "account_number": fields["account number"].strip(),
        "code": fields["transaction code"],
        "cents": int(fields["amount"]),
        "account_name": fields["account title"].rstrip(),
        "reference": fields["lodgement reference"].rstrip(),
        "trace_bsb": fields["trace BSB"],
        "trace_account": fields["trace account"].strip(),
        "remitter": fields["remitter"].rstrip(),
        "withholding_cents": int(fields["withholding tax"]),
    }


def parse_aba(text: str) -> tuple[list[dict[str, str | int]], AbaTotals]:
    """Read an ABA file back: its detail records and its totals, after checking the layout.

    Every field of every record is checked against :data:`LAYOUT` (blank fillers, BSBs,
    digits, dates, codes); a ``ValueError`` names the record, the field and its positions.
    Then the file total record must match the detail records: credit and debit totals,
    their net, the count.
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
    record_fields(lines[0], 1)
    details = [_read_detail(line, number) for number, line in enumerate(lines[1:-1], start=2)]
    total = record_fields(lines[-1], len(lines))
    totals = AbaTotals(*(int(total[k]) for k in ("net total", "credit total", "debit total",
                                                  "record count")))  # fmt: skip
    credit = sum(int(d["cents"]) for d in details if d["code"] != DEBIT)
    debit = sum(int(d["cents"]) for d in details if d["code"] == DEBIT)
    if (totals.credit_cents, totals.debit_cents, totals.count) != (credit, debit, len(details)):
        raise ValueError("the file total record does not match the detail records")
    if totals.net_cents != abs(credit - debit):
        raise ValueError("the file's net total is not credits minus debits")
    return details, totals
