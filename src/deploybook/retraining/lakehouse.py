"""The Delta tables of one deployment, and the step that applies changes to the training table.

Layout under one root location (``lake_root``: a local folder or any Hadoop-compatible URI),
which is also the location of the deployment's catalog schema:

- ``landing``: the producer's change events (append-only, schema merged as columns appear);
- ``clean_events`` (events that met every expectation) and ``quarantine`` (events that did
  not, with the names of the rules they broke): the declarative pipeline's tables in the
  catalog schema;
- ``training``: one row per key, Change Data Feed on, CHECK constraints from the
  expectations; written only by :func:`apply_changes`;
- ``models``: the models tables and their model folders;
- ``checkpoints`` and ``pipeline``: Structured Streaming and pipeline state.

Spark Declarative Pipelines' own change-applying flow (``create_auto_cdc_flow``) cannot
target Delta here: it needs a DataSource V2 table with row-level operations, which Delta's
catalog table does not offer. So the training table is kept by an ordinary Structured
Streaming ``MERGE`` over ``clean_events``: one commit per feed batch of each micro-batch,
applied in batch order, labelled with the batch it applied (the commit's ``userMetadata``) and
made idempotent with Delta's ``txnAppId``/``txnVersion`` for DML keyed on the *source* (the
stream's query id and micro-batch id), never on the producer's batch number. Everything here
is SQL or DataFrame code, so it runs on Spark Connect too, where the ``foreachBatch`` function
runs in the server's Python.
"""

from __future__ import annotations

import functools
import json
import re
import uuid
from dataclasses import dataclass

from pyspark.errors import StreamingQueryException
from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from deploybook.retraining.elec2 import FEATURES, LABEL
from deploybook.retraining.expectations import DELETE, OP, check_constraints, rules_for
from deploybook.retraining.features import KEY

APPLY_APP_ID = "deploybook-apply-changes"
GROUPS_PER_MICRO_BATCH = 1_000  # feed batches one micro-batch may hold
_BATCH_NOTE = re.compile(r"^batch (\d+)$")
_NOT_TABLE_COLUMNS = (OP, "failed_rules", "warned_rules")
_SCHEMA_CHANGE = ("DELTA_SCHEMA_CHANGED", "schema change", "DELTA_STREAMING_METADATA_EVOLUTION")


@dataclass(frozen=True)
class Lakehouse:
    """Where one deployment's tables live."""

    root: str
    database: str

    def __post_init__(self) -> None:
        if not self.database.isidentifier():
            raise ValueError(f"database name {self.database!r} must be an identifier")

    @property
    def landing(self) -> str:
        """Path of the landing (raw events) table."""
        return f"{self.root}/landing"

    @property
    def training(self) -> str:
        """Path of the training table."""
        return f"{self.root}/training"

    @property
    def pipeline_storage(self) -> str:
        """The declarative pipeline's checkpoint storage."""
        return f"{self.root}/pipeline"

    def checkpoint(self, name: str) -> str:
        """A streaming checkpoint location."""
        return f"{self.root}/checkpoints/{name}"

    def registry(self, name: str) -> str:
        """Path of a models table."""
        return f"{self.root}/models/{name}"

    @property
    def clean_events(self) -> str:
        """Catalog name of the validated event log."""
        return f"{self.database}.clean_events"

    @property
    def quarantine(self) -> str:
        """Catalog name of the quarantine table."""
        return f"{self.database}.quarantine"


def create_lakehouse(spark: SparkSession, root: str, database: str) -> Lakehouse:
    """Create the catalog schema (located at ``root``) and the training table (CDF, CHECK
    constraints) in ``root``.
    """
    lake = Lakehouse(root.rstrip("/"), database)
    spark.sql(f"CREATE DATABASE IF NOT EXISTS {database} LOCATION '{lake.root}'")
    constraints = check_constraints(rules_for([KEY, LABEL, *FEATURES], FEATURES))
    properties = ", ".join(
        [
            "delta.enableChangeDataFeed = true",
            *(
                f"'delta.constraints.{name}' = '{condition}'"
                for name, condition in constraints.items()
            ),
        ]
    )
    columns = ", ".join(
        [
            f"{KEY} BIGINT",
            "batch INT",
            "seq BIGINT",
            *(f"{f} DOUBLE" for f in FEATURES),
            f"{LABEL} INT",
        ]
    )
    spark.sql(
        f"CREATE TABLE IF NOT EXISTS delta.`{lake.training}` ({columns}) USING delta "
        f"TBLPROPERTIES ({properties})"
    )
    return lake


def latest_events(events: DataFrame) -> DataFrame:
    """The newest event per key (by ``seq``)."""
    newest = Window.partitionBy(KEY).orderBy(F.col("seq").desc())
    return events.withColumn("_rank", F.row_number().over(newest)).where("_rank = 1").drop("_rank")


def _add_new_columns(spark: SparkSession, path: str, events: DataFrame) -> None:
    target = set(spark.read.format("delta").load(path).columns)
    new = [
        f"{field.name} {field.dataType.simpleString()}"
        for field in events.schema.fields
        if field.name not in target and field.name not in _NOT_TABLE_COLUMNS
    ]
    if new:
        spark.sql(f"ALTER TABLE delta.`{path}` ADD COLUMNS ({', '.join(new)})")


def merge_batch(
    spark: SparkSession,
    path: str,
    events: DataFrame,
    batch: int,
    *,
    txn: tuple[str, int],
) -> None:
    """Apply one feed batch's events to the training table as one idempotent MERGE commit.

    The commit carries ``txn`` = (application id, version) as Delta's ``txnAppId`` and
    ``txnVersion`` for DML: Delta skips it if that application already committed that
    version or a later one. The commit is labelled with the feed ``batch`` (its
    ``userMetadata``); the batch is never the idempotency key, as a late event may carry an
    old batch number.
    """
    _add_new_columns(spark, path, events)
    latest = latest_events(events).drop("failed_rules", "warned_rules")
    columns = [f"`{c}`" for c in latest.columns if c != OP]
    view = f"deploybook_batch_{uuid.uuid4().hex[:12]}"
    latest.createOrReplaceTempView(view)
    conf = spark.conf
    conf.set("spark.databricks.delta.write.txnAppId", txn[0])
    conf.set("spark.databricks.delta.write.txnVersion", str(txn[1]))
    conf.set("spark.databricks.delta.commitInfo.userMetadata", f"batch {batch}")
    # the table path and the column names are the project's own, never user text
    statement = f"""MERGE INTO delta.`{path}` AS t USING {view} AS s ON t.{KEY} = s.{KEY}
        WHEN MATCHED AND s.{OP} = '{DELETE}' AND s.seq > t.seq THEN DELETE
        WHEN MATCHED AND s.{OP} <> '{DELETE}' AND s.seq > t.seq THEN UPDATE SET
            {", ".join(f"t.{c} = s.{c}" for c in columns)}
        WHEN NOT MATCHED AND s.{OP} <> '{DELETE}' THEN INSERT ({", ".join(columns)})
            VALUES ({", ".join(f"s.{c}" for c in columns)})"""  # noqa: S608
    try:
        spark.sql(statement)
    finally:
        for key in ("write.txnAppId", "write.txnVersion", "commitInfo.userMetadata"):
            conf.unset(f"spark.databricks.delta.{key}")
        spark.catalog.dropTempView(view)


def stream_id(spark: SparkSession, checkpoint: str) -> str:
    """The id of the streaming query whose checkpoint is at ``checkpoint`` (it survives
    restarts from that checkpoint; a new checkpoint is a new query with a new id).
    """
    row = spark.read.text(f"{checkpoint}/metadata").first()
    if row is None:
        raise RuntimeError(f"no streaming query metadata in {checkpoint}")
    return str(json.loads(row[0])["id"])


def _apply_micro_batch(events: DataFrame, batch_id: int, training: str, checkpoint: str) -> None:
    """``foreachBatch``: one MERGE per feed batch in the micro-batch, in batch order.

    Idempotency is keyed on the source, never on a producer field: the transaction's
    application is this stream (its query id) and its version is the micro-batch id times
    :data:`GROUPS_PER_MICRO_BATCH` plus the group's position. A replayed micro-batch reads the
    same offsets, so it makes the same groups and Delta skips the ones already committed;
    a late event with an old batch number, or the rest of a commit that the source split
    across micro-batches, arrives in a later micro-batch and is applied. It uses the
    micro-batch's own session: on Spark Connect this runs in the server's Python.
    """
    spark = events.sparkSession
    app = f"{APPLY_APP_ID}-{stream_id(spark, checkpoint)}"
    # a micro-batch spans many small files: a few partitions are plenty
    events = events.coalesce(int(spark.conf.get("spark.sql.shuffle.partitions") or 2)).persist()
    try:
        batches = [int(r[0]) for r in events.select("batch").distinct().orderBy("batch").collect()]
        if len(batches) > GROUPS_PER_MICRO_BATCH:
            raise ValueError(
                f"micro-batch {batch_id} holds {len(batches)} feed batches; at most "
                f"{GROUPS_PER_MICRO_BATCH} fit its transaction versions"
            )
        for position, batch in enumerate(batches):
            txn = (app, batch_id * GROUPS_PER_MICRO_BATCH + position)
            merge_batch(spark, training, events.where(F.col("batch") == batch), batch, txn=txn)
    finally:
        events.unpersist()


def applied_batches(spark: SparkSession, path: str, after: int) -> list[int]:
    """The feed batches that training-table commits after version ``after`` applied."""
    history = spark.sql(f"DESCRIBE HISTORY delta.`{path}`").where(F.col("version") > after)
    notes = [row[0] for row in history.orderBy("version").select("userMetadata").collect()]
    return [int(match.group(1)) for note in notes if (match := _BATCH_NOTE.match(note or ""))]


def apply_changes(
    spark: SparkSession, lake: Lakehouse, *, max_files_per_trigger: int | None = None
) -> list[int]:
    """Catch the training table up with ``clean_events`` (one MERGE per feed batch in each
    micro-batch); the feed batches of the new commits. ``max_files_per_trigger`` is Delta's
    streaming limit (a commit of more files than that arrives in several micro-batches).
    """
    before = max(version for version, _ in table_versions(spark, lake.training))
    checkpoint = lake.checkpoint("apply-changes")
    each = functools.partial(_apply_micro_batch, training=lake.training, checkpoint=checkpoint)
    # an erasure's purge deletes from clean_events: that commit holds no new events
    reader = spark.readStream.option("skipChangeCommits", "true")
    if max_files_per_trigger is not None:
        reader = reader.option("maxFilesPerTrigger", max_files_per_trigger)
    for _ in range(5):
        query = (
            reader.table(lake.clean_events)
            .writeStream.foreachBatch(each)
            .option("checkpointLocation", checkpoint)
            .trigger(availableNow=True)
            .start()
        )
        try:
            query.awaitTermination()
            return applied_batches(spark, lake.training, before)
        except StreamingQueryException as exc:
            if not any(marker in str(exc) for marker in _SCHEMA_CHANGE):
                raise
    raise RuntimeError("apply_changes: the schema of clean_events kept changing")


def table_versions(spark: SparkSession, path: str) -> list[tuple[int, str]]:
    """(version, operation) of every commit of a Delta table, oldest first."""
    rows = spark.sql(f"DESCRIBE HISTORY delta.`{path}`").select("version", "operation").collect()
    return sorted((int(r[0]), str(r[1])) for r in rows)
