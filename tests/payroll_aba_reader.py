"""An ABA (Cemtext) file reader written for the tests, apart from the writer it checks.

The reference is the record layout the banks publish for the Direct Entry file format (e.g.
"ABA Format File Details", app.cemtexaba.com, and the Westpac and Bank of Queensland
specifications it follows): 120 characters a record, CR LF after each, a descriptive
record (type 0), detail records (type 1), and a file total record (type 7) whose totals are
the sums of the details. Nothing here imports ``deploybook``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Credit:
    """One detail record, as the bank reads it."""

    bsb: str
    account: str
    code: str
    cents: int
    title: str
    reference: str


@dataclass(frozen=True)
class AbaFile:
    """A whole file, as the bank reads it."""

    bank: str
    user: str
    apca: str
    description: str
    date: str
    details: list[Credit]
    net_cents: int
    credit_cents: int
    debit_cents: int
    count: int


def read_aba(data: bytes) -> AbaFile:
    """Read ``data`` (the bytes a bank receives); ``AssertionError`` says what is wrong."""
    text = data.decode("ascii")  # a byte outside ASCII is an error here, not a '?'
    assert text.endswith("\r\n"), "every record ends with CR LF"
    records = text[:-2].split("\r\n")
    assert all(len(r) == 120 for r in records), [len(r) for r in records]
    assert all(32 <= ord(c) < 127 for r in records for c in r), "printable ASCII only"
    kinds = "".join(r[0] for r in records)
    assert kinds[0] == "0", kinds
    assert kinds[-1] == "7", kinds
    assert set(kinds[1:-1]) <= {"1"}, kinds
    head, total = records[0], records[-1]
    assert (head[1:18], head[18:20], head[80:]) == (" " * 17, "01", " " * 40)
    details = [
        Credit(r[1:8], r[8:17].strip(), r[18:20], int(r[20:30]), r[30:62].rstrip(),
               r[62:80].rstrip())
        for r in records[1:-1]
    ]  # fmt: skip
    for record in records[1:-1]:
        assert record[4] == "-", record[1:8]
        assert (record[1:4] + record[5:8]).isdigit(), record[1:8]
    assert total[1:8] == "999-999", total[1:8]
    debit = sum(d.cents for d in details if d.code == "13")
    credit = sum(d.cents for d in details if d.code != "13")
    parsed = AbaFile(
        bank=head[20:23], user=head[30:56].rstrip(), apca=head[56:62],
        description=head[62:74].rstrip(), date=head[74:80], details=details,
        net_cents=int(total[20:30]), credit_cents=int(total[30:40]),
        debit_cents=int(total[40:50]), count=int(total[74:80]),
    )  # fmt: skip
    assert (parsed.credit_cents, parsed.debit_cents) == (credit, debit), "totals"
    assert parsed.net_cents == abs(credit - debit), "net total"
    assert parsed.count == len(details), "record count"
    return parsed
