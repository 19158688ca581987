"""The retraining job: a stream finds new table versions, and each is learned whole.

A Structured Streaming query reads the training table's change feed (``readChangeFeed``)
and appends the commit version of every change to a small Delta table beside its
checkpoint: that stream only *discovers* versions, exactly once, with no Python code in it
(a Delta sink, so it runs the same on a cluster and on Spark Connect). The job then learns
each new version whole, oldest first, reading that version's complete change set in batch
mode (inserted rows, the new images of updated rows, the keys of deleted rows):

1. it scores the serving champion on the inserted rows before learning from them (the
   prequential, test-then-train accuracy);
2. it asks the strategy for a challenger (which never depends on a deleted or stale row);
3. it runs the quality gate on the version's holdout rows;
4. it appends one row to the models table with ``txnAppId`` = the pipeline and
   ``txnVersion`` = the table version, so a replay after a crash writes nothing twice;
5. it revokes the stored versions that learned a row this version deleted or corrected
   (after step 4, so that serving always finds a champion). A crash between 4 and 5 is
   finished when the job next reads where it stands: the newest learned version with no
   revocation recorded has its deletes and corrections revoked then.

The next version learns the rows this one held out, and the embargoed rows beside them; if
this version's challenger did not come to serve (turned down, or the champion repaired
instead), it learns all of this version's rows. After a restart only the newest version's
rows are recovered that way.

A version is learned once: the newest version with a model in the models table (or, for a
shadow pipeline, learned in this process) marks where a restart resumes.
``trigger(availableNow=True)`` makes a run the "hourly job": it discovers everything
committed since the last run and stops.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pyspark.errors import StreamingQueryException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.streaming import StreamingQuery

from deploybook.retraining.features import (
    EMBARGO_ROWS,
    KEY,
    feature_columns,
    holdout_keys,
    with_keys,
    without_keys,
)
from deploybook.retraining.gate import PairedScores, decide
from deploybook.retraining.lake_root import is_delta_table
from deploybook.retraining.lineage import Candidate
from deploybook.retraining.registry import (
    CHAMPION,
    REJECTED,
    ChampionChanged,
    ModelRecord,
    ModelRegistry,
    NewVersion,
)
from deploybook.retraining.strategies import ChangeSet, Strategy, TrainingTable
from deploybook.spark import to_pandas

if TYPE_CHECKING:
    from deploybook.retraining.mirror import MlflowMirror

CDF_COLUMNS = ("_change_type", "_commit_version", "_commit_timestamp")
_SCHEMA_CHANGE = ("DELTA_SCHEMA_CHANGED", "schema change", "DELTA_STREAMING_METADATA_EVOLUTION")
_PROMOTION_ATTEMPTS = 3  # judgements of one version against champions written meanwhile


class InjectedCrash(RuntimeError):
    """The crash a run was asked to simulate, after a model was written."""


@dataclass(frozen=True)
class JobConfig:
    """Where a retraining pipeline keeps its state, and how its gate judges."""

    pipeline: str  # the models' pipeline name and Delta ``txnAppId``
    registry_path: str
    checkpoint: str
    holdout_fraction: float = 0.2
    embargo_rows: int = EMBARGO_ROWS  # rows on each side of the holdout kept out of training
    tolerance: float = 0.02
    seed: int = 42
    starting_version: int = 0
    store: bool = True  # False: a shadow pipeline, scored and timed in memory, never stored
    mirror: MlflowMirror | None = None  # an MLflow registry the models table is copied to

    def __post_init__(self) -> None:
        if not self.pipeline:
            raise ValueError("a pipeline needs a name (it is the Delta txnAppId)")
        if not 0 <= self.holdout_fraction < 1:
            raise ValueError(f"holdout_fraction must be in [0, 1), got {self.holdout_fraction}")
        if self.embargo_rows < 0:
            raise ValueError(f"embargo_rows must be 0 or more, got {self.embargo_rows}")
        if not 0 <= self.tolerance <= 1:
            raise ValueError(f"tolerance must be in [0, 1], got {self.tolerance}")

    @property
    def versions_path(self) -> str:
        """The Delta table where the stream records the versions it found."""
        return f"{self.checkpoint.rstrip('/')}-versions"


@dataclass
class VersionReport:
    """What the job did with one table version."""

    data_version: int
    batch: int | None
    status: str  # of the stored model: champion or rejected
    challenger_served: bool  # the new challenger (not a repair) is what serves now
    reason: str
    metrics: dict[str, float] = field(default_factory=dict)
    worse: bool = False  # the gate found the challenger worse than its tolerance allows


def _accuracy(frame: Any) -> float | None:
    if frame.empty:
        return None
    return float((frame["prediction"] == frame["label"]).mean())


def _unlearned(changes: ChangeSet) -> tuple[DataFrame, tuple[int, ...]]:
    """Every row of a turned-down challenger's version (learned, scored or embargoed) and
    the rows it learned from the version before, and their keys.
    """
    rows = changes.train.unionByName(changes.holdout)
    for more in (changes.embargo, changes.history):
        if more is not None:
            rows = rows.unionByName(more, allowMissingColumns=True)
    keys = {*changes.train_keys, *changes.holdout_keys, *changes.embargo_keys}
    return rows, tuple(sorted(keys | set(changes.history_keys)))


def _held(changes: ChangeSet) -> tuple[DataFrame, tuple[int, ...]]:
    """The rows of a version its challenger did not learn (holdout and embargo), and keys."""
    rows = changes.holdout
    if changes.embargo is not None:
        rows = rows.unionByName(changes.embargo)
    return rows, tuple(sorted(changes.holdout_keys + changes.embargo_keys))


class RetrainingJob:
    """Keeps the models table of one pipeline current with the training table."""

    def __init__(
        self,
        spark: SparkSession,
        training_path: str,
        strategy: Strategy,
        config: JobConfig,
    ) -> None:
        if not is_delta_table(spark, training_path):
            raise FileNotFoundError(
                f"no Delta training table at {training_path}: create it with create_lakehouse()"
            )
        self.spark = spark
        self.strategy = strategy
        self.config = config
        mirror = config.mirror if config.store else None
        self.registry = ModelRegistry(spark, config.registry_path, mirror=mirror)
        self.table = TrainingTable(spark, training_path, workspace=self.registry.artifacts)
        if config.store:
            self.registry.create()
        self.reports: list[VersionReport] = []
        self._champion: tuple[ModelRecord | None, Candidate | None] | None = None
        self._champion_version: int | None = None  # the model version of that champion
        self._learned: int | None = None  # the newest version learned in this process
        self._held: tuple[int, DataFrame | None, tuple[int, ...]] | None = None

    # -- running -----------------------------------------------------------------
    def discover(self, *, every: str | None = None) -> StreamingQuery:
        """Start the stream that records new table versions: ``availableNow`` (one catch-up
        run), or every ``every`` interval (then :meth:`pending` and :meth:`learn` follow it).
        """
        stream = (
            self.spark.readStream.format("delta")
            .option("readChangeFeed", "true")
            .option("startingVersion", self.config.starting_version)
            .load(self.table.path)
            .select("_commit_version")
        )
        writer = (
            stream.writeStream.format("delta")
            .outputMode("append")
            .option("checkpointLocation", self.config.checkpoint)
        )
        writer = (
            writer.trigger(processingTime=every) if every else writer.trigger(availableNow=True)
        )
        query = writer.queryName(f"discover-{self.config.pipeline}")
        return query.start(self.config.versions_path)

    def _discover_all(self) -> None:
        """One catch-up run of the stream; restarts once per additive schema change."""
        for _ in range(5):
            query = self.discover()
            try:
                query.awaitTermination()
                return
            except StreamingQueryException as exc:
                if not any(marker in str(exc) for marker in _SCHEMA_CHANGE):
                    raise
        raise RuntimeError(f"retraining job '{self.config.pipeline}': the schema kept changing")

    def pending(self) -> list[int]:
        """Table versions the stream has found and the job has not learned, oldest first."""
        if not is_delta_table(self.spark, self.config.versions_path):
            return []
        found = self.spark.read.format("delta").load(self.config.versions_path)
        done = self._last_done()
        if done is not None:
            found = found.where(F.col("_commit_version") > done)
        rows = found.select("_commit_version").distinct().collect()
        return sorted(int(r[0]) for r in rows)

    def run(self, *, crash_after_batch: int | None = None) -> list[VersionReport]:
        """One catch-up run (the hourly job): discover new versions, then learn each one.

        With ``crash_after_batch``, the run stops with :class:`InjectedCrash` right after
        writing the model of that feed batch, as a crashed process would.
        """
        done = len(self.reports)
        if self.config.store:
            self._champion = None  # a rollback may have changed it since the last run
        self._discover_all()
        for version in self.pending():
            report = self.learn(version)
            if (
                report is not None
                and report.batch is not None
                and report.batch == crash_after_batch
            ):
                raise InjectedCrash(
                    f"retraining job '{self.config.pipeline}' crashed as asked, after "
                    f"writing the model for batch {crash_after_batch}"
                )
        return self.reports[done:]

    def learn(self, version: int) -> VersionReport | None:
        """Learn table ``version`` whole, unless it is learned already (then None)."""
        done = self._last_done()
        if done is not None and version <= done:
            return None  # replayed: the models table already has its model
        rows = self._change_feed(version).persist()
        try:
            report = self.step(version, rows)
        except BaseException:
            if self.config.store:  # how far the step got is in the models table: read it again
                self._learned = None
            raise
        finally:
            rows.unpersist()
        self._learned = version
        if report is not None:
            self.reports.append(report)
        return report

    def _change_feed(self, version: int) -> DataFrame:
        """The change rows of table ``version``."""
        return (
            self.spark.read.format("delta")
            .option("readChangeFeed", "true")
            .option("startingVersion", version)
            .option("endingVersion", version)
            .load(self.table.path)
        )

    def _last_done(self) -> int | None:
        """The newest table version this pipeline has finished: read from its models table
        once per process (and after a failed step), then kept in memory (this job is the
        pipeline's only writer). A revocation that a crash left unwritten is written then.
        """
        if self._learned is None and self.config.store:
            self._learned = self.registry.last_data_version(self.config.pipeline)
            if self._learned is not None:
                self._finish_revocation(self._learned)
        return self._learned

    def _finish_revocation(self, version: int) -> None:
        """Revoke what ``version`` deleted or corrected if its model was committed but the
        process died before the revocation (the revocations table has none for it).
        """
        if self.registry.revoked_by(version):
            return
        changed = (
            self._change_feed(version)
            .where(F.col("_change_type").isin("delete", "update_postimage"))
            .select(KEY)
            .collect()
        )
        if changed:
            keys = [int(row[KEY]) for row in changed]
            self.registry.revoke(f"table version {version}", keys, version)

    def champion(self) -> tuple[ModelRecord | None, Candidate | None]:
        """The serving champion of this pipeline, as a record and a candidate to build on.

        Kept in memory while it is still the newest champion in the models table; a champion
        written by someone else since (an operator's rollback) is read afresh.
        """
        if (
            self._champion is not None
            and self.config.store
            and self.registry.champion_version() != self._champion_version
        ):
            self._champion = None
        if self._champion is None:
            record = self.registry.champion() if self.config.store else None
            self._champion = (record, self.registry.candidate(record) if record else None)
            self._champion_version = record.model_version if record else None
        return self._champion

    def changes(self, version: int, rows: DataFrame) -> ChangeSet | None:
        """Split one version's change rows for training and for the gate."""
        cfg = self.config
        features = feature_columns(self.table.at(version).schema)
        meta = to_pandas(rows.select(KEY, "_change_type", "seq", "batch"))
        kind = meta["_change_type"]
        inserted = meta[kind == "insert"]
        kept = holdout_keys(
            inserted, cfg.holdout_fraction, version=version, embargo=cfg.embargo_rows
        )
        held, deferred = kept.scored, kept.scored | kept.embargoed
        learn = meta[kind.isin(["insert", "update_postimage"]) & ~meta[KEY].isin(deferred)]
        deleted = frozenset(int(k) for k in meta.loc[kind == "delete", KEY])
        updated = frozenset(int(k) for k in meta.loc[kind == "update_postimage", KEY])
        if learn.empty and not deferred and not deleted:
            return None
        new_rows = rows.where(F.col("_change_type").isin("insert", "update_postimage")).drop(
            *CDF_COLUMNS
        )
        history, history_keys = self._history(version, deleted | updated)
        return ChangeSet(
            version=version,
            features=features,
            train=without_keys(new_rows, deferred),
            holdout=with_keys(new_rows, held),
            train_keys=tuple(int(k) for k in learn[KEY]),
            holdout_keys=tuple(sorted(held)),
            embargo=with_keys(new_rows, kept.embargoed),
            embargo_keys=tuple(sorted(kept.embargoed)),
            deleted=deleted,
            updated=updated,
            min_seq=int(inserted["seq"].min()) if not inserted.empty else None,
            batch=int(inserted["batch"].max()) if not inserted.empty else None,
            history=history,
            history_keys=history_keys,
        )

    def _history(
        self, version: int, changed: frozenset[int]
    ) -> tuple[DataFrame | None, tuple[int, ...]]:
        """The rows the previous version held out for its gate, or embargoed beside them:
        this version learns them.
        """
        if self._held is None or self._held[0] >= version:
            self._held = None
            done = self._last_done()
            if done is not None and done < version:
                inserted = (
                    self._change_feed(done)
                    .where(F.col("_change_type") == "insert")
                    .drop(*CDF_COLUMNS)
                )
                meta = to_pandas(inserted.select(KEY, "seq"))
                if self._rejected(done):  # its model did not serve: learn all its rows now
                    kept = {int(k) for k in meta[KEY]}
                else:
                    held = holdout_keys(
                        meta, self.config.holdout_fraction, version=done,
                        embargo=self.config.embargo_rows,
                    )  # fmt: skip
                    kept = set(held.scored | held.embargoed)
                self._remember(done, with_keys(inserted, kept), kept)
        if self._held is None:
            return None, ()
        _, rows, keys = self._held
        if rows is None:
            return None, ()
        keys = tuple(k for k in keys if k not in changed)
        if not keys:
            return None, ()
        return with_keys(rows, keys), keys

    def _rejected(self, version: int) -> bool:
        """Whether this pipeline stored the model of table ``version`` as rejected."""
        if not self.config.store:
            return False
        summary = self.registry.summary()
        mine = summary[
            (summary["pipeline"] == self.config.pipeline) & (summary["data_version"] == version)
        ]
        return bool((mine["status"] == REJECTED).any())

    def _remember(self, version: int, holdout: DataFrame, keys: Collection[int]) -> None:
        """Keep a version's holdout rows (materialized: the micro-batch will be released)."""
        rows = holdout.localCheckpoint(eager=True) if keys else None
        self._held = (version, rows, tuple(sorted(keys)))

    def _revoke(self, changes: ChangeSet) -> None:
        """Revoke the stored versions that learned rows this version deleted or corrected
        (once a model without them is stored, so that serving never finds none): rollback,
        ``model_as_of`` and ``challenge`` refuse them from then on.
        """
        changed = changes.deleted | changes.updated
        if self.config.store and changed:
            self.registry.revoke(f"table version {changes.version}", changed, changes.version)

    def step(self, version: int, rows: DataFrame, *, attempt: int = 1) -> VersionReport | None:
        """Test, train, gate and store for one table version.

        A promotion is a compare-and-set on the champion the challenger was judged against:
        if another champion was written meanwhile, the version is judged again against it.
        """
        changes = self.changes(version, rows)
        if changes is None:
            return None
        _, champion = self.champion()
        metrics: dict[str, float] = {
            "learned_rows": len(changes.train_keys),
            "holdout_rows": len(changes.holdout_keys),
            "embargo_rows": len(changes.embargo_keys),
            "deleted": len(changes.deleted),
            "updated": len(changes.updated),
        }
        holdout = set(changes.holdout_keys)
        reference = None  # the champion's predictions on the holdout
        # every inserted row of the version, as the peers score them (embargo included)
        held = _held(changes)
        inserts = without_keys(changes.train, changes.updated).unionByName(held[0])
        if champion is not None and (changes.train_keys or holdout):
            scored = champion.predictions(inserts)
            prequential = _accuracy(scored)
            if prequential is not None:
                metrics["prequential_accuracy"] = prequential
                metrics["prequential_rows"] = float(len(scored))
            reference = scored[scored[KEY].isin(holdout)]

        proposal = self.strategy.propose(champion, changes, self.table)
        metrics["update_seconds"] = proposal.seconds
        challenger = proposal.challenger
        scores = None
        if challenger is not None and reference is not None and not reference.empty:
            scores = PairedScores.of_predictions(challenger.predictions(changes.holdout), reference)
        decision = decide(
            has_champion=champion is not None,
            has_challenger=challenger is not None,
            must_forget=proposal.must_forget,
            scores=scores,
            tolerance=self.config.tolerance,
        )
        if scores is not None:
            metrics["challenger_accuracy"] = scores.challenger_accuracy
            metrics["reference_accuracy"] = scores.champion_accuracy
            metrics["gate_rows"] = float(scores.rows)
            metrics["gate_upper_bound"] = scores.upper_bound()
        stored, status, reason = challenger, decision.status, decision.reason
        if decision.needs_repair:
            repaired = proposal.repaired()
            if repaired is not None:
                stored, status = repaired, CHAMPION
                reason = f"{reason}; the champion, refitted without changed rows, serves"
            elif challenger is not None:
                status = CHAMPION
                reason = f"{reason}; promoted anyway: the champion learned from changed rows"
        if challenger is not None and not (status == CHAMPION and stored is challenger):
            # the serving model did not learn this version's rows: the next version does
            self._remember(version, *_unlearned(changes))
        else:
            self._remember(version, *held)
        if stored is None:
            self._revoke(changes)
            return VersionReport(
                version, changes.batch, status, False, reason, metrics, decision.worse
            )
        metrics["fit_seconds"] = stored.fit_seconds
        metrics["trees"] = float(len(stored.tree_cohorts))
        started = time.perf_counter()
        if not self.config.store:
            if status == CHAMPION:
                self._champion = (None, stored)
            return VersionReport(
                version,
                changes.batch,
                status,
                stored is challenger,
                reason,
                metrics,
                decision.worse,
            )
        entry = NewVersion(
            stored, self.config.pipeline, self.strategy.name, version, status, reason, metrics,
            txn_version=version,
        )  # fmt: skip
        if status == CHAMPION:
            try:
                promoted = self.registry.promote(entry, expected=self._champion_version)
            except ChampionChanged:
                if attempt >= _PROMOTION_ATTEMPTS:
                    raise
                return self.step(version, rows, attempt=attempt + 1)
            self._champion, self._champion_version = (None, stored), promoted
        else:
            self.registry.append(entry)
        self._revoke(changes)
        metrics["store_seconds"] = time.perf_counter() - started
        return VersionReport(
            version, changes.batch, status, stored is challenger, reason, metrics, decision.worse
        )
