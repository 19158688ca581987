"""The retraining report's glued figures, computed from its results.

Each function turns one part of the report's results into named figures (literal names, so
a search finds them; plain Python values). The notebook glues them with
``record_all(figures.<topic>_figures(...))``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib.metadata import version
from statistics import median
from typing import Any

import pandas as pd
import pyspark
from pyspark.ml.classification import RandomForestClassifier
from pyspark.sql import SparkSession

from deploybook.figures import Figure
from deploybook.paths import project_root
from deploybook.retraining.backfill import ChallengeResult
from deploybook.retraining.elec2 import first_varying_row, row_date
from deploybook.retraining.environments import (
    CLUSTER,
    CONNECT,
    LOCAL,
    SMALL,
    EnvironmentRun,
    Fingerprint,
)
from deploybook.retraining.erasure import ErasureRecord
from deploybook.retraining.evaluation import accuracy_split, gap_interval
from deploybook.retraining.expectations import UPSERT
from deploybook.retraining.feed import feed_summary
from deploybook.retraining.gate import MIN_ROWS
from deploybook.retraining.job import JobConfig, VersionReport
from deploybook.retraining.lineage import Candidate
from deploybook.retraining.mllib_api import methods
from deploybook.retraining.params import RetrainingParams
from deploybook.retraining.registry import REJECTED
from deploybook.retraining.scenario import WINDOW_BATCHES, CycleReport, RollbackResult

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
    sentence = "; ".join(parts)
    return sentence[:1].upper() + sentence[1:]  # names such as Spark Connect keep their case


def environment_figures(runs: Sequence[EnvironmentRun] | None) -> dict[str, Figure]:
    """The three-way comparison: whether each runtime matched ``local[2]``, run times, and
    the MLlib steps Spark Connect ran. ``runs`` is None when the report did not compare.
    """
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


def setup_figures() -> dict[str, Figure]:
    """The Spark and Delta versions used, and whether MLlib has the essay's ``addTo``.

    ``addto_exists`` looks on the Python class and on the JVM class and its superclasses, as
    read from Spark's own JARs (no JVM needed, so it holds on Spark Connect too).
    """
    jvm = methods("org.apache.spark.ml.classification.RandomForestClassifier")
    return {
        "spark_version": pyspark.__version__,
        "delta_version": version("delta-spark"),
        "addto_exists": hasattr(RandomForestClassifier, "addTo") or "addTo" in jvm,
    }


def window_sentence(first_row: int, end_row: int, varying_from: int) -> str:
    """Whether the run's ELEC2 rows ``[first_row, end_row)`` lie where every column varies."""
    if first_row >= varying_from:
        return "Every column varies in this run's rows."
    stuck = min(end_row, varying_from) - first_row
    return (
        f"This run starts earlier: {stuck:,} of its rows carry the placeholder, and a model "
        "learns nothing from those three columns there."
    )


def feed_figures(
    params: RetrainingParams, feed: Sequence[pd.DataFrame], elec2: pd.DataFrame
) -> dict[str, Figure]:
    """What the weekly feed carries: sizes, restatements, erasures, broken rows, a new column,
    and where in ELEC2 it starts.
    """
    summary = feed_summary(list(feed))
    varying_from = first_varying_row(elec2)
    events = pd.concat(feed)
    delivered = events.loc[events["op"] == UPSERT, "row_id"]
    first_row, end_row = int(delivered.min()), int(delivered.max()) + 1
    return {
        "first_row": first_row,
        "first_row_date": f"{row_date(first_row):%-d %B %Y}",
        "varying_from_row": varying_from,
        "varying_from_date": f"{row_date(varying_from):%-d %B %Y}",
        "window_sentence": window_sentence(first_row, end_row, varying_from),
        "batch_rows": params.batch_rows,
        "history_batches": params.history_batches,
        "weekly_batches": params.batches - 1,
        "initial_rows": int((feed[0]["op"] == UPSERT).sum()),
        "provisional_rows": summary["corrections"],
        "erasure_requests": summary["erasures"],
        "broken_rows": summary["broken"],
        "new_feature_added": params.new_feature_at >= 0,
        "new_feature_batch": params.new_feature_at if params.new_feature_at >= 0 else None,
    }


Interval = tuple[float, float] | None


def _span(interval: tuple[float, float]) -> str:
    return f"95% interval {interval[0]:+.1f} to {interval[1]:+.1f} points"


def seeds_sentences(seeds: Sequence[int]) -> tuple[str, str]:
    """Which methods ran with which seeds, and what the intervals resample because of it."""
    first, *rest = seeds
    if not rest:
        return (
            f"Every method ran with the one seed {first}.",
            f"resamples whole weeks, for the single seed {first} of this run",
        )
    return (
        f"Both pipelines and ARF ran with {len(seeds)} seeds ({first} to {rest[-1]}): each "
        "pipeline was rerun whole with every seed, through the same gate, and its accuracy "
        f"below is the mean over the seeds. The never-retrained and window models ran with "
        f"seed {first} only.",
        "resamples whole weeks and, for the methods run with several seeds, the seeds too",
    )


def drift_sentence(static: Interval, full: Interval) -> str:
    """What the paired intervals (points, incremental minus the other) say about drift.

    A claim is made only where the interval excludes 0.
    """
    if static is None or full is None:
        return "With a single week scored there is no interval, so this run makes no claim."
    if static[0] > 0:
        frozen = f"ELEC2 drifts, and in this run the frozen model fell behind ({_span(static)})"
    elif static[1] < 0:
        frozen = (
            f"In this run the frozen model did better than the incremental forest ({_span(static)})"
        )
    else:
        frozen = (
            "In this run the frozen model cannot be told from the incremental forest "
            f"({_span(static)})"
        )
    if full[0] > 0:
        recent = (
            "the incremental forest, whose trees were fitted on recent weeks, did better than "
            f"the forest refitted on all history ({_span(full)})"
        )
    elif full[1] < 0:
        recent = (
            "the forest refitted on all history did better than the incremental forest, whose "
            f"trees were fitted on recent weeks ({_span(full)})"
        )
    else:
        recent = (
            "the incremental forest and the forest refitted on all history cannot be told "
            f"apart: the {_span(full)} holds 0"
        )
    return f"{frozen}, and {recent}."


def arf_sentence(arf: Interval) -> str:
    """What the paired interval (incremental minus ARF, same batch protocol) supports."""
    if arf is None:
        return "With a single week scored there is no interval against ARF."
    if arf[0] > 0:
        return f"Under the same protocol the incremental forest beat ARF ({_span(arf)})."
    if arf[1] < 0:
        return f"Under the same protocol ARF beat the incremental forest ({_span(arf)})."
    return (
        "Under the same protocol ARF and the incremental forest cannot be told apart "
        f"({_span(arf)})."
    )


def accuracy_figures(
    table: pd.DataFrame,
    scores: pd.DataFrame,
    params: RetrainingParams,
    reports: Mapping[str, Sequence[VersionReport]],
) -> dict[str, Figure]:
    """Prequential accuracy of every method, the gaps between them, and the gate's refusals.

    ``table`` is :func:`~deploybook.retraining.evaluation.accuracy_table` indexed by method,
    ``reports`` each pipeline's version reports by mode.
    """
    accuracy = table["accuracy"]
    minus_full = 100 * (accuracy["incremental forest"] - accuracy["full retrain"])
    minus_static = 100 * (accuracy["incremental forest"] - accuracy["never retrained"])
    static, full, arf = (
        gap_interval(scores, "incremental forest", other, seed=params.seed)
        for other in ("never retrained", "full retrain", "ARF (batch)")
    )
    first_job, second_job = accuracy_split(scores, params.first_cycle_batches - 1)
    seeds, resampled = seeds_sentences(range(params.seed, params.seed + params.seeds))
    return {
        "accuracy_incremental": accuracy["incremental forest"],
        "accuracy_full": accuracy["full retrain"],
        "accuracy_static": accuracy["never retrained"],
        "accuracy_window": accuracy["window refit"],
        "accuracy_arf": accuracy["ARF (batch)"],
        "accuracy_arf_row": accuracy["ARF (row by row)"],
        "window_batches": WINDOW_BATCHES,
        "incremental_minus_full": minus_full,
        "incremental_minus_static": minus_static,
        "gap_full_first_job": 100 * (first_job["incremental forest"] - first_job["full retrain"]),
        "gap_full_second_job": 100
        * (second_job["incremental forest"] - second_job["full retrain"]),
        "accuracy_gap_full_ci_low": full[0] if full else None,
        "accuracy_gap_full_ci_high": full[1] if full else None,
        "accuracy_gap_arf_ci_low": arf[0] if arf else None,
        "accuracy_gap_arf_ci_high": arf[1] if arf else None,
        "accuracy_gap_static_ci_low": static[0] if static else None,
        "accuracy_gap_static_ci_high": static[1] if static else None,
        "drift_sentence": drift_sentence(static, full),
        "arf_sentence": arf_sentence(arf),
        "seeds_used": params.seeds,
        "seeds_sentence": seeds,
        "interval_sentence": resampled,
        "rejected_incremental": sum(r.worse for r in reports["incremental"]),
        "rejected_full": sum(r.worse for r in reports["full"]),
        "accuracy_rows": int(table["rows"].iloc[0] // table["seeds"].iloc[0]),  # one seed's
        "accuracy_versions": int(table["versions"].iloc[0]),
        "trees_per_update": params.trees_per_update,
        "max_trees": params.max_trees,
    }


def forgetting_sentence(forgetting: pd.DataFrame) -> str:
    """Whether any update left a cohort depending on an erased row or a stale value."""
    if forgetting.empty:
        return "no update of this run erased or corrected a row a served model had learned"
    stale = forgetting["cohorts still depending on them"]
    if (stale == 0).all():
        return (
            "after each update, the number of cohorts still depending on an erased row or a "
            "stale value was 0 in every case"
        )
    return (
        f"after {int((stale > 0).sum())} of the {len(stale)} updates, cohorts still depended "
        f"on an erased row or a stale value ({int(stale.sum())} in all)"
    )


def forgetting_figures(forgetting: pd.DataFrame) -> dict[str, Figure]:
    """Erasures and corrections that reached the served model, and whether it forgot them."""
    empty = forgetting.empty
    return {
        "erased_rows": 0 if empty else int(forgetting["erased"].sum()),
        "corrected_rows": 0 if empty else int(forgetting["corrected"].sum()),
        "cohorts_hit": 0 if empty else int(forgetting["cohorts that had learned them"].sum()),
        "deletions_propagated": bool(
            empty or (forgetting["cohorts still depending on them"] == 0).all()
        ),
        "forgetting_sentence": forgetting_sentence(forgetting),
    }


def erasure_sentence(record: ErasureRecord, remaining: Mapping[str, int] | None) -> str:
    """What an independent scan of the lake's files found after the purge."""
    if not record.keys:
        return "This run's feed asked for no erasure, so the purge had nothing to remove."
    if remaining is None:
        return (
            "The lake is not on a local file system, so pyarrow did not scan it here; run "
            "with a local `lake_root` to check the purge."
        )
    if not remaining:
        return (
            "pyarrow, reading every Parquet file under the lake without Spark or the Delta "
            "log, found no row of an erased key: not in a current file, an old one, or the "
            "change feed."
        )
    return (
        f"pyarrow, reading every Parquet file under the lake, still found {sum(remaining.values())}"
        f" rows of erased keys in {len(remaining)} files: files younger than the "
        f"{record.retain_hours:g}-hour retention window stay until it has passed."
    )


def erasure_window_sentence(record: ErasureRecord, remaining: Mapping[str, int] | None) -> str:
    """What the retention window did to the history before the purge, as the scan shows."""
    if not record.keys:
        return "No erasure was requested, so the purge deleted nothing; VACUUM still ran."
    if remaining is None:
        return (
            "A window shorter than the run's age ends time travel and the change feed before "
            "the purge; a longer one keeps them, and the erased rows, until it has passed."
        )
    if not remaining:
        return (
            "This window ends time travel and the change feed before the purge at once, which "
            "is why the purge is this report's last step on the lake."
        )
    return (
        "This window keeps the files from before the purge, and with them time travel, the "
        "change feed and the erased rows, until it has passed."
    )


def erasure_figures(
    record: ErasureRecord, remaining: Mapping[str, int] | None, refused: int
) -> dict[str, Figure]:
    """The erasure request carried out: what was purged and vacuumed, what is left, and the
    serving pipeline's model versions revoked and refused.
    """
    revoked = record.serving_revoked
    return {
        "erased_keys": len(record.keys),
        "erasure_rows_purged": sum(record.deleted.values()),
        "erasure_files_vacuumed": sum(record.files_vacuumed.values()),
        "erasure_retain_hours": record.retain_hours,
        "erased_rows_remaining": -1 if remaining is None else sum(remaining.values()),
        "erasure_sentence": erasure_sentence(record, remaining),
        "erasure_window_sentence": erasure_window_sentence(record, remaining),
        "revoked_versions": len(revoked),
        "tainted_versions_refused": refused,
        "all_tainted_refused": refused == len(revoked),
        "erasure_serving_version": (
            "none" if record.serving_version is None else record.serving_version
        ),
        "erasure_refitted": ", ".join(record.refitted_cohorts) or "none",
    }


def backfill_sentence(verdict: ChallengeResult) -> str:
    """The gate's verdict on the backfilled forest, with what the scores say."""
    if verdict.decision.status == REJECTED:
        return "rejected it: the market of a few months ago is not today's"
    if not verdict.decision.judged:
        return f"promoted it without a verdict: {verdict.decision.reason}"
    if verdict.challenger_accuracy >= verdict.champion_accuracy:
        return "promoted it: on these rows the old market's forest did at least as well"
    return "promoted it: it scored lower, but not clearly by more than the tolerance"


def gate_sentence(reports: Sequence[VersionReport]) -> str:
    """How many weekly challengers the gate judged, on how many rows, and what it found."""
    rows = [r.metrics["gate_rows"] for r in reports if "gate_rows" in r.metrics]
    judged = [r for r in reports if r.metrics.get("gate_rows", 0) >= MIN_ROWS]
    few = len(rows) - len(judged)
    if not rows:
        return "No weekly challenger met a champion on holdout rows in this run."
    sentences = []
    if judged:
        widths = [
            100 * (m["gate_upper_bound"] - m["challenger_accuracy"] + m["reference_accuracy"])
            for m in (r.metrics for r in judged)
        ]
        rejected = sum(r.worse for r in reports)
        sentences.append(
            f"The gate judged {len(judged)} weekly challengers on a median of "
            f"{median(rows):.0f} holdout rows, where the interval reaches a median of "
            f"{median(widths):.1f} points above the observed difference, and rejected "
            f"{rejected} of them."
        )
    if few:
        sentences.append(
            f"{few} weeks had fewer than {MIN_ROWS} holdout rows, too few to judge: their "
            "challengers were promoted."
        )
    return " ".join(sentences)


def gate_figures(
    params: RetrainingParams,
    reports: Sequence[VersionReport],
    config: JobConfig,
    verdict: ChallengeResult,
    backfill_version: int,
    backfill_left_out: int,
) -> dict[str, Figure]:
    """The gate's settings as the serving job used them, its weekly refusals, and its verdict
    on a backfill (of ``backfill_version`` without the ``backfill_left_out`` rows changed
    since).
    """
    return {
        "holdout_share": config.holdout_fraction,
        "embargo_rows": config.embargo_rows,
        "embargo_hours": config.embargo_rows / 2,  # ELEC2 rows are half-hours
        "tolerance_points": 100 * params.tolerance,
        "rejected_challengers": sum(r.worse for r in reports),
        "gate_min_rows": MIN_ROWS,
        "gate_sentence": gate_sentence(reports),
        "backfill_version": backfill_version,
        "backfill_left_out": backfill_left_out,
        "backfill_accuracy": verdict.challenger_accuracy,
        "challenge_champion_accuracy": verdict.champion_accuracy,
        "backfill_rejected": verdict.decision.status == REJECTED,
        "backfill_verdict": backfill_sentence(verdict),
    }


def cost_figures(costs: pd.DataFrame, growth: pd.DataFrame) -> dict[str, Figure]:
    """Update cost of the incremental forest against the full retrain: medians, means, and
    the weeks with erasures or corrections (None when the run had none).
    """
    seconds = costs.groupby("method")["update_seconds"]
    medians, means = seconds.median(), seconds.mean()
    settled = costs[costs["note"] != ""].groupby("method")["update_seconds"]
    weeks = int(settled.size().get("incremental forest", 0))
    settled_means = settled.mean()
    return {
        "update_seconds_median": float(medians["incremental forest"]),
        "full_retrain_seconds_median": float(medians["full retrain"]),
        "speedup_vs_full": float(medians["full retrain"] / medians["incremental forest"]),
        "update_seconds_mean": float(means["incremental forest"]),
        "full_retrain_seconds_mean": float(means["full retrain"]),
        "settlement_weeks": weeks,
        "settlement_weeks_seen": weeks > 0,
        "update_seconds_settlement": (
            float(settled_means["incremental forest"]) if weeks else None
        ),
        "full_retrain_seconds_settlement": (
            float(settled_means["full retrain"]) if "full retrain" in settled_means else None
        ),
        "rows_at_end": int(growth["rows"].iloc[-1]),
    }


def _mean_depth(candidate: Candidate, *, newest_cohort_only: bool) -> float:
    newest = candidate.tree_cohorts[-1]
    trees = zip(candidate.model.trees, candidate.tree_cohorts, strict=True)  # type: ignore[attr-defined]
    depths = [tree.depth for tree, cohort in trees if not newest_cohort_only or cohort == newest]
    return sum(depths) / len(depths)


def depth_figures(max_depth: int, incremental: Candidate, full: Candidate) -> dict[str, Figure]:
    """Mean depth of the incremental champion's newest cohort and of the full retrain's trees."""
    return {
        "max_depth_used": max_depth,
        "depth_incremental_trees": _mean_depth(incremental, newest_cohort_only=True),
        "depth_full_trees": _mean_depth(full, newest_cohort_only=False),
    }


def first_job_figures(params: RetrainingParams, first: CycleReport) -> dict[str, Figure]:
    """The first hourly job: what it caught up on, the pipeline update's time, the crash."""
    if params.fail_at_batch >= 0:
        crash = (
            "The serving pipeline is asked to crash right after writing the model for week "
            f"{params.fail_at_batch}, with later weeks of the same catch-up still to learn."
        )
    else:
        crash = "No crash is injected in this run (its fail_at_batch is -1)."
    return {
        "first_cycle_batches": params.first_cycle_batches,
        "crash_batch": params.fail_at_batch,
        "sdp_seconds": round(first.pipeline.seconds, 1),
        "crashed": first.crash is not None,
        "crash_sentence": crash,
    }


def rollback_figures(rollback: RollbackResult) -> dict[str, Figure]:
    """The rollback: from which champion to which, and whether serving then predicts as the
    restored version and not as the one it replaced.
    """
    return {
        "rollback_from_version": rollback.from_version,
        "rollback_to_version": rollback.to_version,
        "rollback_new_version": rollback.new_version,
        "rollback_identical": rollback.identical,
        "rollback_changed_predictions": rollback.changed_predictions,
        "rollback_story": rollback.sentence(),
    }


def evolution_figures(evolution: Mapping[str, Any], model_versions: int) -> dict[str, Figure]:
    """The first forest to read the new column (``Scenario.feature_evolution``), its trees by
    lineage, and the model versions of the run.
    """
    return {
        "new_feature_learned": evolution["model_version"] is not None,
        "features_final": ", ".join(evolution["features"]),
        "first_wide_model": evolution["model_version"],
        "old_trees_splitting_on_it": evolution["old_trees_splitting_on_it"],
        "trees_with_new_feature": evolution["trees_with_new_feature"],
        "trees_without_new_feature": evolution["trees_without_new_feature"],
        "new_feature_importance": evolution["new_feature_importance"],
        "model_versions": model_versions,
    }


def restart_checks(checks: Mapping[str, bool], replayed_rows: int | None) -> dict[str, bool]:
    """The restart's checks, with the replayed model write's when a crash was injected."""
    if replayed_rows is None:
        return dict(checks)
    return {**checks, "a replayed model write adds no row": replayed_rows == 0}


def check_lines(checks: Mapping[str, bool]) -> str:
    """One ``PASS``/``FAIL`` line per check."""
    return "\n".join(f"{'PASS' if ok else 'FAIL'}  {name}" for name, ok in checks.items())


def crash_figures(
    first: CycleReport, replayed_rows: int | None, checks: Mapping[str, bool]
) -> dict[str, Figure]:
    """The restart after the injected crash; ``exactly_once`` only when a crash was survived."""
    crashed = first.crash is not None
    return {
        "replayed_rows_added": replayed_rows,
        "rows_after_crash": (first.rows_after_crash or 0) if crashed else 0,
        "commits_after_crash": (first.commits_after_crash or 0) if crashed else 0,
        "exactly_once": crashed and all(checks.values()),
    }


def delivery_figures(split_commit_lost: int, late_event_lost: int) -> dict[str, Figure]:
    """The two replayed deliveries (:mod:`deploybook.retraining.delivery`): rows each lost,
    and a sentence saying whether any was lost.
    """
    if split_commit_lost == 0 and late_event_lost == 0:
        outcome = (
            "Neither lost a row: in both lakes the training table holds exactly the rows the "
            "events call for"
        )
    else:
        outcome = (
            f"Rows were lost: {split_commit_lost} of the split week and {late_event_lost} of "
            f"the late event's; the training table does not hold what the events call for"
        )
    return {
        "split_commit_rows_lost": split_commit_lost,
        "late_event_rows_lost": late_event_lost,
        "delivery_outcome": outcome,
    }


def serving_figures(
    reports: Sequence[VersionReport], reads: Sequence[object], served: pd.DataFrame
) -> dict[str, Figure]:
    """The serving client during the second job: reads, versions seen, every read whole.

    ``no_downtime`` needs the client to have been served at least two versions (a change of
    model under its feet) and every read to be whole.
    """
    whole = ["bytes_intact", "all_trees", "same_predictions"]
    return {
        "batches_processed": len({r.batch for r in reports if r.batch is not None}),
        "serving_reads": len(reads),
        "serving_versions": len(served),
        "no_downtime": bool(len(served) >= 2 and served[whole].all().all()),
    }


def quarantine_figures(quarantined_rows: int, rules: pd.DataFrame) -> dict[str, Figure]:
    """Rows in quarantine, and rows a ``warn`` rule flagged (kept)."""
    return {
        "quarantined_rows": int(quarantined_rows),
        "warned_rows": int(rules.loc[rules["action"] == "warn", "rows"].sum()),
    }


def _verdict(interval: Interval, other: str) -> str:
    if interval is None:
        return "no interval (one week scored)"
    if interval[0] > 0:
        return "the incremental forest is better"
    if interval[1] < 0:
        return f"{other} is better"
    return "not told apart (the interval holds 0)"


def accuracy_claims(scores: pd.DataFrame, seed: int) -> str:
    """What the paired 95% interval of each gap supports, one line per peer (no numbers, so
    a checked output is stable).
    """
    return "\n".join(
        f"incremental forest vs {other}: "
        + _verdict(gap_interval(scores, "incremental forest", other, seed=seed), other)
        for other in ("full retrain", "never retrained", "ARF (batch)")
    )


def middle_version(growth: pd.DataFrame) -> tuple[list[int], int]:
    """The training table's versions, and the middle one (for ``model_as_of``)."""
    versions = sorted(int(v) for v in growth["data_version"])
    return versions, versions[len(versions) // 2]


def time_travel_figures(
    version: int, model: int, revoked_by: str | None, travel: pd.DataFrame
) -> dict[str, Figure]:
    """``model_as_of`` at one version (``revoked_by``: the cause for which it refused the
    model, None if it served it), and time travel against the change feed's counts.
    """
    if revoked_by is None:
        as_of = "model_as_of serves it again."
    else:
        as_of = (
            f"model_as_of refuses to serve it: it learned rows that {revoked_by} erased or "
            "corrected, and a model that learned a row's old value may not serve again."
        )
    return {
        "as_of_version": version,
        "as_of_model": model,
        "as_of_sentence": as_of,
        "as_of_refused": revoked_by is not None,
        "time_travel_ok": bool((travel["rows_read"] == travel["rows_from_change_feed"]).all()),
    }


def logistic_figures(pair: pd.DataFrame, run_seconds: float) -> dict[str, Figure]:
    """The logistic regression against the forest on the same weeks; the run's seconds."""
    return {
        "logistic_versions": int(pair["versions"].iloc[0]),
        "accuracy_logistic": float(pair.loc["logistic", "accuracy"]),
        "accuracy_forest_same_weeks": float(pair.loc["forest", "accuracy"]),
        "run_seconds": round(run_seconds),
    }
