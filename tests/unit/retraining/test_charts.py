"""The report's figures build from plain tables."""

from __future__ import annotations

import pandas as pd

from deploybook.retraining import charts


def test_architecture_has_every_table() -> None:
    fig = charts.architecture()
    text = " ".join(a.text for a in fig.layout.annotations)
    for table in ("landing", "quarantine", "clean_events", "training", "models"):
        assert table in text


def test_data_charts() -> None:
    scores = pd.DataFrame(
        {"data_version": [2, 2], "method": ["a", "b"], "rows": [10, 10], "correct": [5, 7]}
    )
    assert len(charts.accuracy_over_time(scores, {2: 1}).data) == 2
    costs = pd.DataFrame(
        {"method": ["a"], "table_rows": [10], "update_seconds": [1.0], "note": [""]}
    )
    assert len(charts.update_cost(costs).data) == 1
    trees = pd.DataFrame(
        {"model_version": [1, 2, 2], "cohort": ["v1", "v1", "v2"], "trees": [3, 3, 3]}
    )
    assert len(charts.lineage(trees).data) == 2
