"""Running the validation layer as a Spark Declarative Pipeline on Delta tables.

The pipeline (``pipeline/spark-pipeline.yml`` and ``pipeline/transformations/``) runs over
Spark Connect. Rather than let ``spark-pipelines`` start a second JVM, which would need the
Delta JARs on its driver class path, the report serves its own Delta-configured session over
Spark Connect (:func:`deploybook.spark.connect_server`) and runs the pipelines CLI against it:
``python -m pyspark.pipelines.cli run --spec ...`` with ``SPARK_REMOTE`` set, which is what
``spark-pipelines run`` executes after its ``spark-submit``. The pipeline's tables are then
in the same catalog as the rest of the report.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import yaml
from pyspark.sql import SparkSession

from deploybook.retraining.lakehouse import Lakehouse
from deploybook.spark import connect_server

PROJECT = Path(__file__).with_name("pipeline")
_FLOW = re.compile(r"Flow '?(?:[\w`]+\.)*`?(\w+)`?'? (?:is|has) (\w+)")
_EXPECTATION = re.compile(r"expectation '(\w+)' failed")
_RUN_COMPLETED = re.compile(r"Run is COMPLETED")
_UNFINISHED = frozenset({"QUEUED", "PLANNING", "STARTING", "RUNNING"})


class PipelineError(RuntimeError):
    """A pipeline run failed; the message names the failed flows (and expectation, if any)."""


@dataclass(frozen=True)
class PipelineRun:
    """One ``spark-pipelines run``: how long it took and the final state of each flow."""

    seconds: float
    flows: dict[str, str]
    log: str


def write_project(folder: Path, lake: Lakehouse) -> Path:
    """Copy the pipeline project into ``folder`` with this lakehouse's locations; the spec."""
    spec = yaml.safe_load((PROJECT / "spark-pipeline.yml").read_text())
    storage = lake.pipeline_storage
    spec["storage"] = storage if "://" in storage else Path(storage).resolve().as_uri()
    spec["database"] = lake.database
    spec["configuration"]["deploybook.landing"] = lake.landing
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(
        PROJECT / "transformations",
        folder / "transformations",
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    target = folder / "spark-pipeline.yml"
    target.write_text(yaml.safe_dump(spec, sort_keys=False))
    return target


def flow_states(log: str) -> dict[str, str]:
    """The last state of every flow named in a pipeline run's event log.

    Spark ends a triggered run only when no flow is queued or running, but a streaming flow's
    COMPLETED event comes from a listener on Spark's asynchronous listener bus and can arrive
    after the run's event stream has closed. In a completed run, such a flow completed.
    """
    states: dict[str, str] = {}
    for name, state in _FLOW.findall(log):
        states[name] = state
    if _RUN_COMPLETED.search(log):
        states = {name: "COMPLETED" if s in _UNFINISHED else s for name, s in states.items()}
    return states


def run_pipeline(
    spark: SparkSession, spec: Path, *, full_refresh: bool = False, timeout: float = 900
) -> PipelineRun:
    """Run the pipeline once (an incremental update) against ``spark``; raise if it fails."""
    if not spec.is_file():
        raise FileNotFoundError(f"no pipeline spec at {spec}")
    command = [sys.executable, "-m", "pyspark.pipelines.cli", "run", "--spec", str(spec)]
    if full_refresh:
        command.append("--full-refresh-all")
    started = time.perf_counter()
    with connect_server(spark) as url:
        env = {**os.environ, "SPARK_REMOTE": url}
        proc = subprocess.run(  # noqa: S603 - our interpreter, our spec
            command, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
    log = proc.stdout + proc.stderr
    run = PipelineRun(time.perf_counter() - started, flow_states(log), log)
    if proc.returncode != 0:
        failed = sorted(name for name, state in run.flows.items() if state == "FAILED")
        rule = _EXPECTATION.search(log)
        because = f"; expectation '{rule.group(1)}' failed" if rule else ""
        tail = "\n".join(line for line in log.splitlines() if line.strip())[-1500:]
        flows = ", ".join(failed) or "none started"
        raise PipelineError(f"pipeline {spec} failed (flows: {flows}){because}\n{tail}")
    return run
