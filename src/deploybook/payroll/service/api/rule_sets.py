"""The withholding rule sets and their coefficients (``/api/v1/rule-sets``)."""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any

from fastapi import APIRouter, Path

from deploybook.payroll.engine.rules import RuleSet, default_rule_sets
from deploybook.payroll.service.api.access import User
from deploybook.payroll.service.api.models import (
    RULE_SET_PATTERN,
    Bracket,
    RuleSetDetail,
    RuleSetSummary,
)
from deploybook.payroll.service.api.problems import ApiError, responses

router = APIRouter(prefix="/api/v1")
R = responses


def _summary(rule_set: RuleSet) -> dict[str, Any]:
    return {
        "name": rule_set.name,
        "title": rule_set.title,
        "applies_from": rule_set.applies_from,
        "applies_to": rule_set.applies_to,
        "provenance": dict(Counter(p.status.value for p in rule_set.provenance)),
    }


@router.get("/rule-sets", summary="Withholding rule sets", tags=["rules"], responses=R(401))
def list_rule_sets(user: User) -> list[RuleSetSummary]:
    """The withholding rule sets (``data/payroll/rulesets``), oldest first."""
    return [RuleSetSummary.model_validate(_summary(r)) for r in default_rule_sets()]


@router.get(
    "/rule-sets/{name}",
    summary="A rule set's coefficients",
    tags=["rules"],
    responses=R(401, 404, 422),
)
def get_rule_set(user: User, name: Annotated[str, Path(pattern=RULE_SET_PATTERN)]) -> RuleSetDetail:
    """One rule set: its coefficients by scale, scale 4 rates and tax-offset parameters."""
    found = next((r for r in default_rule_sets() if r.name == name), None)
    if found is None:
        raise ApiError(404, "not-found", f"rule set {name!r} does not exist")
    return RuleSetDetail.model_validate(
        _summary(found)
        | {
            "brackets": {
                s: [Bracket(upper=b.upper, a=b.a, b=b.b) for b in rows]
                for s, rows in found.brackets.items()
            },
            "scale4_rates": dict(found.scale4_rates),
            "offset_rates": dict(found.offset_rates),
            "offset_scales": sorted(found.offset_scales),
        }
    )
