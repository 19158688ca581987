"""Parameters of the payroll report, validated before any work starts."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from pydantic import Field, field_validator

from deploybook.params import ReportParams
from deploybook.payroll.pyramid import LEVELS


class PayrollParams(ReportParams):
    """What a run of ``notebooks/payroll_rollout.ipynb`` may change."""

    report: ClassVar[str] = "payroll_rollout"

    employees: int = Field(ge=20, le=200_000, description="employees of the synthetic company")
    pay_frequency: str = Field(pattern="^(weekly|fortnightly|monthly)$")
    period_start: date = Field(ge=date(2023, 9, 1), le=date(2026, 1, 1))  # SG data: 2023-26
    rule_set: str = Field(description="rule set to force; empty for the one in force")
    rollout_plan: str = Field(min_length=1)
    inject_defect: bool
    test_levels: list[str] = Field(min_length=1)
    mutation_testing: bool
    throughput_sizes: list[int] = Field(min_length=1, max_length=8)
    load_test_employees: int = Field(ge=10, le=200_000, description="company the load test serves")
    load_test_calculations: int = Field(ge=1, le=20, description="pay-run calculations timed")
    load_test_seconds: int = Field(ge=1, le=600, description="seconds of payslip reads")
    load_test_users: int = Field(ge=1, le=200, description="employees reading at once")
    seed: int = Field(ge=0)

    @field_validator("test_levels")
    @classmethod
    def _known_levels(cls, levels: list[str]) -> list[str]:
        unknown = [level for level in levels if level not in LEVELS]
        if unknown:
            raise ValueError(f"unknown test levels {unknown}; the levels are {list(LEVELS)}")
        return levels

    @field_validator("throughput_sizes")
    @classmethod
    def _sizes(cls, sizes: list[int]) -> list[int]:
        if any(not 10 <= n <= 200_000 for n in sizes):
            raise ValueError("each throughput size must be between 10 and 200,000 employees")
        return sorted(sizes)
