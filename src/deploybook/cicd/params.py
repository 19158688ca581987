"""Parameters of the CI/CD report, validated before anything runs."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from deploybook.params import ReportParams

CiJob = Literal["lint", "unit", "test", "book"]


class CicdParams(ReportParams):
    """What a run of ``notebooks/cicd_pipeline.ipynb`` may change."""

    report: ClassVar[str] = "cicd_pipeline"

    ci_jobs: list[CiJob] = Field(
        min_length=1,
        description="ci.yml jobs to run here (test and book run every report, Spark included)",
    )
    unit_tests: str = Field(min_length=1, description="test paths the unit job runs")
    releases: int = Field(ge=2, le=8, description="tags pushed through deploy.yml")
    broken_release: Literal["none", "no-offline-extension", "dead-link", "absolute-link"] = Field(
        description="the defect of the last release"
    )
    keep_releases: int = Field(ge=2, le=20, description="releases each environment keeps")
    probe_interval_ms: int = Field(ge=5, le=1000, description="milliseconds between probes")
