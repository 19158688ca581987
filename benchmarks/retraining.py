"""Incremental forest update vs full retrain, in steady state, as the training table grows.

For each table size a Delta training table (Change Data Feed on) is filled with that many
synthetic drifting rows. Change sets are then committed one table version each, through the
report's own idempotent MERGE (``lakehouse.merge_batch``): 9,000 new rows, 800 corrections
(label flipped) and 200 erasures (deletes) of rows that trees still in the forest learned.

Two stored pipelines run the report's retraining job on the same versions:

- incremental: warmed up until its forest holds ``max_trees`` trees, so that every timed
  update fits ``trees_per_update`` new trees, retires as many, and refits (repairs) the
  cohorts that learned a corrected or erased row, reading those rows from the table;
- full: ``max_trees`` trees refitted on the whole table as of each version.

Per timed version, for each pipeline:

- cost: the job's whole learning of the version (its change-feed read, the split, the fit,
  merge and repairs, the gate and the model's commit), and of that the strategy's own part
  (fit, merge and repairs);
- accuracy: prequential, the serving champion scored on the version's new rows before it
  learns them;
- freshness (incremental only): seconds from the change set's commit to its new champion
  being the model serving reads, the job triggered right after the commit (only versions
  whose challenger was promoted count).

Medians with their range over ``--repeats`` versions; ratios against the full retrain of the
same size, in this process. Usage:
``python benchmarks/retraining.py [--sizes 100000 500000 ...] [--repeats 5]``.
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import time
from dataclasses import dataclass, field

from pyspark.ml.classification import RandomForestClassifier
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from deploybook.paths import work_dir
from deploybook.retraining.elec2 import LABEL
from deploybook.retraining.expectations import DELETE, OP, UPSERT
from deploybook.retraining.features import KEY
from deploybook.retraining.job import JobConfig, RetrainingJob
from deploybook.retraining.lakehouse import (
    Lakehouse,
    create_lakehouse,
    merge_batch,
    table_versions,
)
from deploybook.retraining.serving import latest_model
from deploybook.retraining.strategies import make_strategy
from deploybook.retraining.synthetic import synthetic_rows
from deploybook.spark import get_spark

NEW_ROWS = 9_000
CORRECTIONS = 800
ERASURES = 200
SEED = 7
CHECKS = (
    "at 1M rows an update is at least 10x cheaper than a full retrain",
    "the incremental cost grows less than 2x from the smallest size to the largest",
)


@dataclass
class Timings:
    """One pipeline's figures over the timed versions."""

    seconds: list[float] = field(default_factory=list)
    strategy: list[float] = field(default_factory=list)  # of which the strategy's own work
    accuracy: list[float] = field(default_factory=list)
    freshness: list[float] = field(default_factory=list)


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _spread(values: list[float]) -> str:
    if not values:
        return "n/a"
    return f"{_median(values):7.2f} ({min(values):.2f}-{max(values):.2f})"


def _job(spark: SparkSession, lake: Lakehouse, mode: str, start: int, args) -> RetrainingJob:
    strategy = make_strategy(
        RandomForestClassifier(maxDepth=args.max_depth),
        mode,  # type: ignore[arg-type]
        trees_per_update=args.trees_per_update,
        max_trees=args.max_trees,
        seed=1,
    )
    config = JobConfig(
        pipeline=f"bench-{mode}",
        registry_path=lake.registry(mode),
        checkpoint=lake.checkpoint(f"bench-{mode}"),
        starting_version=start,
    )
    return RetrainingJob(spark, lake.training, strategy, config)


def change_set(spark: SparkSession, size: int, number: int, erased: set[int]) -> DataFrame:
    """Change set ``number`` (from 1): new rows, then corrections and erasures of rows the
    three change sets before it added (trees still in the forest learned them). ``erased``
    (updated here) holds the keys erased so far: none is picked again.
    """
    first_new = size + (number - 1) * NEW_ROWS
    events = synthetic_rows(spark, first_new, NEW_ROWS, seed=SEED, batch=number)
    events = events.withColumn(OP, F.lit(UPSERT))
    first_recent = size + max(0, number - 4) * NEW_ROWS
    recent = [k for k in range(first_recent, first_new) if k not in erased]
    if not recent:
        return events
    picked = random.Random(number).sample(  # noqa: S311 - a reproducible pick
        recent, min(len(recent), CORRECTIONS + ERASURES)
    )
    now_erased = sorted(picked[:ERASURES])
    erased.update(now_erased)
    old = synthetic_rows(spark, first_recent, first_new - first_recent, seed=SEED, batch=number)
    later = F.lit(10**12 * number) + F.col(KEY)  # a seq above every earlier event's
    old = (
        old.where(F.col(KEY).isin(picked))
        .withColumn("seq", later)
        .withColumn(LABEL, 1 - F.col(LABEL))
        .withColumn(OP, F.when(F.col(KEY).isin(now_erased), DELETE).otherwise(UPSERT))
    )
    return events.unionByName(old)


def _learn_new(job: RetrainingJob, timings: Timings | None, committed: float | None) -> None:
    """Discover and learn every new version; with ``timings``, record its figures (and its
    freshness, with the time the change set was ``committed``).
    """
    job.discover().awaitTermination()
    for version in job.pending():
        started = time.perf_counter()
        report = job.learn(version)
        seconds = time.perf_counter() - started
        if timings is None or report is None:
            continue
        timings.seconds.append(seconds)
        timings.strategy.append(report.metrics["update_seconds"])
        if "prequential_accuracy" in report.metrics:
            timings.accuracy.append(report.metrics["prequential_accuracy"])
        if committed is not None and report.challenger_served:
            served = latest_model(job.spark, job.config.registry_path)
            if served.record.data_version == version:
                timings.freshness.append(time.perf_counter() - committed)


def measure(size: int, args: argparse.Namespace) -> dict[str, Timings]:
    """Both pipelines' figures at ``size`` rows, over ``args.repeats`` versions each."""
    spark = get_spark()
    root = work_dir("benchmarks") / f"retraining-{size}"
    shutil.rmtree(root, ignore_errors=True)
    lake = create_lakehouse(spark, str(root), f"bench_{size}")
    synthetic_rows(spark, 0, size, seed=SEED).write.format("delta").mode("append").save(
        lake.training
    )
    start = max(v for v, _ in table_versions(spark, lake.training)) + 1
    warmup = -(-args.max_trees // args.trees_per_update) + 1  # forest full, then one retires
    incremental = _job(spark, lake, "incremental", start, args)
    full: RetrainingJob | None = None
    timings = {"incremental": Timings(), "full": Timings()}
    erased: set[int] = set()
    for number in range(1, warmup + args.repeats + 1):
        events = change_set(spark, size, number, erased)
        merge_batch(spark, lake.training, events, number, txn=(f"bench-{size}", number))
        committed = time.perf_counter()
        timed = number > warmup
        _learn_new(incremental, timings["incremental"] if timed else None, committed)
        if number == warmup:  # the full retrain starts one version early: a champion to score
            version = incremental.reports[-1].data_version
            full = _job(spark, lake, "full", version, args)
        if full is not None:
            _learn_new(full, timings["full"] if timed else None, None)
    shutil.rmtree(root, ignore_errors=True)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[100_000, 500_000, 1_000_000, 2_000_000]
    )
    parser.add_argument("--repeats", type=int, default=5, help="versions timed per size")
    parser.add_argument("--trees-per-update", type=int, default=10)
    parser.add_argument("--max-trees", type=int, default=50)
    parser.add_argument("--max-depth", type=int, default=10)
    args = parser.parse_args()
    keys = ("sizes", "incremental_s", "full_s", "ratio", "accuracy_incremental",
            "accuracy_full", "freshness_s")  # fmt: skip
    result: dict[str, list[float]] = {key: [] for key in keys}
    print(
        f"change sets of {NEW_ROWS:,} new rows, {CORRECTIONS} corrections, {ERASURES} erasures;"
        f" {args.trees_per_update} new trees per update in a forest of {args.max_trees},"
        f" {args.max_trees} per full retrain, depth {args.max_depth};"
        f" median (range) of {args.repeats} versions, seconds"
    )
    for size in args.sizes:
        started = time.perf_counter()
        t = measure(size, args)
        inc, full = t["incremental"], t["full"]
        figures = (size, _median(inc.seconds), _median(full.seconds),
                   _median(full.seconds) / _median(inc.seconds), _median(inc.accuracy),
                   _median(full.accuracy), _median(inc.freshness))  # fmt: skip
        for key, value in zip(keys, figures, strict=True):
            result[key].append(round(value, 4 if key.startswith("accuracy") else 2))
        print(
            f"{size:>9,} rows: incremental {_spread(inc.seconds)} (strategy"
            f" {_median(inc.strategy):.2f})  full {_spread(full.seconds)} (strategy"
            f" {_median(full.strategy):.2f})  full/incremental {figures[3]:5.1f}x"
            f"  accuracy {figures[4]:.3f} vs"
            f" {figures[5]:.3f}  freshness {_spread(inc.freshness)}"
            f"  ({time.perf_counter() - started:.0f} s)",
            flush=True,
        )
    sizes = result["sizes"]
    if 1_000_000 in sizes:
        print(f"{CHECKS[0]}: {result['ratio'][sizes.index(1_000_000)] >= 10}")
    if len(sizes) > 1:
        growth = result["incremental_s"][-1] / result["incremental_s"][0]
        print(f"{CHECKS[1]}: {growth < 2} ({growth:.2f}x)")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
