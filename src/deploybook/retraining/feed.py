"""The change feed a producer lands, batch by batch, in the landing Delta table.

Batch 0 is the table's starting content: ``batch_rows`` rows from ELEC2 row ``first_row`` on,
plus ``history_batches`` batches' worth before them, the history a deployment starts from.
(ELEC2's Victoria columns hold one placeholder value before row 17,424:
:func:`deploybook.retraining.elec2.first_varying_row`.) Each
later batch carries the next ``batch_rows`` ELEC2 rows (``UPSERT`` events) and, to exercise
the pipeline the way production data would, three kinds of change that ELEC2 itself does
not contain. All three are injected, seeded and labelled as such in the report:

- **corrections**: a share of each batch is first sent with a *provisional* NSW demand
  (``feat_3`` plus noise) and restated with the true ELEC2 value in the next *settlement*
  batch (every ``restate_every``-th batch from batch ``restate_every - 2``, like a monthly
  settlement run);
- **erasures**: ``DELETE`` events for a share of earlier rows (erasure requests), also
  processed in settlement batches;
- **faults**: a share of rows arrives broken (a price out of range, a label of 2, a missing
  demand) and must end up in quarantine, not in the training table.

From batch ``new_feature_at`` on, events carry one more column, ``day_of_week``, so the
landing and training tables evolve their schema mid-stream.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pyspark.sql import SparkSession
from pyspark.sql.types import (
    DoubleType,
    IntegerType,
    LongType,
    StringType,
    StructField,
    StructType,
)

from deploybook.retraining.elec2 import FEATURES, LABEL, day_of_week
from deploybook.retraining.expectations import DELETE, OP, UPSERT

NEW_FEATURE = "day_of_week"
PROVISIONAL_FEATURE = "feat_3"


def event_schema(features: list[str]) -> StructType:
    """Spark schema of landing events with these feature columns."""
    return StructType(
        [
            StructField("row_id", LongType(), True),
            StructField("batch", IntegerType(), False),
            StructField("seq", LongType(), False),
            StructField(OP, StringType(), False),
            *(StructField(name, DoubleType(), True) for name in features),
            StructField(LABEL, IntegerType(), True),
        ]
    )


@dataclass(frozen=True)
class FeedConfig:
    """How many batches, how big, and how much injected change."""

    batch_rows: int
    batches: int
    seed: int
    correction_rate: float = 0.02  # share of each batch's rows first sent provisionally
    erasure_rate: float = 0.002  # erased rows per settlement, as a share of the rows since the last
    fault_rate: float = 0.005  # share of each batch's rows sent broken
    restate_every: int = 4  # every n-th batch settles corrections and erasures
    new_feature_at: int = -1  # batch from which events carry ``day_of_week``; -1: never
    history_batches: int = 0  # batches' worth of earlier rows that batch 0 also carries
    first_row: int = 0  # the ELEC2 row position the feed starts from

    @property
    def rows(self) -> int:
        """ELEC2 rows the feed reaches: the position after its last row."""
        return self.first_row + (self.history_batches + self.batches) * self.batch_rows

    def span(self, batch: int) -> tuple[int, int]:
        """The ELEC2 row positions ``[start, stop)`` that ``batch`` delivers."""
        start = 0 if batch == 0 else (self.history_batches + batch) * self.batch_rows
        stop = (self.history_batches + batch + 1) * self.batch_rows
        return self.first_row + start, self.first_row + stop

    def settles(self, batch: int) -> bool:
        """Whether ``batch`` carries the corrections and erasures due so far."""
        return (batch + 2) % self.restate_every == 0

    def __post_init__(self) -> None:
        if self.restate_every < 1:
            raise ValueError(f"restate_every must be at least 1, got {self.restate_every}")
        for name in ("correction_rate", "erasure_rate", "fault_rate"):
            value = getattr(self, name)
            if not 0 <= value <= 0.5:
                raise ValueError(f"{name} must be between 0 and 0.5, got {value}")
        if self.batch_rows < 1 or self.batches < 1:
            raise ValueError("a feed needs at least one batch of at least one row")
        if self.history_batches < 0:
            raise ValueError(f"history_batches must be 0 or more, got {self.history_batches}")
        if self.first_row < 0:
            raise ValueError(f"first_row must be 0 or more, got {self.first_row}")


def _break(row: dict[str, object], kind: int) -> dict[str, object]:
    broken = dict(row)
    if kind == 0:
        broken["feat_2"] = float(broken["feat_2"]) + 1.5  # type: ignore[arg-type]
    elif kind == 1:
        broken[LABEL] = 2
    else:
        broken[PROVISIONAL_FEATURE] = None
    return broken


def build_feed(frame: pd.DataFrame, config: FeedConfig) -> list[pd.DataFrame]:
    """The events of every batch, in landing order (``seq`` increases across the feed)."""
    if config.rows > len(frame):
        raise ValueError(
            f"{config.batches} batches of {config.batch_rows} rows after a history of "
            f"{config.history_batches} batches from row {config.first_row} need rows up to "
            f"{config.rows}; the data has {len(frame)}"
        )
    rng = np.random.default_rng(config.seed)
    seq = 0
    delivered: list[int] = []  # keys in the training table after each batch (candidates to erase)
    pending: list[dict[str, object]] = []  # corrections due in the next batch
    feed = []
    for batch in range(config.batches):
        start, stop = config.span(batch)
        rows = frame.iloc[start:stop]
        with_new = config.new_feature_at >= 0 and batch >= config.new_feature_at
        features = [*FEATURES, NEW_FEATURE] if with_new else list(FEATURES)
        records = []
        for rec in rows.to_dict("records"):
            event: dict[str, object] = {
                "row_id": int(rec["row_id"]),
                "batch": batch,
                OP: UPSERT,
                **{f: float(rec[f]) for f in FEATURES},
                LABEL: int(rec[LABEL]),
            }
            if with_new:
                event[NEW_FEATURE] = day_of_week(int(rec["row_id"]))
            records.append(event)
        n = len(records)
        picks = rng.permutation(n)
        n_faults = round(config.fault_rate * n)
        n_prov = round(config.correction_rate * n)
        faulty = set(picks[:n_faults].tolist())
        provisional = set(picks[n_faults : n_faults + n_prov].tolist())
        events = []
        for i, event in enumerate(records):
            if i in faulty:
                events.append(_break(event, int(rng.integers(3))))
                continue
            if i in provisional:
                true_value = float(event[PROVISIONAL_FEATURE])  # type: ignore[arg-type]
                noisy = float(np.clip(true_value + rng.normal(0, 0.05), 0.0, 1.0))
                events.append({**event, PROVISIONAL_FEATURE: noisy})
                pending.append(event)
                continue
            events.append(event)
        corrections: list[dict[str, object]] = []
        erased: list[int] = []
        n_erase = round(config.erasure_rate * n * config.restate_every)
        if config.settles(batch):
            due = [e for e in pending if int(e["batch"]) < batch]  # type: ignore[call-overload]
            corrections = [{**e, "batch": batch} for e in due]
            pending = [e for e in pending if int(e["batch"]) == batch]  # type: ignore[call-overload]
        if config.settles(batch) and delivered and n_erase:
            chosen = rng.choice(len(delivered), size=min(n_erase, len(delivered)), replace=False)
            erased = [delivered[i] for i in sorted(chosen.tolist())]
        deletes = [
            {"row_id": key, "batch": batch, OP: DELETE, **{f: None for f in features}, LABEL: None}
            for key in erased
        ]
        batch_events = pd.DataFrame(
            [*events, *corrections, *deletes], columns=["row_id", "batch", OP, *features, LABEL]
        )
        batch_events.insert(2, "seq", range(seq + 1, seq + 1 + len(batch_events)))
        seq += len(batch_events)
        erased_set = set(erased)
        delivered = [k for k in delivered if k not in erased_set]
        delivered += [int(e["row_id"]) for i, e in enumerate(records) if i not in faulty]  # type: ignore[call-overload]
        feed.append(batch_events)
    return feed


def expected_rows(feed: list[pd.DataFrame]) -> pd.DataFrame:
    """The training table the feed should produce: last valid event per key, deletes applied."""
    events = pd.concat(feed, ignore_index=True).sort_values("seq")
    valid = events[(events[OP] == DELETE) | _valid_upserts(events)]
    last = valid.groupby("row_id", sort=True).tail(1)
    return last[last[OP] == UPSERT].drop(columns=[OP]).sort_values("row_id").reset_index(drop=True)


def land(spark: SparkSession, path: str, events: pd.DataFrame) -> None:
    """Append events to the landing table as one commit (new columns merged in)."""
    features = [c for c in events.columns if c not in ("row_id", "batch", "seq", OP, LABEL)]
    schema = event_schema(features)
    records = [
        tuple(None if pd.isna(v) else v for v in row)
        for row in events[[f.name for f in schema.fields]].itertuples(index=False)
    ]
    typed = [
        tuple(
            None if v is None else (int(v) if isinstance(f.dataType, LongType | IntegerType) else v)
            for v, f in zip(rec, schema.fields, strict=True)
        )
        for rec in records
    ]
    frame = spark.createDataFrame(typed, schema)
    (
        frame.coalesce(1)
        .write.format("delta")
        .mode("append")
        .option("mergeSchema", "true")
        .save(path)
    )


def _valid_upserts(events: pd.DataFrame) -> pd.Series:
    return (
        events[LABEL].isin([0, 1])
        & events[FEATURES].notna().all(axis=1)
        & events[FEATURES].apply(lambda column: column.between(0, 1)).all(axis=1)
    )


def feed_summary(feed: list[pd.DataFrame]) -> dict[str, int]:
    """Counts of what the feed carries: rows, corrections, erasures, broken rows, settlements."""
    events = pd.concat(feed, ignore_index=True)
    upserts = events[events[OP] == UPSERT]
    valid = _valid_upserts(upserts)
    return {
        "rows": int(upserts["row_id"].nunique()),
        "corrections": int(valid.sum() - upserts.loc[valid, "row_id"].nunique()),
        "erasures": int((events[OP] == DELETE).sum()),
        "broken": int((~valid).sum()),
        "settlements": int(events.loc[events[OP] == DELETE, "batch"].nunique()),
    }
