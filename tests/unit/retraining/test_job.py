"""The retraining stream end to end on a small table: every change type, replay, crash,
the gate, rollback, schema evolution, other estimators and clear errors."""

from __future__ import annotations

import threading
from pathlib import Path

import pandas as pd
import pytest
from pyspark.ml.classification import LogisticRegression, RandomForestClassifier
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from deploybook.retraining.backfill import backfill, challenge
from deploybook.retraining.delivery import events_for
from deploybook.retraining.elec2 import FEATURES
from deploybook.retraining.features import holdout_keys
from deploybook.retraining.job import InjectedCrash, JobConfig, RetrainingJob
from deploybook.retraining.lineage import Candidate
from deploybook.retraining.registry import (
    MODEL_WRITES,
    ChampionChanged,
    ModelRecord,
    ModelRegistry,
    NewVersion,
    RegistryError,
    RevokedModel,
)
from deploybook.retraining.serving import latest_model, model_as_of, predict
from deploybook.retraining.strategies import (
    ForestMerge,
    FullRetrain,
    WindowedRetrain,
    make_strategy,
)

from .conftest import SmallLake

pytestmark = pytest.mark.spark


def _cdf(spark: SparkSession, path: str):
    return (
        spark.read.format("delta")
        .option("readChangeFeed", "true")
        .option("startingVersion", 0)
        .load(path)
    )


def test_inserts_updates_and_deletes_each_reach_the_model(small_lake: SmallLake) -> None:
    first = small_lake.insert(0, 80)
    small_lake.insert(80, 80)
    job = small_lake.job(max_trees=9)
    reports = job.run()
    assert [r.status for r in reports] == ["champion"] * len(reports)
    assert "prequential_accuracy" in reports[-1].metrics  # the second version was scored first
    # every row the version inserted, embargoed ones too, as the peers (ARF) score them
    assert reports[-1].metrics["prequential_rows"] == 80
    before = job.registry.champion()
    assert before is not None
    assert before.cohorts[0].saw_any({first[0], first[1]})

    small_lake.change({first[0]: {"feat_3": 0.5}}, deletes=[first[1]])
    job.run()
    after = job.registry.champion()
    assert after is not None
    assert after.data_version == 3
    assert not any(c.saw_any({first[1]}) for c in after.cohorts)  # the erased row is forgotten
    for cohort in after.cohorts:  # the corrected row is learned again only with its new value
        if cohort.saw_any({first[0]}):
            assert cohort.trained_at > before.data_version
    assert any(c.kind == "repair" for c in after.cohorts)
    assert len(after.tree_cohorts) <= 9


def test_a_repair_refits_each_touched_cohort_alone_on_its_own_rows(small_lake: SmallLake) -> None:
    """Reference: the champion's cohorts before the change. A fourth version corrects a row
    of the oldest cohort and erases a row of the next: each is refitted alone, on its own
    rows less the erased one, with its size and age, and the newest cohort stays as it was.
    (Refitting touched cohorts together made one cohort whose rows grew with every
    correction, and whose refit cost grew with them.)
    """
    small_lake.insert(0, 60)
    small_lake.insert(60, 60)
    small_lake.insert(120, 60)
    job = small_lake.job(max_trees=12)
    job.run()
    before = job.registry.champion()
    assert before is not None
    assert len(before.cohorts) == 3
    oldest, middle, _ = sorted(before.cohorts, key=lambda c: c.data_version)
    corrected, erased = min(oldest.row_ids or ()), min(middle.row_ids or ())
    small_lake.change({corrected: {"feat_3": 0.5}}, deletes=[erased])
    job.run()
    after = job.registry.champion()
    assert after is not None
    assert after.data_version == 4
    by_age = {c.data_version: c for c in after.cohorts}
    for old in before.cohorts:
        now = by_age[old.data_version]
        assert now.n_trees == old.n_trees
        if old.saw_any({corrected, erased}):
            assert (now.kind, now.trained_at) == ("repair", 4)
            assert set(now.row_ids or ()) == set(old.row_ids or ()) - {erased}
        else:
            assert now == old
    assert sum(c.kind == "repair" for c in after.cohorts) == 2


def _correct_a_learned_row(small_lake: SmallLake) -> tuple[RetrainingJob, ModelRecord, int]:
    """Two versions learned, then a third that corrects one row the champion learned: the
    job (not yet run on the third), that champion, and the corrected key.
    """
    first = small_lake.insert(0, 80)
    small_lake.insert(80, 80)
    job = small_lake.job(max_trees=9)
    job.run()
    before = job.registry.champion()
    assert before is not None
    assert any(c.saw_any({first[0]}) for c in before.cohorts)
    small_lake.change({first[0]: {"feat_3": 0.5}}, deletes=[])
    return job, before, first[0]


def test_a_value_corrected_since_is_refused_by_rollback_serving_and_challenge(
    small_lake: SmallLake,
) -> None:
    """Reference: the third table version, written here by hand, corrects one row that the
    second version's champion learned (its lineage lists the row) and deletes none; Delta
    time travel of version 2 still holds the old value, so that champion and a forest
    backfilled on version 2 both learned a value that is no longer true."""
    spark, training = small_lake.spark, small_lake.lake.training
    job, before, corrected = _correct_a_learned_row(small_lake)
    job.run()
    path = job.registry.path
    refused = f"model version {before.model_version} .* table version 3 erased or corrected"
    with pytest.raises(RevokedModel, match=refused):
        job.registry.rollback(before.model_version)
    with pytest.raises(RevokedModel, match=refused):
        model_as_of(spark, path, 2)
    assert latest_model(spark, path).record.data_version == 3  # the repaired champion serves
    stale = backfill(spark, training, 2, RandomForestClassifier(maxDepth=2), num_trees=2)
    newest = spark.read.format("delta").load(training).where("batch = 1")
    with pytest.raises(RevokedModel, match="learned rows erased or corrected since"):
        challenge(job.registry, stale, newest, tolerance=1.0, reason="a stale backfill")
    assert job.registry.changed_since(2) == {corrected}
    fresh = backfill(
        spark, training, 2, RandomForestClassifier(maxDepth=2), num_trees=2,
        exclude=job.registry.changed_since(2),
    )  # fmt: skip
    assert not fresh.cohorts[0].saw_any({corrected})
    job.registry.check_learned(fresh)  # learned none of the changed rows: accepted


def test_learning_a_version_again_writes_no_second_model(small_lake: SmallLake) -> None:
    small_lake.insert(0, 60)
    small_lake.insert(60, 60)
    job = small_lake.job()
    assert [r.data_version for r in job.run()] == [1, 2]
    assert job.learn(2) is None  # the same version again, as a replay would
    restarted = small_lake.job()  # a new process: nothing in memory, the models table knows
    assert restarted.pending() == []
    assert restarted.learn(1) is None
    summary = job.registry.summary()
    assert summary["data_version"].is_unique
    assert len(summary) == 2
    assert job.registry.commits()["operation"].isin(MODEL_WRITES).sum() == 2


def test_a_crash_after_writing_resumes_without_duplicates(small_lake: SmallLake) -> None:
    for start in (0, 60, 120):
        small_lake.insert(start, 60)
    job = small_lake.job()
    with pytest.raises(InjectedCrash, match="after writing the model for batch 1"):
        job.run(crash_after_batch=1)
    assert job.registry.summary()["data_version"].tolist() == [1, 2]
    job.run()  # the restart learns the versions after the newest model
    summary = job.registry.summary()
    assert summary["data_version"].tolist() == [1, 2, 3]
    assert len(job.registry.commits()) == 4  # CREATE TABLE + one commit per model


def test_a_crash_between_a_model_and_its_revocation_is_finished_on_restart(
    small_lake: SmallLake, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reference: the third table version, written here by hand, corrects one row that the
    second version's champion learned (its lineage lists the row). The process dies after
    the repaired model's commit and before the revocation is written; the restarted job
    must revoke that champion all the same, or rollback would serve the old value again."""
    job, before, _ = _correct_a_learned_row(small_lake)

    def die(*_: object, **__: object) -> None:
        raise InjectedCrash("the process died before revoking")

    with monkeypatch.context() as patched:
        patched.setattr(ModelRegistry, "revoke", die)
        with pytest.raises(InjectedCrash):
            job.run()
    assert job.registry.summary()["data_version"].max() == 3  # the model was committed
    assert job.registry.revoked() == {}  # and nothing revoked
    restarted = small_lake.job(max_trees=9)
    assert restarted.run() == []  # nothing left to learn, but the revocation is finished
    with pytest.raises(RevokedModel, match="table version 3 erased or corrected"):
        restarted.registry.rollback(before.model_version)
    revoked = job.registry.revoked()
    assert before.model_version in revoked
    history = f"DESCRIBE HISTORY delta.`{job.registry.revocations}`"
    commits = small_lake.spark.sql(history).count()
    assert job.run() == []  # the crashed process's own job object learns nothing twice
    assert job.registry.revoked() == revoked
    assert small_lake.spark.sql(history).count() == commits  # and revokes nothing twice


def test_the_gate_rejects_a_stale_challenger_and_rollback_restores(small_lake: SmallLake) -> None:
    spark = small_lake.spark
    for start in (0, 4000, 8000, 12000):
        small_lake.insert(start, 160)  # a holdout of 32 rows: enough for the gate to judge
    job = small_lake.job()
    job.run()
    champion = job.registry.champion()
    assert champion is not None
    old = backfill(
        spark, small_lake.lake.training, 1, RandomForestClassifier(maxDepth=2), num_trees=2
    )
    flipped = old.model.transform  # a challenger that is always wrong: flip the newest labels
    newest = spark.read.format("delta").load(small_lake.lake.training).where("batch = 3")
    liar = Candidate(_always(spark, 1.0), old.features, old.cohorts)
    verdict = challenge(
        job.registry,
        liar,
        newest.withColumn("target", F.lit(0)),
        tolerance=0.0,
        reason="a model that always says up",
    )
    assert verdict.decision.status == "rejected"
    assert job.registry.champion().model_version == champion.model_version  # still serving
    assert flipped is not None
    learned = job.registry.candidate(job.registry.champion()).rows_seen()
    with pytest.raises(ValueError, match="champion has not learned"):  # no flattering rows
        challenge(
            job.registry,
            liar,
            newest.where(F.col("row_id").isin(sorted(learned))),
            tolerance=0.0,
            reason="judged on the champion's own training rows",
        )

    path = job.registry.path
    scored = predict(spark, newest, path).select("row_id", "prediction").orderBy("row_id").collect()
    earlier = model_as_of(spark, path, 2)
    assert earlier.record.data_version <= 2
    restored = job.registry.rollback(earlier.version)
    served = latest_model(spark, path)
    assert served.version == restored
    again = served.predict(newest).select("row_id", "prediction").orderBy("row_id").collect()
    direct = earlier.predict(newest).select("row_id", "prediction").orderBy("row_id").collect()
    assert again == direct
    assert len(scored) == len(again)


def _misleading_week(small_lake: SmallLake, start: int) -> list[int]:
    """A week of new keys repeating ELEC2 rows ``start`` .. ``start + 160``: the 32 rows the
    gate will score (this version's holdout block) keep their true labels, every other row
    has its label flipped."""
    rows = small_lake.elec2.iloc[start : start + 160][["row_id", *FEATURES, "target"]].copy()
    rows["row_id"] += 1_000_000  # keys no ELEC2 row has
    version = small_lake.batch + 1  # the table's first version is its creation
    scored = holdout_keys(rows.assign(seq=range(len(rows))), 0.2, version=version).scored
    flip = ~rows["row_id"].isin(scored)
    rows.loc[flip, "target"] = 1 - rows.loc[flip, "target"]
    events = events_for(rows, small_lake.batch, small_lake.seq + 1)
    small_lake.seq += len(events)
    small_lake.apply(events)
    return events["row_id"].tolist()


def test_the_rows_of_a_turned_down_week_are_learned_with_the_next(small_lake: SmallLake) -> None:
    """Reference: the keys the feed inserted, against the row lineage each stored model
    recorded. Week 2 repeats week 1's half-hours, teaching flipped labels and scoring true
    ones, so its challenger is clearly worse than the champion and is turned down."""
    small_lake.insert(0, 160)
    small_lake.insert(4000, 160)
    misleading = _misleading_week(small_lake, 4000)
    last = small_lake.insert(12000, 160)
    held = holdout_keys(pd.DataFrame({"row_id": last, "seq": range(160)}), 0.2, version=4)
    kept_back = held.scored | held.embargoed  # learned by a version after the last
    steady = small_lake.job("steady", max_trees=3)  # a challenger is the week's three trees
    steady.run()
    restarted = small_lake.job("restarted", max_trees=3)
    with pytest.raises(InjectedCrash):
        restarted.run(crash_after_batch=2)  # right after the turned-down week
    restarted = small_lake.job("restarted", max_trees=3)  # a new process resumes
    restarted.run()
    for job in (steady, restarted):
        status = job.registry.summary().set_index("data_version")["status"]
        assert status[3] == "rejected"
        learned_after = set()
        for record in job.registry.records():
            if record.data_version > 3:
                for cohort in record.cohorts:
                    learned_after |= set(cohort.row_ids or ())
        assert set(misleading) <= learned_after  # not only the turned-down week's holdout
        assert set(last) - kept_back <= learned_after  # the last week but its holdout


def test_a_rollback_during_a_continuous_stream_survives_the_next_promotion(
    small_lake: SmallLake,
) -> None:
    """An operator rolls back while the job keeps learning without a restart (as under
    ``discover(every=...)``); the job had cached the champion it wrote itself.

    Reference: the operator's rollback, read from the models table. The next champion must
    build on the restored model (its trees go on serving) and on none of the trees only the
    rolled-back model had. A promotion over a champion that is no longer the newest writes
    nothing, and of two promotions racing over the same champion exactly one is written.
    """
    job = small_lake.job(tolerance=1.0)  # every challenger serves; 3 trees each, at most 6
    for start in (0, 60):
        small_lake.insert(start, 60)
        job.run()
    registry = job.registry
    first, second = (registry.record(int(v)) for v in registry.summary()["model_version"])
    restored = registry.rollback(first.model_version)
    assert registry.champion_version() == restored
    registry_rows = len(registry.summary())

    def by_hand(record: ModelRecord, reason: str) -> NewVersion:
        return NewVersion.of(
            record, registry.candidate(record), strategy="by hand", reason=reason, metrics={}
        )

    with pytest.raises(ChampionChanged, match="not written"):
        registry.promote(by_hand(second, "stale"), expected=second.model_version)
    assert len(registry.summary()) == registry_rows

    def promote(outcomes: list[object]) -> None:
        try:
            outcomes.append(registry.promote(by_hand(first, "race"), expected=restored))
        except ChampionChanged:
            outcomes.append("refused")

    outcomes: list[object] = []
    racers = [threading.Thread(target=promote, args=(outcomes,)) for _ in range(2)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()
    assert sorted(outcomes, key=str) == sorted([registry.champion_version(), "refused"], key=str)
    restored = registry.champion_version()

    small_lake.insert(120, 60)
    job.discover().awaitTermination()  # the continuous loop: find, then learn; no run()
    for version in job.pending():
        job.learn(version)
    newest = registry.champion()
    assert newest is not None
    assert newest.model_version > restored
    only_second = set(second.tree_cohorts) - set(first.tree_cohorts)
    assert only_second
    assert not only_second & set(newest.tree_cohorts)
    assert set(first.tree_cohorts) <= set(newest.tree_cohorts)


def _always(spark: SparkSession, label: float):
    """A logistic regression fitted so that it always predicts ``label``."""
    rows = [(1.0, float(label), *([0.5] * len(FEATURES)))] * 4
    frame = spark.createDataFrame(
        rows, "row_id double, target double, " + ", ".join(f"{f} double" for f in FEATURES)
    )
    from deploybook.retraining.strategies import fit

    model, _ = fit(LogisticRegression(maxIter=5), frame, FEATURES, 0)
    return model


def test_a_new_column_is_appended_and_old_trees_stay(small_lake: SmallLake) -> None:
    small_lake.insert(0, 80)
    job = small_lake.job()
    job.run()
    small_lake.insert(80, 80, day_of_week=0.5)
    job.run()
    champion = job.registry.champion()
    assert champion is not None
    assert champion.features == (*FEATURES, "day_of_week")
    trees = job.registry.model(champion).trees
    knows = {c.cohort_id: "day_of_week" in c.features for c in champion.cohorts}
    old = [t for t, cid in zip(trees, champion.tree_cohorts, strict=True) if not knows[cid]]
    assert 0 < len(old) < len(trees)  # trees from before the column, and trees that read it
    assert all(t.featureImportances[6] == 0 for t in old)  # old trees never split on it
    scored = predict(
        small_lake.spark,
        small_lake.spark.read.format("delta").load(small_lake.lake.training),
        job.registry.path,
    )
    assert scored.where("prediction IS NULL").count() == 0


def test_a_changed_feature_order_forces_a_rebuild(small_lake: SmallLake) -> None:
    small_lake.insert(0, 80)
    job = small_lake.job()
    job.run()
    champion = job.champion()[1]
    assert champion is not None
    reordered = Candidate(
        champion.model, tuple(reversed(champion.features)), champion.cohorts, champion.tree_cohorts
    )
    small_lake.insert(80, 80)
    changes = job.changes(
        2, _cdf(small_lake.spark, small_lake.lake.training).where("_commit_version = 2")
    )
    assert changes is not None
    proposal = job.strategy.propose(reordered, changes, job.table)
    assert proposal.challenger is not None
    assert proposal.challenger.cohorts[0].kind == "rebuild"
    assert proposal.must_forget


def test_other_estimators_run_through_the_same_pipeline(small_lake: SmallLake) -> None:
    small_lake.insert(0, 60)
    first = small_lake.insert(60, 60)
    small_lake.change({}, deletes=[first[0]])
    logistic = RetrainingJob(
        small_lake.spark,
        small_lake.lake.training,
        make_strategy(
            LogisticRegression(maxIter=10),
            "incremental",
            trees_per_update=1,
            max_trees=1,
            seed=0,
            window_rows=100,
        ),
        JobConfig(
            "logistic", small_lake.lake.registry("logistic"), small_lake.lake.checkpoint("logistic")
        ),
    )
    assert isinstance(logistic.strategy, WindowedRetrain)
    logistic.run()
    assert (
        latest_model(small_lake.spark, small_lake.lake.registry("logistic")).record.strategy
        == "windowed"
    )
    full = small_lake.job("full", mode="full", store=False)
    assert isinstance(full.strategy, FullRetrain)
    reports = full.run()
    assert len(reports) == 3
    assert not full.registry.exists()  # a shadow pipeline stores nothing


def test_bad_configuration_and_missing_tables_are_clear(
    spark: SparkSession, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match="holdout_fraction"):
        JobConfig("p", "r", "c", holdout_fraction=1.5)
    with pytest.raises(ValueError, match="needs a name"):
        JobConfig("", "r", "c")
    with pytest.raises(ValueError, match="mode"):
        make_strategy(
            RandomForestClassifier(), "sometimes", trees_per_update=1, max_trees=2, seed=0
        )  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="trees_per_update"):
        ForestMerge(RandomForestClassifier(), 5, 2, 0)
    strategy = make_strategy(
        RandomForestClassifier(), "incremental", trees_per_update=1, max_trees=2, seed=0
    )
    with pytest.raises(FileNotFoundError, match="no Delta training table"):
        RetrainingJob(spark, str(tmp_path / "none"), strategy, JobConfig("p", "r", "c"))
    with pytest.raises(RegistryError, match="no models table"):
        latest_model(spark, str(tmp_path / "none"))
