"""Every number the ETS analysis takes from outside ``data/``, named, with its source.

Each constant is a :class:`Sourced` value: the number, its unit, where it comes from and
how this project checked it (:class:`Check`). The report prints :func:`constants_table` so
a reader sees all of them in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import pandas as pd


class Check(StrEnum):
    """How a constant was checked against its source."""

    SOURCE = "yes"  # against the legal text or the issuer's own figures
    SECONDARY = "via a secondary source"  # a public text that quotes the original
    NOT_FOUND = "no"  # the source could not be read here
    CHOICE = "modelling choice"  # not a fact to check: a knob of the model


@dataclass(frozen=True)
class Sourced:
    """A parameter value with its unit, its source and how the source was checked."""

    value: float
    unit: str
    source: str
    check: Check
    note: str = ""


# --- the cap -------------------------------------------------------------------------------
CAP_2021 = Sourced(
    1_571_583_007,
    "allowances",
    "European Commission, EU ETS cap page (2021 stationary cap)",
    Check.SOURCE,
)
LRF_2021_ANNUAL = Sourced(
    43_003_515,
    "allowances/year",
    "European Commission, EU ETS cap page (2.2% linear reduction, 2021-2023)",
    Check.SOURCE,
)
LRF_2021_PCT = Sourced(2.2, "% of reference", "Directive (EU) 2018/410, Art. 1(8)", Check.SOURCE)
LRF_2024_PCT = Sourced(
    4.3,
    "% of reference",
    "Directive (EU) 2023/959 (Art. 9 of Directive 2003/87/EC as amended); Commission news "
    "2023-07-28",
    Check.SOURCE,
    "applies 2024-2027",
)
LRF_2028_PCT = Sourced(
    4.4,
    "% of reference",
    "Directive (EU) 2023/959; Commission news 2023-07-28",
    Check.SOURCE,
    "from 2028",
)
REBASING = {
    2024: Sourced(
        90e6, "allowances", "Directive (EU) 2023/959; Commission news 2023-07-28", Check.SOURCE
    ),
    2026: Sourced(
        27e6, "allowances", "Directive (EU) 2023/959; Commission news 2023-07-28", Check.SOURCE
    ),
}
MARITIME_CAP_2024 = Sourced(
    78.4e6,
    "allowances",
    "Directive (EU) 2023/959, recital 11; Commission news 2023-07-28",
    Check.SOURCE,
    "excluded from the model together with maritime emissions (not in data/)",
)
BACKLOADING = {
    2014: Sourced(400e6, "allowances", "Commission Regulation (EU) No 176/2014", Check.SOURCE),
    2015: Sourced(300e6, "allowances", "Commission Regulation (EU) No 176/2014", Check.SOURCE),
    2016: Sourced(200e6, "allowances", "Commission Regulation (EU) No 176/2014", Check.SOURCE),
}
BACKLOADING_RETURN = {
    2019: Sourced(
        300e6, "allowances", "Regulation (EU) No 176/2014 (as planned in 2014)", Check.SOURCE
    ),
    2020: Sourced(
        600e6, "allowances", "Regulation (EU) No 176/2014 (as planned in 2014)", Check.SOURCE
    ),
}
TNAC_END_2012 = Sourced(
    2.0e9,
    "allowances",
    "European Commission, 14 May 2014 (surplus 'about 2.0 billion' at end-2012), reported by "
    "IISD SDG Knowledge Hub",
    Check.SOURCE,
    "rounded press figure",
)
AUCTION_SHARE = Sourced(
    0.57,
    "share of cap",
    "Directive (EU) 2018/410, Art. 10(1)",
    Check.NOT_FOUND,
    "used only to approximate 'previous year's auction volume' for the 2023 MSR invalidation",
)

# International credits (CERs, ERUs) exchanged for allowances in phase 3, cumulative, by the
# compliance deadline (30 April) of the year after the compliance year they served.
CREDITS_EXCHANGED = {
    2013: Sourced(
        132.8e6,
        "credits (cumulative)",
        "European Commission news 2014-05-02 ('Number of international credits exchanged totals "
        "132.8 million', by 30 April 2014)",
        Check.SOURCE,
    ),
    2014: Sourced(
        387.64e6,
        "credits (cumulative)",
        "European Commission news of May 2016 as reported by factorco2.com (410.30 million by 30 "
        "April 2016, 22.66 million more than published in May 2015)",
        Check.SECONDARY,
        "derived: 410.30 less 22.66 million",
    ),
    2015: Sourced(
        410.30e6,
        "credits (cumulative)",
        "European Commission news of May 2016 as reported by factorco2.com (by 30 April 2016)",
        Check.SECONDARY,
    ),
    2016: Sourced(
        422.39e6,
        "credits (cumulative)",
        "European Commission news 2017-11-06 (423.53 million by 31 October 2017, 1.14 million "
        "more than published in May 2017)",
        Check.SOURCE,
        "derived: 423.53 less 1.14 million",
    ),
    2019: Sourced(
        479.5e6,
        "credits (cumulative)",
        "European Commission news of May 2021 (506.3 million by 30 April 2021, about 26.8 million "
        "more than published in May 2020)",
        Check.SOURCE,
        "derived: 506.3 less 26.8 million; the 2017-2019 exchanges are spread evenly",
    ),
    2020: Sourced(
        506.3e6,
        "credits (cumulative)",
        "European Commission news of May 2021 (by 30 April 2021, the last date credits could be "
        "used)",
        Check.SOURCE,
    ),
}
STATIONARY_EMISSIONS_2019 = Sourced(
    1.527e9,
    "t CO2e",
    "European Commission news 2020-05 ('Emissions trading: greenhouse gas emissions reduced by "
    "8.7% in 2019': verified emissions of stationary installations 1.527 billion tonnes)",
    Check.SOURCE,
    "divided by the seven activities in data/ it gives the model's coverage factor",
)

# --- the Market Stability Reserve (Decision (EU) 2015/1814 as amended) -----------------------
MSR_START_YEAR = Sourced(2019, "year", "Decision (EU) 2015/1814, Art. 1(1)", Check.SOURCE)
MSR_UPPER_THRESHOLD = Sourced(
    833e6,
    "allowances",
    "Decision (EU) 2015/1814, Art. 1(5); Commission TNAC news 2019-2023",
    Check.SOURCE,
)
MSR_LOWER_THRESHOLD = Sourced(
    400e6, "allowances", "Decision (EU) 2015/1814, Art. 1(6)", Check.SOURCE
)
MSR_RELEASE = Sourced(
    100e6,
    "allowances/year",
    "Decision (EU) 2015/1814, Art. 1(6); value as summarised by the Swedish Energy Agency "
    "(Energimyndigheten, 'The market stability reserve')",
    Check.SECONDARY,
    "the agency's page: up to 100 million released when the surplus falls below 400 million; "
    "the Decision's own paragraph was not found in the search corpus",
)
MSR_RATE_BASE = Sourced(0.12, "share of TNAC", "Decision (EU) 2015/1814, Art. 1(5)", Check.SOURCE)
MSR_RATE_DOUBLED = Sourced(
    0.24,
    "share of TNAC",
    "Directive (EU) 2018/410 (2019-2023), extended to 31 Dec 2030 by Decision (EU) 2023/852",
    Check.SOURCE,
    "with the other MSR constants, reproduces the published intakes 2019-2026 (tests)",
)
MSR_MIN_INTAKE_BASE = Sourced(
    100e6, "allowances", "Decision (EU) 2015/1814, Art. 1(5)", Check.SOURCE
)
MSR_BUFFER_UPPER = Sourced(
    1_096e6,
    "allowances",
    "Directive (EU) 2023/959 amending Decision (EU) 2015/1814, Art. 1(5)",
    Check.NOT_FOUND,
    "searched twice, the amended paragraph was not found; the rule it gives (intake = TNAC - "
    "833 m between 833 m and 1 096 m) reproduces the Commission's 2026 intake of 190 494 202 "
    "exactly, which checks the rule's form but not the 1 096 m bound",
)
MSR_HOLDING_LIMIT = Sourced(
    400e6,
    "allowances",
    "Directive (EU) 2023/959 (fixed limit from 2024), per the European Parliament OEIL summary "
    "of proposal 2026/0085(COD)",
    Check.SOURCE,
)
MSR_INVALIDATION_START = Sourced(
    2023,
    "year",
    "Directive (EU) 2018/410, Art. 2(2) inserting Art. 1(5a) in Decision (EU) 2015/1814; "
    "Commission TNAC news 2023-05-15",
    Check.SOURCE,
    "from 2023, holdings above the previous year's auction volume are invalid (2 515 135 787 "
    "invalidated on 1 January 2023)",
)
MSR_HOLDING_LIMIT_START = Sourced(
    2024,
    "year",
    "Directive (EU) 2023/959 amending Art. 1(5a) of Decision (EU) 2015/1814; Commission TNAC "
    "news 2023-05-15 (the Fit-for-55 amendments 'will apply from 2024')",
    Check.SOURCE,
    "the fixed 400 million limit replaces the auction-volume limit from 2024",
)

MSR_INVALIDATED_2023 = Sourced(
    2_515_135_787,
    "allowances",
    "European Commission news 2023-05-15 (allowances in the MSR invalidated on 1 January 2023)",
    Check.SOURCE,
    "an outside check of the model's first invalidation",
)
MSR_INVALIDATED_2023_2026 = Sourced(
    3.2e9,
    "allowances",
    "European Parliament OEIL summary of proposal 2026/0085(COD) ('a total of 3.2 billion "
    "allowances have been invalidated')",
    Check.SOURCE,
    "rounded; invalidations of 2023-2026; an outside check of the model",
)

# --- when market participants learned each rule (first calendar year priced in) ------------
REGIME_MSR_DECISION = Sourced(
    2016, "year", "Decision (EU) 2015/1814 of 6 October 2015", Check.SOURCE, "first full year after"
)
REGIME_2018_REFORM = Sourced(2018, "year", "Directive (EU) 2018/410 of 14 March 2018", Check.SOURCE)
FIT_FOR_55_PROPOSAL = Sourced(
    2021,
    "year",
    "Commission proposals COM(2021) 551 (ETS Directive) and COM(2021) 571 (MSR), 14 July 2021",
    Check.SOURCE,
    "used only to show how the model fits when the market prices the proposal",
)
REGIME_INVALIDATION_PROPOSAL = Sourced(
    2026,
    "year",
    "Commission proposal of April 2026 to stop invalidating allowances in the MSR (OEIL "
    "2026/0085(COD); Brussels Times, May 2026)",
    Check.SOURCE,
    "a proposal, not law: used only in the waterbed sensitivity table (invalidation ending in "
    "2027)",
)
REGIME_FIT_FOR_55 = Sourced(
    2023,
    "year",
    "Directive (EU) 2023/959 of 10 May 2023 (political agreement December 2022)",
    Check.SOURCE,
)

# --- public magnitudes the essay's figures are checked against ------------------------------
AUCTION_REVENUE_2013_2015 = Sourced(
    12e9,
    "EUR",
    "Duwe & Velten (2016), Smart Cash for the Climate, summary report, Ecologic Institute "
    "('Member States earned close to EUR 12 billion from auctioning ... from 2013 to 2015')",
    Check.SOURCE,
    "rounded; phase-2 auctions (2008-2012) were a few per cent of allowances",
)
RES_SUPPORT_2012 = Sourced(
    37.3e9,
    "EUR per year",
    "Ecofys for the European Commission (2014), subsidies and costs of EU energy, as reported "
    "by Scottish Energy News: public support in 2012 for solar 14.7, onshore wind 10.1, biomass "
    "8.3 and hydro 5.2 billion EUR",
    Check.SECONDARY,
    "EU-28; support to renewables across power generation technologies",
)
RES_AVOIDED_GHG_2013 = Sourced(
    388e6,
    "t CO2e",
    "European Commission renewable energy progress report (June 2015), as reported by "
    "energyclimate.info ('in 2013 ... 388 Mt of GHG emissions were avoided')",
    Check.SECONDARY,
    "all renewables, all sectors",
)

# --- fuels and plants ------------------------------------------------------------------------
TJ_PER_MWH = 0.0036
_IPCC_NOTE = (
    "IPCC 2006 Guidelines Vol. 2 Ch. 2 Table 2.2 (94 600 and 56 100 kg CO2/TJ) as transcribed in "
    "a public repository's source notes; the IPCC PDF's table was not in the search corpus"
)
EF_COAL_T_PER_TJ = Sourced(
    94.6,
    "t CO2/TJ",
    "IPCC 2006 Guidelines, Vol. 2, Table 2.2 (other bituminous coal)",
    Check.SECONDARY,
    _IPCC_NOTE + "; Ireland's SEAI lists 94.6 t/TJ for coal",
)
EF_GAS_T_PER_TJ = Sourced(
    56.1,
    "t CO2/TJ",
    "IPCC 2006 Guidelines, Vol. 2, Table 2.2 (natural gas)",
    Check.SECONDARY,
    _IPCC_NOTE,
)
API2_NCV_KCAL_PER_KG = Sourced(
    6000,
    "kcal/kg NAR",
    "API2 index specification (CIF ARA, 6 000 kcal/kg NAR)",
    Check.SECONDARY,
    "S&P Global's CIF ARA 6,000 NAR methodology page: '6,000 NAR' is the coal's net calorific "
    "value as received, in kcal/kg; the API2 index averages CIF ARA assessments on that basis",
)
KCAL_PER_MWH = 860_421
GAS_GCV_PER_NCV = Sourced(
    1.108,
    "ratio",
    "typical ratio of gross to net calorific value of natural gas (net about 10% below gross)",
    Check.NOT_FOUND,
    "searched three times (IEA and UN energy-statistics manuals), no table found; methane's "
    "higher and lower heating values (about 55.5 and 50.0 MJ/kg) give 1.11; TTF is quoted per "
    "MWh GCV, efficiencies and emission factors are on an NCV basis",
)
ETA_COAL = Sourced(
    0.38,
    "net electrical efficiency",
    "a typical existing hard-coal unit; trade-press coal margins are quoted for units of 38% "
    "thermal efficiency (Transition Economist, 2021)",
    Check.CHOICE,
    "the switching band uses 34-42%",
)
ETA_GAS = Sourced(
    0.52,
    "net electrical efficiency",
    "a typical existing CCGT",
    Check.CHOICE,
    "no published typical value found; the switching band uses 49-58%",
)

# --- market model defaults -----------------------------------------------------------------
DISCOUNT_RATE = Sourced(
    0.08,
    "per year",
    "the rate at which banked allowances must appreciate; the MSR's effects depend strongly on "
    "it (Fell 2015, RFF Discussion Paper 15-17)",
    Check.CHOICE,
    "a report parameter; no typical range was found to cite",
)


def constants_table() -> pd.DataFrame:
    """All sourced constants of this module as a table (name, value, unit, source, how checked,
    note)."""
    rows = []
    for name, value in globals().items():
        items = (
            [(f"{name}[{k}]", v) for k, v in value.items()]
            if isinstance(value, dict)
            else [(name, value)]
        )
        for label, item in items:
            if isinstance(item, Sourced):
                rows.append(
                    {
                        "constant": label,
                        "value": item.value,
                        "unit": item.unit,
                        "source": item.source,
                        "checked": item.check.value,
                        "note": item.note,
                    }
                )
    return pd.DataFrame(rows)
