"""The retraining report, run end to end on small parameter sets."""

from __future__ import annotations

import pytest
from papermill.exceptions import PapermillExecutionError

pytestmark = [pytest.mark.notebook, pytest.mark.spark]


@pytest.mark.parametrize(("batch_rows", "batches"), [(96, 2), (336, 3)])
def test_table_versions_match_batches(run, batch_rows: int, batches: int) -> None:
    figures = run("dlt_retraining", batch_rows=batch_rows, batches=batches)
    assert figures["batches_processed"] == batches
    assert figures["table_versions"] == batches
    assert figures["rows_at_first_version"] == batch_rows
    assert figures["rows_at_last_version"] == batch_rows * batches


def test_bad_parameter_names_it(run) -> None:
    with pytest.raises(PapermillExecutionError, match="batches"):
        run("dlt_retraining", batches=-1)
