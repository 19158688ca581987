"""The retraining report's glued figures, computed from its results.

Each function turns one part of the report's results into named figures (literal names, so
a search finds them; plain Python values). The notebook glues them with
``record_all(figures.<topic>_figures(...))``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from deploybook.figures import Figure
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
    """The three-way comparison: whether each runtime matched ``local[2]``, and run times.

    ``runs`` is None when the report was asked not to compare.
    """
    if runs is None:
        return {
            "environments_compared": False,
            "cluster_matches_local": False,
            "connect_matches_local": False,
            "environment_batches": SMALL["batches"],
            "environment_batch_rows": SMALL["batch_rows"],
        }
    named = _by_name(runs)
    connect = named.get(CONNECT)
    failed = _failed_steps(connect)
    return {
        "environments_compared": True,
        "cluster_matches_local": _matches(named, CLUSTER),
        "connect_matches_local": _matches(named, CONNECT),
        "environment_batches": SMALL["batches"],
        "environment_batch_rows": SMALL["batch_rows"],
        "local_run_seconds": _seconds(named, LOCAL),
        "cluster_run_seconds": _seconds(named, CLUSTER),
        "connect_run_seconds": _seconds(named, CONNECT),
        "environments_sentence": _sentence(named),
        "connect_ml_steps_ok": sum(1 for s in connect.steps if s.ok) if connect else 0,
        "connect_ml_steps_tried": len(connect.steps) if connect else 0,
        "connect_ml_sentence": (
            "every one of them ran on Spark Connect"
            if connect and connect.steps and not failed
            else f"on Spark Connect these did not: {'; '.join(failed)}"
            if failed
            else "they could not be tried on Spark Connect (the run did not start)"
        ),
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
