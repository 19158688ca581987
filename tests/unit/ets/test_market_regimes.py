"""The ETS rules of the market model: MSR intake, holding limit, cap path, supply items."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from deploybook.ets import constants as C
from deploybook.ets.market import regimes as R


def test_msr_rule_reproduces_published_intakes(model_data, ff55) -> None:
    """Outside reference: the Commission's published intakes for the published TNACs."""
    tnac = model_data.tnac
    assert R.msr_rule(tnac[2018], 2019, ff55) == pytest.approx(397_178_358, abs=1)
    assert R.msr_rule(tnac[2022], 2023, ff55) == pytest.approx(272_350_737, abs=1)
    assert R.msr_rule(tnac[2025], 2026, ff55) == pytest.approx(190_494_202, abs=1)  # buffer
    assert R.msr_rule(tnac[2024], 2025, ff55) == pytest.approx(276e6, rel=0.005)
    # the first feed covered 8 months of 2019: 265 m
    assert 8 / 12 * R.msr_rule(tnac[2017], 2018, ff55) == pytest.approx(265e6, rel=0.002)


def test_msr_rule_thresholds_and_rates(ff55) -> None:
    assert R.msr_rule(300e6, 2030, ff55) == -C.MSR_RELEASE.value
    assert R.msr_rule(600e6, 2030, ff55) == 0.0
    assert R.msr_rule(2e9, 2030, ff55) == pytest.approx(0.24 * 2e9)
    assert R.msr_rule(2e9, 2031, ff55) == pytest.approx(0.12 * 2e9)  # base rate after 2030
    before_buffer = R.default_regimes()[2]
    assert R.msr_rule(900e6, 2022, before_buffer) == pytest.approx(0.24 * 900e6)
    assert R.msr_rule(900e6, 2024, ff55) == pytest.approx(67e6)
    msr2015 = R.default_regimes()[1]
    assert R.msr_rule(850e6, 2025, msr2015) == pytest.approx(0.12 * 850e6)
    assert R.msr_rule(2e9, 2025, replace(ff55, msr=False)) == 0.0
    # 12% of a TNAC just above 833 m is below the 100 m minimum: no intake
    assert R.msr_rule(833.2e6, 2031, msr2015) == 0.0


def test_holding_limit_follows_the_law_and_the_proposal(ff55) -> None:
    assert R.holding_limit(ff55, 2022, 5e8) == np.inf
    assert R.holding_limit(ff55, 2023, 5e8) == 5e8  # 2018 rule: last year's auction volume
    assert R.holding_limit(ff55, 2024, 5e8) == C.MSR_HOLDING_LIMIT.value
    assert R.holding_limit(R.default_regimes()[2], 2030, 5e8) == 5e8
    assert R.holding_limit(R.default_regimes()[1], 2030, 5e8) == np.inf
    proposal = R.default_regimes(invalidation_ends=2027)[-1]
    assert proposal.information_year == 2026
    assert R.holding_limit(proposal, 2026, 5e8) == C.MSR_HOLDING_LIMIT.value
    assert R.holding_limit(proposal, 2027, 5e8) == np.inf


def test_scenario_regimes_order_and_foresight() -> None:
    rolling = R.scenario_regimes(4.3, 4.4, True, "rolling", invalidation_ends=2027)
    assert [r.information_year for r in rolling] == [2013, 2016, 2018, 2023, 2026]
    perfect = R.scenario_regimes(4.3, 4.4, True, "perfect")
    assert [(r.name, r.information_year) for r in perfect] == [("Fit for 55 (2023)", 2013)]
    perfect_end = R.scenario_regimes(4.3, 4.4, True, "perfect", invalidation_ends=2027)
    assert perfect_end[0].invalidation_last_year == 2026
    early = R.scenario_regimes(4.3, 4.4, True, "rolling", ff55_information_year=2017)
    assert [r.information_year for r in early] == [2013, 2016, 2017]
    with pytest.raises(ValueError, match="foresight"):
        R.scenario_regimes(4.3, 4.4, True, "myopic")


def test_cap_path_applies_the_2023_reform(model_data, ff55) -> None:
    historical = model_data.cap
    cap = R.cap_path(ff55, historical)
    reference = C.LRF_2021_ANNUAL.value / 0.022
    assert cap[2023] == pytest.approx(historical[2023], abs=2)
    assert cap[2024] == pytest.approx(cap[2023] - 0.043 * reference - 90e6)
    assert cap[2026] == pytest.approx(cap[2025] - 0.043 * reference - 27e6)
    assert cap[2029] == pytest.approx(cap[2028] - 0.044 * reference)
    assert cap[2040] == 0.0
    assert (cap.diff().dropna() <= 0).all()
    old = R.cap_path(R.default_regimes()[0], historical)
    assert old[2020] == historical[2020]
    assert old[2040] > 0


def test_phase4_scope_ratio_is_the_cap_without_the_uk(model_data) -> None:
    """The 2020 cap on phase 4's scope is the published 2021 cap plus one 2.2% step."""
    ratio = R.phase4_scope_ratio(model_data.cap)
    assert ratio * model_data.cap[2020] == pytest.approx(1_571_583_007 + 43_003_515)
    assert 0.85 < ratio < 0.92  # the United Kingdom held about a ninth of the phase-3 cap


def test_credits_by_year_add_up_to_the_published_total() -> None:
    """Outside reference: the Commission's 506.3 million credits exchanged by 30 April 2021."""
    years = np.arange(2012, 2023)
    credits = R.credits_by_year(years)
    assert credits.sum() == pytest.approx(506.3e6)
    assert credits[years == 2013][0] == pytest.approx(132.8e6)
    assert credits[years == 2012][0] == credits[years == 2021][0] == 0.0
    assert np.allclose(credits[np.isin(years, [2017, 2018, 2019])], (479.5e6 - 422.39e6) / 3)


def test_supply_adjustments_hold_backloading_credits_and_the_planned_return(ff55) -> None:
    years = np.arange(2013, 2022)
    with_msr = R.supply_adjustments(ff55, years)
    planned = R.supply_adjustments(R.default_regimes()[0], years)
    credits = R.credits_by_year(years)
    assert with_msr[years == 2014][0] == pytest.approx(credits[1] - 400e6)
    assert (planned - with_msr)[years == 2020][0] == pytest.approx(600e6)
    assert (planned - with_msr).sum() == pytest.approx(900e6)


def test_rule_intakes_start_with_the_published_tnacs(model_data, ff55) -> None:
    rule = R.rule_intakes(model_data.tnac, ff55)
    assert rule.index.min() == 2017
    assert rule[2018] == pytest.approx(397_178_358, abs=1)
    assert (2023 in rule.index) == bool(np.isfinite(model_data.tnac.get(2023, np.nan)))
