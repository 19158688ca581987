"""The same small retraining job on ``local[2]``, a standalone cluster and Spark Connect.

Each run is a process of its own (one Spark driver, or one Connect client, per process) with
its own lake root and MLflow store under the work folder:

- ``local[2]``: Spark in that process;
- a standalone cluster: a master and two one-core workers started from the pyspark
  installation (:class:`~deploybook.spark_servers.StandaloneCluster`), the driver in that
  process, executors in the workers;
- Spark Connect: a server started from the pyspark installation with Delta configured
  (:class:`~deploybook.spark_servers.ConnectServer`); the process holds no JVM at all.

Each run lands the feed in one hourly job that crashes after a model write and restarts (the
serving pipeline only, no shadow), and reports a :class:`Fingerprint`: what a seed fixes,
wherever Spark runs.
It also tries, one by one, the MLlib steps the job relies on (:func:`ml_steps`), so a step a
runtime cannot do is named with its error while the rest still runs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pyspark.ml.classification import RandomForestClassificationModel, RandomForestClassifier
from pyspark.sql import SparkSession

from deploybook.retraining.classic import spark_jobs
from deploybook.retraining.elec2 import FEATURES, load_elec2
from deploybook.retraining.features import KEY, assemble
from deploybook.retraining.lake_root import lake_uri
from deploybook.retraining.lakehouse import table_versions
from deploybook.retraining.params import RetrainingParams
from deploybook.spark import short_error
from deploybook.spark_servers import ConnectServer, StandaloneCluster

LOCAL = "local[2]"
CLUSTER = "standalone cluster"
CONNECT = "Spark Connect"
ENVIRONMENTS = (LOCAL, CLUSTER, CONNECT)
# small enough that the three runs together add about three minutes to the book
SMALL = {
    "batch_rows": 96,
    "batches": 4,
    "history_batches": 0,
    "trees_per_update": 5,
    "max_trees": 15,
    "max_depth": 10,
    "fail_at_batch": 1,
    "new_feature_at": -1,
}
_RESULT = "DEPLOYBOOK_ENVIRONMENT_RUN="
TIMEOUT = 900  # seconds one run may take


@dataclass(frozen=True)
class Fingerprint:
    """What a finished run wrote, as far as the seed fixes it."""

    training_version: int  # the training table's newest version
    training_rows: int
    models: str  # "model_version:data_version:status" of every stored model, in order
    champion: int  # the model version serving at the end
    digest: str  # SHA-256 of the champion's predictions on the first 200 rows by key
    registered: int  # versions in the MLflow registry

    def same_as(self, other: Fingerprint) -> bool:
        """Same table versions, row counts, model versions and prediction digests."""
        return asdict(self) == asdict(other)


@dataclass(frozen=True)
class Step:
    """One MLlib step tried on a runtime: whether it worked, and the error if not."""

    name: str
    ok: bool
    error: str | None = None


@dataclass(frozen=True)
class EnvironmentRun:
    """One environment's run: its time (servers included) and what it wrote, or its error."""

    environment: str
    master: str
    seconds: float
    fingerprint: Fingerprint | None = None
    steps: tuple[Step, ...] = field(default=())
    error: str | None = None


def fingerprint(scenario: Any) -> Fingerprint:
    """The :class:`Fingerprint` of a :class:`~deploybook.retraining.scenario.Scenario`."""
    from deploybook.retraining import serving  # the scenario's modules, loaded with it

    spark: SparkSession = scenario.spark
    training = scenario.lake.training
    newest = max(version for version, _ in table_versions(spark, training))
    registry = scenario.registry()
    summary = registry.summary()
    served = serving.latest_model(spark, registry.path)
    probe = (
        spark.read.format("delta")
        .option("versionAsOf", newest)
        .load(training)
        .orderBy(KEY)
        .limit(200)
    )
    mirror = scenario.jobs[scenario.serving_mode].config.mirror
    return Fingerprint(
        training_version=newest,
        training_rows=spark.read.format("delta").load(training).count(),
        models=" ".join(
            f"{r.model_version}:{r.data_version}:{r.status}" for r in summary.itertuples()
        ),
        champion=served.version,
        digest=serving.predictions_digest(served.predict(probe)),
        registered=len(mirror.registered()) if mirror is not None else 0,
    )


def _try(name: str, action: Callable[[], object]) -> Step:
    try:
        action()
    except Exception as exc:  # a runtime that cannot do a step: say which, and why
        return Step(name, False, short_error(exc))
    return Step(name, True)


def ml_steps(spark: SparkSession, folder: str) -> list[Step]:
    """Try each MLlib step the job relies on, on 200 ELEC2 rows; one :class:`Step` each."""
    rows = spark.createDataFrame(load_elec2().head(200)[[KEY, *FEATURES, "target"]])
    data = assemble(rows, FEATURES)
    held: dict[str, Any] = {}

    def fit() -> None:
        held["model"] = RandomForestClassifier(numTrees=3, maxDepth=3, seed=1).fit(data)

    def save_load() -> None:
        held["model"].write().overwrite().save(folder)
        held["loaded"] = RandomForestClassificationModel.load(folder)

    def count_jobs() -> None:
        with spark_jobs(spark) as counted:
            data.count()
            if counted() is None:
                raise RuntimeError("a Spark Connect client cannot see the server's Spark jobs")

    return [
        _try("fit a random forest", fit),
        _try("transform (predict)", lambda: held["model"].transform(data).count()),
        _try("save and load (MLlib format)", save_load),
        _try("list a forest's trees", lambda: held["loaded"].trees[0].depth),
        _try("feature importances", lambda: held["loaded"].featureImportances.toArray()),
        _try("predict with one tree", lambda: held["loaded"].trees[0].transform(data).count()),
        _try("local checkpoint", lambda: rows.localCheckpoint(eager=True).count()),
        _try("count Spark jobs", count_jobs),
        _try(
            "read files (binaryFile)",
            lambda: spark.read.format("binaryFile").load(folder + "/metadata").count(),
        ),
    ]


def run_here(params: RetrainingParams, work: Path) -> dict[str, Any]:
    """Run the small job in this process (``params.spark_master``): fingerprint, steps, time."""
    from deploybook.retraining.mirror import sqlite_uri
    from deploybook.retraining.scenario import Scenario
    from deploybook.spark import get_spark

    started = time.perf_counter()
    spark = get_spark(params.spark_master or None)
    root = lake_uri(params.lake_root, work / "lake")
    scenario = Scenario(spark, params, root, work, sqlite_uri(work / "mlflow"), shadow=False)
    crash = params.fail_at_batch if params.fail_at_batch >= 0 else None
    cycles = [scenario.cycle(params.batches, crash_after_batch=crash)]
    print_ = fingerprint(scenario)
    steps = ml_steps(spark, f"{root}/ml-steps")
    return {
        "master": spark.conf.get("spark.master"),
        "fingerprint": asdict(print_),
        "steps": [asdict(step) for step in steps],
        "job_seconds": time.perf_counter() - started,
        "phases": [
            {
                "land": c.land_seconds,
                "pipeline": c.pipeline.seconds,
                "apply": c.apply_seconds,
                **{f"retrain {mode}": seconds for mode, seconds in c.job_seconds.items()},
            }
            for c in cycles
        ],
    }


def small_params(params: RetrainingParams, master: str) -> RetrainingParams:
    """The report's mode, tolerance and seed at :data:`SMALL` sizes, on ``master``."""
    values = {**params.model_dump(), **SMALL, "spark_master": master, "lake_root": ""}
    values.update(mlflow_tracking_uri="", compare_environments=False)
    return RetrainingParams.validate_values(values)


def python_error(stderr: str) -> str:
    """The exception line of the last Python traceback in ``stderr`` (or its last line)."""
    lines = stderr.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("Traceback (most recent")]
    for line in lines[starts[-1] + 1 :] if starts else []:
        if line and not line[0].isspace():
            return line[:500]
    tail = [line for line in lines if line.strip()]
    return tail[-1][:500] if tail else "no output"


def _run_process(
    environment: str, master: str, params: RetrainingParams, work: Path, env: Mapping[str, str]
) -> EnvironmentRun:
    started = time.perf_counter()
    folder = work / environment.replace(" ", "-").replace("[", "").replace("]", "")
    command = [
        sys.executable,
        "-m",
        "deploybook.retraining.environments",
        "--work",
        str(folder),
        "--params",
        small_params(params, master).model_dump_json(),
    ]
    proc = subprocess.run(  # noqa: S603 - this interpreter, this module
        command,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    seconds = time.perf_counter() - started
    found = [line for line in proc.stdout.splitlines() if line.startswith(_RESULT)]
    if proc.returncode != 0 or not found:
        return EnvironmentRun(environment, master, seconds, error=python_error(proc.stderr))
    result = json.loads(found[-1][len(_RESULT) :])
    return EnvironmentRun(
        environment,
        result["master"],
        seconds,
        Fingerprint(**result["fingerprint"]),
        tuple(Step(**step) for step in result["steps"]),
    )


def compare(params: RetrainingParams, work: Path) -> list[EnvironmentRun]:
    """Run the small job on each environment in turn (servers started and stopped here).

    No Spark session may be running in this process: each run starts its own.
    """
    if SparkSession.getActiveSession() is not None:
        raise RuntimeError("stop this process's Spark session first: the runs start their own")
    runs = [_run_process(LOCAL, LOCAL, params, work, {})]
    for environment, server in ((CLUSTER, StandaloneCluster), (CONNECT, ConnectServer)):
        started = time.perf_counter()
        try:
            with server() as running:
                run = _run_process(
                    environment,
                    running.env()["DEPLOYBOOK_SPARK_MASTER"],
                    params,
                    work,
                    running.env(),
                )
        except Exception as exc:  # the server would not start: say so, run the rest
            run = EnvironmentRun(environment, "", time.perf_counter() - started, error=str(exc))
        runs.append(EnvironmentRun(**{**run.__dict__, "seconds": time.perf_counter() - started}))
    return runs


def main(argv: list[str] | None = None) -> int:
    """``python -m deploybook.retraining.environments --work DIR --params JSON``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", required=True, help="folder for this run's lake and MLflow store")
    parser.add_argument("--params", required=True, help="RetrainingParams as JSON")
    args = parser.parse_args(argv)
    params = RetrainingParams.validate_values(json.loads(args.params))
    result = run_here(params, Path(args.work))
    print(_RESULT + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
