"""Schedule 1 (and Schedule 8) coefficients derived from the legislated rates, offsets and
Medicare levy thresholds.

The ATO publishes each Schedule 1 as tables of ``y = a*x - b`` for weekly earnings ``x``. The
tables follow from the law by one construction, found in every published table from
2012-13 to 2024 and reproduced exactly for 13 October 2020 and 1 July 2024 (every bracket,
every ``a`` and ``b``, all five formula scales; ``test_legislation.py``):

- the yearly amount withheld at yearly earnings ``I = 52x`` is a piecewise-linear function:
  income tax at the resident rates above the tax-free threshold, plus the Medicare levy
  (shaded in at 10 cents a dollar from the low-income threshold up to its whole-dollar
  shading-out point, then 2%), less a fixed share (``lito_share``, 18%) of the low income tax
  offset, plus a fixed margin (``margin``, $30);
- it is continuous: at each kink (a tax threshold, a Medicare point, a LITO taper point)
  the slope changes and the intercept follows, ``B += (a_new - a_old) * kink``;
- each segment becomes a bracket: ``a`` is its slope, ``b`` its yearly intercept over 52
  rounded to four decimals, and its upper limit the kink over 52 with cents ignored; the
  first taxed bracket starts where the first segment reaches zero;
- scale 5 leaves out the Medicare levy; scale 6 takes half of it from the family threshold
  and, beyond that levy's shading-out point, the intercepts of scale 2; scale 3 has the
  foreign resident rates, no offset and no levy; scale 1 (no tax-free threshold) shifts the
  schedule down by the threshold and joins the Medicare point to the first LITO point with
  one straight segment (its slope rounded to four decimals); the lowest bracket of scales 1
  and 3 has ``b = a``;
- a study and training support loan (Schedule 8 from 24 September 2025, marginal) adds its
  yearly repayment, 15 cents a dollar over the minimum threshold, 17 cents over the second,
  and 10% of the whole income from where that is less, as three more kinks (on scale 1 the
  thresholds shift with the schedule and the 10% applies to the job's earnings alone).

The 18% LITO share and the $30 margin are not in any law: they are what every published
table implies, and they are recorded as such in the rule sets (status D).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from itertools import pairwise

WEEKS = 52
FOUR_PLACES = Decimal("0.0001")
FORMULA_SCALES = ("1", "2", "3", "5", "6")

Row = tuple[int | None, Decimal | None, Decimal | None]  # (x less than, a, b); None: and over / nil


@dataclass(frozen=True)
class Lito:
    """The low income tax offset: ``amount`` up to ``taper_from``, then less ``taper_rate``
    a dollar to ``second_from``, then less ``second_rate`` a dollar until nothing is left.
    """

    amount: Fraction
    taper_from: Fraction
    taper_rate: Fraction
    second_from: Fraction
    second_rate: Fraction

    @property
    def ends_at(self) -> Fraction:
        """The income at which the offset reaches nil."""
        left = self.amount - self.taper_rate * (self.second_from - self.taper_from)
        return self.second_from + left / self.second_rate


@dataclass(frozen=True)
class Stsl:
    """A marginal study and training support loan repayment schedule (from 2025-26)."""

    first_threshold: Fraction  # repayments start above it
    first_rate: Fraction
    second_threshold: Fraction
    second_rate: Fraction
    total_rate: Fraction  # of the whole income, from where that is the smaller repayment

    def kinks(self, shift: Fraction = Fraction(0)) -> list[tuple[Fraction, Fraction]]:
        """(income, change of slope) of the yearly repayment, thresholds lowered by ``shift``."""
        first, second = self.first_threshold - shift, self.second_threshold - shift
        marginal_at_second = self.first_rate * (second - first)
        to_total = (self.second_rate * second - marginal_at_second) / (
            self.second_rate - self.total_rate
        )
        return [
            (first, self.first_rate),
            (second, self.second_rate - self.first_rate),
            (to_total, self.total_rate - self.second_rate),
        ]


@dataclass(frozen=True)
class Legislation:
    """What Schedule 1's coefficients are derived from."""

    tax_free_threshold: Fraction
    resident_rates: tuple[
        tuple[Fraction, Fraction], ...
    ]  # (from income, rate), first from the threshold
    foreign_rates: tuple[tuple[Fraction, Fraction], ...]  # first from 0
    lito: Lito
    medicare_rate: Fraction
    medicare_shade_in: Fraction
    low_income_threshold: Fraction  # Medicare levy, singles
    family_threshold: Fraction  # Medicare levy, families (scale 6's entry point)
    lito_share: Fraction  # of the offset built into withholding (18% in every table)
    margin: Fraction  # dollars a year added to withholding ($30 in every table)

    def __post_init__(self) -> None:
        if not self.resident_rates or self.resident_rates[0][0] != self.tax_free_threshold:
            raise ValueError("resident_rates: the first rate must start at the tax-free threshold")
        if not self.foreign_rates or self.foreign_rates[0][0] != 0:
            raise ValueError("foreign_rates: the first rate must start at 0")
        for name in ("resident_rates", "foreign_rates"):
            starts = [start for start, _ in getattr(self, name)]
            if starts != sorted(set(starts)):
                raise ValueError(f"{name}: the thresholds must increase")


Kink = tuple[Fraction, Fraction]
Segment = tuple[Fraction, Fraction, Fraction]  # (from income, slope a, intercept B): y = aI - B


def _chain(slope: Fraction, intercept: Fraction, kinks: Iterable[Kink]) -> list[Segment]:
    """The segments of a continuous piecewise-linear yearly amount from its first segment and
    its kinks (kinks at the same income add up).
    """
    merged: dict[Fraction, Fraction] = {}
    for at, change in kinks:
        merged[at] = merged.get(at, Fraction(0)) + change
    segments = [(Fraction(0), slope, intercept)]
    for at in sorted(merged):
        if merged[at]:
            slope += merged[at]
            intercept += merged[at] * at
            segments.append((at, slope, intercept))
    return segments


def four_places(value: Fraction) -> Decimal:
    """``value`` rounded to four decimals, half up (as the schedule prints coefficients)."""
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        FOUR_PLACES, rounding=ROUND_HALF_UP
    )


def _weekly(income: Fraction) -> int:
    """A yearly income as a weekly bracket limit: over 52, cents ignored."""
    return math.floor(income / WEEKS)


def _rows(segments: list[Segment]) -> list[Row]:
    rows: list[Row] = []
    for index, (_, slope, intercept) in enumerate(segments):
        upper = _weekly(segments[index + 1][0]) if index + 1 < len(segments) else None
        rows.append((upper, four_places(slope), four_places(intercept / WEEKS)))
    return rows


def _with_nil(rows: list[Row]) -> list[Row]:
    """A nil bracket below the weekly earnings at which the first bracket reaches zero."""
    _, a, b = rows[0]
    if a is None or b is None or a <= 0:
        raise ValueError("the first taxed bracket needs a positive rate")
    return [(math.floor(b / a), None, None), *rows]


def _rate_kinks(
    rates: tuple[tuple[Fraction, Fraction], ...], shift: Fraction = Fraction(0)
) -> list[Kink]:
    return [(start - shift, rate - before) for (_, before), (start, rate) in pairwise(rates)]


def _lito_kinks(law: Legislation, shift: Fraction = Fraction(0)) -> list[Kink]:
    lito, share = law.lito, law.lito_share
    return [
        (lito.taper_from - shift, share * lito.taper_rate),
        (lito.second_from - shift, share * (lito.second_rate - lito.taper_rate)),
        (lito.ends_at - shift, -share * lito.second_rate),
    ]


def _medicare_kinks(law: Legislation, *, half: bool) -> list[Kink]:
    if half:  # scale 6: half the levy from the family threshold
        start, rate, shade = law.family_threshold, law.medicare_rate / 2, law.medicare_shade_in / 2
    else:  # scale 2: the whole levy from the low-income threshold
        start, rate, shade = law.low_income_threshold, law.medicare_rate, law.medicare_shade_in
    full = start * shade / (shade - rate)  # where the shaded-in levy reaches the full rate
    if not half:  # scale 2's shading-out point is a whole dollar (28,501 for 2020's 22,801)
        full = Fraction(math.floor(full))
    return [(start, shade), (full, rate - shade)]


def _resident(law: Legislation, medicare: list[Kink], stsl: Stsl | None) -> list[Segment]:
    rate = law.resident_rates[0][1]
    intercept = rate * law.tax_free_threshold + law.lito_share * law.lito.amount - law.margin
    kinks = (
        _rate_kinks(law.resident_rates)
        + _lito_kinks(law)
        + medicare
        + (stsl.kinks() if stsl else [])
    )
    return _chain(rate, intercept, kinks)


def _scale_6(law: Legislation, stsl: Stsl | None) -> list[Row]:
    half = _medicare_kinks(law, half=True)
    segments = _resident(law, half, stsl)
    scale_2 = _resident(law, _medicare_kinks(law, half=False), stsl)
    full_from = half[1][0]
    shown = []
    for start, slope, intercept in segments:
        if start >= full_from:  # beyond the half levy's shading-out point: scale 2's intercept
            intercept = next(b for s, _, b in reversed(scale_2) if s <= start)
        shown.append((start, slope, intercept))
    return _with_nil(_rows(shown))


def _scale_3(law: Legislation, stsl: Stsl | None) -> list[Row]:
    rates = law.foreign_rates
    kinks = _rate_kinks(rates) + (stsl.kinks() if stsl else [])
    rows = _rows(_chain(rates[0][1], Fraction(0), kinks))
    upper, a, _ = rows[0]
    return [(upper, a, a), *rows[1:]]


def _scale_1(law: Legislation, stsl: Stsl | None) -> list[Row]:
    threshold, rate, levy = law.tax_free_threshold, law.resident_rates[0][1], law.medicare_rate
    levy_from = law.low_income_threshold - threshold
    offset_from = law.lito.taper_from - threshold
    joining = Fraction(
        four_places(rate + levy * (law.lito.taper_from - levy_from) / (offset_from - levy_from))
    )
    at_offset = rate * levy_from + joining * (offset_from - levy_from)
    slope = rate + levy + law.lito_share * law.lito.taper_rate
    later = [
        kink
        for kink in _rate_kinks(law.resident_rates, threshold) + _lito_kinks(law, threshold)
        if kink[0] > offset_from
    ] + (stsl.kinks(threshold) if stsl else [])
    segments = _chain(slope, slope * offset_from - at_offset, later)
    first = (_weekly(levy_from), four_places(rate), four_places(rate))
    joined = (
        _weekly(offset_from),
        four_places(joining),
        four_places((joining - rate) * levy_from / WEEKS),
    )
    return [first, joined, *_rows([(offset_from, *segments[0][1:]), *segments[1:]])]


def derive_coefficients(law: Legislation, stsl: Stsl | None = None) -> dict[str, list[Row]]:
    """Schedule 1's coefficient rows of every formula scale (with the study and training
    support loan component of Schedule 8, if ``stsl`` is given).
    """
    return {
        "1": _scale_1(law, stsl),
        "2": _with_nil(_rows(_resident(law, _medicare_kinks(law, half=False), stsl))),
        "3": _scale_3(law, stsl),
        "5": _with_nil(_rows(_resident(law, [], stsl))),
        "6": _scale_6(law, stsl),
    }


def scale_4_rates(law: Legislation) -> dict[str, Decimal]:
    """Scale 4 (no tax file number): the top resident rate plus the Medicare levy, and the
    top foreign resident rate.
    """
    return {
        "4-resident": four_places(law.resident_rates[-1][1] + law.medicare_rate),
        "4-foreign-resident": four_places(law.foreign_rates[-1][1]),
    }


def coefficient_csv(law: Legislation, stsl: Stsl | None = None) -> str:
    """A whole coefficient CSV file (columns ``scale,x_upper,a,b``) derived from ``law``."""
    lines = ["scale,x_upper,a,b"]
    for scale, rows in derive_coefficients(law, stsl).items():
        for upper, a, b in rows:
            limit = "and over" if upper is None else str(upper)
            lines.append(f"{scale},{limit},{'' if a is None else a},{'' if b is None else b}")
    lines += [f"{scale},and over (from $1),{rate}," for scale, rate in scale_4_rates(law).items()]
    return "\n".join(lines) + "\n"
