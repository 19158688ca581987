"""The weekly feed: inserts, settlements with corrections and erasures, faults, a new column."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from deploybook.retraining.elec2 import first_varying_row, load_elec2, row_date
from deploybook.retraining.feed import (
    NEW_FEATURE,
    FeedConfig,
    build_feed,
    expected_rows,
    feed_summary,
)


@pytest.fixture(scope="module")
def feed() -> list[pd.DataFrame]:
    config = FeedConfig(batch_rows=200, batches=7, seed=3, new_feature_at=5)
    return build_feed(load_elec2(), config)


def test_sequence_numbers_increase_across_the_feed(feed: list[pd.DataFrame]) -> None:
    seq = pd.concat(feed)["seq"]
    assert seq.is_monotonic_increasing
    assert seq.is_unique


def test_corrections_and_erasures_only_in_settlement_batches(feed: list[pd.DataFrame]) -> None:
    config = FeedConfig(batch_rows=200, batches=7, seed=3)
    for batch, events in enumerate(feed):
        repeated = events["row_id"] < batch * 200  # keys of earlier batches
        if config.settles(batch):
            assert repeated.any()
            assert (events["op"] == "DELETE").any()
        else:
            assert not repeated.any()


def test_erasures_target_rows_already_delivered(feed: list[pd.DataFrame]) -> None:
    for batch, events in enumerate(feed):
        deletes = events[events["op"] == "DELETE"]
        assert (deletes["row_id"] < batch * 200).all()


def test_new_column_appears_from_its_batch(feed: list[pd.DataFrame]) -> None:
    assert NEW_FEATURE not in feed[4].columns
    assert NEW_FEATURE in feed[5].columns
    assert feed[5][NEW_FEATURE].between(0, 1).all()


def test_expected_rows_apply_the_last_valid_event(feed: list[pd.DataFrame]) -> None:
    rows = expected_rows(feed)
    events = pd.concat(feed)
    erased = set(events.loc[events["op"] == "DELETE", "row_id"])
    assert erased.isdisjoint(rows["row_id"])
    assert rows["target"].isin([0, 1]).all()
    assert rows["row_id"].is_unique
    truth = load_elec2().set_index("row_id")
    corrected = events[(events["op"] == "UPSERT") & events["row_id"].duplicated(keep="last")]
    for key in corrected["row_id"].head(5):
        if key in set(rows["row_id"]):
            value = rows.set_index("row_id").loc[key, "feat_3"]
            assert value == pytest.approx(truth.loc[key, "feat_3"])  # restated to the truth


def test_summary_counts(feed: list[pd.DataFrame]) -> None:
    summary = feed_summary(feed)
    assert summary["rows"] == 7 * 200
    assert summary["broken"] == 7  # 0.5 % of 200, rounded, per batch
    assert summary["settlements"] == 2  # batches 2 and 6
    assert summary["erasures"] > 0
    assert summary["corrections"] > 0


def test_bad_configuration_is_refused() -> None:
    with pytest.raises(ValueError, match="erasure_rate"):
        FeedConfig(batch_rows=10, batches=2, seed=0, erasure_rate=0.9)
    with pytest.raises(ValueError, match="restate_every"):
        FeedConfig(batch_rows=10, batches=2, seed=0, restate_every=0)
    with pytest.raises(ValueError, match="at least one batch"):
        FeedConfig(batch_rows=0, batches=2, seed=0)
    with pytest.raises(ValueError, match="need rows up to 20; the data has 10"):
        build_feed(load_elec2().head(10), FeedConfig(batch_rows=10, batches=2, seed=0))


def test_the_first_batch_carries_the_history_and_later_batches_follow_it() -> None:
    config = FeedConfig(batch_rows=100, batches=3, seed=1, history_batches=5, fault_rate=0)
    feed = build_feed(load_elec2(), config)
    inserted = [events.loc[events["op"] == "UPSERT", "row_id"] for events in feed]
    elec2 = load_elec2()["row_id"]
    assert inserted[0].tolist() == elec2.iloc[:600].tolist()  # 5 batches of history + batch 0
    assert inserted[1].tolist() == elec2.iloc[600:700].tolist()
    assert config.span(2) == (700, 800)
    with pytest.raises(ValueError, match="500 batches from row 0 need rows up to 50300"):
        build_feed(load_elec2(), FeedConfig(batch_rows=100, batches=3, seed=1, history_batches=500))


def test_the_feed_starts_at_its_first_row_where_every_column_varies() -> None:
    """Reference: ELEC2's own file (data/retraining/elec2.csv), read with pandas: its Victoria
    columns feat_4 to feat_6 keep row 0's value through row 17,423 and differ at row 17,424
    (SOURCES.md: half-hours from 7 May 1996, so row 17,424 is 5 May 1997)."""
    elec2 = load_elec2()
    assert first_varying_row(elec2) == 17_424
    placeholder = elec2.loc[:17_423, ["feat_4", "feat_5", "feat_6"]]
    assert (placeholder == placeholder.iloc[0]).all().all()
    assert row_date(17_424) == date(1997, 5, 5)
    config = FeedConfig(batch_rows=100, batches=2, seed=1, history_batches=1, first_row=17_424)
    feed = build_feed(elec2, config)
    inserted = [events.loc[events["op"] == "UPSERT", "row_id"].tolist() for events in feed]
    assert inserted[0] == list(range(17_424, 17_624))
    assert inserted[1] == list(range(17_624, 17_724))
    with pytest.raises(ValueError, match="first_row must be 0 or more"):
        FeedConfig(batch_rows=100, batches=2, seed=1, first_row=-5)
