"""PAYG withholding: the ATO's published worked examples, the rules, and their invariants.

Every expected value below is a figure printed in an ATO worked example (sources are the
rows of ``data/payroll/SOURCES.md``). Where the stored ATO page was cut off before the
result, the example is not asserted here; ``test_examples.py`` shows those as computed.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deploybook.payroll import withholding
from deploybook.payroll.engine.rules import PERIODS, rule_set_for
from deploybook.payroll.engine.withholding import (
    Withholding,
    calculate,
    offset_reduction,
    period_amount,
    shading_out_point,
    weekly_earnings,
    weekly_family_threshold,
    weekly_levy_adjustment,
)

D = Decimal
OLD = date(2023, 7, 1)  # the schedule of 13 October 2020 - 30 June 2024
NEW = date(2024, 7, 1)  # the schedule from 1 July 2024
R2020 = rule_set_for(OLD)
R2024 = rule_set_for(NEW)

# (example, paid_on, earnings, period, scale, offsets, spouse, children, published figures)
WORKED_EXAMPLES = [
    pytest.param(
        NEW, "1333.00", "weekly", 2, 0, False, 5,
        {"weekly_earnings": D("1333.99"), "weekly_amount": 250, "levy_adjustment": 16},
        id="A-EX1 Jabe (2024, scale 2, five children, WLA formula 3)",
    ),
    pytest.param(
        OLD, "1103.45", "weekly", 2, 0, False, 5,
        {"weekly_earnings": D("1103.99"), "weekly_amount": 198, "levy_adjustment": 20,
         "amount": 178},
        id="B-GE1 general example 1 (2020, scale 2, five children)",
    ),
    pytest.param(
        OLD, "1110.30", "fortnightly", 5, 1645, False, 0,
        {"weekly_earnings": D("555.99"), "weekly_amount": 37, "period_amount": 74,
         "offset_reduction": 63, "amount": 11},
        id="B-GE2 general example 2 (2020, fortnightly, scale 5, offsets $1,645)",
    ),
    pytest.param(
        OLD, "4500.33", "monthly", 2, 1365, False, 1,
        {"levy_adjustment": 0},
        id="B-GE3 general example 3 (2020, monthly: 'not eligible for a levy adjustment')",
    ),
    pytest.param(
        OLD, "465.33", "weekly", 2, 0, True, 0,
        {"weekly_earnings": D("465.99"), "levy_adjustment": 3},
        id="B-WLA1 WLA example 1 (2020, scale 2, formula 1; spouse assumed)",
    ),
    pytest.param(
        OLD, "925.25", "weekly", 6, 0, False, 3,
        {"weekly_earnings": D("925.99"), "levy_adjustment": 9},
        id="B-WLA2 WLA example 2 (2020, scale 6, three children, formula 2)",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("paid_on", "earnings", "period", "scale", "offsets", "spouse", "children", "published"),
    WORKED_EXAMPLES,
)
def test_ato_worked_example(
    paid_on, earnings, period, scale, offsets, spouse, children, published
) -> None:
    result = calculate(
        earnings,
        period=period,
        scale=scale,
        rules=rule_set_for(paid_on),
        tax_offsets=offsets,
        medicare_spouse=spouse,
        medicare_children=children,
    )
    for quantity, value in published.items():
        assert getattr(result, quantity) == value, quantity
    if "amount" in published:
        assert (
            withholding(
                earnings,
                period=period,
                scale=scale,
                paid_on=paid_on,
                tax_offsets=offsets,
                medicare_spouse=spouse,
                medicare_children=children,
            )
            == published["amount"]
        )


@pytest.mark.parametrize(
    ("rules", "children", "wft", "sop"),
    [
        pytest.param(R2024, 5, D("1230.40"), 1538, id="A-EX1 Jabe WFT $1,230.40 SOP $1,538"),
        pytest.param(R2020, 5, D("1079.60"), 1349, id="B-GE1 WFT $1,079.60 SOP $1,349"),
        pytest.param(R2020, 3, D("943.71"), 1179, id="B-WLA2 WFT $943.71; NAT 1008 SOP $1,179"),
        pytest.param(R2020, 1, D("807.83"), 1009, id="NAT 1008 column A, 1 child: $1,009"),
        pytest.param(R2020, 2, D("875.77"), 1094, id="NAT 1008 column A, 2 children: $1,094"),
        pytest.param(R2020, 4, D("1011.65"), 1264, id="NAT 1008 column A, 4 children: $1,264"),
    ],
)
def test_family_threshold_and_shading_out_point(rules, children, wft, sop) -> None:
    assert weekly_family_threshold(children, rules) == wft
    assert shading_out_point(wft, rules) == sop


@pytest.mark.parametrize("rules", [R2020, R2024], ids=["B-WE1 (2020)", "A-WE1 (2024)"])
def test_weekly_earnings_example(rules) -> None:
    # "Weekly income $467.59 · allowance $9.50 · ignore cents $477.00 · add 99 cents $477.99"
    assert weekly_earnings(D("467.59"), D("9.50"), "weekly") == D("477.99")
    assert calculate(
        "467.59", allowances="9.50", period="weekly", scale=2, rules=rules
    ).weekly_earnings == D("477.99")


@pytest.mark.parametrize("rules", [R2020, R2024], ids=["B-GE2 (2020)", "A-EX2 Prue (2024)"])
def test_fortnightly_offset_example(rules) -> None:
    # "3.8% of $1,645 = 62.5100 or $63.00"; Prue's fortnightly amount $92.00 - $63.00 = $29.00
    assert offset_reduction(D("1645"), "fortnightly", rules) == 63
    assert D(92) - offset_reduction(D("1645"), "fortnightly", rules) == 29


def test_wla_formula_3_jabe_arithmetic() -> None:
    # "(1,230.40 x 0.0200) - ([1,333.99 - 1,230.40] x 0.0800) = 16.3208 or $16.00"
    assert weekly_levy_adjustment(D("1333.99"), "2", spouse=False, children=5, rules=R2024) == 16


def test_unpublished_results_are_what_the_rules_give() -> None:
    """Inputs the ATO pages give without the result (stored copies cut off): computed, and
    pinned here so a change is noticed, but these are NOT published figures."""
    assert (
        calculate(
            "4500.33", period="monthly", scale=2, rules=R2020, tax_offsets=1365, medicare_children=1
        ).amount
        == 645
    )  # B-GE3: 33 cents rule, 8.3% offsets
    assert weekly_levy_adjustment(D("1200.99"), "2", spouse=False, children=4, rules=R2020) == 5


def test_monthly_33_cents_rule() -> None:
    # $433.33 (a third of 1,300) + 1c = 433.34 x 3 / 13 = 100.0015 -> $100.99; without the
    # added cent it would be 99.9992 -> $99.99
    assert weekly_earnings(D("433.33"), D(0), "monthly") == D("100.99")
    assert weekly_earnings(D("433.32"), D(0), "monthly") == D("99.99")
    assert weekly_earnings(D("4500.33"), D(0), "monthly") == D("1038.99")  # B-GE3


def test_period_conversions() -> None:
    assert weekly_earnings(D("1999.99"), D(0), "fortnightly") == D("999.99")
    assert weekly_earnings(D("13000"), D(0), "quarterly") == D("1000.99")
    assert period_amount(D(100), "weekly") == 100
    assert period_amount(D(100), "fortnightly") == 200
    assert period_amount(D(100), "monthly") == 433  # 433.33 rounded
    assert period_amount(D(101), "monthly") == 438  # 437.67 rounded up
    assert period_amount(D(100), "quarterly") == 1300


def test_rounding_half_up_without_cent_rounding() -> None:
    # scale 2 2024, x = 500.99: 0.26 * 500.99 - 107.8462 = 22.4112 -> 22
    assert calculate("500", period="weekly", scale=2, rules=R2024).weekly_amount == 22
    # scale 3 2020, x = 1000.99: 0.325 * 1000.99 - 0.325 = 325.0 -> 325
    assert calculate("1000", period="weekly", scale=3, rules=R2020).weekly_amount == 325


def test_below_the_tax_free_threshold_nothing_is_withheld() -> None:
    assert withholding("358", period="weekly", scale=2, paid_on=OLD) == 0
    assert withholding("360", period="weekly", scale=2, paid_on=NEW) == 0
    # x = 361.99: 0.16 * 361.99 - 57.8462 = 0.07 -> 0; x = 365.99: 0.71 -> 1
    assert withholding("361", period="weekly", scale=2, paid_on=NEW) == 0
    assert withholding("365", period="weekly", scale=2, paid_on=NEW) == 1


def test_scale_4_ignores_cents() -> None:
    # 47% of $1,000 (cents ignored) = 470; 45% of $1,000 = 450; 47% of 1,001 = 470.47 -> 470
    assert withholding("1000.99", period="fortnightly", scale="4-resident", paid_on=NEW) == 470
    assert withholding("1000", period="weekly", scale="4-foreign-resident", paid_on=OLD) == 450
    assert withholding("1001", period="monthly", scale="4-resident", paid_on=NEW) == 470


def test_schedule_chosen_by_payment_date() -> None:
    # 2020: 0.3477 * 1000.99 - 186.2119 = 161.83 -> 162; 2024: 0.3227 * 1000.99 - 180.0385 = 142.98
    assert withholding("1000", period="weekly", scale=2, paid_on=date(2024, 6, 30)) == 162
    assert withholding("1000", period="weekly", scale=2, paid_on=date(2024, 7, 1)) == 143


def test_nothing_below_nil_after_offsets() -> None:
    assert withholding("400", period="weekly", scale=2, paid_on=NEW, tax_offsets=5000) == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"earnings": "-1"}, "earnings must not be negative"),
        ({"earnings": "1.001"}, "earnings has a fraction of a cent"),
        ({"earnings": "abc"}, "earnings must be an amount of money"),
        ({"earnings": float("nan")}, "earnings must be a finite amount"),
        ({"earnings": True}, "earnings must be an amount of money"),
        ({"earnings": None}, "earnings must be an amount of money"),
        ({"allowances": "-5"}, "allowances must not be negative"),
        (
            {"period": "daily"},
            "period must be one of weekly, fortnightly, monthly, quarterly; got 'daily'",
        ),
        ({"period": "bi-monthly"}, "period must be one of"),
        ({"scale": 4}, "scale 4 must be given as '4-resident' or '4-foreign-resident'"),
        ({"scale": 7}, "scale must be one of 1, 2, 3, 5, 6, 4-resident, 4-foreign-resident; got 7"),
        ({"scale": True}, "scale must be 1, 2, 3, 5, 6 or a scale 4 name; got True"),
        ({"scale": 2.0}, "scale must be 1, 2, 3, 5, 6 or a scale 4 name; got 2.0"),
        ({"paid_on": "2024-07-01"}, "paid_on must be a datetime.date"),
        (
            {"paid_on": datetime(2024, 7, 1, 9)},
            r"paid_on must be a datetime.date \(not a datetime\)",
        ),
        ({"paid_on": date(2019, 1, 1)}, "paid_on: no rule set covers 2019-01-01"),
        (
            {"paid_on": date(2027, 7, 1)},
            "paid_on: no rule set covers 2027-07-01; the nearest are before",
        ),
        ({"tax_offsets": "-1"}, "tax_offsets must not be negative"),
        (
            {"scale": 1, "tax_offsets": 100},
            r"tax_offsets may be claimed only on scales \['2', '5', '6'\]; scale 1",
        ),
        ({"scale": "4-resident", "tax_offsets": 100}, "tax_offsets may be claimed only"),
        (
            {"scale": 5, "medicare_children": 1},
            r"medicare_spouse/medicare_children: a Medicare levy adjustment is allowed only on "
            r"scales \['2', '6'\]; scale 5",
        ),
        ({"medicare_children": -1}, "medicare_children must be a whole number >= 0; got -1"),
        ({"medicare_children": True}, "medicare_children must be a whole number"),
        ({"medicare_spouse": "yes"}, "medicare_spouse must be True or False; got 'yes'"),
    ],
)
def test_invalid_input_names_the_argument(kwargs, message) -> None:
    args = {"earnings": "1000", "period": "weekly", "scale": 2, "paid_on": NEW} | kwargs
    earnings = args.pop("earnings")
    with pytest.raises(ValueError, match=f"^{message}"):
        withholding(earnings, **args)


def test_every_intermediate_figure_is_reported() -> None:
    assert calculate(
        "1103.45", period="weekly", scale=2, rules=R2020, medicare_children=5
    ) == Withholding(
        "ato-schedule1-2020-10-13",
        "2",
        "weekly",
        D("1103.99"),
        5,
        False,
        D(198),
        D(198),
        D(0),
        D(20),
        D(178),
    )
    assert calculate(
        "999", allowances="100", period="monthly", scale="4-resident", rules=R2024
    ) == Withholding(
        "ato-schedule1-2024-07-01",
        "4-resident",
        "monthly",
        D(0),
        -1,
        False,
        D(0),
        D(516),
        D(0),
        D(0),
        D(516),
    )  # 47% of 1,099 = 516.53, cents ignored


def test_allowances_default_to_none() -> None:
    # 47% of 999 = 469.53 -> 469; one more dollar of allowances would give 470
    assert withholding("999", period="weekly", scale="4-resident", paid_on=NEW) == 469


def test_float_earnings_are_read_as_written() -> None:
    assert withholding(1103.45, period="weekly", scale=2, paid_on=OLD, medicare_children=5) == 178


SCALES = ["1", "2", "3", "5", "6", "4-resident", "4-foreign-resident"]
cents = st.integers(min_value=0, max_value=3_000_000).map(lambda c: D(c) / 100)


@given(
    a=cents,
    b=cents,
    scale=st.sampled_from(SCALES),
    period=st.sampled_from(PERIODS),
    paid_on=st.sampled_from([OLD, NEW]),
)
def test_monotone_in_earnings_within_a_scale(a, b, scale, period, paid_on) -> None:
    low, high = sorted((a, b))
    kw = {"period": period, "scale": scale, "paid_on": paid_on}
    assert withholding(low, **kw) <= withholding(high, **kw)


@given(
    earnings=cents,
    scale=st.sampled_from(SCALES),
    period=st.sampled_from(PERIODS),
    paid_on=st.sampled_from([OLD, NEW]),
    offsets=st.integers(min_value=0, max_value=5000),
    spouse=st.booleans(),
    children=st.integers(min_value=0, max_value=8),
)
def test_whole_dollars_never_negative_never_above_earnings(
    earnings, scale, period, paid_on, offsets, spouse, children
) -> None:
    claims_offsets = scale in ("2", "5", "6")
    claims_levy = scale in ("2", "6")
    amount = withholding(
        earnings,
        period=period,
        scale=scale,
        paid_on=paid_on,
        tax_offsets=offsets if claims_offsets else 0,
        medicare_spouse=spouse and claims_levy,
        medicare_children=children if claims_levy else 0,
    )
    assert amount == amount.to_integral_value()
    assert 0 <= amount <= earnings


@given(
    earnings=cents,
    children=st.integers(min_value=0, max_value=8),
    paid_on=st.sampled_from([OLD, NEW]),
)
def test_levy_adjustment_only_lowers_withholding(earnings, children, paid_on) -> None:
    kw = {"period": "weekly", "scale": 2, "paid_on": paid_on}
    with_levy = withholding(earnings, medicare_spouse=True, medicare_children=children, **kw)
    assert with_levy <= withholding(earnings, **kw)


def test_study_loan_is_withheld_by_schedule_8() -> None:
    """F1 (Nat3539, 24 September 2025): weekly $1,845 on scale 2 with a study loan: $485;
    without: $409 (1 July 2026 rows of the same suite). The difference is about the marginal
    15 cents a dollar over $69,528 a year (1,845.99 - 1,337.08) x 0.15 = $76."""
    paid_on = date(2026, 7, 15)
    assert withholding("1845", period="weekly", scale=2, paid_on=paid_on, stsl=True) == 485
    assert withholding("1845", period="weekly", scale=2, paid_on=paid_on) == 409


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"paid_on": date(2025, 9, 23)},
            r"stsl: no study and training support loan schedule"
            r" \(Schedule 8\) covers 2025-09-23",
        ),
        (
            {"scale": "4-resident"},
            "stsl: no study and training support loan component is withheld on scale 4",
        ),
        ({"medicare_children": 1}, "stsl with medicare_spouse/medicare_children"),
        ({"stsl": "yes"}, "stsl must be True or False"),
    ],
)
def test_study_loan_errors_name_the_field(kwargs, message) -> None:
    args = {"period": "weekly", "scale": 2, "paid_on": date(2026, 7, 15), "stsl": True} | kwargs
    with pytest.raises(ValueError, match=f"^{message}"):
        withholding("1845", **args)
