"""A finding of a workflow checker, and findings as a table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = ["checker", "rule", "severity", "file", "line", "job", "message"]


@dataclass(frozen=True)
class Finding:
    """One problem in one workflow file."""

    checker: str  # schema | zizmor | policy
    rule: str
    severity: str
    file: str
    line: int
    job: str
    message: str


def findings_table(findings: Sequence[Finding]) -> pd.DataFrame:
    """Findings as a DataFrame, sorted by file and line (empty with the same columns)."""
    import pandas as pd  # here: the command-line tool should not pay for it on every call

    frame = pd.DataFrame([asdict(f) for f in findings], columns=COLUMNS)
    return frame.sort_values(["file", "line", "checker"], kind="stable").reset_index(drop=True)
