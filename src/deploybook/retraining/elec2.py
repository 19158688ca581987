"""ELEC2, the New South Wales electricity-price data set: loading and batching in time order."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from deploybook.paths import data_dir

FEATURES = [f"feat_{i}" for i in range(1, 7)]
LABEL = "target"
ROWS = 45_312
ROWS_PER_DAY = 48
FIRST_WEEKDAY = 1  # 7 May 1996, the first half-hour, was a Tuesday (Monday = 0)
FIRST_DAY = date(1996, 5, 7)


def elec2_path() -> Path:
    """The bundled ``data/retraining/elec2.csv``."""
    return data_dir() / "retraining" / "elec2.csv"


def load_elec2(path: Path | None = None) -> pd.DataFrame:
    """ELEC2 in time order with a ``row_id``; a clear error if the file is not ELEC2-shaped."""
    path = path or elec2_path()
    frame = pd.read_csv(path)
    expected = [*FEATURES, LABEL]
    if list(frame.columns) != expected:
        raise ValueError(f"{path}: expected columns {expected}, found {list(frame.columns)}")
    if not frame[LABEL].isin([0, 1]).all():
        raise ValueError(f"{path}: column {LABEL!r} must hold only 0 and 1")
    frame.insert(0, "row_id", range(len(frame)))
    return frame


def day_of_week(row_id: int) -> float:
    """ELEC2's dropped ``day`` column, rebuilt from row order and scaled to [0, 1] (Monday 0).

    The rows are consecutive half-hours from Tuesday 7 May 1996, 48 a day.
    """
    return ((row_id // ROWS_PER_DAY + FIRST_WEEKDAY) % 7) / 6


def batches(frame: pd.DataFrame, batch_rows: int, count: int) -> Iterator[pd.DataFrame]:
    """The first ``count`` consecutive batches of ``batch_rows`` rows, each tagged ``batch``."""
    if batch_rows * count > len(frame):
        raise ValueError(
            f"{count} batches of {batch_rows} rows need {batch_rows * count} rows; "
            f"the data has {len(frame)}"
        )
    for index in range(count):
        part = frame.iloc[index * batch_rows : (index + 1) * batch_rows].copy()
        part["batch"] = index
        yield part


def row_date(row_id: int) -> date:
    """The day of ELEC2 row ``row_id`` (consecutive half-hours from 7 May 1996)."""
    return FIRST_DAY + timedelta(days=row_id // ROWS_PER_DAY)


def first_varying_row(frame: pd.DataFrame) -> int:
    """The first row from which no feature still holds its row-0 value all along: before it,
    some column is a constant placeholder (in ELEC2, the Victoria columns ``feat_4`` to
    ``feat_6`` until row 17,424).
    """
    firsts = [int((frame[f] != frame[f].iloc[0]).to_numpy().argmax()) for f in FEATURES]
    return max(firsts)
