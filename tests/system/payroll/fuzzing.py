"""Fuzzing the API's OpenAPI contract with schemathesis, against a running server.

For every operation of ``/openapi.json``, schemathesis generates requests that fit the
schema (positive) and requests that break it (negative), and this module sends each one as a
user holding every role (so that requests get past the role checks to the validation and
the business rules) and runs schemathesis's checks on the response: no server error, a
documented status code, content type and headers, a body matching the response schema,
invalid requests rejected, and no operation that answers without a login. The check that
every schema-valid request is accepted is left out: business rules the schema cannot state
(a tax-free threshold claimed on a scale without one, approving one's own run) are answered
with documented 4xx problems, as they should be.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import httpx
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from hypothesis.strategies import SearchStrategy
from schemathesis import GenerationMode
from schemathesis.checks import CheckFunction
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import positive_data_acceptance

EXCLUDED_CHECKS: list[CheckFunction] = [positive_data_acceptance]
# operations that may end the fuzzer's session go last, logging out at the very end
LAST = ("PUT /api/v1/users/{name}", "PUT /api/v1/me/password", "POST /api/v1/auth/logout")


@dataclass(frozen=True)
class FuzzFailure:
    """A response that failed a check."""

    operation: str
    mode: str
    status: int
    message: str


@dataclass
class FuzzReport:
    """Cases sent per operation and mode, the statuses seen and the failures."""

    operations: int = 0
    cases: Counter[tuple[str, str]] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[FuzzFailure] = field(default_factory=list)

    @property
    def total_cases(self) -> int:
        """Requests sent."""
        return sum(self.cases.values())


def _token(base_url: str, user: str, password: str) -> str:
    reply = httpx.post(
        f"{base_url}/api/v1/auth/token", data={"username": user, "password": password}, timeout=30
    )
    reply.raise_for_status()
    return str(reply.json()["access_token"])


@dataclass
class _Fuzzer:
    """Sends cases as one user and records what came back."""

    base_url: str
    user: str
    password: str
    report: FuzzReport
    session: requests.Session = field(default_factory=requests.Session)
    token: str = ""

    def log_in(self) -> None:
        self.token = _token(self.base_url, self.user, self.password)

    def send(self, case: schemathesis.Case, label: str) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        response = case.call(base_url=self.base_url, session=self.session, headers=headers)
        kind = case.meta.generation.mode.value if case.meta else "positive"
        self.report.cases[(label, kind)] += 1
        self.report.statuses[response.status_code] += 1
        try:
            case.validate_response(
                response,
                excluded_checks=EXCLUDED_CHECKS,
                headers=headers,
                transport_kwargs={"base_url": self.base_url},
            )
        except FailureGroup as exc:
            failure = FuzzFailure(label, kind, response.status_code, str(exc)[:2000])
            self.report.failures.append(failure)
        if label == LAST[0]:  # the fuzzer may have changed its own roles or password
            alive = self.session.get(f"{self.base_url}/api/v1/me", headers=headers, timeout=30)
            if alive.status_code == 401:
                self.log_in()


def _generate(strategy: SearchStrategy[schemathesis.Case], max_examples: int,
              send: Callable[[schemathesis.Case], None]) -> None:  # fmt: skip
    @settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def cases(case: schemathesis.Case) -> None:
        send(case)

    try:
        cases()
    except Unsatisfiable:  # nothing to negate: an operation without inputs
        return


def fuzz(
    base_url: str,
    user: str,
    password: str,
    *,
    max_examples: int = 10,
    modes: tuple[GenerationMode, ...] = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE),
    select: Callable[[str], bool] = lambda label: True,
) -> FuzzReport:
    """Fuzz every operation (whose label ``select`` accepts) of the server at ``base_url``,
    as ``user``; at most ``max_examples`` cases per operation and mode, deterministically."""
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    fuzzer = _Fuzzer(base_url, user, password, FuzzReport())
    fuzzer.log_in()
    operations = sorted(
        (r.ok() for r in schema.get_all_operations()),
        key=lambda o: LAST.index(o.label) + 1 if o.label in LAST else 0,
    )
    for operation in operations:
        if not select(operation.label):
            continue
        fuzzer.report.operations += 1
        for mode in modes:
            try:
                strategy = operation.as_strategy(generation_mode=mode)
            except Exception:  # noqa: S112 - no case of this mode exists  # nosec B112
                continue
            _generate(strategy, max_examples, partial(fuzzer.send, label=operation.label))
    fuzzer.session.close()
    return fuzzer.report
