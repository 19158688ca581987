"""The service's part of the report: endpoints, load figures, security results."""

from __future__ import annotations

import json
from pathlib import Path

from deploybook.payroll.report.loadtest import LoadReport, LoadResult
from deploybook.payroll.report.service_results import (
    AUTHZ_FILE,
    FUZZ_FILE,
    authz_cases,
    authz_matrix,
    endpoint_table,
    fuzz_summary,
    load_figure,
    load_table,
    openapi_document,
)


def test_the_endpoint_table_lists_every_operation() -> None:
    document = openapi_document()
    table = endpoint_table(document)
    assert len(table) == sum(len(ops) for ops in document["paths"].values())
    approve = table.loc["POST /pay-runs/{id}/approve"]
    assert approve["idempotency key"] == "required"
    assert "400" in approve["statuses"].split()
    assert "approver" in approve["does (who)"]
    assert table.loc["POST /pay-runs", "idempotency key"] == "optional"
    assert table.loc["GET /health", "idempotency key"] == ""


def test_load_figures_and_table() -> None:
    reads = LoadResult("payslips", 3, 4, 0, 2.0, (10.0, 12.0, 20.0, 40.0))
    calc = LoadResult("calculate", 1, 2, 0, 3.0, (1500.0, 1400.0))
    report = LoadReport(1000, calc, reads)
    table = load_table(report)
    assert list(table.columns) == ["calculate", "payslips"]
    assert table.loc["requests_per_second", "payslips"] == 2.0
    assert table.loc["requests", "payslips"] == 4  # counts stay whole numbers
    figure = load_figure(report)
    assert len(figure.data) == 5  # the distribution, three percentiles, the calculations
    assert "3 employees, 2 reads/s" in figure.layout.title.text


def test_security_results_from_the_artifacts(tmp_path: Path) -> None:
    assert authz_cases([("test_endpoint_authorization[a]", "passed"),
                        ("test_endpoint_authorization[b]", "failed"),
                        ("test_other", "failed")]) == (2, 1)  # fmt: skip
    assert authz_matrix(tmp_path).empty
    assert fuzz_summary(tmp_path) is None
    lines = [{"method": "GET", "path": "/api/v1/me", "role": r, "status": s}
             for r, s in (("anonymous", 401), ("clerk", 200))]  # fmt: skip
    lines.append({"method": "GET", "path": "/api/v1/employees/{employee_id}",
                  "role": "employee-other", "status": 403})  # fmt: skip
    (tmp_path / AUTHZ_FILE).write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    matrix = authz_matrix(tmp_path)
    assert list(matrix.columns) == ["none", "empl. (other's)", "clerk"]
    assert matrix.loc["GET /me", "none"] == "401"
    assert matrix.loc["GET /me", "empl. (other's)"] == ""
    assert matrix.loc["GET /employees/{e}", "empl. (other's)"] == "403"
    (tmp_path / FUZZ_FILE).write_text(json.dumps({"cases": 3, "failures": 0}))
    assert fuzz_summary(tmp_path) == {"cases": 3, "failures": 0}
