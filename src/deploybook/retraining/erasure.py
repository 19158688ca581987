"""Erasure that removes the bytes: purge every table that held a key, vacuum, revoke models.

Deleting a row from the training table is a new commit: the row stays in older files, in the
change feed, and in the tables upstream (``landing``, ``clean_events``, ``quarantine``).
:func:`purge` deletes the keys from every one of them and then runs ``VACUUM`` with the
retention window it is given, which removes every file no current snapshot needs: older data
files and ``_change_data``. Time travel and the change feed before the purge end there.
Models are not rows: a model version that learned an erased key is *revoked*
(:meth:`~deploybook.retraining.registry.ModelRegistry.revoke`), and serving, rollback and
challenge refuse it from then on.

:func:`rows_with_keys` checks the result the way an auditor would, without Spark and without
the Delta log: it reads every Parquet file under the lake with pyarrow.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pyarrow.parquet as pq
from pyspark.sql import SparkSession

from deploybook.retraining.features import KEY
from deploybook.retraining.lakehouse import Lakehouse
from deploybook.retraining.registry import ModelRegistry

_RETENTION_CHECK = "spark.databricks.delta.retentionDurationCheck.enabled"


@dataclass(frozen=True)
class ErasureRecord:
    """What one erasure request did, for the audit trail."""

    erasure_id: str
    keys: tuple[int, ...]
    retain_hours: float
    deleted: dict[str, int]  # table -> rows the purge deleted from its current snapshot
    purge_commits: dict[str, int | None]  # table -> version of the purge commit (None: none held)
    files_vacuumed: dict[str, int]  # table -> files VACUUM removed
    revoked: dict[str, list[int]]  # models table -> model versions revoked
    refitted_cohorts: tuple[str, ...]  # cohorts of the serving model fitted after the deletes
    serving_version: int | None  # the model version serving after the erasure

    @property
    def serving_revoked(self) -> list[int]:
        """The revoked model versions of the serving pipeline (the first models table)."""
        return next(iter(self.revoked.values()), [])

    def rows(self) -> list[dict[str, object]]:
        """One row per table, for display."""
        return [
            {
                "table": table,
                "rows deleted": self.deleted[table],
                "purge commit": "none" if (v := self.purge_commits[table]) is None else v,
                "files vacuumed": self.files_vacuumed[table],
            }
            for table in self.deleted
        ]


def _tables(lake: Lakehouse) -> dict[str, str]:
    """Every table of the lake that holds feed rows, as a SQL table reference."""
    return {
        "landing": f"delta.`{lake.landing}`",
        "clean_events": lake.clean_events,
        "quarantine": lake.quarantine,
        "training": f"delta.`{lake.training}`",
    }


def _rows_held(
    spark: SparkSession, lake: Lakehouse, keys: Collection[int]
) -> dict[str, dict[int, int]]:
    """Per feed table of ``lake``, how many rows it holds of each of ``keys`` (a key it holds
    none of is left out).
    """
    if not keys:
        return {name: {} for name in _tables(lake)}
    return {
        name: {
            int(row[0]): int(row[1])
            for row in spark.table(table).where(spark_in(keys)).groupBy(KEY).count().collect()
        }
        for name, table in _tables(lake).items()
    }


def _unknown(
    held: Mapping[str, Mapping[int, int]],
    keys: Collection[int],
    registries: Mapping[str, ModelRegistry],
) -> list[int]:
    """The keys no feed table holds and no models table lists as deleted or erased before."""
    missing = set(keys) - {key for table in held.values() for key in table}
    for registry in registries.values():
        missing -= registry.changed_since(-1)
    return sorted(missing)


def spark_in(keys: Collection[int]) -> str:
    """A SQL condition: the key is one of ``keys`` (integers only, so safe to inline)."""
    return f"{KEY} IN ({', '.join(str(int(k)) for k in sorted(keys))})"


def _latest(spark: SparkSession, table: str) -> int:
    history = spark.sql(f"DESCRIBE HISTORY {table}").agg({"version": "max"}).first()
    return int(history[0]) if history is not None else 0


def _deleted_by(spark: SparkSession, training: str, keys: Collection[int]) -> int:
    """The training-table version by which every one of ``keys`` was deleted (the newest
    version if a key was never deleted there: the purge will delete it). After an earlier
    purge the change feed before it is gone; then the newest version is taken, which revokes
    more whole-table models, never fewer.
    """
    newest = _latest(spark, f"delta.`{training}`")
    if not keys:
        return newest
    feed = (
        spark.read.format("delta")
        .option("readChangeFeed", "true")
        .option("startingVersion", 0)
        .load(training)
        .where(f"_change_type = 'delete' AND {spark_in(keys)}")
    )
    try:
        row = feed.agg({"_commit_version": "max"}).first()
    except Exception as exc:
        if "FILE_NOT_EXIST" not in str(exc) and "FileNotFound" not in str(exc):
            raise
        return newest  # an earlier VACUUM removed the feed's files
    return newest if row is None or row[0] is None else int(row[0])


def _vacuum(spark: SparkSession, table: str, retain_hours: float) -> int:
    """VACUUM ``table``; the number of files it removed (from a dry run just before)."""
    retain = f"RETAIN {retain_hours} HOURS"
    files = spark.sql(f"VACUUM {table} {retain} DRY RUN").count()
    spark.sql(f"VACUUM {table} {retain}")
    return files


def purge(
    spark: SparkSession,
    lake: Lakehouse,
    held: Mapping[str, Mapping[int, int]],
    *,
    retain_hours: float,
) -> tuple[dict[str, int], dict[str, int | None], dict[str, int]]:
    """Delete the keys each feed table of ``lake`` holds (``held``, from :func:`_rows_held`),
    then VACUUM each one keeping ``retain_hours`` of history: rows deleted, purge commit and
    files removed, per table.
    """
    if retain_hours < 0:
        raise ValueError(f"retain_hours must be 0 or more, got {retain_hours}")
    deleted: dict[str, int] = {}
    commits: dict[str, int | None] = {}
    vacuumed: dict[str, int] = {}
    conf = spark.conf
    previous = conf.get(_RETENTION_CHECK, "true")
    conf.set(_RETENTION_CHECK, "false")  # a window shorter than Delta's 7-day default
    try:
        for name, table in _tables(lake).items():
            deleted[name] = sum(held[name].values())
            commits[name] = None
            if deleted[name]:
                spark.sql(f"DELETE FROM {table} WHERE {spark_in(held[name])}")  # noqa: S608
                commits[name] = _latest(spark, table)
            vacuumed[name] = _vacuum(spark, table, retain_hours)
    finally:
        conf.set(_RETENTION_CHECK, previous or "true")
    return deleted, commits, vacuumed


def erase(
    spark: SparkSession,
    lake: Lakehouse,
    keys: Collection[int],
    registries: Mapping[str, ModelRegistry],
    *,
    erasure_id: str,
    retain_hours: float,
) -> ErasureRecord:
    """Carry out an erasure request for ``keys`` (already deleted from the training table by
    the feed's DELETE events): purge and vacuum every table, revoke every model version that
    learned a key, and name the version that serves now.
    """
    erased = tuple(sorted({int(k) for k in keys}))
    held = _rows_held(spark, lake, erased)
    unknown = _unknown(held, erased, registries)
    if unknown:
        raise ValueError(
            f"erasure {erasure_id} names keys no table of the lake holds and no earlier "
            f"delete or erasure removed: {', '.join(map(str, unknown))}; nothing was changed"
        )
    deleted_by = _deleted_by(spark, lake.training, erased)  # read before VACUUM ends the feed
    deleted, commits, vacuumed = purge(spark, lake, held, retain_hours=retain_hours)
    if commits["training"] is not None:
        deleted_by = commits["training"]
    revoked = {
        name: registry.revoke(erasure_id, erased, deleted_by)
        for name, registry in registries.items()
    }
    serving = next(iter(registries.values()), None)
    champion = serving.champion() if serving is not None else None
    refitted = tuple(
        c.cohort_id
        for c in (champion.cohorts if champion else ())
        if c.kind == "repair" and c.trained_at >= deleted_by
    )
    return ErasureRecord(
        erasure_id=erasure_id,
        keys=erased,
        retain_hours=retain_hours,
        deleted=deleted,
        purge_commits=commits,
        files_vacuumed=vacuumed,
        revoked=revoked,
        refitted_cohorts=refitted,
        serving_version=champion.model_version if champion else None,
    )


def local_folder(uri: str) -> Path | None:
    """The local folder of a ``file:`` URI or plain path (None for any other scheme)."""
    parsed = urlparse(uri)
    if parsed.scheme in ("", "file"):
        return Path(parsed.path)
    return None


def rows_with_keys(folder: Path, keys: Collection[int]) -> dict[str, int]:
    """Parquet file (relative to ``folder``) to the rows in it whose key is one of ``keys``,
    read with pyarrow from every ``.parquet`` file under ``folder``, ``_change_data`` and old
    files included; files without a key column are skipped.
    """
    wanted = {int(k) for k in keys}
    found: dict[str, int] = {}
    for path in sorted(folder.rglob("*.parquet")):
        if KEY not in pq.read_schema(path).names:
            continue
        column = pq.read_table(path, columns=[KEY]).column(KEY).to_pylist()
        hits = sum(1 for value in column if value in wanted)
        if hits:
            found[str(path.relative_to(folder))] = hits
    return found
