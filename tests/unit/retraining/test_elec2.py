"""ELEC2 loading, batching and the rebuilt day-of-week column."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploybook.retraining.elec2 import ROWS, batches, day_of_week, load_elec2


def test_loads_in_time_order_with_keys() -> None:
    frame = load_elec2()
    assert len(frame) == ROWS
    assert frame["row_id"].tolist()[:3] == [0, 1, 2]
    assert set(frame["target"].unique()) == {0, 1}


def test_batches_are_consecutive_and_tagged() -> None:
    parts = list(batches(load_elec2(), 48, 3))
    assert [p["batch"].iloc[0] for p in parts] == [0, 1, 2]
    assert parts[1]["row_id"].iloc[0] == 48


def test_too_many_batches_is_refused() -> None:
    with pytest.raises(ValueError, match="need 90624 rows"):
        list(batches(load_elec2(), 45_312, 2))


def test_day_of_week_starts_on_tuesday() -> None:
    assert day_of_week(0) == pytest.approx(1 / 6)  # Tuesday 7 May 1996
    assert day_of_week(47) == pytest.approx(1 / 6)
    assert day_of_week(48) == pytest.approx(2 / 6)
    assert day_of_week(48 * 6) == 0.0  # the following Monday


def test_a_file_that_is_not_elec2_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="expected columns"):
        load_elec2(bad)
    labels = tmp_path / "labels.csv"
    labels.write_text("feat_1,feat_2,feat_3,feat_4,feat_5,feat_6,target\n0,0,0,0,0,0,3\n")
    with pytest.raises(ValueError, match="only 0 and 1"):
        load_elec2(labels)
