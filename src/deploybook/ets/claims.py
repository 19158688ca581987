"""The source essay's claims about the EU ETS, each with its evidence, a verdict and the basis of
that verdict.

A verdict's basis says how it was reached: ``data`` verdicts are computed in this report from
:class:`Evidence` and change when the data or the parameters do; ``law`` verdicts rest on the
legal text quoted in the evidence; ``literature`` verdicts on the cited studies; ``no source
found`` marks a figure nobody could trace. Only data verdicts count as checked by this report.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import pandas as pd

from deploybook.ets import constants as C
from deploybook.ets import descriptive, switching
from deploybook.ets.attribution import Attribution
from deploybook.ets.market.scenarios import Direction, Waterbed


class Verdict(StrEnum):
    """What the evidence says of a claim."""

    SUPPORTED = "supported"
    PARTLY = "partly supported"
    NOT_SUPPORTED = "not supported"
    NOT_IDENTIFIABLE = "not supported; not identifiable with this design"
    CONTRADICTED = "contradicted"
    NO_SOURCE = "no source found"


class Basis(StrEnum):
    """How a verdict was reached."""

    DATA = "data (computed here)"
    LAW = "law"
    LITERATURE = "literature (cited)"
    NO_SOURCE = "no source found"


@dataclass(frozen=True)
class Evidence:
    """The computed results the data verdicts rest on."""

    first_price_year: int
    cap_change_pct_same_scope: float  # 2013-2023, phase 4's scope
    emissions_change_pct_phase3: float  # 2013-2020, one scope
    combustion_share_pct_2023: float  # combustion (power and heat) in the seven activities
    trading_days_per_month: float  # mean trading days in a full month of the EUA price file
    months_gas_cheaper: int  # months in which carbon turned the running-cost order round
    months_gas_cheaper_without_carbon: int  # months gas won even at a zero carbon price
    months_compared: int
    switching_window: str
    coal_share_change_pp: float  # EU coal share of generation, 2013-2024, percentage points
    coal_cost_per_eua: float  # EUR/MWh of power a coal unit pays per EUR/t of carbon
    gas_cost_per_eua: float
    attributable_share: float
    attributable_low: float
    attributable_high: float
    attributable_window: str
    identified: bool  # the identification checks all pass (see figures.identification)
    identification_failures: str  # which checks fail, in words ("" if none)
    mean_price_low_phases: float  # mean monthly EUA price 2008-2017, EUR/t
    price_cv_low_phases: float  # coefficient of variation of monthly prices 2008-2017
    switch_price_low_phases: float  # mean coal-to-gas switching price 2013-2017, EUR/t
    waterbed_msr_on_mt: float  # change in total emissions from faster renewables (news year)
    waterbed_msr_off_mt: float
    waterbed_foreseen_mt: float  # the same speed-up foreseen since 2013
    waterbed_news_year: int
    waterbed_directions: frozenset[Direction]  # across the sensitivity table's cells
    displaced_mt_2008_2015: float  # power-sector CO2 displaced by renewables' growth since 2005
    displaced_mt_2015: float


LOW_PHASES = (2008, 2017)
SWITCH_LOW_PHASES = (2013, 2017)  # the years of phases 2-3 with fuel prices
ESSAY_DISPLACED_MT = 20.0  # "about 20 Mt CO2 ... 2008-2015"
ESSAY_REVENUE_SHARE = 0.30  # "up to 30% of renewable support ... financed by carbon revenues"


def _share_verdict(ev: Evidence, claimed: float) -> Verdict:
    """A claimed share against an identified estimate's 95% interval: contradicted above it,
    supported below it, not supported inside it; without identification, no verdict."""
    if not ev.identified:
        return Verdict.NOT_IDENTIFIABLE
    if ev.attributable_high < claimed:
        return Verdict.CONTRADICTED
    return Verdict.SUPPORTED if ev.attributable_low >= claimed else Verdict.NOT_SUPPORTED


def _role_verdict(ev: Evidence) -> Verdict:
    """'An important role': a positive identified effect is partial support (its size is a
    judgement the data cannot make)."""
    if not ev.identified:
        return Verdict.NOT_IDENTIFIABLE
    return Verdict.PARTLY if ev.attributable_low > 0 else Verdict.NOT_SUPPORTED


def _amplification_verdict(ev: Evidence) -> Verdict:
    """Renewables cut cumulative emissions under a cap only if the MSR invalidates more; the
    verdict holds only if every cell of the sensitivity table agrees."""
    if ev.waterbed_directions == {Direction.LOWERS}:
        return Verdict.PARTLY
    if ev.waterbed_directions == {Direction.RAISES}:
        return Verdict.CONTRADICTED
    return Verdict.NOT_SUPPORTED


def _revenue_share_bound() -> float:
    """The largest share of three years' renewable support (at the 2012 level) that all
    auction revenue of 2013-2015 could have paid for."""
    return C.AUCTION_REVENUE_2013_2015.value / (3 * C.RES_SUPPORT_2012.value)


def claims_table(ev: Evidence) -> pd.DataFrame:
    """Every claim of the essay's ETS section with its evidence, verdict and basis."""
    pct = "{:.1f}%".format
    low_price = ev.mean_price_low_phases < ev.switch_price_low_phases
    share_text = (
        f"this report's exposure-design estimate for {ev.attributable_window}: "
        f"{pct(ev.attributable_share * 100)} (95% CI {pct(ev.attributable_low * 100)} to "
        f"{pct(ev.attributable_high * 100)}); "
        + (
            "the identification checks pass"
            if ev.identified
            else f"the design cannot identify it ({ev.identification_failures}), and the common "
            "effect of one EU-wide price is absorbed by the year effects"
        )
    )
    water_text = (
        f"market model, faster renewables: total emissions change by "
        f"{ev.waterbed_msr_on_mt:+,.0f} million allowances if the market learns of them in "
        f"{ev.waterbed_news_year}, by {ev.waterbed_foreseen_mt:+,.0f} million if it foresaw "
        f"them from 2013, and by {ev.waterbed_msr_off_mt:+,.0f} million without the MSR; across "
        "discount rates of 3-10% and with invalidation continuing or ending in 2027 the change "
        + (
            f"always {next(iter(ev.waterbed_directions))} total emissions"
            if len(ev.waterbed_directions) == 1
            else "has no single sign ("
            + ", ".join(sorted(d.value for d in ev.waterbed_directions))
            + " in different cells)"
        )
    )
    revenue_bound = _revenue_share_bound()
    rows = [
        (
            "a cap-and-trade system implemented in 2005",
            f"the EUA price series starts in {ev.first_price_year}; Directive 2003/87/EC",
            Verdict.SUPPORTED if ev.first_price_year == 2005 else Verdict.NOT_SUPPORTED,
            Basis.DATA,
        ),
        (
            "it covers heavy energy-using industry, including power plants",
            "Directive 2003/87/EC, Annex I (combustion installations above 20 MW thermal, "
            "refineries, steel, cement, lime, glass, paper, chemicals); combustion, mostly "
            f"power and heat, was {pct(ev.combustion_share_pct_2023)} of the seven "
            "activities' verified emissions in 2023",
            Verdict.SUPPORTED,
            Basis.LAW,
        ),
        (
            "a declining cap on total emissions",
            f"the EU-wide stationary cap changed by {pct(ev.cap_change_pct_same_scope)} from 2013 "
            "to 2023 on one scope (EU-27 + EEA-EFTA, without the UK); in 2005-2012 caps were "
            "national allocation plans, not one declining EU cap",
            Verdict.PARTLY if ev.cap_change_pct_same_scope < 0 else Verdict.CONTRADICTED,
            Basis.DATA,
        ),
        (
            "each allowance allows 1 tonne of CO2 equivalent",
            "Directive 2003/87/EC, Art. 3(a) (definition of an allowance)",
            Verdict.SUPPORTED,
            Basis.LAW,
        ),
        (
            "allowances are traded in annual auctions and on the secondary market",
            "auctions run several times a week on a common platform under Regulation (EU) "
            "No 1031/2010, not once a year; the price data show trading on "
            f"{ev.trading_days_per_month:.1f} days in a full month on average",
            Verdict.PARTLY,
            Basis.LAW,
        ),
        (
            "the price signal encourages reductions where cheapest",
            f"verified emissions of the seven activities changed by "
            f"{pct(ev.emissions_change_pct_phase3)} from 2013 to 2020 (one scope) while the price "
            "was positive; whether reductions came where cheapest is not tested here",
            Verdict.PARTLY if ev.emissions_change_pct_phase3 < 0 else Verdict.NOT_SUPPORTED,
            Basis.DATA,
        ),
        (
            "the ETS has played an important role in driving renewable deployment",
            share_text + f"; the EUA price averaged EUR {ev.mean_price_low_phases:.1f}/t in "
            "2008-2017",
            _role_verdict(ev),
            Basis.DATA,
        ),
        (
            "the carbon price makes generators switch from fossil to lower-carbon sources",
            f"carbon made gas cheaper than coal in {ev.months_gas_cheaper} of "
            f"{ev.months_compared} months ({ev.switching_window}); in "
            f"{ev.months_gas_cheaper_without_carbon} more, gas was cheaper even without a "
            f"carbon price; the EU coal share of generation changed by "
            f"{ev.coal_share_change_pp:+.1f} pp from 2013 to 2024",
            Verdict.SUPPORTED
            if ev.months_gas_cheaper > 0 and ev.coal_share_change_pp < 0
            else Verdict.PARTLY,
            Basis.DATA,
        ),
        (
            "several studies found the carbon price increased renewable capacity",
            "the ex-post studies estimate effects on emissions (Bayer & Aklin 2020: about 1.2 Gt "
            "CO2 in 2008-2016; Dechezleprêtre, Nachtigall & Venmans 2023: about -10% at regulated "
            "installations in 2005-2012) and on patents (Calel & Dechezleprêtre 2016: up to +10% "
            "low-carbon patenting by regulated firms), not on renewable capacity; Lilliestam, Patt "
            "& Bersalli (2021) review the ex-post evidence and find operational shifts such as "
            "coal-to-gas switching, not investment in zero-carbon technology",
            Verdict.NOT_SUPPORTED,
            Basis.LITERATURE,
        ),
        (
            "an EEA study: about 45% of new renewable capacity 2008-2015 due to carbon pricing",
            "no such EEA study was found; " + share_text,
            _share_verdict(ev, 0.45),
            Basis.DATA,
        ),
        (
            "renewables gain from low marginal costs as carbon prices rise",
            f"each EUR/t of carbon adds EUR {ev.coal_cost_per_eua:.2f}/MWh to a coal unit's "
            f"running cost and EUR {ev.gas_cost_per_eua:.2f}/MWh to a gas unit's (this report's "
            "emission factors and efficiencies), nothing to wind's or solar's",
            Verdict.SUPPORTED
            if ev.coal_cost_per_eua > 0 and ev.gas_cost_per_eua > 0
            else Verdict.NOT_SUPPORTED,
            Basis.DATA,
        ),
        (
            "renewables displace fossil generation, cutting emissions in the capped sectors",
            f"in the year they run, yes: the growth of renewable generation since 2005 displaced "
            f"about {ev.displaced_mt_2015:,.0f} Mt of power-sector CO2 in 2015; but under the cap "
            "the allowances they free are used elsewhere or later (next row)",
            Verdict.PARTLY if ev.displaced_mt_2015 > 0 else Verdict.NOT_SUPPORTED,
            Basis.DATA,
        ),
        (
            "this displacement amplifies the ETS's effect beyond a simple cap",
            water_text,
            _amplification_verdict(ev),
            Basis.DATA,
        ),
        (
            "Nature Climate Change: ~20 Mt CO2 cut 2008-2015 by ETS-driven renewables",
            f"no such article was found; for size: renewables' growth since 2005 displaced about "
            f"{ev.displaced_mt_2008_2015:,.0f} Mt of power-sector CO2 in 2008-2015 (this report's "
            f"data), so 20 Mt would be {ESSAY_DISPLACED_MT / ev.displaced_mt_2008_2015:.1%} of "
            f"it; the Commission counted {C.RES_AVOIDED_GHG_2013.value / 1e6:,.0f} Mt avoided by "
            "all renewables in 2013 alone",
            Verdict.NO_SOURCE,
            Basis.NO_SOURCE,
        ),
        (
            "low and volatile prices in phases 2 and 3 weakened the incentive",
            f"mean EUA price 2008-2017 EUR {ev.mean_price_low_phases:.1f}/t, "
            f"{'below' if low_price else 'not below'} the mean coal-to-gas switching price of "
            f"EUR {ev.switch_price_low_phases:.1f}/t in 2013-2017; coefficient of variation of "
            f"monthly prices {ev.price_cv_low_phases:.2f}",
            Verdict.SUPPORTED if low_price else Verdict.NOT_SUPPORTED,
            Basis.DATA,
        ),
        (
            "the electricity benchmark for free allocation includes a renewable benchmark",
            "since 2013 electricity generation gets no free allocation (Directive 2003/87/EC, "
            "Art. 10a(3), as amended by Directive 2009/29/EC) except the optional transitional "
            "allocation for modernising power generation in some lower-income member states "
            "(Art. 10c); the product benchmarks of Decision 2011/278/EU include no renewable "
            "benchmark",
            Verdict.CONTRADICTED,
            Basis.LAW,
        ),
        (
            "member states may use auction revenues for renewables",
            "Directive 2003/87/EC, Art. 10(3): renewable energy is among the listed uses; from "
            "2013 at least 50% of revenues 'should' go to such uses (Directive 2009/29/EC), and "
            "since Directive (EU) 2023/959 member states must use all their revenues (bar "
            "compensation for indirect carbon costs) for climate purposes",
            Verdict.SUPPORTED,
            Basis.LAW,
        ),
        (
            "UK carbon price support and Sweden's carbon tax dedicate revenues to green energy",
            "both are national taxes, not part of the ETS's design; UK carbon receipts are not "
            "hypothecated (HM Treasury: they accrue to the Consolidated Fund); Swedish tax "
            "revenue is not earmarked, and fuels used to generate electricity are exempt from "
            "Sweden's carbon tax (Carbon Tax Act 1990:582)",
            Verdict.CONTRADICTED,
            Basis.LAW,
        ),
        (
            "up to 30% of renewable support 2008-2015 financed by carbon revenues",
            "no source found for the figure; for size: member states earned close to EUR 12 "
            "billion from auctions in 2013-2015 (Duwe & Velten 2016), while public support for "
            "renewable power was EUR 37.3 billion in 2012 alone (Ecofys for the Commission); all "
            f"three years' revenue would pay for at most {revenue_bound:.0%} of three years' "
            "support at the 2012 level",
            Verdict.CONTRADICTED if revenue_bound < ESSAY_REVENUE_SHARE else Verdict.NO_SOURCE,
            Basis.LITERATURE,
        ),
        (
            "over 40% of new renewable capacity since phase 2 attributable to the ETS",
            "no source given or found; " + share_text,
            _share_verdict(ev, 0.40),
            Basis.DATA,
        ),
    ]
    return pd.DataFrame(
        rows, columns=["claim (the source essay, paraphrased)", "evidence", "verdict", "basis"]
    )


def build_evidence(
    *,
    overview: pd.DataFrame,
    scope: pd.DataFrame,
    eua_annual: pd.DataFrame,
    eua_monthly: pd.DataFrame,
    monthly_switching: pd.DataFrame,
    annual_switching: pd.DataFrame,
    attribution: Attribution,
    checks: pd.DataFrame,
    waterbed: Waterbed,
    sensitivity: pd.DataFrame,
    displaced: pd.Series,
) -> Evidence:
    """The evidence from the report's results: the overview and its one-scope changes
    (:func:`descriptive.ets_overview`, :func:`descriptive.scope_changes`), the EUA price
    files as loaded, the switching tables, the attribution with its identification
    :func:`~deploybook.ets.identification.checks`, the waterbed and its sensitivity table,
    and the emissions displaced by renewables (:func:`descriptive.displaced_emissions`)."""
    by_year = overview.set_index("year")
    same = scope[scope["same_scope"]].set_index(["quantity", "first_year"])["change_pct"]
    coal = annual_switching.set_index("year")["coal_share_pct"]
    switch = annual_switching.set_index("year")["switch_price_eur_per_t"]
    mean_low, cv_low = descriptive.price_level(eua_monthly, *LOW_PHASES)
    dates = monthly_switching["date"]
    failed = checks.loc[~checks["passed"], "check"]
    plants = switching.Plants()
    return Evidence(
        first_price_year=int(eua_annual["year"].min()),
        cap_change_pct_same_scope=float(same.loc[("stationary cap", 2013)]),
        emissions_change_pct_phase3=float(same.loc[("verified emissions, seven activities", 2013)]),
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
        coal_cost_per_eua=switching.EF_COAL / plants.eta_coal,
        gas_cost_per_eua=switching.EF_GAS / plants.eta_gas,
        attributable_share=attribution.share,
        attributable_low=attribution.ci_low,
        attributable_high=attribution.ci_high,
        attributable_window=f"{attribution.window[0]}-{attribution.window[1]}",
        identified=bool(checks["passed"].all()),
        identification_failures="; ".join(f"fails: {c}" for c in failed),
        mean_price_low_phases=mean_low,
        price_cv_low_phases=cv_low,
        switch_price_low_phases=float(switch.loc[slice(*SWITCH_LOW_PHASES)].mean()),
        waterbed_msr_on_mt=waterbed.msr_on_mt,
        waterbed_msr_off_mt=waterbed.msr_off_mt,
        waterbed_foreseen_mt=waterbed.foreseen_mt,
        waterbed_news_year=waterbed.news_year,
        waterbed_directions=frozenset(Direction(d) for d in sensitivity["direction"]),
        displaced_mt_2008_2015=float(displaced.loc[2008:2015].sum()),
        displaced_mt_2015=float(displaced.loc[2015]),
    )
