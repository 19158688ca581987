"""The source essay's claims about the EU ETS, each with this report's evidence and a verdict.

Verdicts that rest on data are computed from the report's results (:class:`Evidence`);
verdicts that rest on law or on the absence of any source say which text they rest on.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from deploybook.ets import descriptive
from deploybook.ets.attribution import Attribution
from deploybook.ets.market.scenarios import Waterbed

SUPPORTED = "supported"
PARTLY = "partly supported"
NOT_SUPPORTED = "not supported"
CONTRADICTED = "contradicted"
NO_SOURCE = "no source found"


@dataclass(frozen=True)
class Evidence:
    """The computed results the verdicts rest on."""

    first_price_year: int
    cap_change_pct_2013_2023: float
    emissions_change_pct_2005_2023: float
    combustion_share_pct_2023: float  # combustion (power and heat) in the seven activities
    trading_days_per_month: float  # mean trading days in a full month of the EUA price file
    months_gas_cheaper: int  # months in which carbon turned the running-cost order round
    months_gas_cheaper_without_carbon: int  # months gas won even at a zero carbon price
    months_compared: int
    switching_window: str
    coal_share_change_pp: float  # EU coal share of generation, 2013-2024, percentage points
    attributable_share: float
    attributable_low: float
    attributable_high: float
    attributable_window: str
    mean_price_low_phases: float  # mean monthly EUA price 2008-2017, EUR/t
    price_cv_low_phases: float  # coefficient of variation of monthly prices 2008-2017
    switch_price_low_phases: float  # mean coal-to-gas switching price 2013-2017, EUR/t
    waterbed_msr_on_mt: float  # change in total emissions from faster renewables (news year)
    waterbed_msr_off_mt: float
    waterbed_foreseen_mt: float  # the same speed-up foreseen since 2013
    waterbed_news_year: int


LOW_PHASES = (2008, 2017)
SWITCH_LOW_PHASES = (2013, 2017)  # the years of phases 2-3 with fuel prices


def build_evidence(
    overview: pd.DataFrame,
    eua_annual: pd.DataFrame,
    eua_monthly: pd.DataFrame,
    monthly_switching: pd.DataFrame,
    annual_switching: pd.DataFrame,
    attribution: Attribution,
    waterbed: Waterbed,
) -> Evidence:
    """The evidence from the report's results: the overview (:func:`descriptive.ets_overview`),
    the EUA price files as loaded, the switching tables, the attribution and the waterbed."""
    by_year = overview.set_index("year")
    coal = annual_switching.set_index("year")["coal_share_pct"]
    switch = annual_switching.set_index("year")["switch_price_eur_per_t"]
    mean_low, cv_low = descriptive.price_level(eua_monthly, *LOW_PHASES)
    dates = monthly_switching["date"]
    return Evidence(
        first_price_year=int(eua_annual["year"].min()),
        cap_change_pct_2013_2023=descriptive.change_pct(by_year["cap_mt"], 2013, 2023),
        emissions_change_pct_2005_2023=descriptive.change_pct(by_year["verified_mt"], 2005, 2023),
        combustion_share_pct_2023=float(
            by_year.loc[2023, "combustion_mt"] / by_year.loc[2023, "verified_mt"] * 100
        ),
        trading_days_per_month=descriptive.trading_days_per_month(eua_monthly),
        months_gas_cheaper=int(monthly_switching["carbon_makes_gas_cheaper"].sum()),
        months_gas_cheaper_without_carbon=int(
            monthly_switching["gas_cheaper_without_carbon"].sum()
        ),
        months_compared=len(monthly_switching),
        switching_window=f"{dates.min():%Y-%m} to {dates.max():%Y-%m}",
        coal_share_change_pp=float(coal.loc[2024] - coal.loc[2013]),
        attributable_share=attribution.share,
        attributable_low=attribution.ci_low,
        attributable_high=attribution.ci_high,
        attributable_window=f"{attribution.window[0]}-{attribution.window[1]}",
        mean_price_low_phases=mean_low,
        price_cv_low_phases=cv_low,
        switch_price_low_phases=float(switch.loc[slice(*SWITCH_LOW_PHASES)].mean()),
        waterbed_msr_on_mt=waterbed.msr_on_mt,
        waterbed_msr_off_mt=waterbed.msr_off_mt,
        waterbed_foreseen_mt=waterbed.foreseen_mt,
        waterbed_news_year=waterbed.news_year,
    )


def _share_verdict(ev: Evidence, claimed: float) -> str:
    if ev.attributable_high < claimed:
        return CONTRADICTED
    if ev.attributable_low > 0:
        return PARTLY
    return NOT_SUPPORTED


def _amplification_verdict(ev: Evidence) -> str:
    """Renewables cut cumulative emissions under a cap only if the MSR invalidates more."""
    if ev.waterbed_msr_on_mt < 0 or ev.waterbed_foreseen_mt < 0:
        return PARTLY
    if ev.waterbed_msr_on_mt > 0 and ev.waterbed_foreseen_mt > 0:
        return CONTRADICTED
    return NOT_SUPPORTED


def claims_table(ev: Evidence) -> pd.DataFrame:
    """Every claim of the essay's ETS section with the evidence and a verdict."""
    pct = "{:.1f}%".format
    low_price = ev.mean_price_low_phases < ev.switch_price_low_phases
    share_text = (
        f"this report's panel estimate for {ev.attributable_window}: "
        f"{pct(ev.attributable_share * 100)}"
        f" (95% CI {pct(ev.attributable_low * 100)} to {pct(ev.attributable_high * 100)})"
    )
    water_text = (
        f"market model, faster renewables: total emissions change by "
        f"{ev.waterbed_msr_on_mt:+,.0f} million allowances if the market learns of them in "
        f"{ev.waterbed_news_year}, by {ev.waterbed_foreseen_mt:+,.0f} million if it foresaw "
        f"them from 2013, and by {ev.waterbed_msr_off_mt:+,.0f} million without the MSR (a "
        "fixed cap is a waterbed; only the MSR's invalidation changes the total)"
    )
    rows = [
        (
            "a cap-and-trade system implemented in 2005",
            f"the EUA price series starts in {ev.first_price_year}; Directive 2003/87/EC",
            SUPPORTED if ev.first_price_year == 2005 else NOT_SUPPORTED,
        ),
        (
            "it covers heavy energy-using industry, including power plants",
            "Directive 2003/87/EC, Annex I (combustion installations above 20 MW thermal, "
            "refineries, steel, cement, lime, glass, paper, chemicals); combustion, mostly "
            f"power and heat, was {pct(ev.combustion_share_pct_2023)} of the seven "
            "activities' verified emissions in 2023",
            SUPPORTED,
        ),
        (
            "a declining cap on total emissions",
            f"EU-wide cap 2013-2023 changed by {pct(ev.cap_change_pct_2013_2023)}; in 2005-2012 "
            "caps were national allocation plans, not one declining EU cap",
            PARTLY if ev.cap_change_pct_2013_2023 < 0 else CONTRADICTED,
        ),
        (
            "each allowance allows 1 tonne of CO2 equivalent",
            "Directive 2003/87/EC, Art. 3(a) (definition of an allowance)",
            SUPPORTED,
        ),
        (
            "allowances are traded in annual auctions and on the secondary market",
            "auctions run several times a week on a common platform under Regulation (EU) "
            "No 1031/2010, not once a year; the price data show trading on "
            f"{ev.trading_days_per_month:.1f} days in a full month on average",
            PARTLY,
        ),
        (
            "the price signal encourages reductions where cheapest",
            f"verified emissions of the seven activities changed by "
            f"{pct(ev.emissions_change_pct_2005_2023)} 2005-2023 while the price was positive; "
            "cost-effectiveness itself is not tested here",
            PARTLY,
        ),
        (
            "the ETS has played an important role in driving renewable deployment",
            share_text + f"; the EUA price averaged EUR {ev.mean_price_low_phases:.1f}/t in "
            "2008-2017",
            _share_verdict(ev, 0.0),
        ),
        (
            "the carbon price makes generators switch from fossil to lower-carbon sources",
            f"carbon made gas cheaper than coal in {ev.months_gas_cheaper} of "
            f"{ev.months_compared} months ({ev.switching_window}); in "
            f"{ev.months_gas_cheaper_without_carbon} more, gas was cheaper even without a "
            f"carbon price; the EU coal share of generation changed by "
            f"{ev.coal_share_change_pp:+.1f} pp from 2013 to 2024",
            SUPPORTED if ev.months_gas_cheaper > 0 and ev.coal_share_change_pp < 0 else PARTLY,
        ),
        (
            "several studies found the carbon price increased renewable capacity",
            share_text + "; published ex-post studies (Bayer & Aklin 2020; Dechezleprêtre et al. "
            "2018) estimate emission effects, not renewable capacity",
            PARTLY if ev.attributable_low > 0 else NOT_SUPPORTED,
        ),
        (
            "an EEA study: about 45% of new renewable capacity 2008-2015 due to carbon pricing",
            "no such EEA study was found; " + share_text,
            f"{NO_SOURCE}; {_share_verdict(ev, 0.45)} by the data",
        ),
        (
            "renewables gain from low marginal costs as carbon prices rise",
            "merit-order economics: a carbon price raises fossil units' running costs and not "
            "those of wind and solar; not estimated separately here",
            SUPPORTED,
        ),
        (
            "renewables displace fossil generation, cutting emissions in the capped sectors",
            f"in the year they run, yes: the EU coal share of generation changed by "
            f"{ev.coal_share_change_pp:+.1f} pp 2013-2024 as renewables grew; but under the cap "
            "the allowances they free are used elsewhere or later (next row)",
            PARTLY,
        ),
        (
            "this displacement amplifies the ETS's effect beyond a simple cap",
            water_text,
            _amplification_verdict(ev),
        ),
        (
            "Nature Climate Change: ~20 Mt CO2 cut 2008-2015 by ETS-driven renewables",
            "no such article was found; Bayer & Aklin (2020, PNAS) estimate ~1.2 Gt saved by the "
            "whole ETS 2008-2016",
            NO_SOURCE,
        ),
        (
            "low and volatile prices in phases 2 and 3 weakened the incentive",
            f"mean EUA price 2008-2017 EUR {ev.mean_price_low_phases:.1f}/t, "
            f"{'below' if low_price else 'not below'} the mean coal-to-gas switching price of "
            f"EUR {ev.switch_price_low_phases:.1f}/t in 2013-2017; coefficient of variation of "
            f"monthly prices {ev.price_cv_low_phases:.2f}",
            SUPPORTED if low_price else NOT_SUPPORTED,
        ),
        (
            "the electricity benchmark for free allocation includes a renewable benchmark",
            "since 2013 electricity generation gets no free allocation (Directive 2003/87/EC, "
            "Art. 10a(3), as amended by Directive 2009/29/EC) except the optional transitional "
            "allocation for modernising power generation in some lower-income member states "
            "(Art. 10c); the product benchmarks of Decision 2011/278/EU include no renewable "
            "benchmark",
            CONTRADICTED,
        ),
        (
            "member states may use auction revenues for renewables",
            "Directive 2003/87/EC, Art. 10(3): renewable energy is among the listed uses; from "
            "2013 at least 50% of revenues 'should' go to such uses (Directive 2009/29/EC), and "
            "since Directive (EU) 2023/959 member states must use all their revenues (bar "
            "compensation for indirect carbon costs) for climate purposes",
            SUPPORTED,
        ),
        (
            "UK carbon price support and Sweden's carbon tax dedicate revenues to green energy",
            "both are national taxes, not part of the ETS's design; UK carbon receipts are not "
            "hypothecated (HM Treasury: they accrue to the Consolidated Fund); Swedish tax "
            "revenue is not earmarked, and fuels used to generate electricity are exempt from "
            "Sweden's carbon tax (Carbon Tax Act 1990:582)",
            CONTRADICTED,
        ),
        (
            "up to 30% of renewable support 2008-2015 financed by carbon revenues",
            "no source found for this figure",
            NO_SOURCE,
        ),
        (
            "over 40% of new renewable capacity since phase 2 attributable to the ETS",
            "no source given or found; " + share_text,
            f"{NO_SOURCE}; {_share_verdict(ev, 0.40)} by the data",
        ),
    ]
    return pd.DataFrame(
        rows, columns=["claim (the source essay, paraphrased)", "evidence", "verdict"]
    )


def figures(table: pd.DataFrame) -> dict[str, int]:
    """Counts of the claims table (:func:`claims_table`) by verdict, by glue name. The
    verdicts "no source found; ... by the data" count as no source; the counts add up to
    ``claims_checked``."""
    verdict = table["verdict"]
    return {
        "claims_checked": len(table),
        "claims_no_source": int(verdict.str.startswith(NO_SOURCE).sum()),
        "claims_supported": int((verdict == SUPPORTED).sum()),
        "claims_partly": int((verdict == PARTLY).sum()),
        "claims_not_supported": int((verdict == NOT_SUPPORTED).sum()),
        "claims_contradicted": int((verdict == CONTRADICTED).sum()),
    }
