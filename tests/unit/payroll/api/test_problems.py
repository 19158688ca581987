"""Problem responses: where a field is, which field a message names, how errors map."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from deploybook.payroll.service.api.problems import (
    MEDIA_TYPE,
    ApiError,
    FieldError,
    field_of,
    from_exception,
    location,
    responses,
    translated,
)
from deploybook.payroll.service.payruns import InvalidState, NotFound, PayRunError, PermissionDenied


def test_locations_read_like_field_paths() -> None:
    assert location(("body", "employees", 3, "rate")) == "employees[3].rate"
    assert location(("query", "limit")) == "limit"
    assert location(("header", "Idempotency-Key")) == "Idempotency-Key"
    assert location(("body",)) == "body"
    assert location(()) == "body"


def test_the_field_a_message_starts_with() -> None:
    known = ["rate", "period_start", "reason"]
    assert field_of("rate must be an amount of money", known) == "rate"
    assert field_of("period_start: a monthly period starts on the 1st", known) == "period_start"
    assert field_of("pay run 3 has no payslips", known) is None
    assert field_of("a Medicare levy variation applies", known, "employees[0]") == "employees[0]"


@pytest.mark.parametrize(
    ("error", "status", "slug"),
    [
        (PermissionDenied("no"), 403, "permission-denied"),
        (NotFound("pay run 9 does not exist"), 404, "not-found"),
        (LookupError("no payslip"), 404, "not-found"),
        (InvalidState("pay run 1 is paid"), 409, "invalid-state"),
        (PayRunError({"E2": "bad", "E1": "worse"}), 422, "pay-run-error"),
        (ValueError("reason: say why"), 422, "validation"),
    ],
)
def test_service_errors_map_to_statuses(error: Exception, status: int, slug: str) -> None:
    found = from_exception(error, ["reason"])
    assert (found.status, found.slug) == (status, slug)
    if isinstance(error, PayRunError):
        assert [e.field for e in found.errors] == ["E1", "E2"]
    if slug == "validation":
        assert found.field == "reason"


def test_other_errors_are_not_translated() -> None:
    with pytest.raises(KeyError):
        from_exception(KeyError("bug"))
    with pytest.raises(KeyError), translated():
        raise KeyError("a bug is not a 404")

    class Model(BaseModel):
        n: int

    with pytest.raises(ValidationError), translated():
        Model.model_validate({"n": "x"})
    with pytest.raises(ApiError) as caught, translated(["paid_on"]):
        raise ValueError("paid_on: no rule set covers 1999-01-01")
    assert (caught.value.status, caught.value.field) == (422, "paid_on")
    with pytest.raises(ApiError) as missing, translated():
        raise LookupError("pay run 1 has no payslip for E9")
    assert missing.value.status == 404


def test_an_error_with_a_field_lists_it() -> None:
    error = ApiError(422, "validation", "limit: too big", field="limit")
    assert error.errors == [FieldError(field="limit", message="limit: too big")]
    assert ApiError(404, "not-found", "gone").errors == []


def test_documented_problem_responses() -> None:
    found = responses(401, 422)
    assert set(found) == {401, 422}
    assert found[422]["content"][MEDIA_TYPE]["schema"] == {"$ref": "#/components/schemas/Problem"}
