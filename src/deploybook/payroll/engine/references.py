"""References outside the engine: withholding amounts and coefficient tables from other
publishers, to check the engine (and the coefficient generator) against.

``data/payroll/references/tax_tables.csv`` holds rows of withholding tax tables: the amount
withheld from given earnings, by rule set, pay period, scale and study loan. Each row names
its source (``data/payroll/SOURCES.md``): ``G1`` rows are the ATO's weekly tax table as
reprinted in a tax handbook; ``F1`` rows are the expected values of an independent
implementation's test suite (manageitwa/payg-tax), which does not say how it got them.
``coefficients_F1.csv`` is the same implementation's Schedule 1 and Schedule 8 coefficient
tables where no ATO copy of them was stored (2026-27, and Schedule 8 from 24 September 2025).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd

from deploybook.paths import data_dir
from deploybook.payroll.engine.legislation import Row, derive_coefficients
from deploybook.payroll.engine.rules import default_rule_sets
from deploybook.payroll.engine.withholding import withholding

PUBLISHED_COEFFICIENTS = {  # the ATO's own tables, transcribed from the stored pages
    "ato-schedule1-2020-10-13": "coefficients_2020-10-13_to_2024-06-30.csv",
    "ato-schedule1-2024-07-01": "coefficients_2024-25.csv",
}
TAX_TABLE_COLUMNS = ["rule_set", "paid_on", "period", "scale", "stsl", "earnings", "withheld",
                     "source"]  # fmt: skip


def references_dir() -> Path:
    """``data/payroll/references/``."""
    return data_dir() / "payroll" / "references"


def load_tax_table_rows(path: Path | None = None) -> pd.DataFrame:
    """The reference tax-table rows; a file with other columns is an error naming them."""
    path = path or references_dir() / "tax_tables.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    if list(frame.columns) != TAX_TABLE_COLUMNS:
        raise ValueError(
            f"{path.name}: expected columns {TAX_TABLE_COLUMNS}, found {list(frame.columns)}"
        )
    return frame


def check_tax_table_rows(path: Path | None = None) -> pd.DataFrame:
    """Every reference row with the engine's amount and whether the two agree."""
    frame = load_tax_table_rows(path)
    frame["computed"] = [
        int(withholding(Decimal(r.earnings), period=r.period, scale=r.scale,
                        paid_on=date.fromisoformat(r.paid_on), stsl=r.stsl == "true"))
        for r in frame.itertuples()
    ]  # fmt: skip
    frame["agrees"] = frame["computed"] == frame["withheld"].astype(int)
    frame["publisher"] = frame["source"].str.split().str[0]
    return frame


def load_reference_coefficients(
    path: Path | None = None,
) -> dict[tuple[str, str], dict[str, list[Row]]]:
    """The reference coefficient tables by (schedule, applies from), rows by scale."""
    frame = pd.read_csv(path or references_dir() / "coefficients_F1.csv", dtype=str,
                        keep_default_na=False)  # fmt: skip
    tables: dict[tuple[str, str], dict[str, list[Row]]] = {}
    for row in frame.itertuples():
        upper = None if row.x_upper == "and over" else int(row.x_upper)
        a = Decimal(row.a) if row.a else None
        b = Decimal(row.b) if row.b else None
        tables.setdefault((row.table, row.applies_from), {}).setdefault(row.scale, []).append(
            (upper, a, b)
        )
    return tables


def published_coefficients(rule_set: str) -> dict[str, list[Row]]:
    """The ATO's published coefficient table of ``rule_set`` (formula scales), rows by scale."""
    frame = pd.read_csv(data_dir() / "payroll" / PUBLISHED_COEFFICIENTS[rule_set], dtype=str,
                        keep_default_na=False)  # fmt: skip
    rows: dict[str, list[Row]] = {}
    for row in frame.itertuples():
        if str(row.scale).startswith("4"):
            continue
        upper = None if str(row.x_upper).startswith("and over") else int(row.x_upper)
        a = Decimal(row.a) if row.a else None
        b = Decimal(row.b) if row.b else None
        rows.setdefault(str(row.scale), []).append((upper, a, b))
    return rows


def generator_check() -> pd.DataFrame:
    """The generator's Schedule 1 tables against every table it did not make: one row per
    rule set, reference and scale, with the brackets compared and how many are equal (every
    bracket limit, a and b). References: the ATO's published tables (2020, 2024) and, where
    no ATO copy was stored (2026-27), the independent implementation's (F1).
    """
    independent = load_reference_coefficients()
    rows = []
    for rules in default_rule_sets():
        if rules.legislation is None:
            continue
        ours = derive_coefficients(rules.legislation)
        if rules.name in PUBLISHED_COEFFICIENTS:
            theirs, reference = published_coefficients(rules.name), "ATO, published"
        else:
            theirs = independent[("schedule 1", rules.applies_from.isoformat())]
            reference = "F1, independent"
        for scale in sorted(ours):
            pairs = list(zip(ours[scale], theirs.get(scale, []), strict=False))
            rows.append({
                "rule set": rules.name, "reference": reference, "scale": scale,
                "brackets": len(ours[scale]),
                "equal": sum(o == t for o, t in pairs) if len(ours[scale]) == len(
                    theirs.get(scale, [])) else 0,
            })  # fmt: skip
    return pd.DataFrame(rows)
