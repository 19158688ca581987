"""Rules as data: PAYG withholding rule sets and superannuation guarantee rates, loaded and checked.

A rule set is a YAML file (``data/payroll/rulesets/*.yaml``) naming its dates, its
coefficient CSV, the offset and Medicare-levy parameters, the legislated rates the
coefficients derive from (:mod:`.legislation`) and the study and training support loan
schedules (Schedule 8), each value tagged with how sure its source is (``V`` verbatim,
``E`` worked example, ``O`` other ATO page, ``S`` secondary, ``D`` derived here from other
values, ``NC`` not captured and carried over). Adding a schedule or changing a
threshold is a data change: drop a file in the folder. Every file is validated on load;
a malformed one raises :class:`RuleFileError` naming the file and the line.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from deploybook.paths import data_dir
from deploybook.payroll.engine.legislation import Legislation, Lito, Stsl, coefficient_csv

PERIODS = ("weekly", "fortnightly", "monthly", "quarterly")
FORMULA_SCALES = ("1", "2", "3", "5", "6")
SCALE_4 = ("4-resident", "4-foreign-resident")
SCALES = (*FORMULA_SCALES, *SCALE_4)
COEFFICIENT_COLUMNS = ["scale", "x_upper", "a", "b"]


class RuleFileError(ValueError):
    """A rule file cannot be used; the message names the file and the line."""


class Status(StrEnum):
    """How sure a rule's source is (the tags of ``data/payroll/rules_*.md``)."""

    V = "V"
    E = "E"
    O = "O"  # noqa: E741 - the tag used by the data files
    S = "S"
    D = "D"
    NC = "NC"


Rate = Annotated[Decimal, Field(ge=0, le=1)]
Amount = Annotated[Decimal, Field(ge=0)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Sourced(_Model):
    status: Status
    source: str = Field(min_length=1)
    note: str = ""

    @model_validator(mode="after")
    def _not_captured_says_why(self) -> _Sourced:
        if self.status is Status.NC and not self.note:
            raise ValueError("a value marked NC (not captured) needs a note saying what is assumed")
        return self


class _Rate(_Sourced):
    value: Rate


class _Money(_Sourced):
    value: Amount


class _Scales(_Sourced):
    value: list[int] = Field(min_length=1)


class _Offsets(_Model):
    scales: _Scales
    weekly: _Rate
    fortnightly: _Rate
    monthly: _Rate
    quarterly: _Rate


class LevyScale(_Sourced):
    """Weekly levy adjustment parameters of scale 2 or 6 (Schedule 1, Medicare levy adjustment)."""

    entry: Amount  # weekly earnings from which an adjustment may apply
    shade_in_base: Amount  # formula (1): (x - shade_in_base) * shade_in_rate
    shade_in_rate: Rate
    full_from: Amount  # formula (2) from here: x * rate
    rate: Rate
    taper: Rate  # formula (3): WFT * rate - (x - WFT) * taper

    @model_validator(mode="after")
    def _ordered(self) -> LevyScale:
        if self.full_from <= self.entry:
            raise ValueError("full_from must be above entry")
        return self


class _Medicare(_Model):
    family_base: _Money
    per_child: _Money
    sop_multiplier: _Rate
    sop_divisor: _Rate
    scale_2: LevyScale
    scale_6: LevyScale


class _CoefficientsRef(_Sourced):
    file: str = Field(min_length=1)


Income = Annotated[Decimal, Field(ge=0)]


class _Rates(_Sourced):
    value: list[tuple[Income, Rate]] = Field(min_length=1)


class _LitoValues(_Model):
    amount: Amount
    taper_from: Income
    taper_rate: Rate
    second_from: Income
    second_rate: Rate


class _Lito(_Sourced):
    value: _LitoValues


class _MedicareValues(_Model):
    rate: Rate
    shade_in: Rate
    low_income_threshold: Income
    family_threshold: Income


class _MedicareLaw(_Sourced):
    value: _MedicareValues


class _ConstantsValues(_Model):
    lito_share: Rate
    margin: Amount


class _Constants(_Sourced):
    value: _ConstantsValues


class _Legislated(_Model):
    tax_free_threshold: _Money
    resident_rates: _Rates
    foreign_rates: _Rates
    lito: _Lito
    medicare: _MedicareLaw
    withholding_constants: _Constants

    def law(self) -> Legislation:
        """These values as the generator's input."""
        lito, medicare = self.lito.value, self.medicare.value
        constants = self.withholding_constants.value

        def rates(item: _Rates) -> tuple[tuple[Fraction, Fraction], ...]:
            return tuple((Fraction(start), Fraction(rate)) for start, rate in item.value)

        return Legislation(
            tax_free_threshold=Fraction(self.tax_free_threshold.value),
            resident_rates=rates(self.resident_rates),
            foreign_rates=rates(self.foreign_rates),
            lito=Lito(*(Fraction(getattr(lito, f)) for f in _LitoValues.model_fields)),
            medicare_rate=Fraction(medicare.rate),
            medicare_shade_in=Fraction(medicare.shade_in),
            low_income_threshold=Fraction(medicare.low_income_threshold),
            family_threshold=Fraction(medicare.family_threshold),
            lito_share=Fraction(constants.lito_share),
            margin=Fraction(constants.margin),
        )


class _StslValues(_Model):
    first_threshold: Income
    first_rate: Rate
    second_threshold: Income
    second_rate: Rate
    total_rate: Rate


class _StslLaw(_Sourced):
    value: _StslValues


class _StslSchedule(_Model):
    applies_from: date
    law: _StslLaw
    coefficients: _CoefficientsRef


class _Assumption(_Sourced):
    rule: str = Field(min_length=1)


class _RuleSetFile(_Model):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    title: str = Field(min_length=1)
    applies_from: date
    applies_to: date
    coefficients: _CoefficientsRef
    rounding: _Sourced
    tax_offsets: _Offsets
    medicare: _Medicare
    legislated: _Legislated | None = None
    stsl: list[_StslSchedule] = []
    assumptions: list[_Assumption] = []

    @field_validator("applies_to")
    @classmethod
    def _dates(cls, applies_to: date, info: ValidationInfo) -> date:
        start = info.data.get("applies_from")
        if start is not None and applies_to < start:
            raise ValueError(f"applies_to is before applies_from ({start})")
        return applies_to


@dataclass(frozen=True)
class Bracket:
    """One row of a coefficient table: ``y = a*x - b`` for weekly earnings ``x < upper``."""

    upper: Decimal | None  # None: "and over"
    a: Decimal | None  # None: nothing withheld in this bracket
    b: Decimal | None


@dataclass(frozen=True)
class Provenance:
    """One rule or value of a rule set and how sure its source is."""

    rule: str
    status: Status
    source: str
    note: str


@dataclass(frozen=True)
class MedicareRules:
    """Weekly family threshold, shading-out point and levy adjustment parameters."""

    family_base: Decimal
    per_child: Decimal
    sop_multiplier: Decimal
    sop_divisor: Decimal
    scales: Mapping[str, LevyScale]


@dataclass(frozen=True)
class StslSchedule:
    """Schedule 8 (study and training support loans) from ``applies_from`` to the end of
    its rule set: the marginal repayment law and the combined coefficient brackets.
    """

    applies_from: date
    law: Stsl
    brackets: Mapping[str, tuple[Bracket, ...]]  # scales 1, 2, 3, 5, 6, with the component


@dataclass(frozen=True)
class RuleSet:
    """One version of Schedule 1, ready to compute with."""

    name: str
    title: str
    applies_from: date
    applies_to: date
    brackets: Mapping[str, tuple[Bracket, ...]]  # scales 1, 2, 3, 5, 6
    scale4_rates: Mapping[str, Decimal]  # "4-resident", "4-foreign-resident"
    offset_rates: Mapping[str, Decimal]  # by period
    offset_scales: frozenset[str]
    medicare: MedicareRules
    provenance: tuple[Provenance, ...]
    path: Path
    legislation: Legislation | None = None
    stsl: tuple[StslSchedule, ...] = ()

    def covers(self, paid_on: date) -> bool:
        """Whether a payment made on ``paid_on`` falls under this rule set."""
        return self.applies_from <= paid_on <= self.applies_to

    def stsl_for(self, paid_on: date) -> StslSchedule:
        """The study and training support loan schedule for a payment on ``paid_on``;
        ``ValueError`` naming ``stsl`` and the dates covered if there is none.
        """
        for schedule in sorted(self.stsl, key=lambda s: s.applies_from, reverse=True):
            if schedule.applies_from <= paid_on <= self.applies_to:
                return schedule
        covered = ", ".join(f"{s.applies_from} to {self.applies_to}" for s in self.stsl) or "none"
        raise ValueError(
            f"stsl: no study and training support loan schedule (Schedule 8) covers {paid_on} "
            f"in {self.name}; the marginal schedules cover: {covered}"
        )


def node_lines(node: yaml.Node, path: tuple[str | int, ...] = ()) -> dict[tuple, int]:
    """The line number of every key and item of a composed YAML document, by path."""
    lines: dict[tuple, int] = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            lines.update(node_lines(value, (*path, str(key.value))))
            lines[(*path, str(key.value))] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines.update(node_lines(item, (*path, index)))
    return lines


def line_for(lines: Mapping[tuple, int], loc: tuple) -> int:
    """The line of ``loc`` (a validation error's location), or of its nearest parent."""
    for end in range(len(loc), -1, -1):
        if tuple(loc[:end]) in lines:
            return lines[tuple(loc[:end])]
    return 1


def read_yaml(path: Path) -> tuple[Any, dict[tuple, int]]:
    """A YAML mapping and the line of each path in it; :class:`RuleFileError` if malformed."""
    text = path.read_text(encoding="utf-8")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise RuleFileError(f"{path}:{line}: not valid YAML: {exc.problem}") from None
    if node is None or not isinstance(data, dict):
        raise RuleFileError(f"{path}:1: the file must hold a YAML mapping")
    return data, node_lines(node)


def _number(text: str, path: Path, line: int, column: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise RuleFileError(f"{path}:{line}: column {column!r} is not a number: {text!r}") from None
    if not value.is_finite():
        raise RuleFileError(f"{path}:{line}: column {column!r} is not a finite number: {text!r}")
    return value


def load_coefficients(path: Path) -> tuple[dict[str, tuple[Bracket, ...]], dict[str, Decimal]]:
    """Coefficient brackets by scale and the scale 4 rates from a Schedule 1 coefficient CSV."""
    if not path.is_file():
        raise RuleFileError(f"{path}: coefficient file not found")
    rows: dict[str, list[Bracket]] = {}
    scale4: dict[str, Decimal] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header != COEFFICIENT_COLUMNS:
            raise RuleFileError(f"{path}:1: expected columns {COEFFICIENT_COLUMNS}, found {header}")
        for line, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(COEFFICIENT_COLUMNS):
                raise RuleFileError(f"{path}:{line}: expected 4 fields, found {len(row)}")
            scale, upper_text, a_text, b_text = (cell.strip() for cell in row)
            if scale in SCALE_4:
                if b_text or not a_text:
                    raise RuleFileError(f"{path}:{line}: scale {scale} needs a rate in 'a' only")
                scale4[scale] = _number(a_text, path, line, "a")
                continue
            if scale not in FORMULA_SCALES:
                raise RuleFileError(f"{path}:{line}: unknown scale {scale!r}; scales are {SCALES}")
            brackets = rows.setdefault(scale, [])
            if brackets and brackets[-1].upper is None:
                raise RuleFileError(f"{path}:{line}: scale {scale} has a row after 'and over'")
            upper = (
                None
                if upper_text.startswith("and over")
                else _number(upper_text, path, line, "x_upper")
            )
            if upper is not None and brackets and upper <= brackets[-1].upper:  # type: ignore[operator]
                raise RuleFileError(f"{path}:{line}: x_upper must increase within scale {scale}")
            if bool(a_text) != bool(b_text):
                raise RuleFileError(f"{path}:{line}: give both 'a' and 'b', or neither")
            a = _number(a_text, path, line, "a") if a_text else None
            b = _number(b_text, path, line, "b") if b_text else None
            brackets.append(Bracket(upper, a, b))
    missing = [s for s in FORMULA_SCALES if s not in rows] + [s for s in SCALE_4 if s not in scale4]
    if missing:
        raise RuleFileError(f"{path}: scales missing: {', '.join(missing)}")
    for scale, brackets in rows.items():
        if brackets[-1].upper is not None:
            raise RuleFileError(f"{path}: scale {scale} must end with an 'and over' row")
    return {s: tuple(b) for s, b in rows.items()}, scale4


def _provenance(model: _RuleSetFile) -> tuple[Provenance, ...]:
    def row(rule: str, item: _Sourced) -> Provenance:
        return Provenance(rule, item.status, item.source, item.note)

    offsets = model.tax_offsets
    medicare = model.medicare
    return (
        row("coefficients", model.coefficients),
        row("rounding", model.rounding),
        row(f"tax offsets allowed on scales {offsets.scales.value}", offsets.scales),
        *(
            row(f"tax offsets {p}: {getattr(offsets, p).value}", getattr(offsets, p))
            for p in PERIODS
        ),
        row(f"WFT family base {medicare.family_base.value}", medicare.family_base),
        row(f"WFT per child {medicare.per_child.value}", medicare.per_child),
        row(f"SOP multiplier {medicare.sop_multiplier.value}", medicare.sop_multiplier),
        row(f"SOP divisor {medicare.sop_divisor.value}", medicare.sop_divisor),
        row("levy adjustment, scale 2", medicare.scale_2),
        row("levy adjustment, scale 6", medicare.scale_6),
        *_legislated_provenance(model.legislated),
        *(
            item
            for s in model.stsl
            for item in (
                row(f"STSL from {s.applies_from}: {s.law.value.model_dump(mode='json')}", s.law),
                row(f"STSL coefficients from {s.applies_from}", s.coefficients),
            )
        ),
        *(row(a.rule, a) for a in model.assumptions),
    )


def _legislated_provenance(legislated: _Legislated | None) -> list[Provenance]:
    if legislated is None:
        return []
    return [
        Provenance(
            f"legislated {name}: {item.model_dump(mode='json')['value']}",
            item.status,
            item.source,
            item.note,
        )
        for name, item in legislated
    ]


def _read_rule_set(path: Path) -> tuple[_RuleSetFile, dict[tuple, int]]:
    data, lines = read_yaml(path)
    try:
        return _RuleSetFile.model_validate(data), lines
    except ValidationError as exc:
        problems = [
            f"{path}:{line_for(lines, err['loc'])}: "
            f"{'.'.join(str(p) for p in err['loc']) or 'file'}: {err['msg']}"
            for err in exc.errors()
        ]
        raise RuleFileError("\n".join(problems)) from None


def derived_files(path: Path) -> dict[Path, str]:
    """The coefficient files of rule set ``path`` marked derived (status ``D``), as
    :mod:`.legislation` derives them from the rule set's ``legislated`` values.
    """
    path = Path(path)
    model, lines = _read_rule_set(path)
    wanted = [(model.coefficients, None)] + [(s.coefficients, s) for s in model.stsl]
    files = {}
    for ref, schedule in wanted:
        if ref.status is not Status.D:
            continue
        if model.legislated is None:
            line = line_for(lines, ("coefficients",))
            raise RuleFileError(f"{path}:{line}: derived coefficients need a 'legislated' section")
        law = schedule.law.value if schedule else None
        stsl = Stsl(*(Fraction(getattr(law, f)) for f in _StslValues.model_fields)) if law else None
        files[(path.parent / ref.file).resolve()] = coefficient_csv(model.legislated.law(), stsl)
    return files


def load_rule_set(path: Path) -> RuleSet:
    """Read and validate one rule set file (and the coefficient CSVs it names)."""
    path = Path(path)
    model, lines = _read_rule_set(path)
    bad_scales = [s for s in model.tax_offsets.scales.value if str(s) not in FORMULA_SCALES]
    if bad_scales:
        line = line_for(lines, ("tax_offsets", "scales"))
        raise RuleFileError(f"{path}:{line}: tax_offsets.scales: unknown scales {bad_scales}")
    brackets, scale4 = load_coefficients(path.parent / model.coefficients.file)
    medicare = model.medicare
    stsl = []
    for index, schedule in enumerate(model.stsl):
        if not model.applies_from <= schedule.applies_from <= model.applies_to:
            line = line_for(lines, ("stsl", index, "applies_from"))
            raise RuleFileError(f"{path}:{line}: stsl.{index}.applies_from is outside the rule set")
        law = schedule.law.value
        stsl_brackets, _ = load_coefficients(path.parent / schedule.coefficients.file)
        stsl.append(
            StslSchedule(
                schedule.applies_from,
                Stsl(*(Fraction(getattr(law, f)) for f in _StslValues.model_fields)),
                stsl_brackets,
            )
        )
    return RuleSet(
        name=model.name,
        title=model.title,
        applies_from=model.applies_from,
        applies_to=model.applies_to,
        brackets=brackets,
        scale4_rates=scale4,
        offset_rates={p: getattr(model.tax_offsets, p).value for p in PERIODS},
        offset_scales=frozenset(str(s) for s in model.tax_offsets.scales.value),
        medicare=MedicareRules(
            family_base=medicare.family_base.value,
            per_child=medicare.per_child.value,
            sop_multiplier=medicare.sop_multiplier.value,
            sop_divisor=medicare.sop_divisor.value,
            scales={"2": medicare.scale_2, "6": medicare.scale_6},
        ),
        provenance=_provenance(model),
        path=path,
        legislation=model.legislated.law() if model.legislated else None,
        stsl=tuple(stsl),
    )


def rules_dir() -> Path:
    """The bundled rule sets, ``data/payroll/rulesets/``."""
    return data_dir() / "payroll" / "rulesets"


def load_rule_sets(folder: Path | None = None) -> tuple[RuleSet, ...]:
    """Every ``*.yaml`` rule set in ``folder``, by start date; overlapping dates are an error."""
    folder = Path(folder) if folder else rules_dir()
    paths = sorted(folder.glob("*.yaml"))
    if not paths:
        raise RuleFileError(f"{folder}: no rule set files (*.yaml)")
    rule_sets = sorted((load_rule_set(p) for p in paths), key=lambda r: r.applies_from)
    names = [r.name for r in rule_sets]
    if len(set(names)) != len(names):
        raise RuleFileError(f"{folder}: two rule sets share a name: {sorted(names)}")
    for earlier, later in itertools.pairwise(rule_sets):
        if later.applies_from <= earlier.applies_to:
            raise RuleFileError(
                f"{later.path}: applies_from {later.applies_from} overlaps {earlier.name} "
                f"(to {earlier.applies_to})"
            )
    return tuple(rule_sets)


@cache
def default_rule_sets() -> tuple[RuleSet, ...]:
    """The bundled rule sets (loaded once per process)."""
    return load_rule_sets()


def rule_set_for(paid_on: date, rule_sets: Iterable[RuleSet] | None = None) -> RuleSet:
    """The rule set in force for a payment made on ``paid_on``; ``ValueError`` naming
    ``paid_on`` and the nearest rule sets before and after it if none is.
    """
    candidates = sorted(
        rule_sets if rule_sets is not None else default_rule_sets(), key=lambda r: r.applies_from
    )
    for rule_set in candidates:
        if rule_set.covers(paid_on):
            return rule_set
    before = [r for r in candidates if r.applies_to < paid_on]
    after = [r for r in candidates if r.applies_from > paid_on]
    nearest = [
        f"{label} {r.name} ({r.applies_from} to {r.applies_to})"
        for label, r in (("before it:", before[-1] if before else None),
                         ("after it:", after[0] if after else None))
        if r is not None
    ]  # fmt: skip
    raise ValueError(
        f"paid_on: no rule set covers {paid_on}; the nearest are "
        f"{'; '.join(nearest) or 'none (no rule sets are loaded)'}"
    )


def rule_set_named(name: str, rule_sets: Iterable[RuleSet] | None = None) -> RuleSet:
    """The rule set called ``name``; ``ValueError`` listing the known names if unknown."""
    candidates = tuple(rule_sets) if rule_sets is not None else default_rule_sets()
    for rule_set in candidates:
        if rule_set.name == name:
            return rule_set
    raise ValueError(f"rule set {name!r} is unknown; known: {[r.name for r in candidates]}")


# --- superannuation guarantee -------------------------------------------------------------

SUPER_COLUMNS = ["item", "period", "value", "unit", "source_title", "source_url",
                 "stored_copy_stamp", "status"]  # fmt: skip
_FY = re.compile(r"^(\d{4})-(\d{2})$")
_BASE_UNITS = {"$ per quarter": "quarter", "$ per year": "year"}
_SPAN = re.compile(r"^(\d{1,2} \w+ \d{4}) - (\d{1,2} \w+ \d{4})$")


@dataclass(frozen=True)
class ContributionBase:
    """The maximum super contribution base in force on a payday: the ordinary time (from
    1 July 2026, qualifying) earnings of a quarter or of a financial year above which no
    super guarantee is owed.
    """

    amount: Decimal
    period: str  # "quarter" (to 30 June 2026) or "year" (Payday Super, from 1 July 2026)

    def start(self, paid_on: date) -> date:
        """The first day of the quarter or financial year of ``paid_on``."""
        if self.period == "year":
            return date(financial_year(paid_on), 7, 1)
        return date(paid_on.year, 3 * ((paid_on.month - 1) // 3) + 1, 1)


@dataclass(frozen=True)
class SuperRules:
    """Superannuation guarantee rate by payment date and maximum contribution base by year."""

    rates: tuple[tuple[date, date, Decimal], ...]  # (from, to, fraction)
    bases: Mapping[int, ContributionBase]  # by the financial year starting 1 July <year>
    path: Path

    def rate_on(self, paid_on: date) -> Decimal:
        """The SG rate (a fraction) for salary or wages paid on ``paid_on``."""
        for start, end, rate in self.rates:
            if start <= paid_on <= end:
                return rate
        raise ValueError(f"paid_on: {self.path.name} has no super guarantee rate for {paid_on}")

    def base_on(self, paid_on: date) -> ContributionBase:
        """The maximum super contribution base for a payment on ``paid_on``."""
        year = financial_year(paid_on)
        if year not in self.bases:
            raise ValueError(
                f"paid_on: {self.path.name} has no maximum super contribution base for "
                f"{year}-{(year + 1) % 100:02d}"
            )
        return self.bases[year]


def financial_year(day: date) -> int:
    """The Australian financial year (1 July - 30 June) of ``day``, by its starting year."""
    return day.year if day.month >= 7 else day.year - 1


def load_super_rules(path: Path | None = None) -> SuperRules:
    """Read ``super_guarantee.csv``; a malformed row is a :class:`RuleFileError` naming its line."""
    path = Path(path) if path else data_dir() / "payroll" / "super_guarantee.csv"
    rates: list[tuple[date, date, Decimal]] = []
    bases: dict[int, ContributionBase] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != SUPER_COLUMNS:
            raise RuleFileError(f"{path}:1: expected columns {SUPER_COLUMNS}")
        for line, row in enumerate(reader, start=2):
            value = _number(row["value"] or "", path, line, "value")
            if row["item"] == "super_guarantee_rate":
                match = _SPAN.match(row["period"])
                if not match:
                    raise RuleFileError(
                        f"{path}:{line}: period must read 'D Month YYYY - D Month YYYY'"
                    )
                start, end = (_parse_day(m, path, line) for m in match.groups())
                if not 0 < value < 100:
                    raise RuleFileError(f"{path}:{line}: a rate is a percentage between 0 and 100")
                rates.append((start, end, value / 100))
            elif row["item"] == "maximum_super_contribution_base":
                match = _FY.match(row["period"])
                if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
                    raise RuleFileError(
                        f"{path}:{line}: period must be a financial year like 2024-25"
                    )
                per = _BASE_UNITS.get(row["unit"])
                if per is None:
                    raise RuleFileError(f"{path}:{line}: unit must be one of {list(_BASE_UNITS)}")
                bases[int(match.group(1))] = ContributionBase(value, per)
            else:
                raise RuleFileError(f"{path}:{line}: unknown item {row['item']!r}")
    rates.sort()
    for (_, end, _), (start, _, _) in itertools.pairwise(rates):
        if start <= end:
            raise RuleFileError(f"{path}: super guarantee rate periods overlap at {start}")
    return SuperRules(tuple(rates), bases, path)


def _parse_day(text: str, path: Path, line: int) -> date:
    try:
        return datetime.strptime(text, "%d %B %Y").date()
    except ValueError:
        raise RuleFileError(f"{path}:{line}: not a date: {text!r}") from None


@cache
def default_super_rules() -> SuperRules:
    """The bundled superannuation guarantee data (loaded once per process)."""
    return load_super_rules()
