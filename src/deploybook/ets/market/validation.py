"""The market model against what was published: prices, price moves, the bank and invalidation.

Every comparison here is with a series the model was not fitted to, or is reported separately for
the calibration years and the years after them (:data:`calibration.EVALUATION_YEARS`).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

import numpy as np
import pandas as pd

from deploybook.ets import constants as C


def price_error(path: pd.DataFrame, observed: pd.Series, years: Sequence[int]) -> dict[str, float]:
    """RMSE, mean error and correlation of the model price against observed annual means."""
    model = path.set_index("year")["price_eur_per_t"].reindex(list(years))
    obs = observed.reindex(list(years))
    diff = model - obs
    return {
        "rmse": float(np.sqrt((diff**2).mean())),
        "mean_error": float(diff.mean()),
        "correlation": float(np.corrcoef(model, obs)[0, 1]) if len(diff) > 1 else float("nan"),
    }


class MoveVerdict(StrEnum):
    """What the model reproduces of an observed price change."""

    SIGN_AND_SIZE = "the sign and rough size"
    SIGN_ONLY = "the sign but not the size"
    NEITHER = "neither the sign nor the size"


def move_verdict(model_change: float, observed_change: float) -> MoveVerdict:
    """How a model price change compares with the observed one: same sign and within a factor
    of two is the sign and rough size; same sign only, the sign but not the size."""
    if model_change * observed_change <= 0:
        return MoveVerdict.NEITHER
    ratio = model_change / observed_change
    return MoveVerdict.SIGN_AND_SIZE if 0.5 <= ratio <= 2 else MoveVerdict.SIGN_ONLY


# multi-year windows around the rule changes the market priced: (first, last, what changed)
REFORM_WINDOWS = [
    (2017, 2019, "the 2018 reform and the MSR's start"),
    (2020, 2023, "Fit for 55"),
]


def price_moves(
    path: pd.DataFrame, observed: pd.Series, first: int = 2018, last: int = 2024
) -> pd.DataFrame:
    """Year-on-year price changes (EUR/t) of the model and of the observed annual means from
    ``first`` to ``last``, the reform windows (:data:`REFORM_WINDOWS`) after them, each with
    :func:`move_verdict`."""
    model = path.set_index("year")["price_eur_per_t"]
    spans = [(y - 1, y, "year on year") for y in range(first, last + 1)] + REFORM_WINDOWS
    rows = []
    for a, b, kind in spans:
        m, o = float(model.loc[b] - model.loc[a]), float(observed.loc[b] - observed.loc[a])
        rows.append(
            {
                "span": f"{a}-{b}",
                "kind": kind,
                "observed_change_eur_per_t": o,
                "model_change_eur_per_t": m,
                "same_sign": m * o > 0,
                "verdict": move_verdict(m, o),
            }
        )
    return pd.DataFrame(rows)


def bank_vs_tnac(path: pd.DataFrame, tnac: pd.Series) -> pd.DataFrame:
    """The model's bank at the end of each year against the published TNAC (allowances), for
    the years with both; ``gap`` is model less published."""
    bank = path.set_index("year")["bank_allowances"]
    published = tnac.dropna()
    years = sorted(set(bank.index) & set(published.index))
    frame = pd.DataFrame(
        {
            "year": years,
            "model_bank_allowances": bank.loc[years].to_numpy(),
            "published_tnac_allowances": published.loc[years].to_numpy(),
        }
    )
    frame["gap_allowances"] = frame["model_bank_allowances"] - frame["published_tnac_allowances"]
    return frame


def invalidation_check(path: pd.DataFrame) -> dict[str, float]:
    """The model's invalidations (million allowances) against the Commission's: on 1 January
    2023 and over 2023-2026."""
    invalidated = path.set_index("year")["msr_invalidated_allowances"]
    return {
        "model_2023_mt": float(invalidated.get(2023, 0.0) / 1e6),
        "published_2023_mt": C.MSR_INVALIDATED_2023.value / 1e6,
        "model_2023_2026_mt": float(invalidated.loc[2023:2026].sum() / 1e6),
        "published_2023_2026_mt": C.MSR_INVALIDATED_2023_2026.value / 1e6,
    }
