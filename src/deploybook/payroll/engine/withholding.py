"""PAYG withholding per ATO Schedule 1 (NAT 1004): the reference implementation, in ``Decimal``.

The steps, each as the schedule words it (see ``data/payroll/rules_*.md``):

1. weekly earnings ``x``: whole dollars of the weekly (or weekly-equivalent) earnings plus
   allowances, plus 99 cents; fortnightly / 2, monthly (+1 cent if it ends in 33 cents)
   x 3 / 13, quarterly / 13, ignoring cents each time [V];
2. ``y = a*x - b`` for the bracket ``x`` falls in, rounded to the nearest dollar, 50 cents
   up, with no preliminary rounding to the cent [V]; scale 4 applies its rate to the
   earnings, ignoring cents in the earnings and the result [V 2020; NC 2024, carried over];
3. the period amount: weekly ``y``; fortnightly ``2y``; monthly ``13y / 3`` rounded;
   quarterly ``13y`` [V];
4. less tax offsets (scales 2, 5, 6): 1.9 / 3.8 / 8.3 / 25 % of the annual amount claimed,
   rounded [status per rule set: weekly V (cut off), fortnightly E, monthly and quarterly O];
5. less the Medicare levy adjustment (scales 2, 6, with a spouse or children), weekly
   formulas (1)-(3) with the weekly family threshold and shading-out point, converted to
   the period like step 3 [O: 2012-13 edition; not captured for 2020 or 2024];
6. never below nil [O].

An employee with a study and training support loan (STSL) is withheld by Schedule 8's
combined coefficients instead of Schedule 1's in step 2 (from 24 September 2025, the
marginal repayment system; the rule set's ``stsl`` schedules). Schedule 8 does not apply
without a tax file number (scale 4) and is not combined here with a Medicare levy
adjustment (its formulas are given for employees who did not claim one).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from deploybook.payroll.engine.money import (
    ZERO,
    ignore_cents,
    nearest_cent,
    nearest_dollar,
    to_money,
)
from deploybook.payroll.engine.rules import (
    PERIODS,
    SCALE_4,
    SCALES,
    Bracket,
    RuleSet,
    rule_set_for,
)

NINETY_NINE_CENTS = Decimal("0.99")
WEEKS_PER_YEAR = Decimal(52)


@dataclass(frozen=True)
class Withholding:
    """Every intermediate figure of one withholding calculation, for payslips and audits."""

    rule_set: str
    scale: str
    period: str
    weekly_earnings: Decimal  # x; zero for scale 4
    bracket: int  # index of the coefficient row used; -1 for scale 4
    stsl: bool  # withheld with Schedule 8's study and training support loan coefficients
    weekly_amount: Decimal  # rounded y before offsets
    period_amount: Decimal
    offset_reduction: Decimal
    levy_adjustment: Decimal
    amount: Decimal  # what to withhold


def check_period(period: object) -> str:
    """``period`` if it is one of :data:`PERIODS`; ``ValueError`` naming it otherwise."""
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}; got {period!r}")
    return str(period)


def check_scale(scale: object) -> str:
    """The scale as a string key ("1".."6", "4-resident", "4-foreign-resident")."""
    if isinstance(scale, bool) or not isinstance(scale, int | str):
        raise ValueError(f"scale must be 1, 2, 3, 5, 6 or a scale 4 name; got {scale!r}")
    key = str(scale)
    if key == "4":
        raise ValueError("scale 4 must be given as '4-resident' or '4-foreign-resident'")
    if key not in SCALES:
        raise ValueError(f"scale must be one of 1, 2, 3, 5, 6, {', '.join(SCALE_4)}; got {scale!r}")
    return key


def weekly_earnings(earnings: Decimal, allowances: Decimal, period: str) -> Decimal:
    """``x``: whole dollars of the weekly equivalent of earnings plus allowances, plus 99 cents."""
    total = earnings + allowances
    if period == "weekly":
        weekly = total
    elif period == "fortnightly":
        weekly = total / 2
    elif period == "monthly":
        if total % 1 == Decimal("0.33"):
            total += Decimal("0.01")
        weekly = total * 3 / 13
    else:
        weekly = total / 13
    return ignore_cents(weekly) + NINETY_NINE_CENTS


def bracket_index(x: Decimal, brackets: tuple[Bracket, ...]) -> int:
    """The coefficient row for weekly earnings ``x``: the first whose ``x_upper`` exceeds ``x``.

    The loader guarantees that every table ends with an "and over" row.
    """
    for index, bracket in enumerate(brackets[:-1]):
        if x < bracket.upper:  # type: ignore[operator]  # only the last row has no upper
            return index
    return len(brackets) - 1


def weekly_amount(x: Decimal, brackets: tuple[Bracket, ...]) -> tuple[int, Decimal]:
    """The bracket used and ``y = a*x - b`` rounded to the nearest dollar (never negative)."""
    index = bracket_index(x, brackets)
    bracket = brackets[index]
    if bracket.a is None or bracket.b is None:
        return index, ZERO
    return index, max(ZERO, nearest_dollar(bracket.a * x - bracket.b))


def period_amount(weekly: Decimal, period: str) -> Decimal:
    """The period's amount from a rounded weekly amount (x1, x2, x13/3 rounded, x13)."""
    if period == "weekly":
        return weekly
    if period == "fortnightly":
        return weekly * 2
    if period == "monthly":
        return nearest_dollar(weekly * 13 / 3)
    return weekly * 13


def offset_reduction(tax_offsets: Decimal, period: str, rules: RuleSet) -> Decimal:
    """The period's share of the annual tax offsets claimed, rounded to the nearest dollar."""
    return nearest_dollar(tax_offsets * rules.offset_rates[period])


def weekly_family_threshold(children: int, rules: RuleSet) -> Decimal:
    """WFT = (family base + per child x children) / 52, rounded to the nearest cent."""
    medicare = rules.medicare
    return nearest_cent((medicare.family_base + medicare.per_child * children) / WEEKS_PER_YEAR)


def shading_out_point(wft: Decimal, rules: RuleSet) -> Decimal:
    """SOP = WFT x multiplier / divisor, ignoring cents."""
    medicare = rules.medicare
    return ignore_cents(wft * medicare.sop_multiplier / medicare.sop_divisor)


def weekly_levy_adjustment(
    x: Decimal, scale: str, *, spouse: bool, children: int, rules: RuleSet
) -> Decimal:
    """The weekly levy adjustment (WLA) for weekly earnings ``x``, rounded to the nearest dollar."""
    levy = rules.medicare.scales.get(scale)
    if levy is None or not (spouse or children) or x < levy.entry:
        return ZERO
    wft = weekly_family_threshold(children, rules)
    if x < levy.full_from:
        wla = (x - levy.shade_in_base) * levy.shade_in_rate
    elif x < wft:
        wla = x * levy.rate
    elif x < shading_out_point(wft, rules):
        wla = wft * levy.rate - (x - wft) * levy.taper
    else:
        return ZERO
    return max(ZERO, nearest_dollar(wla))


def _check_stsl(stsl: object, scale: str, spouse: bool, children: int) -> bool:
    if not isinstance(stsl, bool):
        raise ValueError(f"stsl must be True or False; got {stsl!r}")
    if stsl and scale in SCALE_4:
        raise ValueError(
            "stsl: no study and training support loan component is withheld on scale 4 "
            "(no tax file number)"
        )
    if stsl and (spouse or children):
        raise ValueError(
            "stsl with medicare_spouse/medicare_children: Schedule 8's formulas are for "
            "employees without a Medicare levy adjustment"
        )
    return stsl


def _check_claims(
    scale: str, tax_offsets: object, spouse: object, children: object, rules: RuleSet
) -> tuple[Decimal, bool, int]:
    offsets = to_money(tax_offsets, "tax_offsets")
    if offsets and scale not in rules.offset_scales:
        raise ValueError(
            f"tax_offsets may be claimed only on scales {sorted(rules.offset_scales)}; "
            f"scale {scale} was given"
        )
    if not isinstance(spouse, bool):
        raise ValueError(f"medicare_spouse must be True or False; got {spouse!r}")
    if isinstance(children, bool) or not isinstance(children, int) or children < 0:
        raise ValueError(f"medicare_children must be a whole number >= 0; got {children!r}")
    if (spouse or children) and scale not in rules.medicare.scales:
        raise ValueError(
            f"medicare_spouse/medicare_children: a Medicare levy adjustment is allowed only on "
            f"scales {sorted(rules.medicare.scales)}; scale {scale} was given"
        )
    return offsets, spouse, children


def calculate(
    earnings: object,
    *,
    period: object,
    scale: object,
    rules: RuleSet,
    tax_offsets: object = 0,
    medicare_spouse: object = False,
    medicare_children: object = 0,
    allowances: object = 0,
    stsl: object = False,
    paid_on: date | None = None,
) -> Withholding:
    """The withholding for one payment under ``rules``, with every intermediate figure.

    ``stsl`` withholds the study and training support loan component too, from the rule
    set's Schedule 8 in force on ``paid_on`` (which it then needs).
    """
    amount = to_money(earnings, "earnings")
    extra = to_money(allowances, "allowances")
    period = check_period(period)
    key = check_scale(scale)
    offsets, spouse, children = _check_claims(
        key, tax_offsets, medicare_spouse, medicare_children, rules
    )
    loan = _check_stsl(stsl, key, spouse, children)
    if key in SCALE_4:
        withheld = ignore_cents(ignore_cents(amount + extra) * rules.scale4_rates[key])
        return Withholding(
            rules.name, key, period, ZERO, -1, False, ZERO, withheld, ZERO, ZERO, withheld
        )
    if loan and paid_on is None:
        raise ValueError("paid_on: the study and training support loan schedule needs the payday")
    brackets = rules.stsl_for(paid_on).brackets[key] if loan and paid_on else rules.brackets[key]
    x = weekly_earnings(amount, extra, period)
    index, weekly = weekly_amount(x, brackets)
    gross = period_amount(weekly, period)
    reduction = offset_reduction(offsets, period, rules)
    wla = weekly_levy_adjustment(x, key, spouse=spouse, children=children, rules=rules)
    levy = period_amount(wla, period)
    net = max(ZERO, gross - reduction - levy)
    return Withholding(rules.name, key, period, x, index, loan, weekly, gross, reduction, levy, net)


def withholding(
    earnings: object,
    *,
    period: str,
    scale: int | str,
    paid_on: date,
    tax_offsets: object = 0,
    medicare_spouse: bool = False,
    medicare_children: int = 0,
    allowances: object = 0,
    stsl: bool = False,
) -> Decimal:
    """The whole-dollar amount to withhold from one payment (ATO Schedule 1, and Schedule 8
    for an employee with a study and training support loan, ``stsl``).

    ``period`` is ``"weekly"``, ``"fortnightly"``, ``"monthly"`` or ``"quarterly"``;
    ``scale`` 1-6, scale 4 as ``"4-resident"`` or ``"4-foreign-resident"``; ``paid_on``
    chooses the schedule in force. ``tax_offsets`` is the annual amount claimed on the
    withholding declaration. Invalid input raises ``ValueError`` naming the argument.
    """
    if not isinstance(paid_on, date) or isinstance(paid_on, datetime):
        raise ValueError(f"paid_on must be a datetime.date (not a datetime); got {paid_on!r}")
    return calculate(
        earnings,
        period=period,
        scale=scale,
        rules=rule_set_for(paid_on),
        tax_offsets=tax_offsets,
        medicare_spouse=medicare_spouse,
        medicare_children=medicare_children,
        allowances=allowances,
        stsl=stsl,
        paid_on=paid_on,
    ).amount
