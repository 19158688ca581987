"""Tables as the report shows them: no row index, whole numbers whole, blanks for "none"."""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler


def _cell(value: object, precision: int) -> str:
    if value is None or value is pd.NA or (isinstance(value, Real) and math.isnan(float(value))):
        return "\N{EN DASH}"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, Integral):
        return f"{value:,}"
    if isinstance(value, Real):
        return f"{value:,.{precision}f}"
    return str(value)


def show(frame: pd.DataFrame, *, precision: int = 2) -> Styler:
    """``frame`` for display: the index hidden, floats with ``precision`` decimals,
    integers with thousands separators, booleans as yes/no, missing values as a dash."""
    return (
        frame.style.hide(axis="index")
        .format(lambda value: _cell(value, precision))
        .set_table_styles(
            [
                {"selector": "th", "props": [("text-align", "left")]},
                {"selector": "th, td", "props": [("padding", "0.2em 0.9em 0.2em 0")]},
            ]
        )
    )
