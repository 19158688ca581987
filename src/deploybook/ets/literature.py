"""Published ex-post estimates of the EU ETS's effects, and how this report's design compares.

Each entry quotes the study's own headline estimate as the stored pages state it (the sources
are named in each entry and in ``book/references.bib``); the comparison says what the study
identifies that the exposure design of :mod:`deploybook.ets.attribution` cannot, and the
reverse.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Study:
    """One published estimate."""

    key: str  # the BibTeX key in book/references.bib
    study: str
    design: str
    estimate: str
    comparison: str


STUDIES = (
    Study(
        "bayer2020ets",
        "Bayer & Aklin (2020), PNAS 117(16)",
        "sectoral CO2 emissions of EU countries, 2008-2016; covered sectors against a "
        "counterfactual built from sectors the ETS does not cover (generalised synthetic "
        "control)",
        "about 1.2 Gt CO2 saved in 2008-2016, 3.8% of total EU emissions; covered sectors "
        "11.5% below the counterfactual",
        "the comparison group is uncovered sectors in the same countries, so the ETS's "
        "common effect is identified; this report compares states that all face the same "
        "price, so its common effect is absorbed by the year effects",
    ),
    Study(
        "dechezlepretre2023ets",
        "Dechezleprêtre, Nachtigall & Venmans (2023), JEEM 118",
        "installation-level emissions in France, the Netherlands, Norway and the UK; "
        "regulated installations matched with unregulated ones just below the inclusion "
        "thresholds, difference in differences",
        "about -10% emissions at regulated installations in 2005-2012 (robustness range -6% "
        "to -13%); no negative effect on regulated firms' revenue, assets or employment",
        "treatment is assigned by a rule (capacity thresholds) within a country and sector; "
        "this report has no unregulated group: its treatment is exposure times one price",
    ),
    Study(
        "calel2016ets",
        "Calel & Dechezleprêtre (2016), REStat 98(1)",
        "patents of regulated firms against matched unregulated firms, using the "
        "installation-level inclusion criteria, 2000-2004 against 2005-2009",
        "low-carbon patenting up by as much as 10% among regulated firms, with no crowding "
        "out of other patents; nearly 1% of European low-carbon patenting",
        "measures innovation by regulated firms, not deployment of renewables, which are "
        "mostly built by firms the ETS does not regulate",
    ),
    Study(
        "lilliestam2021carbon",
        "Lilliestam, Patt & Bersalli (2021), WIREs Climate Change 12(1)",
        "review of the empirical ex-post evidence on carbon pricing in the EU ETS, British "
        "Columbia, New Zealand and the Nordic countries",
        "emission cuts came from operational shifts such as coal-to-gas switching, not from "
        "investment in zero-carbon technology; no pooled estimate",
        "the operational channel is what the switching section measures; whether prices "
        "moved deployment is what the event study's dose-response check asks",
    ),
)


def literature_table(studies: tuple[Study, ...] = STUDIES) -> pd.DataFrame:
    """The studies as a table: study, design, estimate, comparison."""
    return pd.DataFrame(
        [
            {
                "study": s.study,
                "design": s.design,
                "estimate": s.estimate,
                "comparison": s.comparison,
            }
            for s in studies
        ]
    )
