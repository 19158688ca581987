"""The retraining report's pipelines over the whole of ELEC2: every week, not ten.

The report's default run covers 10 weeks from row 17,424, so that the book builds in
minutes. This runs the report's own scenario over every week of ELEC2 from its first row:
the same feed (with its corrections, erasures and broken rows), declarative pipeline, job,
gate and strategies, ``--weeks-per-job`` weeks landing before each hourly job. It prints
the prequential accuracy of the incremental forest, the full retrain, the forest never
retrained and River's ARF on the same rows, and for each gap (incremental minus the other)
its paired bootstrap interval over weeks and, with ``--seeds`` above 1, seeds. These figures
belong here, not in the book build: with one seed the run took 90 minutes on two cores (the
first 10 weeks 108 s, the last 10 about 15 minutes, as the full retrain's table grows).
Usage: ``python benchmarks/retraining_elec2.py [--seeds 1] [--weeks-per-job 10]``.
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import time

import pandas as pd

from deploybook.paths import work_dir
from deploybook.reports import defaults
from deploybook.retraining import evaluation
from deploybook.retraining.elec2 import load_elec2
from deploybook.retraining.lake_root import lake_uri
from deploybook.retraining.mirror import sqlite_uri
from deploybook.retraining.params import RetrainingParams
from deploybook.retraining.scenario import Scenario
from deploybook.spark import get_spark

PEERS = {"full retrain": "full", "never retrained": "static", "ARF (batch)": "arf"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=1, help="seeds both pipelines run with")
    parser.add_argument("--weeks-per-job", type=int, default=10)
    args = parser.parse_args()
    report = defaults("dlt_retraining")
    weeks = len(load_elec2()) // report["batch_rows"]
    params = RetrainingParams.validate_values(
        {**report, "first_row": 0, "batches": weeks, "history_batches": 0, "fail_at_batch": -1,
         "new_feature_at": -1, "seeds": args.seeds, "compare_environments": False}
    )  # fmt: skip
    spark = get_spark()
    work = work_dir("benchmarks") / "elec2"
    scenario = Scenario(
        spark, params, lake_uri("", work / "lake"), work, sqlite_uri(work / "mlflow")
    )
    started = time.perf_counter()
    for end in range(args.weeks_per_job, weeks + args.weeks_per_job, args.weeks_per_job):
        scenario.cycle(min(end, weeks))
        print(f"weeks up to {min(end, weeks)} of {weeks} learned"
              f" ({time.perf_counter() - started:.0f} s)", flush=True)  # fmt: skip
    seeds = range(params.seed, params.seed + params.seeds)
    inserted = evaluation.inserted_rows(spark, scenario.lake.training)
    scores = pd.concat(
        [
            scenario.pipeline_scores(seeds),
            evaluation.static_scores(
                spark, inserted, scenario.estimator, num_trees=params.max_trees, seed=params.seed
            ),
            *(evaluation.arf_scores(inserted, seed=seed) for seed in seeds),
        ],
        ignore_index=True,
    )
    table = evaluation.accuracy_table(scores).set_index("method")
    print(table.round(4).to_string())
    result: dict[str, float] = {
        "weeks": int(table["versions"].iloc[0]),
        "rows": int(table["rows"].iloc[0] // table["seeds"].iloc[0]),
        "seeds": params.seeds,
        "accuracy_incremental": round(float(table.loc["incremental forest", "accuracy"]), 4),
    }
    for peer, key in PEERS.items():
        result[f"accuracy_{key}"] = round(float(table.loc[peer, "accuracy"]), 4)
        gap = 100 * (table.loc["incremental forest", "accuracy"] - table.loc[peer, "accuracy"])
        interval = evaluation.gap_interval(scores, "incremental forest", peer, seed=params.seed)
        if interval is None:
            continue
        low, high = interval
        print(f"incremental forest minus {peer}: {gap:+.1f} points, 95% interval"
              f" {low:+.1f} to {high:+.1f}")  # fmt: skip
        result[f"accuracy_gap_{key}_ci_low"] = round(low, 2)
        result[f"accuracy_gap_{key}_ci_high"] = round(high, 2)
    result["seconds"] = round(time.perf_counter() - started)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
