"""The retraining report's glued figures, computed from its results.

Each function turns one part of the report's results into named figures (literal names, so
a search finds them; plain Python values). The notebook glues them with
``record_all(figures.<topic>_figures(...))``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
from pyspark.sql import SparkSession

from deploybook.figures import Figure
from deploybook.paths import project_root
from deploybook.retraining.environments import (
    CLUSTER,
    CONNECT,
    LOCAL,
    SMALL,
    EnvironmentRun,
    Fingerprint,
)

_COMPARED = {
    "training_version": "training table: newest version",
    "training_rows": "training table: rows",
    "models": "models table: model_version:data_version:status",
    "champion": "serving model version",
    "digest": "champion's predictions: SHA-256",
    "registered": "MLflow registry: versions",
}


def _by_name(runs: Sequence[EnvironmentRun]) -> dict[str, EnvironmentRun]:
    return {run.environment: run for run in runs}


def _matches(runs: dict[str, EnvironmentRun], name: str) -> bool:
    local, other = runs.get(LOCAL), runs.get(name)
    if local is None or other is None or local.fingerprint is None or other.fingerprint is None:
        return False
    return other.fingerprint.same_as(local.fingerprint)


def _seconds(runs: dict[str, EnvironmentRun], name: str) -> float | None:
    run = runs.get(name)
    return None if run is None else round(run.seconds, 1)


def _failed_steps(run: EnvironmentRun | None) -> list[str]:
    return [] if run is None else [f"{s.name} ({s.error})" for s in run.steps if not s.ok]


def _sentence(runs: dict[str, EnvironmentRun]) -> str:
    parts = []
    for name, label in ((CLUSTER, "the standalone cluster"), (CONNECT, "Spark Connect")):
        run = runs.get(name)
        if run is None or run.fingerprint is None:
            why = run.error if run is not None else "it did not run"
            parts.append(f"on {label} the job did not finish ({why})")
        elif _matches(runs, name):
            parts.append(
                f"on {label} it wrote the same table versions, rows and model versions as "
                f"on {LOCAL}, and its champion predicted exactly the same"
            )
        else:
            local = runs[LOCAL].fingerprint
            differ = [
                text
                for key, text in _COMPARED.items()
                if local is None or getattr(run.fingerprint, key) != getattr(local, key)
            ]
            parts.append(f"on {label} the runs differ in: {', '.join(differ)}")
    return "; ".join(parts).capitalize()


def environment_figures(runs: Sequence[EnvironmentRun] | None) -> dict[str, Figure]:
    """The three-way comparison: whether each runtime matched ``local[2]``, run times, and
    the MLlib steps Spark Connect ran. ``runs`` is None when the report did not compare."""
    sizes: dict[str, Figure] = {
        "environment_batches": SMALL["batches"],
        "environment_batch_rows": SMALL["batch_rows"],
    }
    if runs is None:
        return {
            **sizes,
            "environments_compared": False,
            "cluster_matches_local": False,
            "connect_matches_local": False,
            "environments_sentence": (
                "This run did not compare them (its compare_environments is false), so it "
                "claims nothing about a cluster or Spark Connect"
            ),
            "environments_times_sentence": "No run was timed.",
            "connect_ml_sentence": "No MLlib step was tried on Spark Connect.",
        }
    named = _by_name(runs)
    connect = named.get(CONNECT)
    failed = _failed_steps(connect)
    seconds = {name: _seconds(named, name) for name in (LOCAL, CLUSTER, CONNECT)}
    if connect is None or not connect.steps:
        steps = "The MLlib steps the job relies on could not be tried on Spark Connect."
    elif failed:
        steps = (
            "Of the MLlib steps the job relies on, these did not run on Spark Connect: "
            f"{'; '.join(failed)}."
        )
    else:
        steps = (
            f"Each of the {len(connect.steps)} MLlib steps the job relies on ran on Spark Connect."
        )
    return {
        **sizes,
        "environments_compared": True,
        "cluster_matches_local": _matches(named, CLUSTER),
        "connect_matches_local": _matches(named, CONNECT),
        "local_run_seconds": seconds[LOCAL],
        "cluster_run_seconds": seconds[CLUSTER],
        "connect_run_seconds": seconds[CONNECT],
        "environments_sentence": _sentence(named),
        "environments_times_sentence": (
            "The runs took "
            + ", ".join(
                f"{value} s on {name}" for name, value in seconds.items() if value is not None
            )
            + ", starting the servers included."
        ),
        "connect_ml_steps_ok": sum(1 for s in connect.steps if s.ok) if connect else 0,
        "connect_ml_steps_tried": len(connect.steps) if connect else 0,
        "connect_ml_sentence": steps,
    }


def environment_table(runs: Sequence[EnvironmentRun]) -> pd.DataFrame:
    """The three runs side by side: what each wrote, its time, and the MLlib steps it ran."""
    columns: dict[str, list[Any]] = {}
    for run in runs:
        values: list[Any] = [run.master, round(run.seconds, 1)]
        fingerprint = run.fingerprint
        for key in _COMPARED:
            value = getattr(fingerprint, key) if isinstance(fingerprint, Fingerprint) else None
            values.append(value[:16] if key == "digest" and value else value)
        values.append(sum(1 for s in run.steps if s.ok))
        values.append(run.error or "")
        columns[run.environment] = values
    index = [
        "master",
        "seconds (servers included)",
        *_COMPARED.values(),
        "MLlib steps that ran",
        "error",
    ]
    return pd.DataFrame(columns, index=index)


def steps_table(runs: Sequence[EnvironmentRun]) -> pd.DataFrame:
    """Each MLlib step the job relies on, per runtime: ran, or the error it gave."""
    names = list(dict.fromkeys(step.name for run in runs for step in run.steps))
    columns = {
        run.environment: [
            next(("yes" if s.ok else f"no: {s.error}" for s in run.steps if s.name == name), "")
            for name in names
        ]
        for run in runs
    }
    return pd.DataFrame(columns, index=names)


def fit_cost_figures(seconds: float, jobs: int | None, spark: SparkSession) -> dict[str, Figure]:
    """The fixed cost of one fit: its seconds, the master, and its Spark jobs if countable."""
    return {
        "fit_fixed_seconds": seconds,
        "spark_jobs_per_fit": jobs,
        "spark_master_used": spark.conf.get("spark.master") or "an unnamed master",
        "fit_jobs_sentence": (
            f"it runs {jobs} Spark jobs (about one job per tree level, plus split finding)"
            if jobs is not None
            else "how many Spark jobs it runs a Spark Connect client cannot see"
        ),
    }


def _where(uri: str) -> str:
    """A location as a reader should see it: relative to the project if it is inside."""
    path = uri.removeprefix("sqlite:///").removeprefix("file://")
    root = str(project_root())
    return path[len(root) + 1 :] if path.startswith(root + "/") else uri


def registry_figures(
    readback: pd.DataFrame, summary: pd.DataFrame, name: str, tracking_uri: str
) -> dict[str, Figure]:
    """The MLflow registry read back through MLflow's client, against the models table."""
    champions = summary[summary["status"] == "champion"].set_index("model_version")
    mirrored = readback.set_index("delta_model_version")
    same_versions = sorted(mirrored.index) == sorted(champions.index)
    same_rows = same_versions and all(
        int(row.data_version) == int(champions.loc[version, "data_version"])
        and row.input_table_version == row.data_version
        and row.model_sha256 == champions.loc[version, "model_sha256"]
        for version, row in mirrored.iterrows()
    )
    alias = readback.loc[readback["aliases"].str.contains("champion"), "delta_model_version"]
    alias_version = int(alias.iloc[0]) if len(alias) else None
    newest = int(champions.index.max()) if len(champions) else None
    restored = champions.loc[newest, "restored_from"] if newest is not None else None
    store = (
        f"a SQLite file in the work folder ({_where(tracking_uri)})"
        if tracking_uri.startswith("sqlite:///")
        else f"the tracking server at {tracking_uri}"
    )
    if alias_version is None:
        alias_sentence = "No registered version carries the alias `champion`."
    else:
        since = (
            f", the rollback above, which serves model version {int(restored)} again"
            if restored is not None and not pd.isna(restored)
            else ""
        )
        which = "the newest champion" if alias_version == newest else "not the newest champion"
        alias_sentence = (
            f"The alias `champion` points at the registered copy of model version "
            f"{alias_version}, {which} of the models table{since}."
        )
    return {
        "mlflow_model_name": name,
        "mlflow_store": store,
        "mlflow_registered_versions": len(readback),
        "delta_champions": len(champions),
        "mlflow_matches_delta": bool(same_rows),
        "mlflow_alias_version": alias_version,
        "mlflow_alias_on_newest": alias_version is not None and alias_version == newest,
        "mlflow_matches_sentence": (
            "each with the same model version, training-table version (also the version of "
            "its logged input dataset) and SHA-256 as its row in the models table"
            if same_rows
            else "but they do not all carry the versions and SHA-256 of the models table"
        ),
        "mlflow_alias_sentence": alias_sentence,
    }


def fingerprint_figures(fingerprint: Fingerprint) -> dict[str, Figure]:
    """What the seed fixes in this run, for comparing runs on different runtimes."""
    return {
        "fingerprint_training_version": fingerprint.training_version,
        "fingerprint_training_rows": fingerprint.training_rows,
        "fingerprint_models": fingerprint.models,
        "fingerprint_champion": fingerprint.champion,
        "fingerprint_digest": fingerprint.digest,
        "fingerprint_registered": fingerprint.registered,
    }
