"""The ETS report's tables as a reader sees them: named columns with units, numbers in
human formats (years as years, allowances in millions, shares as %), no row index, long
text wrapped, and verdicts coloured by kind.

Each function takes a frame computed elsewhere in :mod:`deploybook.ets` and returns a pandas
``Styler``; a notebook cell that ends with one renders it as an HTML table (myst-nb passes
``text/html`` through, where a Markdown table would be flattened into a paragraph).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import pandas as pd
from pandas.io.formats.style import Styler

from deploybook.ets.sources import Provenance

Formatter = Callable[[Any], str]
MISSING = "\u2013"  # an en dash for a missing value

_TABLE = [
    {"selector": "", "props": "border-collapse: collapse; font-size: 0.82em; margin: 0.5em 0;"},
    {
        "selector": "th",
        "props": "text-align: left; vertical-align: bottom; padding: 4px 8px; "
        "border-bottom: 2px solid #888; white-space: normal; font-weight: 600;",
    },
    {
        "selector": "td",
        "props": "padding: 4px 8px; vertical-align: top; border-bottom: 1px solid #ddd;",
    },
    {"selector": "caption", "props": "caption-side: top; text-align: left; color: #555;"},
]

# how a constant was checked: (value of the "checked" column, background, text colour)
CHECK_COLOURS = {
    "yes": ("#d9f0de", "#1b5e2c"),
    "via a secondary source": ("#fdefc8", "#6b4d00"),
    "no": ("#fbdad7", "#8a1c12"),
    "modelling choice": ("#e8e8e8", "#333333"),
}

# verdict colours by kind, first match wins: (text in the verdict, background, text colour)
VERDICT_COLOURS = [
    ("contradicted", "#fbdad7", "#8a1c12"),
    ("no source", "#e9e1f3", "#4a2a78"),
    ("not supported", "#e8e8e8", "#333333"),
    ("partly", "#fdefc8", "#6b4d00"),
    ("supported", "#d9f0de", "#1b5e2c"),
]


def year(value: Any) -> str:
    """A year without separators or decimals; a dash if missing."""
    return MISSING if pd.isna(value) else f"{int(value)}"


def number(decimals: int, *, signed: bool = False) -> Formatter:
    """Thousands separators and ``decimals`` places (a sign on positives if ``signed``)."""
    spec = f"{'+' if signed else ''},.{decimals}f"

    def fmt(value: Any) -> str:
        if pd.isna(value):
            return MISSING
        value = float(value)
        return format(0.0 if round(value, decimals) == 0 else value, spec)  # no "-0.0"

    return fmt


def millions(decimals: int = 1) -> Formatter:
    """A count (allowances) in millions with thousands separators."""
    fmt = number(decimals)
    return lambda v: MISSING if pd.isna(v) else fmt(float(v) / 1e6)


def percent(decimals: int = 1, *, signed: bool = False) -> Formatter:
    """A fraction (0.094) as a percentage (9.4%)."""
    spec = f"{'+' if signed else ''}.{decimals}%"
    return lambda v: MISSING if pd.isna(v) else format(float(v), spec)


def percent_value(decimals: int = 1, *, signed: bool = False) -> Formatter:
    """A value already in percent (9.4) as 9.4%."""
    fmt = number(decimals, signed=signed)
    return lambda v: MISSING if pd.isna(v) else f"{fmt(v)}%"


def _breakable(text: str) -> str:
    """Let long identifiers wrap after underscores and before brackets (zero-width spaces)."""
    return text.replace("_", "_\u200b").replace("[", "\u200b[")


def styled(
    frame: pd.DataFrame,
    columns: Mapping[str, str],
    formats: Mapping[str, Formatter],
    *,
    name: str,
    wrap: Iterable[str] = (),
    widths: Mapping[str, str] | None = None,
) -> Styler:
    """``frame`` restricted to ``columns`` (renamed to their labels), formatted, without index.

    ``formats`` and ``wrap`` name original columns; numeric columns are right-aligned, only
    ``wrap`` columns wrap, ``widths`` fixes column widths (the table then spans the page).
    """
    missing = [c for c in [*columns, *formats, *wrap] if c not in frame.columns]
    if missing:
        raise KeyError(f"table {name!r}: no columns {missing} in {list(frame.columns)}")
    shown = frame[list(columns)].rename(columns=dict(columns))
    label = dict(columns)
    styler = (
        shown.style.hide(axis="index")
        .format({label[c]: f for c, f in formats.items()}, na_rep=MISSING)
        .set_uuid(name)
        .set_table_styles(_TABLE)
    )
    numeric = [label[c] for c in columns if pd.api.types.is_numeric_dtype(frame[c])]
    if numeric:
        styler = styler.set_properties(subset=numeric, **{"text-align": "right"})
    single = [label[c] for c in columns if c not in set(wrap)]
    if single:
        styler = styler.set_properties(subset=single, **{"white-space": "nowrap"})
    wrapped = [label[c] for c in wrap]
    if wrapped:
        styler = styler.set_properties(
            subset=wrapped, **{"white-space": "normal", "overflow-wrap": "break-word"}
        )
    if widths:
        # fixed layout makes the browser honour the widths instead of growing past the page
        styler = styler.set_table_styles(
            [{"selector": "", "props": "width: 100%; table-layout: fixed;"}], overwrite=False
        )
        for column, width in widths.items():
            styler = styler.set_table_styles(
                {label[column]: [{"selector": "th", "props": f"width: {width};"}]},
                overwrite=False,
            )
    return styler


def verdict_style(verdict: str) -> str:
    """CSS for a verdict cell: a colour by kind (:data:`VERDICT_COLOURS`), bold."""
    for key, background, colour in VERDICT_COLOURS:
        if key in verdict:
            return f"background-color: {background}; color: {colour}; font-weight: 600;"
    return "font-weight: 600;"


def sources(provenances: Iterable[Provenance]) -> Styler:
    """Every data file with what it holds, where it came from and its licence."""
    frame = pd.DataFrame(
        [
            {
                "file": _breakable(p.file),
                "content": p.content,
                "source": p.source,
                "licence": p.licence,
            }
            for p in provenances
        ]
    )
    return styled(
        frame,
        {"file": "file", "content": "content", "source": "source", "licence": "licence"},
        {},
        name="ets_sources",
        wrap=["file", "content", "source", "licence"],
    )


def phases(summary: pd.DataFrame) -> Styler:
    """Price and emissions by ETS phase (:func:`deploybook.ets.descriptive.phase_summary`)."""
    one = number(1)
    return styled(
        summary,
        {
            "phase": "phase",
            "years": "years",
            "mean EUA (EUR/t)": "mean EUA price (EUR/t)",
            "lowest annual mean": "lowest annual mean (EUR/t)",
            "highest annual mean": "highest annual mean (EUR/t)",
            "emissions first year (Mt)": "emissions, first year (Mt)",
            "emissions last year (Mt)": "emissions, last year (Mt)",
            "change in phase (%)": "change in the phase",
        },
        {
            "mean EUA (EUR/t)": one,
            "lowest annual mean": one,
            "highest annual mean": one,
            "emissions first year (Mt)": number(0),
            "emissions last year (Mt)": number(0),
            "change in phase (%)": percent_value(1, signed=True),
        },
        name="ets_phases",
    )


def msr(table: pd.DataFrame) -> Styler:
    """Published TNAC and MSR intakes next to the rule's (:func:`descriptive.msr_table`)."""
    return styled(
        table,
        {
            "tnac_reference_year": "TNAC year",
            "tnac_allowances": "TNAC (million allowances)",
            "tnac_exact_or_rounded": "TNAC as published",
            "msr_intake_period": "intake period",
            "msr_intake_allowances": "published intake (million)",
            "rule_intake_allowances": "intake by the rule (million)",
            "difference_pct": "rule vs published",
        },
        {
            "tnac_reference_year": year,
            "tnac_allowances": millions(1),
            "msr_intake_allowances": millions(1),
            "rule_intake_allowances": millions(1),
            "difference_pct": percent_value(2, signed=True),
        },
        name="ets_msr",
        wrap=["tnac_exact_or_rounded"],
    )


def switching(annual: pd.DataFrame) -> Styler:
    """Switching price, EUA price and coal share by year
    (:func:`deploybook.ets.switching.annual_switching`)."""
    return styled(
        annual,
        {
            "year": "year",
            "switch_price_eur_per_t": "switching price (EUR/t)",
            "eua_eur_per_t": "EUA price (EUR/t)",
            "months": "months with prices",
            "months_gas_cheaper": "months carbon made gas cheaper",
            "months_gas_cheaper_without_carbon": "months gas cheaper even without carbon",
            "coal_share_pct": "EU coal share of generation",
            "coal_share_change_pp": "change in coal share (pp)",
        },
        {
            "year": year,
            "switch_price_eur_per_t": number(1),
            "eua_eur_per_t": number(1),
            "months": number(0),
            "months_gas_cheaper": number(0),
            "months_gas_cheaper_without_carbon": number(0),
            "coal_share_pct": percent_value(1),
            "coal_share_change_pp": number(1, signed=True),
        },
        name="ets_switching",
    )


def calibration(fit: pd.DataFrame) -> Styler:
    """Observed, fitted and baseline emissions by year (:func:`deploybook.ets.market.calibrate`)."""
    mt = number(0)
    return styled(
        fit,
        {
            "year": "year",
            "observed_mt": "verified emissions (Mt)",
            "fitted_mt": "fitted (Mt)",
            "baseline_mt": "no-price baseline (Mt)",
            "price_eur_per_t": "EUA price (EUR/t)",
        },
        {
            "year": year,
            "observed_mt": mt,
            "fitted_mt": mt,
            "baseline_mt": mt,
            "price_eur_per_t": number(1),
        },
        name="ets_calibration",
    )


def scenarios(summary: pd.DataFrame) -> Styler:
    """The market model's scenarios (:func:`deploybook.ets.market.scenario_summary`)."""
    return styled(
        summary,
        {
            "scenario": "scenario",
            "price_2019_eur_per_t": "price 2019 (EUR/t)",
            "price_2030_eur_per_t": "price 2030 (EUR/t)",
            "cumulative_emissions_2013_2040_mt": "emissions 2013-2040 (million)",
            "total_emissions_mt": "emissions until allowances run out (million)",
            "invalidated_mt": "invalidated by the MSR (million)",
            "last_emitting_year": "last year with emissions",
            "rmse_eur_per_t": "price RMSE 2013-2024 (EUR/t)",
        },
        {
            "price_2019_eur_per_t": number(1),
            "price_2030_eur_per_t": number(1),
            "cumulative_emissions_2013_2040_mt": number(0),
            "total_emissions_mt": number(0),
            "invalidated_mt": number(0),
            "last_emitting_year": year,
            "rmse_eur_per_t": number(1),
        },
        name="ets_scenarios",
        wrap=["scenario"],
    )


def price_moves(moves: pd.DataFrame) -> Styler:
    """Model and observed price changes (:func:`deploybook.ets.market.price_moves`)."""
    signed = number(1, signed=True)
    return styled(
        moves,
        {
            "span": "years",
            "kind": "change",
            "observed_change_eur_per_t": "observed (EUR/t)",
            "model_change_eur_per_t": "model (EUR/t)",
            "verdict": "the model reproduces",
        },
        {"observed_change_eur_per_t": signed, "model_change_eur_per_t": signed},
        name="ets_price_moves",
        wrap=["kind", "verdict"],
    )


def waterbed(table: pd.DataFrame) -> Styler:
    """Faster renewables' effect on total emissions by the year the market learns of them
    (:func:`deploybook.ets.market.waterbed_by_news_year`)."""
    signed = number(0, signed=True)
    return styled(
        table,
        {
            "news_year": "market learns of faster renewables in",
            "emissions_change_mt": "change in total emissions (million)",
            "invalidated_change_mt": "change in allowances invalidated (million)",
        },
        {"news_year": year, "emissions_change_mt": signed, "invalidated_change_mt": signed},
        name="ets_waterbed",
    )


def constant_value(value: float, unit: str) -> tuple[str, str]:
    """A sourced constant's value and unit for readers: allowances in millions, shares and
    rates as percentages, years as years."""
    if unit.startswith("EUR") and abs(value) >= 1e9:
        return f"{value / 1e9:,.1f}", "billion " + unit
    if unit.startswith(("allowances", "credits", "t CO2e")):
        text = f"{value / 1e6:,.3f}".rstrip("0").rstrip(".")
        return text, "million " + unit
    if unit == "year":
        return year(value), "year"
    if unit.startswith("share of") or unit in ("per year", "net electrical efficiency"):
        return f"{value * 100:.4g}%", unit
    if unit.startswith("% of"):
        return f"{value:g}%", unit.removeprefix("% ")
    return f"{value:,.6g}", unit


def constants(table: pd.DataFrame) -> Styler:
    """The sourced constants (:func:`deploybook.ets.constants.constants_table`)."""
    shown = table.copy()
    pairs = [constant_value(v, u) for v, u in zip(table["value"], table["unit"], strict=True)]
    shown["value"] = [p[0] for p in pairs]
    shown["unit"] = [p[1] for p in pairs]
    shown["constant"] = shown["constant"].map(_breakable)
    styler = styled(
        shown,
        {
            "constant": "constant",
            "value": "value",
            "unit": "unit",
            "source": "source",
            "checked": "checked here",
            "note": "note",
        },
        {},
        name="ets_constants",
        wrap=["constant", "unit", "source", "checked", "note"],
        widths={
            "constant": "17%",
            "value": "8%",
            "unit": "13%",
            "source": "25%",
            "checked": "13%",
            "note": "24%",
        },
    )
    return styler.set_properties(subset=["value"], **{"text-align": "right"}).map(
        check_style, subset=["checked here"]
    )


def check_style(check: str) -> str:
    """CSS for a "checked here" cell, coloured by how the constant was checked."""
    background, colour = CHECK_COLOURS.get(check, ("transparent", "inherit"))
    return f"background-color: {background}; color: {colour};"


def robustness(table: pd.DataFrame) -> Styler:
    """The attribution under each specification (:func:`deploybook.ets.attribution.robustness`)."""
    shown = table.copy()
    pct = percent(1)
    shown["share_ci"] = [
        f"{pct(lo)} to {pct(hi)}"
        for lo, hi in zip(table["share_ci_low"], table["share_ci_high"], strict=True)
    ]
    return styled(
        shown,
        {
            "specification": "specification",
            "beta": "β",
            "se": "clustered SE",
            "p": "p",
            "wild_bootstrap_p": "wild bootstrap p",
            "share": "share attributed",
            "share_ci": "95% CI of the share",
            "nobs": "country-years",
        },
        {
            "beta": number(4),
            "se": number(4),
            "p": number(3),
            "wild_bootstrap_p": number(3),
            "share": pct,
            "nobs": number(0),
        },
        name="ets_robustness",
        wrap=["specification"],
    )


def claims(table: pd.DataFrame) -> Styler:
    """The essay's claims with evidence, a coloured verdict and the verdict's basis
    (:func:`deploybook.ets.claims.claims_table`)."""
    claim, evidence, verdict, basis = table.columns
    shown = table.assign(**{verdict: table[verdict].astype(str), basis: table[basis].astype(str)})
    styler = styled(
        shown,
        {claim: claim, evidence: "evidence", verdict: "verdict", basis: "basis"},
        {},
        name="ets_claims",
        wrap=[claim, evidence, verdict, basis],
        widths={claim: "24%", evidence: "46%", verdict: "16%", basis: "14%"},
    )
    return styler.map(verdict_style, subset=["verdict"])


def units_check(summary: pd.DataFrame) -> Styler:
    """The fuel-price file against the IMF (:func:`deploybook.ets.units.imf_check_summary`)."""
    shown = summary.assign(
        label=summary["label"].map(_breakable),
        passes=summary["passes"].map({True: "yes", False: "no"}),
    )
    return styled(
        shown,
        {
            "label": "fuel-price column (unit as labelled)",
            "imf_series": "IMF series",
            "years": "years",
            "mean_gap": "mean gap in USD",
            "largest_gap": "largest yearly gap",
            "passes": "label confirmed",
            "why": "what is compared",
        },
        {"mean_gap": percent(1, signed=True), "largest_gap": percent(1)},
        name="ets_units",
        wrap=["label", "imf_series", "why"],
    )


def scope(table: pd.DataFrame) -> Styler:
    """Changes on one scope next to the moving-scope ones (:func:`descriptive.scope_changes`)."""
    shown = table.assign(same_scope=table["same_scope"].map({True: "yes", False: "no"}))
    return styled(
        shown,
        {
            "quantity": "quantity",
            "first_year": "from",
            "last_year": "to",
            "scope": "scope",
            "same_scope": "one scope",
            "change_pct": "change",
        },
        {"first_year": year, "last_year": year, "change_pct": percent_value(1, signed=True)},
        name="ets_scope",
        wrap=["quantity", "scope"],
    )


def fit_by_rate(
    table: pd.DataFrame, in_sample: Sequence[int], out_of_sample: Sequence[int]
) -> Styler:
    """The base path's price RMSE by discount rate (:func:`scenarios.fit_by_rate`) over the
    calibration years ``in_sample`` and the years after them."""
    first, second = (f"{min(y)}-{max(y)}" for y in (in_sample, out_of_sample))
    return styled(
        table,
        {
            "discount_rate": "discount rate",
            "rmse_in_sample": f"RMSE {first} (EUR/t, calibration years)",
            "rmse_out_of_sample": f"RMSE {second} (EUR/t, after them)",
        },
        {
            "discount_rate": percent(0),
            "rmse_in_sample": number(1),
            "rmse_out_of_sample": number(1),
        },
        name="ets_fit_by_rate",
    )


def waterbed_sensitivity(table: pd.DataFrame) -> Styler:
    """The waterbed's sign by discount rate and invalidation (:func:`scenarios.
    waterbed_sensitivity`)."""
    signed = number(0, signed=True)
    shown = table.assign(direction=table["direction"].astype(str))
    return styled(
        shown,
        {
            "discount_rate": "discount rate",
            "invalidation": "MSR invalidation",
            "emissions_change_mt": "change in total emissions (million)",
            "invalidated_change_mt": "change in allowances invalidated (million)",
            "direction": "faster renewables",
        },
        {
            "discount_rate": percent(0),
            "emissions_change_mt": signed,
            "invalidated_change_mt": signed,
        },
        name="ets_waterbed_sensitivity",
    )


def identification_checks(table: pd.DataFrame) -> Styler:
    """The identification checks (:func:`deploybook.ets.identification.checks`), passed or
    failed."""
    shown = table.assign(passed=table["passed"].map({True: "passed", False: "failed"}))
    styler = styled(
        shown,
        {"check": "check", "result": "result", "passed": "outcome"},
        {},
        name="ets_identification",
        wrap=["check", "result"],
    )
    return styler.map(
        lambda v: verdict_style("supported" if v == "passed" else "contradicted"),
        subset=["outcome"],
    )


def literature(table: pd.DataFrame) -> Styler:
    """The published estimates and how this report's design compares
    (:func:`deploybook.ets.literature.literature_table`)."""
    return styled(
        table,
        {
            "study": "study",
            "design": "data and design",
            "estimate": "estimate",
            "comparison": "this report's design",
        },
        {},
        name="ets_literature",
        wrap=["study", "design", "estimate", "comparison"],
        widths={"study": "16%", "design": "28%", "estimate": "26%", "comparison": "30%"},
    )
