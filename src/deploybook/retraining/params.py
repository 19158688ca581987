"""Parameters of the retraining report, validated before any Spark work starts."""

from __future__ import annotations

from pydantic import Field

from deploybook.params import ReportParams


class RetrainingParams(ReportParams):
    """What a run of ``notebooks/dlt_retraining.ipynb`` may change."""

    batch_rows: int = Field(ge=48, le=45_312, description="rows per batch (336 = one week)")
    batches: int = Field(ge=2, le=500, description="number of batches streamed into the table")
    seed: int = Field(ge=0, description="random seed")
    spark_master: str = Field(description="Spark master URL; empty for the default")
