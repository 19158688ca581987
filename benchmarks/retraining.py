"""Incremental forest update vs full retrain as the training table grows (synthetic data).

For each table size, a Delta training table (Change Data Feed on) is filled with that many
synthetic drifting rows, then change sets of 10,000 rows are committed one version each.
Two shadow pipelines (scored and timed in memory, nothing stored) process those versions
through the same retraining job as the report:

- incremental: ``trees_per_update`` new trees on the change set (read from the change feed)
  merged into the forest;
- full: ``max_trees`` trees refitted on the whole table as of the version.

The time of one update is the strategy's own time (reading its rows, fitting, merging), as
in the report. Ratios are computed in this process, against the full retrain of the same
size. Usage: ``python benchmarks/retraining.py [--sizes 100000 500000 ...] [--repeats 2]``.
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import time

from pyspark.ml.classification import RandomForestClassifier

from deploybook.paths import work_dir
from deploybook.retraining.job import JobConfig, RetrainingJob
from deploybook.retraining.lakehouse import create_lakehouse, table_versions
from deploybook.retraining.strategies import make_strategy
from deploybook.retraining.synthetic import synthetic_rows
from deploybook.spark import get_spark

CHANGE_ROWS = 10_000


def _job(spark, lake, mode: str, start: int, args: argparse.Namespace) -> RetrainingJob:
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
        store=False,
    )
    return RetrainingJob(spark, lake.training, strategy, config)


def measure(size: int, args: argparse.Namespace) -> tuple[float, float]:
    """Median seconds of an incremental update and of a full retrain at ``size`` rows."""
    spark = get_spark()
    root = work_dir("benchmarks") / f"retraining-{size}"
    shutil.rmtree(root, ignore_errors=True)
    lake = create_lakehouse(spark, str(root), f"bench_{size}")
    synthetic_rows(spark, 0, size, seed=7).write.format("delta").mode("append").save(lake.training)
    start = max(v for v, _ in table_versions(spark, lake.training)) + 1
    updates = args.repeats + 1  # the first change set bootstraps the incremental forest
    for i in range(updates):
        rows = synthetic_rows(spark, size + i * CHANGE_ROWS, CHANGE_ROWS, seed=7, batch=i + 1)
        rows.write.format("delta").mode("append").save(lake.training)
    incremental = _job(spark, lake, "incremental", start, args).run()
    inc = [r.metrics["update_seconds"] for r in incremental[1:]]
    full = _job(spark, lake, "full", start + updates - args.repeats, args).run()
    fulls = [r.metrics["update_seconds"] for r in full]
    shutil.rmtree(root, ignore_errors=True)
    return statistics.median(inc), statistics.median(fulls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[100_000, 500_000, 1_000_000, 2_000_000]
    )
    parser.add_argument("--repeats", type=int, default=2, help="updates timed per size")
    parser.add_argument("--trees-per-update", type=int, default=10)
    parser.add_argument("--max-trees", type=int, default=50)
    parser.add_argument("--max-depth", type=int, default=10)
    args = parser.parse_args()
    result: dict[str, list[float]] = {"sizes": [], "incremental_s": [], "full_s": [], "ratio": []}
    print(
        f"change sets of {CHANGE_ROWS} rows; {args.trees_per_update} new trees per update, "
        f"{args.max_trees} per full retrain, depth {args.max_depth}; median of {args.repeats}"
    )
    for size in args.sizes:
        started = time.perf_counter()
        inc, full = measure(size, args)
        result["sizes"].append(size)
        result["incremental_s"].append(round(inc, 2))
        result["full_s"].append(round(full, 2))
        result["ratio"].append(round(full / inc, 1))
        print(
            f"{size:>9,} rows: incremental {inc:7.2f} s  full {full:8.2f} s  "
            f"full/incremental {full / inc:6.1f}x  ({time.perf_counter() - started:.0f} s)",
            flush=True,
        )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
