"""The payroll report's tables as a payroll officer reads them: named columns, money with
thousands separators and cents, counts as whole numbers, seconds rounded, no row index,
long text wrapped.

Each function takes results computed elsewhere in :mod:`deploybook.payroll` and returns a
pandas ``Styler``, which a notebook cell renders as an HTML table; ``.data`` is the frame.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

import pandas as pd
from pandas.io.formats.style import Styler

from deploybook.payroll.engine.aba import LAYOUT, record_fields
from deploybook.payroll.engine.domain import LineKind
from deploybook.payroll.engine.rules import RuleSet, Status
from deploybook.payroll.report.mutation import Mutant, MutationRun
from deploybook.payroll.report.pyramid import LevelResult
from deploybook.payroll.rollout.plan import RolloutPlan
from deploybook.payroll.rollout.rollback import RollbackCheck
from deploybook.payroll.rollout.run import RolloutResult

Format = Callable[[Any], str]
DASH = "\u2013"  # shown for a missing value

_CSS = [
    {"selector": "", "props": "border-collapse: collapse; font-size: 0.85em; margin: 0.4em 0;"},
    {"selector": "th", "props": "text-align: left; vertical-align: bottom; padding: 3px 8px; "
                                "border-bottom: 2px solid #888; font-weight: 600;"},
    {"selector": "td", "props": "padding: 3px 8px; vertical-align: top; "
                                "border-bottom: 1px solid #ddd;"},
]  # fmt: skip

# payslip lines (as reconciled) in a payroll officer's words
LINE_LABELS = {
    "gross": "gross pay",
    "taxable": "taxable pay",
    "withholding": "tax withheld",
    "salary_sacrifice": "salary sacrifice",
    "deductions": "post-tax deductions",
    "super_guarantee": "super guarantee",
    "net": "net pay",
} | {
    f"line:{kind.value}": f"line: {label}"
    for kind, label in {
        LineKind.SALARY: "salary",
        LineKind.ORDINARY: "ordinary hours",
        LineKind.OVERTIME_15: "overtime at time and a half",
        LineKind.OVERTIME_20: "overtime at double time",
        LineKind.ALLOWANCE: "allowances",
        LineKind.SALARY_SACRIFICE: "salary sacrifice",
        LineKind.TAX: "PAYG withholding",
        LineKind.DEDUCTION: "post-tax deductions",
        LineKind.SUPER_GUARANTEE: "super guarantee",
        LineKind.SUPER_SACRIFICE: "super: salary sacrifice",
    }.items()
}


def money(value: Any) -> str:
    """Dollars and cents with thousands separators (a dash if missing)."""
    return DASH if _missing(value) else f"{Decimal(str(value)):,.2f}"


def count(value: Any) -> str:
    """A number rounded to a whole one, with thousands separators."""
    return DASH if _missing(value) else f"{round(float(value)):,}"


def decimals(places: int) -> Format:
    """A number with ``places`` decimals and thousands separators."""
    return lambda value: DASH if _missing(value) else f"{float(value):,.{places}f}"


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, str | Decimal) and bool(pd.isna(value)))


def styled(
    frame: pd.DataFrame, formats: Mapping[str, Format] | None = None, *, wrap: Iterable[str] = ()
) -> Styler:
    """``frame`` without its index, ``formats`` applied by column, numbers right-aligned and
    only the ``wrap`` columns wrapping.
    """
    formats = dict(formats or {})
    unknown = [c for c in [*formats, *wrap] if c not in frame.columns]
    if unknown:
        raise KeyError(f"no columns {unknown} in {list(frame.columns)}")
    styler = frame.style.hide(axis="index").format(formats, na_rep=DASH).set_table_styles(_CSS)
    right = [c for c in frame.columns if c in formats or pd.api.types.is_numeric_dtype(frame[c])]
    if right:
        styler = styler.set_properties(subset=right, **{"text-align": "right"})
    wrap = set(wrap)
    single = [c for c in frame.columns if c not in wrap]
    if single:
        styler = styler.set_properties(subset=single, **{"white-space": "nowrap"})
    return styler


# --- rules and examples -----------------------------------------------------------------


def provenance_table(rule_sets: Iterable[RuleSet]) -> Styler:
    """How many values and rules of each rule set rest on each kind of source."""
    rows = []
    for rules in rule_sets:
        counts = Counter(p.status for p in rules.provenance)
        rows.append({"rule set": rules.name, **{s.value: counts[s] for s in Status}})
    return styled(pd.DataFrame(rows))


def assumptions_table(rule_sets: Iterable[RuleSet], status: Status = Status.NC) -> Styler:
    """The rules and values of ``status`` (not captured, by default) and what is assumed."""
    rows = [
        {"rule set": r.name, "rule or value": p.rule, "source": p.source, "assumed": p.note}
        for r in rule_sets
        for p in r.provenance
        if p.status is status
    ]
    frame = pd.DataFrame(rows, columns=["rule set", "rule or value", "source", "assumed"])
    return styled(frame, wrap=["rule or value", "source", "assumed"])


def references_table(rows: pd.DataFrame) -> Styler:
    """The reference tax-table rows (``references.check_tax_table_rows``) by rule set, pay
    period and publisher: how many, over which scales, how many agree.
    """
    grouped = rows.groupby(["rule_set", "period", "publisher"], sort=True)
    frame = pd.DataFrame(
        [{"rule set": rule_set, "period": period,
          "source": {"G1": "ATO table, reprinted (G1)",
                     "F1": "independent tests (F1)"}.get(publisher, publisher),
          "scales": ", ".join(sorted(set(g["scale"]))),
          "study loans": "yes" if (g["stsl"] == "true").any() else "no",
          "rows": len(g), "agree": int(g["agrees"].sum())}
         for (rule_set, period, publisher), g in grouped]
    )  # fmt: skip
    return styled(frame, {"rows": count, "agree": count})


def generator_table(check: pd.DataFrame) -> Styler:
    """The generator's coefficient tables against the tables it did not make
    (:func:`deploybook.payroll.engine.references.generator_check`), one row per rule set.
    """
    frame = (
        check.groupby(["rule set", "reference"], sort=True)
        .agg(scales=("scale", lambda s: ", ".join(s)), brackets=("brackets", "sum"),
             equal=("equal", "sum"))
        .reset_index()
    )  # fmt: skip
    frame = frame.rename(columns={"equal": "equal (limit, a and b)"})
    return styled(frame)


def examples_table(examples: pd.DataFrame) -> Styler:
    """Each published figure of the ATO examples, the engine's value, and whether they agree."""
    frame = pd.DataFrame(
        {
            "example": examples["example"],
            "pay": examples["period"] + ", scale " + examples["scale"],
            "earnings": examples["earnings"].where(
                ~examples["quantity"].isin(["weekly_family_threshold", "shading_out_point"])
                & (examples["earnings"] != ""),
                DASH,
            ),
            "figure": examples["quantity"].str.replace("_", " "),
            "published": examples["published"].replace("", "cut off"),
            "computed": examples["computed"],
            "agrees": [
                ("yes" if ok else "NO") if checked else DASH
                for ok, checked in zip(examples["reproduced"], examples["checked"], strict=True)
            ],
        }
    )
    return styled(frame).set_properties(
        subset=["earnings", "published", "computed"], **{"text-align": "right"}
    )


# --- tests --------------------------------------------------------------------------------


def pyramid_table(results: Iterable[LevelResult]) -> Styler:
    """One row per test level: counts, seconds and the coverage that level alone reaches."""
    frame = pd.DataFrame(
        [
            {"level": r.level, "tests": r.tests, "passed": r.passed, "failed": r.failed,
             "skipped": r.skipped, "seconds": r.seconds, "coverage %": r.coverage_percent}
            for r in results
        ]
    )  # fmt: skip
    return styled(frame, {"seconds": decimals(1), "coverage %": decimals(1)})


def mutation_table(run: MutationRun) -> Styler:
    """What mutmut made of each module and what became of the mutants, with a total row."""
    rows = [*run.modules.items(), ("all modules", run.overall)]
    frame = pd.DataFrame(
        [{"module": name, "mutants made": r.generated, "tested": r.total, "killed": r.killed,
          "survived": r.survived, "no test reached": r.no_tests, "timed out": r.timeout,
          "score %": r.score, "\u00b1 points (95%)": r.margin}
         for name, r in rows]
    )  # fmt: skip
    return styled(frame, {"score %": decimals(1), "\u00b1 points (95%)": decimals(1)})


def survivors_table(mutants: Iterable[Mutant]) -> Styler:
    """Each surviving mutant: its module, the function and number, the line as written, the
    line mutated.
    """
    frame = pd.DataFrame(
        [{"module": m.module, "mutant": m.name, "as written": m.original, "mutated": m.mutated}
         for m in mutants],
        columns=["module", "mutant", "as written", "mutated"],
    )  # fmt: skip
    return styled(frame, wrap=["as written", "mutated"]).set_properties(
        subset=["as written", "mutated"], **{"font-family": "monospace"}
    )


def throughput_table(load: pd.DataFrame) -> Styler:
    """Each timed pay run: seconds to compute and to store, and payslips per second."""
    frame = pd.DataFrame(
        {
            "employees": load["employees"],
            "compute s (engine 1.0)": load["compute_s"],
            "compute s (engine 2.0)": load["compute_v2_s"],
            "persist s": load["persist_s"],
            "payslips/s computed": load["compute_per_second"],
            "payslips/s persisted": load["persist_per_second"],
            "payslips/s overall": load["payslips_per_second"],
        }
    )
    seconds = {c: decimals(3) for c in frame.columns if c.endswith(" s") or " s (" in c}
    rates = {c: count for c in frame.columns if c.startswith("payslips/s")}
    return styled(frame, {"employees": count} | seconds | rates)


# --- rollout ------------------------------------------------------------------------------


def plan_table(plan: RolloutPlan) -> Styler:
    """The rollout plan's phases: where each runs and whom it covers."""
    rows = []
    for phase in plan.phases:
        who = phase.population
        rows.append({
            "phase": phase.name,
            "environment": phase.environment,
            "departments": ", ".join(who.departments or []) or ("all" if who.all else DASH),
            "locations": ", ".join(who.locations or []) or ("all" if who.all else DASH),
            "at most": who.sample,
            "tolerance (cents)": plan.tolerance_cents if phase.tolerance_cents is None
            else phase.tolerance_cents,
        })  # fmt: skip
    return styled(pd.DataFrame(rows), {"at most": count}, wrap=["departments", "locations"])


def monitoring_table(result: RolloutResult) -> Styler:
    """One row per phase: when it paid, who was paid and compared, what was out of tolerance,
    errors, the seconds each engine took, the decision.
    """
    rows: list[dict[str, object]] = []
    for p in result.phases:
        replay = p.environment != "production"
        if p.decision == "not run":
            rows.append({"phase": p.name, "paid on": p.paid_on.isoformat(), "decision": "not run"})
            continue
        rows.append({
            "phase": p.name,
            "paid on": p.paid_on.isoformat(),
            "employees paid": DASH if replay else count(p.employees_paid),
            "compared: employees / lines": f"{p.new_engine_employees:,} / {p.compared_lines:,}",
            "out of tolerance: employees / lines":
                f"{p.mismatched_employees:,} / {p.mismatched_lines:,}",
            "errors": p.errors,
            "seconds: engine 2.0 / 1.0": f"{p.new_seconds:.2f} / {p.old_seconds:.2f}",
            "decision": p.decision + (", rolled back" if p.rolled_back else ""),
        })  # fmt: skip
    frame = pd.DataFrame(rows).fillna(DASH)  # a phase that did not run has no figures
    right = [c for c in frame.columns if c not in ("phase", "paid on", "decision")]
    return styled(frame, wrap=["phase", "decision"]).set_properties(
        subset=right, **{"text-align": "right"}
    )


def _by_engine(items: pd.DataFrame) -> pd.DataFrame:
    """The reconciliation items with each engine's value in its own column."""
    rows = []
    for item in items.to_dict("records"):
        values = {item["official_engine"]: item["official"], item["shadow_engine"]: item["shadow"]}
        new, old = values.get("2.0"), values.get("1.0")
        rows.append({
            "employee": item["employee_id"],
            "line": LINE_LABELS.get(item["line"], item["line"]),
            "engine 2.0": new,
            "engine 1.0": old,
            "difference (2.0 - 1.0)": None if new is None or old is None else new - old,
        })  # fmt: skip
    return pd.DataFrame(
        rows, columns=["employee", "line", "engine 2.0", "engine 1.0", "difference (2.0 - 1.0)"]
    )


def mismatch_summary(items: pd.DataFrame) -> Styler:
    """The payslip lines that did not reconcile: how many employees, the total difference."""
    frame = _by_engine(items)
    grouped = frame.groupby("line", sort=False).agg(
        employees=("employee", "nunique"), total=("difference (2.0 - 1.0)", "sum")
    )
    table = grouped.reset_index().rename(columns={"total": "total difference (2.0 - 1.0)"})
    return styled(table, {"employees": count, "total difference (2.0 - 1.0)": money})


def mismatch_table(items: pd.DataFrame, rows: int = 12) -> Styler:
    """The first ``rows`` lines that did not reconcile, each engine's value side by side."""
    frame = _by_engine(items).head(rows)
    return styled(frame, {c: money for c in frame.columns[2:]})


def rollback_table(check: RollbackCheck, drill: bool) -> Styler:
    """What the downgrade left of the rows written before the upgrade, one fact a row."""
    facts = [
        ("checked on", "a copy of production (a drill)" if drill else "production"),
        ("schema revision after the downgrade", check.revision or DASH),
        ("tables compared", count(check.tables)),
        ("rows written before the upgrade", count(check.rows_before)),
        ("of those, missing after the downgrade", count(check.rows_missing)),
        ("of those, changed", count(check.rows_changed)),
        (
            "rows written under the new revision (in tables both have)",
            count(check.rows_since_upgrade),
        ),
        ("of those, missing after the downgrade", count(check.rows_since_missing)),
        ("of those, changed in the columns the old schema has", count(check.rows_since_changed)),
        ("columns and tables as before the upgrade", "yes" if check.schema_restored else "NO"),
        ("payslips by engine 2.0, noted in the audit log", count(check.engine_2_payslips_kept)),
        ("reconciliation lines kept in the audit log", count(check.reconciliation_items_kept)),
        ("data intact", "yes" if check.intact else "NO"),
    ]
    return styled(pd.DataFrame(facts, columns=["rollback check", "result"])).set_properties(
        subset=["result"], **{"text-align": "right"}
    )


def events_table(events: Iterable[Mapping[str, Any]]) -> Styler:
    """The rollout's events in order: phase, pay period and what happened."""
    frame = pd.DataFrame(
        [{"phase": e["phase"], "period from": e["period"].isoformat(), "event": e["event"]}
         for e in events],
        columns=["phase", "period from", "event"],
    )  # fmt: skip
    return styled(frame)


# --- what a pay run produces --------------------------------------------------------------


def summary_table(summary: pd.DataFrame) -> Styler:
    """The pay run summary (:func:`deploybook.payroll.service.reports.summary`) for reading: one row
    per department and location, money from gross pay down to net pay (the super guarantee,
    an employer cost on top of gross pay, is in the journal).
    """
    frame = summary.reset_index()
    places = [d if d == "Total" else f"{d}, {loc}"
              for d, loc in zip(frame["department"], frame["location"], strict=True)]  # fmt: skip
    columns = {"employees": "employees", "gross": "gross", "salary_sacrifice": "salary sacrifice",
               "withholding": "tax withheld", "deductions": "post-tax deductions",
               "net": "net pay"}  # fmt: skip
    table = frame[list(columns)].rename(columns=columns)
    table.insert(0, "department, location", places)
    return styled(table, {"employees": count} | {c: money for c in table.columns[2:]})


def journal_table(journal: pd.DataFrame) -> Styler:
    """The pay run's journal (:func:`deploybook.payroll.service.reports.journal`) for reading."""
    return styled(journal.reset_index(drop=True), {"debit": money, "credit": money})


def aba_table(text: str) -> Styler:
    """The ABA file's descriptive record, first detail record and file total record, field
    by field (positions as the banks number them; fillers left out).
    """
    lines = text.split("\r\n")[:-1]
    shown = [("descriptive (0)", 1, lines[0]), ("first detail (1)", 2, lines[1]),
             ("file total (7)", len(lines), lines[-1])]  # fmt: skip
    rows = []
    for record, number, line in shown:
        values = record_fields(line, number)
        for field in LAYOUT[line[0]]:
            if field.name in values:
                rows.append({"record": record, "positions": f"{field.start + 1}-{field.end}",
                             "field": field.name, "value": values[field.name]})  # fmt: skip
    frame = pd.DataFrame(rows)
    frame.loc[frame["record"].duplicated(), "record"] = ""
    return styled(frame).set_properties(
        subset=["value"], **{"font-family": "monospace", "white-space": "pre"}
    )


def scenarios_table(cases: Iterable[tuple[str, str]], feature: str) -> Styler:
    """Each acceptance scenario by its Gherkin title (an outline's example in brackets) and
    how it fared; ``cases`` are pytest-bdd's test names with their outcomes.
    """
    titles = {
        _slug(m.group(1)): m.group(1).strip()
        for m in re.finditer(r"^\s*Scenario(?: Outline)?:\s*(.+)$", feature, re.MULTILINE)
    }
    examples = {  # an outline's test id ("B-GE1-1103.45-...") -> its first cell ("B-GE1")
        "-".join(cells): cells[0]
        for m in re.finditer(r"^\s*\|(.+)\|\s*$", feature, re.MULTILINE)
        if (cells := [c.strip() for c in m.group(1).split("|")])
    }
    rows = []
    for name, outcome in cases:
        base, _, example = name.removeprefix("test_").removesuffix("]").partition("[")
        title = titles.get(base, base.replace("_", " "))
        shown = f"{title}: {examples.get(example, example)}" if example else title
        rows.append({"scenario": shown, "outcome": outcome})
    return styled(pd.DataFrame(rows, columns=["scenario", "outcome"]), wrap=["scenario"])


def _slug(title: str) -> str:
    """A scenario title as pytest-bdd names its test (lower case, words joined by ``_``)."""
    return "_".join(re.sub(r"[^a-z0-9 ]", "", title.lower()).split())
