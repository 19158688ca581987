"""Shared inputs of the ETS unit tests: the market model's data and its calibration."""

from __future__ import annotations

import pytest

from deploybook.ets.descriptive import stationary_emissions
from deploybook.ets.loaders import load
from deploybook.ets.market.calibration import Calibration, ModelData, fit
from deploybook.ets.market.regimes import Regime, default_regimes


@pytest.fixture(scope="session")
def model_data() -> ModelData:
    """The cap, the seven activities' emissions, the EUA price and the TNAC, as loaded."""
    return ModelData.from_frames(
        load("ets_cap_stationary_2013_2023.csv"),
        stationary_emissions(load("ets_verified_emissions_by_sector_eea.csv")),
        load("eua_price_annual_ice_c1.csv"),
        load("ets_tnac_msr_commission.csv"),
    )


@pytest.fixture(scope="session")
def ff55() -> Regime:
    """The 2023 rules."""
    return default_regimes()[3]


@pytest.fixture(scope="session")
def cal(model_data: ModelData, ff55: Regime) -> Calibration:
    """The report's calibration: 2013-2019."""
    return fit(model_data, ff55)[0]
