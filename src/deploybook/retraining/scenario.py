"""The report's scenario: ELEC2 streamed week by week through the whole system.

A :class:`Scenario` owns one lakehouse under ``lake_root``, the feed, the declarative
pipeline project and two retraining pipelines over the same training table: the report's
``mode`` (which serves) and the other one (for comparison). :meth:`Scenario.cycle` is one
run of "the hourly job": land the batches that arrived, update the declarative pipeline,
apply the changes to the training table, then let each retraining stream catch up. Every
stored pipeline's champions are mirrored into an MLflow registry.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from pyspark.ml import Estimator
from pyspark.ml.classification import RandomForestClassifier
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from deploybook.retraining import serving
from deploybook.retraining.elec2 import FEATURES, load_elec2
from deploybook.retraining.erasure import ErasureRecord, erase, local_folder, rows_with_keys
from deploybook.retraining.evaluation import (
    PIPELINE_METHODS,
    pipeline_scores,
    table_growth,
    version_metrics,
)
from deploybook.retraining.expectations import DELETE, OP, rule_counts, rules_for
from deploybook.retraining.features import KEY, LABEL
from deploybook.retraining.feed import NEW_FEATURE, FeedConfig, build_feed, expected_rows, land
from deploybook.retraining.job import InjectedCrash, JobConfig, RetrainingJob, VersionReport
from deploybook.retraining.lake_root import prepare
from deploybook.retraining.lakehouse import (
    Lakehouse,
    apply_changes,
    create_lakehouse,
)
from deploybook.retraining.mirror import MlflowMirror
from deploybook.retraining.params import RetrainingParams
from deploybook.retraining.registry import (
    MODEL_WRITES,
    MODELS,
    ModelRecord,
    ModelRegistry,
    RegistryError,
    RevokedModel,
)
from deploybook.retraining.sdp import PipelineRun, run_pipeline, write_project
from deploybook.retraining.strategies import Mode, make_strategy
from deploybook.spark import is_connect, to_pandas

MODES: tuple[Mode, Mode] = ("incremental", "full")
WINDOW_BATCHES = 4  # batches a windowed refit learns from (the newest)


@dataclass(frozen=True)
class RollbackResult:
    """What :meth:`Scenario.rollback` did."""

    from_version: int
    to_version: int | None  # None: no earlier champion may serve again
    new_version: int | None
    identical: bool  # serving predicts exactly what ``to_version`` predicted (see observed)
    changed_predictions: bool  # and not what the model it replaced predicted
    refused: str | None = None  # why the models table refused a rollback
    # the reference: what a serving client was served by ``to_version`` before the rollback
    # (True), or ``to_version`` loaded afresh from its folder (False, never served to it)
    observed: bool = False

    def sentence(self) -> str:
        """The outcome in one sentence for the report."""
        if self.to_version is None and self.refused is None:
            return (
                f"Here model version {self.from_version} is the only champion so far: there "
                f"is nothing to roll back to"
            )
        if self.to_version is None:
            return (
                f"Here no earlier champion may serve again, as every one learned rows erased "
                f"since; the models table refused the newest of them ({self.refused}), and "
                f"model version {self.from_version} keeps serving"
            )
        same = "not what" if self.changed_predictions else "on this probe, also what"
        reference = (
            "predicted when the serving client was served it during the update"
            if self.observed
            else "predicts loaded afresh from its own folder"
        )
        exactly = "exactly" if self.identical else "not"
        return (
            f"Here serving goes back from model version {self.from_version} to "
            f"{self.to_version}, stored as version {self.new_version}. Read back through "
            f"`latest_model()` after clearing every cached model, it predicts {exactly} what "
            f"version {self.to_version} {reference} (`rollback_identical` is "
            f"{self.identical}), and {same} the model it replaced predicted"
        )


@dataclass
class CycleReport:
    """What one run of the hourly job did."""

    batches: list[int]
    pipeline: PipelineRun
    applied: list[int]
    land_seconds: float
    apply_seconds: float
    versions: dict[str, list[VersionReport]] = field(default_factory=dict)
    job_seconds: dict[str, float] = field(default_factory=dict)
    crash: str | None = None
    rows_after_crash: int | None = None
    commits_after_crash: int | None = None


class Scenario:
    """One deployment under ``lake_root`` (a URI): lakehouse, feed, pipelines.

    ``work`` is a local folder for what this process itself reads (the pipeline project);
    ``tracking_uri`` is the MLflow registry the champions are mirrored into; ``shadow``
    runs the other mode beside the serving one, for comparison. A previous run under the same
    root is cleared first (see :func:`deploybook.retraining.lake_root.prepare`).
    """

    def __init__(
        self,
        spark: SparkSession,
        params: RetrainingParams,
        lake_root: str,
        work: Path,
        tracking_uri: str,
        *,
        shadow: bool = True,
    ) -> None:
        self.spark = spark
        self.params = params
        self.root = lake_root
        self.tracking_uri = tracking_uri
        self.database = f"retraining_{zlib.crc32(lake_root.encode()):08x}"
        prepare(spark, lake_root, self.database)
        self.lake: Lakehouse = create_lakehouse(spark, lake_root, self.database)
        self.feed_config = FeedConfig(
            batch_rows=params.batch_rows,
            batches=params.batches,
            seed=params.seed,
            new_feature_at=params.new_feature_at,
            history_batches=params.history_batches,
            first_row=params.first_row,
        )
        self.elec2 = load_elec2()
        self.feed = build_feed(self.elec2, self.feed_config)
        self.spec = write_project(work / f"pipeline-{self.database}", self.lake)
        self.estimator = RandomForestClassifier(maxDepth=params.max_depth)
        # the comparison pipeline runs as a shadow: scored and timed, never stored
        self.jobs = {
            mode: self._pipeline(mode, self.estimator, mode, store=mode == self.serving_mode)
            for mode in MODES
            if shadow or mode == self.serving_mode
        }
        self.others: dict[str, RetrainingJob] = {}  # pipelines added with pipeline()
        self.landed = 0
        self.cycles: list[CycleReport] = []

    @property
    def serving_mode(self) -> Mode:
        """The pipeline whose models table serves (the report's ``mode``)."""
        return self.params.mode

    def pipeline(self, name: str, estimator: Estimator, *, starting_version: int) -> RetrainingJob:
        """Another retraining pipeline over the same training table (e.g. a non-forest model)."""
        job = self._pipeline(name, estimator, "incremental", starting_version=starting_version)
        self.others[name] = job
        return job

    def _pipeline(
        self,
        name: str,
        estimator: Estimator,
        mode: Mode,
        *,
        starting_version: int = 0,
        store: bool = True,
        seed: int | None = None,
    ) -> RetrainingJob:
        seed = self.params.seed if seed is None else seed
        strategy = make_strategy(
            estimator,
            mode,
            trees_per_update=self.params.trees_per_update,
            max_trees=self.params.max_trees,
            seed=seed,
            window_rows=WINDOW_BATCHES * self.params.batch_rows,
        )
        pipeline = f"elec2-{name}"
        mirror = None
        if store:
            mirror = MlflowMirror(self.tracking_uri, pipeline, self.lake.training)
            mirror.reset(self.lake.registry(name))
        config = JobConfig(
            pipeline=pipeline,
            registry_path=self.lake.registry(name),
            checkpoint=self.lake.checkpoint(f"retrain-{name}"),
            tolerance=self.params.tolerance,
            seed=seed,
            starting_version=starting_version,
            store=store,
            mirror=mirror,
        )
        return RetrainingJob(self.spark, self.lake.training, strategy, config)

    def erasure_requests(self) -> set[int]:
        """The keys the landed feed asked to erase (its DELETE events)."""
        events = pd.concat(self.feed[: self.landed])
        return {int(k) for k in events.loc[events[OP] == DELETE, KEY]}

    def erase(self, *, retain_hours: float) -> ErasureRecord:
        """Carry out the feed's erasure requests physically: purge, VACUUM, revoke the model
        versions of every stored pipeline that learned them (the serving one first).
        """
        stored = [self.jobs[self.serving_mode], *self.others.values()]
        return erase(
            self.spark,
            self.lake,
            self.erasure_requests(),
            {job.config.pipeline: job.registry for job in stored},
            erasure_id=f"erasure-{self.landed}",
            retain_hours=retain_hours,
        )

    def rows_remaining(self, keys: Collection[int]) -> dict[str, int] | None:
        """Parquet files under the lake still holding rows of ``keys``, read with pyarrow
        (None if the lake is not on a local file system).
        """
        folder = local_folder(self.root)
        return None if folder is None else rows_with_keys(folder, keys)

    def refused_versions(self, record: ErasureRecord) -> int:
        """How many of the serving pipeline's revoked model versions a rollback refuses (a
        version not refused would be restored: the count is a check that can fail).
        """
        registry = self.registry()
        refused = 0
        for version in record.serving_revoked:
            try:
                registry.rollback(version, reason="erasure check")
            except RevokedModel:
                refused += 1
        return refused

    def _earlier_champions(self) -> list[int]:
        """Model versions that served before the current champion, oldest first."""
        summary = self.registry().summary()
        return [int(v) for v in summary.loc[summary["status"] == "champion", "model_version"]][:-1]

    def rollback_target(self) -> int | None:
        """The newest earlier champion not revoked: it learned no row erased or corrected
        since (None if every one did).
        """
        revoked = self.registry().revoked()
        for version in reversed(self._earlier_champions()):
            if version not in revoked:
                return version
        return None

    def as_of(self, data_version: int) -> tuple[int, str | None]:
        """The serving pipeline's champion once the table reached ``data_version``, and the
        cause for which ``model_as_of`` refuses it (None when it serves it).
        """
        registry = self.registry()
        record = registry.champion(data_version=data_version)
        if record is None:
            raise RegistryError(f"no champion at or before table version {data_version}")
        try:
            serving.model_as_of(self.spark, registry.path, data_version)
        except RevokedModel:
            return record.model_version, registry.revoked()[record.model_version]
        return record.model_version, None

    def rollback(
        self, probe: DataFrame, observed: Mapping[int, str] | None = None
    ) -> RollbackResult:
        """Serve an earlier champion again and check what serving then predicts on ``probe``.

        The reference is ``observed`` (model version to the predictions digest a serving
        client got on ``probe``, :func:`serving.observed_digests`) when the client was served
        the target, else the target loaded afresh from its folder. When every earlier champion
        learned rows erased or corrected since (all revoked), the newest of them is tried
        anyway, to show that the models table refuses it.
        """
        observed = observed or {}
        registry = self.registry()
        before = serving.latest_model(self.spark, registry.path)
        target = self.rollback_target()
        if target is None:
            previous = self._earlier_champions()
            if not previous:
                return RollbackResult(before.version, None, None, False, False, None)
            try:
                registry.rollback(previous[-1])
            except RevokedModel as exc:
                return RollbackResult(before.version, None, None, False, False, str(exc))
            raise AssertionError("a revoked champion was served again")
        record = registry.record(target)
        expected = observed.get(target) or serving.predictions_digest(
            serving.ServedModel(record, registry.model(record, cached=False)).predict(probe)
        )
        new_version = registry.rollback(target)
        MODELS.clear()  # read back from the table, not from this process's cache
        after = serving.latest_model(self.spark, registry.path)
        digest = serving.predictions_digest(after.predict(probe))
        identical = (
            after.record.restored_from == target
            and digest == expected
            and after.record.model_sha256 == record.model_sha256
        )
        changed = digest != serving.predictions_digest(before.predict(probe))
        return RollbackResult(
            before.version, target, new_version, identical, changed, None, target in observed
        )

    def pipeline_scores(self, seeds: Sequence[int], *, threads: int = 8) -> pd.DataFrame:
        """Prequential scores of this run's pipelines and of the same pipelines rerun with
        each other of ``seeds``: shadow pipelines that learn every table version this run's
        learned, through the same gate.

        The reruns go in threads: Spark jobs on a few hundred rows wait on scheduling more
        than on the two cores, so eight pipelines together take about 60 % of their time in
        turn. A seed fixes each model, so the threads change no score. Over Spark Connect they
        run in turn in this thread: pyspark's Connect client for MLlib fails in other threads.
        """
        versions = sorted({r.data_version for job in self.jobs.values() for r in job.reports})
        reruns = {
            (mode, seed): self._pipeline(
                f"{mode}-seed{seed}", self.estimator, mode, store=False, seed=seed
            )
            for seed in seeds
            if seed != self.params.seed
            for mode in self.jobs
        }

        def replay(job: RetrainingJob) -> None:
            for version in versions:
                job.learn(version)

        if is_connect(self.spark):  # its MLlib client finds its session in the calling thread
            for job in reruns.values():
                replay(job)
        else:
            with ThreadPoolExecutor(threads) as pool:
                list(pool.map(replay, reruns.values()))
        records = {(mode, self.params.seed): self.records(mode) for mode in self.jobs} | {
            key: [(r.data_version, r.metrics) for r in job.reports] for key, job in reruns.items()
        }
        return pd.concat(
            [
                pipeline_scores(scores, PIPELINE_METHODS[mode], seed=seed)
                for (mode, seed), scores in records.items()
            ],
            ignore_index=True,
        )

    def records(self, mode: Mode) -> list[tuple[int, dict[str, float]]]:
        """(table version, metrics) of every update of a pipeline, stored or shadow."""
        job = self.jobs[mode]
        if job.config.store:
            return version_metrics(job.registry)
        return [(r.data_version, r.metrics) for r in job.reports]

    def registry(self, mode: Mode | None = None) -> ModelRegistry:
        """The models table of a pipeline (the serving one by default)."""
        return self.jobs[mode or self.serving_mode].registry

    def cycle(self, until_batch: int, *, crash_after_batch: int | None = None) -> CycleReport:
        """Land batches up to ``until_batch`` (exclusive) and run the hourly job once."""
        if not self.landed < until_batch <= len(self.feed):
            raise ValueError(
                f"until_batch must be in ({self.landed}, {len(self.feed)}], got {until_batch}"
            )
        started = time.perf_counter()
        batches = list(range(self.landed, until_batch))
        # what arrived since the last run lands as one commit; rows keep their batch number
        land(self.spark, self.lake.landing, pd.concat([self.feed[b] for b in batches]))
        self.landed = until_batch
        landed = time.perf_counter()
        pipeline = run_pipeline(self.spark, self.spec)
        applying = time.perf_counter()
        applied = apply_changes(self.spark, self.lake)
        report = CycleReport(
            batches, pipeline, applied, landed - started, time.perf_counter() - applying
        )
        for mode in (self.serving_mode, *(m for m in self.jobs if m != self.serving_mode)):
            job = self.jobs[mode]
            crash = crash_after_batch if mode == self.serving_mode else None
            running = time.perf_counter()
            try:
                report.versions[mode] = job.run(crash_after_batch=crash)
            except InjectedCrash as exc:
                report.crash = str(exc)
                report.rows_after_crash = len(job.registry.summary())
                report.commits_after_crash = len(job.registry.commits())
                report.versions[mode] = job.run()  # the restart
            report.job_seconds[mode] = time.perf_counter() - running
        self.cycles.append(report)
        return report

    # -- checks -------------------------------------------------------------------
    def expected_training(self) -> pd.DataFrame:
        """The training table the landed feed should have produced."""
        return expected_rows(self.feed[: self.landed])

    def training(self) -> pd.DataFrame:
        """The training table as it is, ordered by key."""
        frame = to_pandas(self.spark.read.format("delta").load(self.lake.training))
        return frame.sort_values(KEY).reset_index(drop=True)

    def rule_report(self) -> pd.DataFrame:
        """Rows quarantined or flagged per expectation."""
        landing = self.spark.read.format("delta").load(self.lake.landing)
        rules = rules_for(landing.columns, FEATURES, optional=[NEW_FEATURE])
        return rule_counts(
            rules, self.spark.table(self.lake.quarantine), self.spark.table(self.lake.clean_events)
        )

    def replay_write(self, batch: int) -> int:
        """Write the serving pipeline's model for ``batch`` again, as the restart after a crash
        would if it did not skip finished versions: the model rows that added (0: Delta skipped).
        """
        reports = self.jobs[self.serving_mode].reports
        versions = {r.data_version for r in reports if r.batch == batch}
        written = ModelRegistry.stream_written(self.registry().summary())
        written = written[written["data_version"].isin(versions)]
        if written.empty:
            raise ValueError(f"the serving pipeline has no model for batch {batch}")
        return self.registry().replay(int(written["model_version"].iloc[-1]))

    def exactly_once(self) -> dict[str, bool]:
        """The checks behind ``exactly_once``: one model a version, no extra commit, same data."""
        registry = self.registry()
        summary = registry.summary()
        written = registry.stream_written(summary)
        processed = {r.data_version for r in self.jobs[self.serving_mode].reports}
        commits = registry.commits()
        appends = int(commits["operation"].isin(MODEL_WRITES).sum())
        expected = self.expected_training()
        actual = self.training()
        columns = [c for c in expected.columns if c in actual.columns]
        same_rows = len(expected) == len(actual) and bool(
            (expected[KEY].to_numpy() == actual[KEY].to_numpy()).all()
        )
        same_values = same_rows and bool(
            expected[columns]
            .astype(float)
            .round(9)
            .fillna(-9)
            .equals(actual[columns].astype(float).round(9).fillna(-9))
        )
        return {
            "one model per table version": bool(written["data_version"].is_unique),
            "every processed version has its model": processed <= set(written["data_version"]),
            "no commit beyond one per model": appends == len(summary),
            "training table has exactly the expected rows": same_rows,
            "training table has exactly the expected values": same_values,
        }

    def forgetting(self, mode: Mode | None = None) -> pd.DataFrame:
        """Per version with erasures or corrections: rows the served model had learned, and
        rows its successor still depends on (must be 0).
        """
        registry = self.registry(mode)
        changes = to_pandas(
            self.spark.read.format("delta")
            .option("readChangeFeed", "true")
            .option("startingVersion", 0)
            .load(self.lake.training)
            .where(F.col("_change_type").isin("delete", "update_postimage"))
            .select(KEY, "_change_type", "_commit_version")
        )
        rows = []
        for version, part in changes.groupby("_commit_version"):
            deleted = set(part.loc[part["_change_type"] == "delete", KEY].astype(int))
            updated = set(part.loc[part["_change_type"] == "update_postimage", KEY].astype(int))
            before = registry.champion(data_version=int(version) - 1)
            after = registry.champion(data_version=int(version))
            if before is None or after is None:
                continue
            seen = [c for c in before.cohorts if c.saw_any(deleted | updated)]
            stale = [
                c
                for c in after.cohorts
                if c.trained_at < int(version) and c.saw_any(deleted | updated)
            ]
            rows.append(
                {
                    "data_version": int(version),
                    "erased": len(deleted),
                    "corrected": len(updated),
                    "cohorts that had learned them": len(seen),
                    "cohorts still depending on them": len(stale),
                    "serving model": after.model_version,
                }
            )
        return pd.DataFrame(rows)

    def batch_of_version(self) -> dict[int, int]:
        """Training-table version -> the feed batch whose inserts it holds."""
        frame = to_pandas(
            self.spark.read.format("delta")
            .option("readChangeFeed", "true")
            .option("startingVersion", 0)
            .load(self.lake.training)
            .where(F.col("_change_type") == "insert")
            .groupBy("_commit_version")
            .agg(F.max("batch").alias("batch"))
        )
        return dict(
            zip(frame["_commit_version"].astype(int), frame["batch"].astype(int), strict=True)
        )

    def label_share(self) -> float:
        """Share of rows labelled 1 ("price went up") in the training table."""
        row = self.spark.read.format("delta").load(self.lake.training).agg(F.avg(LABEL)).first()
        return float(row[0]) if row and row[0] is not None else float("nan")

    def lineage(self, mode: Mode | None = None) -> pd.DataFrame:
        """Trees per cohort in every model version the pipeline stored."""
        summary = self.registry(mode).summary()
        rows = [
            {
                "model_version": int(r.model_version),
                "status": r.status,
                "cohort": cohort,
                "trees": list(r.tree_cohorts).count(cohort),
            }
            for r in summary.itertuples()
            for cohort in dict.fromkeys(r.tree_cohorts)
        ]
        return pd.DataFrame(rows)

    def feature_evolution(self) -> dict[str, object]:
        """The first champion that reads the new column: its trees by lineage, and proof that
        trees fitted before the column never split on it.
        """
        registry = self.registry()
        summary = registry.summary()
        wider = summary[
            (summary["status"] == "champion")
            & summary["features"].map(lambda f: NEW_FEATURE in list(f))
        ]
        if wider.empty:
            return {
                "model_version": None,
                "features": [],
                "trees_without_new_feature": 0,
                "trees_with_new_feature": 0,
                "old_trees_splitting_on_it": 0,
                "new_feature_importance": 0.0,
            }
        record = registry.record(int(wider["model_version"].iloc[0]))
        model = registry.model(record)
        position = record.features.index(NEW_FEATURE)
        knows = {c.cohort_id: NEW_FEATURE in c.features for c in record.cohorts}
        trees = list(getattr(model, "trees", []))
        old = [t for t, cid in zip(trees, record.tree_cohorts, strict=True) if not knows[cid]]
        return {
            "model_version": record.model_version,
            "features": list(record.features),
            "trees_without_new_feature": len(old),
            "trees_with_new_feature": len(trees) - len(old),
            "old_trees_splitting_on_it": sum(1 for t in old if t.featureImportances[position] > 0),
            "new_feature_importance": self._importance(registry.champion(), NEW_FEATURE),
        }

    def _importance(self, record: ModelRecord | None, feature: str) -> float:
        """Share of a model's feature importance that falls on ``feature`` (0 if not a forest)."""
        if record is None or feature not in record.features:
            return 0.0
        importances = getattr(self.registry().model(record), "featureImportances", None)
        return (
            float(importances[record.features.index(feature)]) if importances is not None else 0.0
        )

    def time_travel(self, versions: list[int]) -> pd.DataFrame:
        """Rows read with ``versionAsOf`` against rows the change feed says each version held."""
        growth = table_growth(self.spark, self.lake.training).set_index("data_version")["rows"]
        rows = []
        for version in versions:
            read = (
                self.spark.read.format("delta")
                .option("versionAsOf", version)
                .load(self.lake.training)
                .count()
            )
            expected = (
                int(growth[growth.index <= version].iloc[-1])
                if (growth.index <= version).any()
                else 0
            )
            rows.append(
                {"table_version": version, "rows_read": read, "rows_from_change_feed": expected}
            )
        return pd.DataFrame(rows)
