"""The ABA (Cemtext) payment file: fixed-width layout, totals, and clear errors."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from deploybook.payroll.engine.aba import Payment, aba_file, parse_aba
from payroll_aba_reader import read_aba  # tests/payroll_aba_reader.py: the tests' own reader

PAYMENTS = [
    Payment("032-000", "12345678", "Pat Doe", Decimal("2392.00"), "PAY 170724"),
    Payment("062-111", "99887", "Sam Lee", Decimal("1234.56"), "PAY 170724"),
    Payment("062-111", "11111", "Nil Pay", Decimal("0"), "PAY 170724"),
]
KW = {"bank": "WBC", "user_name": "ACME PTY LTD", "apca_id": 123456, "description": "PAYROLL",
      "process_on": date(2024, 7, 17), "trace_bsb": "032-999", "trace_account": "7654321",
      "remitter": "ACME PAYROLL"}  # fmt: skip


def test_layout_and_totals() -> None:
    text = aba_file(PAYMENTS, **KW)
    lines = text.split("\r\n")[:-1]
    assert all(len(line) == 120 for line in lines)
    assert lines[0].startswith("0" + " " * 17 + "01WBC")
    assert lines[0][62:80] == "PAYROLL     170724"
    first = lines[1]
    assert first[1:8] == "032-000"
    assert first[8:17] == " 12345678"
    assert first[18:20] == "53"
    assert first[20:30] == "0000239200"
    details, totals = parse_aba(text)
    assert len(details) == 3  # two credits (the nil payment is left out) and the balancing debit
    assert details[-1]["code"] == "13"
    assert details[-1]["cents"] == 362656
    assert (totals.net_cents, totals.credit_cents, totals.debit_cents, totals.count) == (
        0,
        362656,
        362656,
        3,
    )


def test_unbalanced_file_nets_the_credits() -> None:
    _, totals = parse_aba(aba_file(PAYMENTS, **KW, balance=False))
    assert (totals.net_cents, totals.debit_cents, totals.count) == (362656, 0, 2)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"bank": "Westpac"}, "bank must be a three-letter"),
        ({"user_name": " "}, "user_name must not be blank"),
        ({"description": ""}, "description must not be blank"),
        ({"remitter": "  "}, "remitter must not be blank"),
        ({"apca_id": 1234567}, "apca_id"),
        ({"trace_bsb": "032999"}, "^trace_bsb must look like"),
        ({"trace_account": "12-34"}, "trace_account"),
        ({"remitter": "🙂"}, r"remitter \('🙂'\): no letters or digits in the ABA character set"),
    ],
)
def test_bad_file_settings_are_named(change, message) -> None:
    with pytest.raises(ValueError, match=message):
        aba_file(PAYMENTS, **(KW | change))


@pytest.mark.parametrize(
    ("payment", "message"),
    [
        (Payment("032000", "1", "Pat Doe", Decimal(1), "x"), "^bsb must look like 123-456"),
        (Payment("032-000", "12-3", "Pat Doe", Decimal(1), "x"), "^account_number must be 1 to 9"),
    ],
)
def test_each_bad_detail_is_named(payment: Payment, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        aba_file([payment], **KW)


def test_bad_payment_is_named() -> None:
    with pytest.raises(ValueError, match="amount of Pat Doe"):
        aba_file([Payment("032-000", "1", "Pat Doe", Decimal("1.005"), "x")], **KW)
    with pytest.raises(ValueError, match="amount 10000000000 does not fit"):
        aba_file([Payment("032-000", "1", "Pat Doe", Decimal("100000000.00"), "x")], **KW)


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda t: t[:-2], "CR LF"),
        (lambda t: t.replace("\r\n", " \r\n", 1), "record 1 has 121 characters"),
        (lambda t: t.replace("\r\n1", "\r\n7", 1), "type 0, then type 1"),
        (lambda t: "1" + t[1:], "^records must be one type 0, then type 1 records, then one"),
        (lambda t: t[:-122] + "1" + t[-121:], "^records must be one type 0, then type 1"),
        (lambda t: t.replace("0000239200", "0000239201", 1), "does not match"),
    ],
)
def test_parse_refuses_broken_files(mangle, message) -> None:
    with pytest.raises(ValueError, match=message):
        parse_aba(mangle(aba_file(PAYMENTS, **KW)))


def test_parse_checks_the_net_total() -> None:
    text = aba_file(PAYMENTS, **KW)
    footer = text.split("\r\n")[-2]
    broken = footer[:20] + "0000000001" + footer[30:]
    with pytest.raises(ValueError, match="net total"):
        parse_aba(text.replace(footer, broken))


def _mangle(text: str, record: int, start: int, new: str) -> str:
    """``text`` with ``new`` written over record ``record`` (1-based) from position ``start``."""
    lines = text.split("\r\n")
    line = lines[record - 1]
    lines[record - 1] = line[:start] + new + line[start + len(new) :]
    return "\r\n".join(lines)


@pytest.mark.parametrize(
    ("record", "start", "new", "message"),
    [
        (1, 5, "X", r"record 1, filler \(positions 2-18\)"),
        (1, 18, "0A", r"record 1, reel sequence number \(positions 19-20\)"),
        (1, 20, "wbc", r"record 1, financial institution"),
        (1, 30, " " * 26, r"record 1, user name \(positions 31-56\): expected text"),
        (1, 56, "12345X", r"record 1, user identification number"),
        (
            1,
            74,
            "310224",
            r"record 1, processing date \(positions 75-80\): expected a date DDMMYY, .*'310224'",
        ),
        (1, 100, "x", r"record 1, filler \(positions 81-120\)"),
        (2, 1, "032000 ", r"record 2, BSB \(positions 2-8\): expected a BSB like 123-456"),
        (2, 8, "1234567X8", r"record 2, account number \(positions 9-17\)"),
        (2, 17, "Z", r"record 2, indicator \(position 18\)"),
        (
            2,
            18,
            "99",
            r"record 2, transaction code \(positions 19-20\): expected a transaction code .*'99'",
        ),
        (2, 20, "00002392 0", r"record 2, amount \(positions 21-30\): expected digits"),
        (2, 30, " " * 32, r"record 2, account title"),
        (2, 80, "032 999", r"record 2, trace BSB"),
        (2, 96, " " * 16, r"record 2, remitter"),
        (2, 112, "0000000 ", r"record 2, withholding tax \(positions 113-120\)"),
        (5, 1, "999 999", r"record 5, BSB format filler"),
        (5, 10, "1", r"record 5, filler \(positions 9-20\)"),
        (5, 60, "1", r"record 5, filler \(positions 51-74\)"),
        (5, 74, "00000X", r"record 5, record count \(positions 75-80\)"),
    ],
)
def test_reader_checks_every_field(record, start, new, message) -> None:
    text = aba_file(PAYMENTS, **KW)
    assert parse_aba(text)  # the file as written is valid
    with pytest.raises(ValueError, match=message):
        parse_aba(_mangle(text, record, start, new))


def test_reader_returns_every_detail_field() -> None:
    details, _ = parse_aba(aba_file(PAYMENTS[:1], **KW, balance=False))
    assert details == [
        {"bsb": "032-000", "account_number": "12345678", "code": "53", "cents": 239200,
         "account_name": "Pat Doe", "reference": "PAY 170724", "trace_bsb": "032-999",
         "trace_account": "7654321", "remitter": "ACME PAYROLL", "withholding_cents": 0}
    ]  # fmt: skip


NAMES = [
    "Zoë O'Brien",
    "José Núñez",
    "Đặng Thị Thu",
    "Søren Øster",
    "张伟",
    "Ana\u2010María",
]  # a Unicode hyphen


def test_everyone_is_paid_whatever_their_name() -> None:
    """A name outside the ABA character set is transliterated, never refused: read back with
    the tests' own reader (``tests/payroll_aba_reader.py``, from the banks' published layout)."""
    payments = [Payment("062-000", f"1234{i}", name, Decimal("100.00") + i, f"PAY Zoë {i}")
                for i, name in enumerate(NAMES)]  # fmt: skip
    data = aba_file(payments, **KW).encode("ascii")
    read = read_aba(data)
    credits = [d for d in read.details if d.code == "53"]
    assert [d.title for d in credits] == [
        "Zoe O'Brien", "Jose Nunez", "Dang Thi Thu", "Soren Oster", "ZhangWei", "Ana-Maria",
    ]  # fmt: skip
    assert credits[0].reference == "PAY Zoe 0"
    assert read.credit_cents == read.debit_cents == sum(10000 + 100 * i for i in range(6))
    assert read.count == len(NAMES) + 1  # and the balancing debit
    assert (read.bank, read.user, read.apca, read.date) == ("WBC", "ACME PTY LTD", "123456",
                                                            "170724")  # fmt: skip


def test_a_name_that_is_nothing_in_ascii_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"account_name of payment 1 .* no letters"):
        aba_file([Payment("062-000", "12345", "🙂", Decimal(1), "PAY")], **KW)
