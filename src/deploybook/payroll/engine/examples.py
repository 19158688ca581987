"""The ATO's published worked examples (``data/payroll/ato_examples.csv``), recomputed.

Each row is one published figure of one example (weekly earnings ``x``, the rounded
weekly amount, WFT, SOP, levy adjustment, offset reduction, net amount). A row whose
``published`` cell is empty records an input the ATO page gives without the result (the
stored copy is cut off): it is computed and shown, never counted as reproduced.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd

from deploybook.paths import data_dir
from deploybook.payroll.engine.rules import rule_set_for
from deploybook.payroll.engine.withholding import (
    calculate,
    shading_out_point,
    weekly_family_threshold,
)

QUANTITIES = (
    "weekly_earnings",
    "weekly_amount",
    "period_amount",
    "offset_reduction",
    "weekly_family_threshold",
    "shading_out_point",
    "levy_adjustment",
    "amount",
)


def examples_path() -> Path:
    """``data/payroll/ato_examples.csv``."""
    return data_dir() / "payroll" / "ato_examples.csv"


def load_examples(path: Path | None = None) -> pd.DataFrame:
    """The examples table, one row per published figure; a clear error for a bad row."""
    frame = pd.read_csv(path or examples_path(), dtype=str, keep_default_na=False)
    bad = frame[~frame["quantity"].isin(QUANTITIES)]
    if len(bad):
        row = bad.index[0] + 2
        raise ValueError(f"ato_examples.csv:{row}: unknown quantity {bad.iloc[0]['quantity']!r}")
    return frame


def compute(row: pd.Series) -> Decimal:
    """The engine's value of ``row['quantity']`` for the example's inputs."""
    rules = rule_set_for(date.fromisoformat(row["paid_on"]))
    children = int(row["children"])
    if row["quantity"] in ("weekly_family_threshold", "shading_out_point"):
        wft = weekly_family_threshold(children, rules)
        return (
            wft if row["quantity"] == "weekly_family_threshold" else shading_out_point(wft, rules)
        )
    if row["quantity"] == "offset_reduction" and not row["earnings"]:
        row = row.copy()
        row["earnings"] = "0"  # the offset step does not depend on earnings
    result = calculate(
        row["earnings"],
        period=row["period"],
        scale=row["scale"],
        rules=rules,
        tax_offsets=row["tax_offsets"],
        medicare_spouse=row["spouse"] == "true",
        medicare_children=children,
        allowances=row["allowances"],
    )
    return getattr(result, row["quantity"])


def reproduce_examples(path: Path | None = None) -> pd.DataFrame:
    """Every example row with the engine's value and whether it equals the published one."""
    frame = load_examples(path)
    frame["computed"] = [str(compute(row)) for _, row in frame.iterrows()]
    frame["checked"] = frame["published"] != ""
    frame["reproduced"] = [
        p != "" and Decimal(p) == Decimal(c)
        for p, c in zip(frame["published"], frame["computed"], strict=True)
    ]
    return frame
