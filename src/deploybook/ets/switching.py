r"""The coal-to-gas switching carbon price, month by month.

A gas unit and a coal unit have equal short-run costs when

.. math:: p^* = \frac{c_g/\eta_g - c_c/\eta_c}{f_c/\eta_c - f_g/\eta_g}

with fuel costs :math:`c` in EUR per MWh of fuel (net calorific value), efficiencies
:math:`\eta` and emission factors :math:`f` in t CO2 per MWh of fuel. Above :math:`p^*`
carbon makes the gas unit cheaper to run; at or below zero, gas is cheaper even without a
carbon price. The constants come from
:mod:`deploybook.ets.constants`; the band uses an efficient coal unit against an old
CCGT (high :math:`p^*`) and the reverse (low :math:`p^*`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from deploybook.ets import constants as C
from deploybook.ets import units


@dataclass(frozen=True)
class Plants:
    """Efficiencies of the coal and gas units compared (net, NCV basis)."""

    eta_coal: float = C.ETA_COAL.value
    eta_gas: float = C.ETA_GAS.value


BAND_HIGH = Plants(eta_coal=0.42, eta_gas=0.49)  # efficient coal vs old CCGT: switching costs more
BAND_LOW = Plants(eta_coal=0.34, eta_gas=0.58)  # old coal vs new CCGT: switching costs less

COAL_MWH_PER_T = C.API2_NCV_KCAL_PER_KG.value * 1000 / C.KCAL_PER_MWH
EF_COAL = C.EF_COAL_T_PER_TJ.value * C.TJ_PER_MWH  # t CO2 per MWh of coal (NCV)
EF_GAS = C.EF_GAS_T_PER_TJ.value * C.TJ_PER_MWH
COAL_SERIES = "coal_api2_rotterdam_front_month"  # API2, 6,000 kcal/kg NAR, CIF ARA
GAS_SERIES = "gas_ttf_front_month"  # TTF, per MWh GCV


def switch_price(
    coal_eur_per_mwh: np.ndarray | float,
    gas_eur_per_mwh_ncv: np.ndarray | float,
    plants: Plants = Plants(),
) -> np.ndarray:
    """The carbon price (EUR/t) at which gas and coal units cost the same to run."""
    if not (0 < plants.eta_coal < 1 and 0 < plants.eta_gas < 1):
        raise ValueError(f"efficiencies must lie in (0, 1), got {plants}")
    fuel_gap = (
        np.asarray(gas_eur_per_mwh_ncv) / plants.eta_gas
        - np.asarray(coal_eur_per_mwh) / plants.eta_coal
    )
    carbon_gap = EF_COAL / plants.eta_coal - EF_GAS / plants.eta_gas
    if carbon_gap <= 0:
        raise ValueError(f"the gas unit emits at least as much per MWh as the coal unit: {plants}")
    return fuel_gap / carbon_gap


def monthly_switching(
    fuels: pd.DataFrame, fx: pd.DataFrame, eua: pd.DataFrame, plants: Plants = Plants()
) -> pd.DataFrame:
    """Month by month: fuel costs in EUR/MWh, the switching price with its band, the EUA price,
    and which unit is cheaper to run: ``carbon_makes_gas_cheaper`` when the switching price is
    positive and the EUA price reaches it (carbon turned the order round),
    ``gas_cheaper_without_carbon`` when gas was cheaper even at a zero carbon price, and the
    same comparison for the two ends of the band.

    ``fuels`` is ``fuel_prices_monthly``, ``fx`` the ECB USD-per-EUR monthly means and
    ``eua`` the EUA monthly means (all as loaded). Each fuel price is taken in euros as its
    column label says (:func:`deploybook.ets.units.in_currency`: a euro column is used as it is,
    a dollar column converted at the month's rate). TTF is quoted per MWh of gross calorific
    value; it is converted to the net basis of the efficiencies with ``GAS_GCV_PER_NCV``.
    """
    frame = fuels.merge(
        eua[["year", "month", "mean_eur_per_t"]], on=["year", "month"], how="left", validate="1:1"
    )
    coal = units.in_currency(frame, COAL_SERIES, fx, "eur") / COAL_MWH_PER_T
    gas = units.in_currency(frame, GAS_SERIES, fx, "eur") * C.GAS_GCV_PER_NCV.value
    out = pd.DataFrame(
        {
            "date": pd.to_datetime(dict(year=frame["year"], month=frame["month"], day=1)),
            "year": frame["year"],
            "month": frame["month"],
            "coal_eur_per_mwh": coal,
            "gas_eur_per_mwh_ncv": gas,
            "switch_price_eur_per_t": switch_price(coal, gas, plants),
            "switch_low_eur_per_t": switch_price(coal, gas, BAND_LOW),
            "switch_high_eur_per_t": switch_price(coal, gas, BAND_HIGH),
            # the ICE c1 series (EUA monthly file) where present, else the fuel file's EUA column
            "eua_eur_per_t": frame["mean_eur_per_t"].fillna(
                frame["eua_front_dec_future_eur_per_t_monthly_mean"]
            ),
        }
    )
    eua, switch = out["eua_eur_per_t"], out["switch_price_eur_per_t"]
    # a switching price at or below zero: gas was cheaper to run even without a carbon price
    out["gas_cheaper_without_carbon"] = switch <= 0
    out["carbon_makes_gas_cheaper"] = (switch > 0) & (eua >= switch)
    out["gas_cheaper_old_coal"] = eua >= out["switch_low_eur_per_t"]  # old coal vs new CCGT
    out["gas_cheaper_new_coal"] = eua >= out["switch_high_eur_per_t"]  # new coal vs old CCGT
    return out


def annual_switching(monthly: pd.DataFrame, coal_share: pd.Series) -> pd.DataFrame:
    """Per year: mean switching price, mean EUA, months in which carbon made gas cheaper,
    months in which gas was cheaper even without carbon, and the EU coal share of generation
    (``coal_share`` indexed by year, in %)."""
    grouped = monthly.groupby("year")
    out = pd.DataFrame(
        {
            "switch_price_eur_per_t": grouped["switch_price_eur_per_t"].mean(),
            "eua_eur_per_t": grouped["eua_eur_per_t"].mean(),
            "months": grouped.size(),
            "months_gas_cheaper": grouped["carbon_makes_gas_cheaper"].sum(),
            "months_gas_cheaper_without_carbon": grouped["gas_cheaper_without_carbon"].sum(),
        }
    )
    out["coal_share_pct"] = coal_share.reindex(out.index)
    out["coal_share_change_pp"] = out["coal_share_pct"].diff()
    return out.reset_index()
