"""How a new model is built from the champion and one table version's changes.

- :class:`ForestMerge` (random forests, ``incremental``): fit ``k`` new trees on the changed
  rows (plus the rows the previous version did not learn: its holdout, or all of them if
  its challenger was turned down),
  refit the trees whose training rows were deleted or corrected, and merge them with the
  surviving trees into one forest (:func:`deploybook.retraining.forest.merge_trees`, at the
  forest's saved format in the table's workspace folder), retiring the oldest (or weakest)
  trees beyond ``max_trees``.
- :class:`FullRetrain` (any classifier, ``full``): fit from scratch on the whole table.
- :class:`WindowedRetrain` (any other classifier, ``incremental``): refit on the newest rows.

Every strategy reads the table *as of* the version it is updating to (Delta time travel), so
a replayed update sees exactly the data it saw the first time, and every fit sees its rows in
one order (hash-partitioned and sorted by key), so a seed fixes the model on ``local[n]``, a
cluster and Spark Connect alike.
"""

from __future__ import annotations

import re
import time
import uuid
import zlib
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, Literal, Protocol

from pyspark.ml import Estimator, Model
from pyspark.ml.classification import RandomForestClassifier
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from deploybook.retraining.features import KEY, assemble, is_prefix, with_keys, without_keys
from deploybook.retraining.forest import (
    Tree,
    merge_trees,
    save_forest,
    saved_trees,
    tree_accuracies,
)
from deploybook.retraining.lineage import Candidate, Cohort
from deploybook.spark import activate

Mode = Literal["incremental", "full"]
REBUILD_LINEAGE_ROWS = 200_000  # a rebuild records its row keys up to this many rows
Retire = Literal["oldest", "weakest"]
CONCURRENT_FITS = 4  # cohorts fitted side by side (4 fits: 4.4 to 4.9 s, 5.5 to 6.5 s in turn)


@dataclass(frozen=True)
class TrainingTable:
    """The training table at a path, read as of any of its versions, and the folder
    (``workspace``) where strategies may write model folders.
    """

    spark: SparkSession
    path: str
    workspace: str | None = None

    def new_folder(self, tag: str) -> str:
        """A fresh folder for one model in the workspace."""
        if self.workspace is None:
            raise ValueError(f"no workspace folder for models of {self.path}")
        return f"{self.workspace}/{tag}-{uuid.uuid4().hex[:12]}"

    def at(self, version: int) -> DataFrame:
        """Every row of the table as of ``version``."""
        return self.spark.read.format("delta").option("versionAsOf", version).load(self.path)

    def rows(self, version: int, keys: Collection[int]) -> DataFrame:
        """The rows with ``keys`` as of ``version`` (deleted ones are simply absent)."""
        return with_keys(self.at(version), keys)


@dataclass(frozen=True)
class ChangeSet:
    """What one table version changed, split for training and for the gate."""

    version: int
    features: tuple[str, ...]
    train: DataFrame  # inserted rows (holdout excepted) and corrected rows' new images
    holdout: DataFrame  # inserted rows kept for the gate
    train_keys: tuple[int, ...]
    holdout_keys: tuple[int, ...]  # the rows of ``holdout``
    deleted: frozenset[int]
    updated: frozenset[int]
    min_seq: int | None  # first event sequence number among the inserts
    batch: int | None = None  # the feed batch the inserts came in
    history: DataFrame | None = None  # rows the previous version did not learn, learned now
    history_keys: tuple[int, ...] = ()
    embargo: DataFrame | None = None  # inserted rows beside the holdout: neither trained nor scored
    embargo_keys: tuple[int, ...] = ()

    @property
    def touched(self) -> frozenset[int]:
        """Keys whose earlier values a model may have learned and must forget."""
        return self.deleted | self.updated


def _no_repair() -> Candidate | None:
    return None


@dataclass
class Proposal:
    """A challenger, and how to build the champion without the changed rows if it learned
    from any: built only when the gate turns the challenger down, as it serves only then.
    """

    challenger: Candidate | None
    must_forget: bool  # the champion learned from rows this version deleted or corrected
    seconds: float
    repair: Callable[[], Candidate | None] = _no_repair

    def repaired(self) -> Candidate | None:
        """The champion with its affected trees refitted, if it can be."""
        return self.repair()


class Strategy(Protocol):
    """Builds a challenger from the champion and a change set."""

    name: str

    def propose(
        self, champion: Candidate | None, changes: ChangeSet, table: TrainingTable
    ) -> Proposal:
        """The challenger for ``changes``; neither it nor the repaired champion depends on a
        deleted row or on a corrected row's old values.
        """
        ...


def _seed(base: int, *parts: object) -> int:
    return zlib.crc32(repr((base, *parts)).encode()) & 0x7FFFFFFF


def cohort_seed(base: int, cohort_id: str) -> int:
    """The seed a forest cohort is fitted with: the pipeline's seed and the cohort's id (so
    its recorded rows and this seed refit the same trees).
    """
    return _seed(base, cohort_id)


def fit(
    estimator: Estimator,
    frame: DataFrame,
    features: Sequence[str],
    seed: int,
    *,
    cache: bool = True,
    **params: Any,
) -> tuple[Model, float]:
    """Fit a copy of ``estimator`` (with ``params`` and ``seed``) on assembled ``frame``.

    The rows are hash-partitioned by key into ``spark.sql.shuffle.partitions`` partitions and
    sorted within them: a forest's bootstrap samples depend on partitions and row order, so
    this makes the fit a function of the rows and the seed, wherever Spark runs. ``cache``
    materializes the rows first, as a fit reads its input several times; rows already in
    memory (a persisted change set) do not need it.
    """
    settings = {estimator.getParam(name): value for name, value in params.items()}
    if estimator.hasParam("seed"):
        settings[estimator.getParam("seed")] = seed
    started = time.perf_counter()
    partitions = int(frame.sparkSession.conf.get("spark.sql.shuffle.partitions") or 2)
    data = (
        assemble(frame, features)
        .repartition(partitions, KEY)
        .sortWithinPartitions(KEY)
        .select("features", "label")
    )
    if not cache:
        return estimator.copy(settings).fit(data), time.perf_counter() - started
    data = data.cache()
    try:
        data.count()
        model = estimator.copy(settings).fit(data)
    finally:
        data.unpersist()
    return model, time.perf_counter() - started


def _without_holdout(table: TrainingTable, changes: ChangeSet) -> DataFrame:
    return without_keys(table.at(changes.version), changes.holdout_keys + changes.embargo_keys)


@dataclass
class FullRetrain:
    """Fit ``estimator`` from scratch on every row of the table (the baseline)."""

    estimator: Estimator
    seed: int
    num_trees: int | None = None  # forests: trees per fit (``max_trees``)
    name: str = "full"

    def propose(
        self, champion: Candidate | None, changes: ChangeSet, table: TrainingTable
    ) -> Proposal:
        """A model on the whole table as of the change's version (its holdout excluded)."""
        started = time.perf_counter()
        params: dict[str, Any] = {"numTrees": self.num_trees} if self.num_trees else {}
        model, seconds = fit(
            self.estimator,
            _without_holdout(table, changes),
            changes.features,
            _seed(self.seed, "full", changes.version),
            **params,
        )
        cohort = Cohort(
            cohort_id=f"v{changes.version}",
            data_version=changes.version,
            trained_at=changes.version,
            kind="full",
            features=changes.features,
            n_trees=self.num_trees or 0,
            row_ids=None,
        )
        trees = (cohort.cohort_id,) * (self.num_trees or 0)
        candidate = Candidate(model, changes.features, (cohort,), trees, seconds)
        must_forget = champion is not None and bool(champion.touched_by(changes.touched))
        # a whole-table model is repaired only by the full refit it proposes anyway
        return Proposal(candidate, must_forget, time.perf_counter() - started)


@dataclass
class WindowedRetrain:
    """Refit any classifier on the newest ``window_rows`` rows (by event sequence)."""

    estimator: Estimator
    window_rows: int
    seed: int
    name: str = "windowed"

    def _fit_rows(
        self, rows: DataFrame, features: tuple[str, ...], version: int, kind: str, data_version: int
    ) -> Candidate:
        keys = tuple(int(r[KEY]) for r in rows.select(KEY).collect())
        model, seconds = fit(self.estimator, rows, features, _seed(self.seed, kind, version))
        cohort = Cohort(f"v{version}-{kind}", data_version, version, kind, features, 0, keys)
        return Candidate(model, features, (cohort,), (), seconds)

    def propose(
        self, champion: Candidate | None, changes: ChangeSet, table: TrainingTable
    ) -> Proposal:
        """A model on the newest rows of the table as of the change's version."""
        started = time.perf_counter()
        window = (
            _without_holdout(table, changes).orderBy(F.col("seq").desc()).limit(self.window_rows)
        ).cache()
        challenger = self._fit_rows(
            window, changes.features, changes.version, "window", changes.version
        )
        window.unpersist()
        must_forget = champion is not None and bool(champion.touched_by(changes.touched))

        def repair() -> Candidate | None:
            if champion is None or not must_forget:
                return None
            keys = sorted((champion.rows_seen() or set()) - changes.deleted)
            rows = table.rows(changes.version, keys) if keys else None
            if rows is None or rows.isEmpty():
                return None
            age = min(c.data_version for c in champion.cohorts)
            return self._fit_rows(rows, champion.features, changes.version, "repair", age)

        return Proposal(challenger, must_forget, time.perf_counter() - started, repair)


@dataclass
class ForestMerge:
    """Grow a random forest incrementally by merging trees fitted on each version's changes."""

    estimator: RandomForestClassifier
    trees_per_update: int
    max_trees: int
    seed: int
    retire: Retire = "oldest"
    name: str = "forest-merge"

    def __post_init__(self) -> None:
        if not 1 <= self.trees_per_update <= self.max_trees:
            raise ValueError(
                f"trees_per_update must be between 1 and max_trees ({self.max_trees}), "
                f"got {self.trees_per_update}"
            )
        if self.retire not in ("oldest", "weakest"):
            raise ValueError(f"retire must be 'oldest' or 'weakest', got {self.retire!r}")

    def _fit_cohort(
        self, table: TrainingTable, rows: DataFrame, cohort: Cohort, *, cache: bool = True
    ) -> tuple[Any, list[Tree], float]:
        """Fit a cohort's trees and save them in the workspace: (forest, its trees, seconds)."""
        model, seconds = fit(
            self.estimator,
            rows,
            cohort.features,
            cohort_seed(self.seed, cohort.cohort_id),
            cache=cache,
            numTrees=cohort.n_trees,
        )
        folder = table.new_folder(f"cohort-{cohort.cohort_id}")
        return model, save_forest(model, folder), seconds  # type: ignore[arg-type]

    def _rebuild(self, changes: ChangeSet, table: TrainingTable, started: float) -> Proposal:
        """Every tree refitted on the whole table, when old trees cannot be kept."""
        rows = _without_holdout(table, changes).cache()
        count = rows.count()
        keys = (
            tuple(int(r[KEY]) for r in rows.select(KEY).collect())
            if count <= REBUILD_LINEAGE_ROWS
            else None
        )
        cohort = Cohort(
            f"v{changes.version}-rebuild",
            changes.version,
            changes.version,
            "rebuild",
            changes.features,
            self.max_trees,
            keys,
        )
        forest, trees, seconds = self._fit_cohort(table, rows, cohort)
        rows.unpersist()
        candidate = Candidate(
            forest,
            changes.features,
            (cohort,),
            (cohort.cohort_id,) * len(trees),
            seconds,
            path=trees[0].forest,
        )
        return Proposal(candidate, True, time.perf_counter() - started)

    def _split(
        self, champion: Candidate | None, changes: ChangeSet, table: TrainingTable
    ) -> tuple[list[tuple[Tree, str]], list[Cohort], list[Cohort]]:
        """The champion's (tree, cohort) pairs and cohorts that stay, and the touched cohorts."""
        if champion is None:
            return [], [], []
        touched = champion.touched_by(changes.touched)
        gone = {c.cohort_id for c in touched}
        trees = _saved_trees(champion, table)
        pairs = [
            (tree, cid)
            for tree, cid in zip(trees, champion.tree_cohorts, strict=True)
            if cid not in gone
        ]
        return pairs, [c for c in champion.cohorts if c.cohort_id not in gone], touched

    def _survivors(self, champion: Candidate, joining: int) -> set[str]:
        """Cohorts that would still be in the forest after ``joining`` new trees (oldest retire)."""
        if self.retire != "oldest":
            return {c.cohort_id for c in champion.cohorts}
        budget = self.max_trees - joining
        kept: set[str] = set()
        for cohort in sorted(
            champion.cohorts, key=lambda c: (c.data_version, c.trained_at), reverse=True
        ):
            if budget <= 0:
                break
            kept.add(cohort.cohort_id)
            budget -= cohort.n_trees
        return kept

    def _repairs(
        self, champion: Candidate, changes: ChangeSet, touched: list[Cohort], joining: int
    ) -> list[Cohort]:
        """The touched cohorts to refit, each alone on its own rows as they are now: same
        size and age, a new id and so a new seed. As in SISA training (Bourtoule et al.,
        "Machine Unlearning", 2021), only the models of the shards that held a changed row
        are refitted, and a cohort never grows by being repaired.

        A touched cohort that this update retires anyway is dropped, not refitted, and so is
        one whose rows were all deleted.
        """
        survivors = self._survivors(champion, joining)
        repairs = []
        for old in touched:
            keys = sorted(set(old.row_ids or ()) - changes.deleted)
            if old.cohort_id not in survivors or not keys:
                continue
            base = re.sub(r"-r\d+$", "", old.cohort_id)
            repairs.append(
                replace(
                    old,
                    cohort_id=f"{base}-r{changes.version}",
                    trained_at=changes.version,
                    kind="repair",
                    row_ids=tuple(keys),
                )
            )
        return repairs

    def _fit_cohorts(
        self, table: TrainingTable, fits: list[tuple[DataFrame, Cohort, bool]]
    ) -> tuple[list[list[Tree]], float]:
        """Fit and save each (rows, cohort, cache) side by side: each one's trees, and the
        wall-clock seconds of all. A fit is a function of its rows and seed, so running
        beside others changes none of its trees; its driver work overlaps their tasks.
        """

        def trees(rows: DataFrame, cohort: Cohort, cache: bool) -> list[Tree]:
            activate(table.spark)  # a Spark Connect session is active per thread
            return self._fit_cohort(table, rows, cohort, cache=cache)[1]

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=CONCURRENT_FITS) as workers:
            fitted = list(workers.map(lambda fit: trees(*fit), fits))
        return fitted, time.perf_counter() - started

    def propose(
        self, champion: Candidate | None, changes: ChangeSet, table: TrainingTable
    ) -> Proposal:
        """Fit new trees on the changes, merge them with the champion's, retire the excess.

        If the champion learned from rows this version deleted or corrected, the trees of
        those cohorts are refitted (each cohort on its own rows as they are now, beside the
        new trees): that repaired champion is what the new trees join, and what keeps
        serving if the gate rejects them.
        """
        started = time.perf_counter()
        if champion is not None and not is_prefix(champion.features, changes.features):
            return self._rebuild(changes, table, started)  # a feature was removed or moved
        pairs, cohorts, touched = self._split(champion, changes, table)
        if any(c.row_ids is None for c in touched):
            return self._rebuild(changes, table, started)  # no row lineage to refit from
        learns = bool(changes.train_keys or changes.history_keys)
        joining = self.trees_per_update if learns else 0
        repairs = self._repairs(champion, changes, touched, joining) if champion is not None else []
        fits: list[tuple[DataFrame, Cohort, bool]] = []
        pool = None
        if repairs:
            wanted = {key for cohort in repairs for key in cohort.row_ids or ()}
            pool = table.rows(changes.version, wanted).cache()  # one scan for every cohort
            fits = [(with_keys(pool, c.row_ids or ()), c, True) for c in repairs]
        new = None
        if learns:
            rows, keys = changes.train, changes.train_keys
            if changes.history is not None and changes.history_keys:
                rows = rows.unionByName(changes.history, allowMissingColumns=True)
                keys = keys + changes.history_keys
            new = Cohort(
                f"v{changes.version}",
                changes.version,
                changes.version,
                "new",
                changes.features,
                self.trees_per_update,
                keys,
            )
            # the change set comes from the persisted micro-batch: no need to cache it again
            fits.append((rows, new, False))
        try:
            trees, fit_seconds = self._fit_cohorts(table, fits)
        finally:
            if pool is not None:
                pool.unpersist()
        for cohort, refitted in zip(repairs, trees, strict=False):
            pairs = [*pairs, *((t, cohort.cohort_id) for t in refitted)]
            cohorts = [*cohorts, cohort]
        if touched:
            age = {c.cohort_id: (c.data_version, c.trained_at) for c in cohorts}
            pairs.sort(key=lambda pair: age[pair[1]])
        repair = _no_repair
        if champion is not None and touched and pairs:
            # the refitted trees join the challenger; the merge waits for the gate
            repair = partial(self._candidate, table, pairs, cohorts, champion.features, fit_seconds)
        if new is None:
            return Proposal(None, bool(touched), time.perf_counter() - started, repair)
        pairs = self._retire(
            table.spark, [*pairs, *((t, new.cohort_id) for t in trees[-1])], new.cohort_id, changes
        )
        challenger = self._candidate(table, pairs, [*cohorts, new], changes.features, fit_seconds)
        return Proposal(challenger, bool(touched), time.perf_counter() - started, repair)

    def _retire(
        self, spark: SparkSession, pairs: list[tuple[Tree, str]], newest: str, changes: ChangeSet
    ) -> list[tuple[Tree, str]]:
        excess = len(pairs) - self.max_trees
        if excess <= 0:
            return pairs
        if self.retire == "oldest":
            return pairs[excess:]
        old = [i for i, (_, cid) in enumerate(pairs) if cid != newest]
        scores = tree_accuracies(
            spark, [pairs[i][0] for i in old], assemble(changes.train, changes.features)
        )
        weakest = {old[i] for i in sorted(range(len(old)), key=lambda i: scores[i])[:excess]}
        return [pair for i, pair in enumerate(pairs) if i not in weakest]

    def _candidate(
        self,
        table: TrainingTable,
        pairs: list[tuple[Tree, str]],
        cohorts: list[Cohort],
        features: tuple[str, ...],
        fit_seconds: float,
    ) -> Candidate:
        counts: dict[str, int] = {}
        for _, cid in pairs:
            counts[cid] = counts.get(cid, 0) + 1
        kept = tuple(
            Cohort(**{**c.__dict__, "n_trees": counts[c.cohort_id]})
            for c in cohorts
            if c.cohort_id in counts
        )
        folder = table.new_folder("forest")
        forest = merge_trees(table.spark, [tree for tree, _ in pairs], len(features), folder)
        return Candidate(
            forest, features, kept, tuple(cid for _, cid in pairs), fit_seconds, path=folder
        )


def _saved_trees(candidate: Candidate, table: TrainingTable) -> list[Tree]:
    """The trees of a forest candidate, saved in the workspace first if it has no folder."""
    if candidate.path is None:
        candidate.path = table.new_folder("forest")
        return save_forest(candidate.model, candidate.path)  # type: ignore[arg-type]
    return saved_trees(candidate.path, len(candidate.tree_cohorts), len(candidate.features))


def make_strategy(
    estimator: Estimator,
    mode: Mode,
    *,
    trees_per_update: int,
    max_trees: int,
    seed: int,
    retire: Retire = "oldest",
    window_rows: int = 2016,
) -> Strategy:
    """The strategy for an MLlib classifier: tree merging for forests, refits for the rest."""
    if mode not in ("incremental", "full"):
        raise ValueError(f"mode must be 'incremental' or 'full', got {mode!r}")
    if mode == "full":
        forest = isinstance(estimator, RandomForestClassifier)
        return FullRetrain(estimator, seed, max_trees if forest else None)
    if isinstance(estimator, RandomForestClassifier):
        return ForestMerge(estimator, trees_per_update, max_trees, seed, retire=retire)
    return WindowedRetrain(estimator, window_rows, seed)
