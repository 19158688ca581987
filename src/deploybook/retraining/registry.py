"""The model store: a Delta table with one row per model version.

Each row holds the model (MLlib's own on-disk format, zipped) and its SHA-256, the folder
under the lake root where that format lives (``artifact``, what loading reads), the
training-table versions it has seen, its tree lineage (which cohort, fitted at which table
version on which rows, grew each tree), its metrics, feature list and status (``champion``
or ``rejected``). Serving reads the newest champion; Delta's snapshot isolation means a
reader sees a committed row or none, never half of one. Only Spark reads and writes model
folders, so the store works the same on ``local[n]``, a cluster and Spark Connect.

Writes from the retraining job carry ``txnAppId`` (the pipeline) and ``txnVersion`` (the
training-table version): Delta skips a write whose transaction version it has already
committed for that application, so a version replayed after a crash cannot add a second row.
A :class:`~deploybook.retraining.mirror.MlflowMirror`, if given, copies every champion into an
MLflow model registry after each write; the Delta table stays the source of truth.
"""

from __future__ import annotations

import hashlib
import importlib
import io
import json
import threading
import uuid
import zipfile
from collections import OrderedDict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import pandas as pd
import pyspark
from pyspark.ml import Model
from pyspark.sql import Row, SparkSession
from pyspark.sql import functions as F

from deploybook.retraining.features import KEY, with_keys
from deploybook.retraining.lake_root import is_delta_table
from deploybook.retraining.lineage import Candidate, Cohort
from deploybook.spark import activate

if TYPE_CHECKING:
    from deploybook.retraining.mirror import MlflowMirror

CHAMPION = "champion"
REJECTED = "rejected"
CHALLENGE = "challenge"  # the strategy of a model submitted by hand (backfill.challenge)
MODEL_WRITES = ("WRITE", "MERGE")  # the commits that add a model version (append, promote)
# Delta's errors for a transaction that lost to a concurrent commit
_CONFLICTS = ("DELTA_CONCURRENT", "Concurrent", "DELTA_METADATA_CHANGED", "MetadataChanged")

SCHEMA = """
    model_version BIGINT GENERATED ALWAYS AS IDENTITY (START WITH 1 INCREMENT BY 1),
    pipeline STRING NOT NULL,
    strategy STRING NOT NULL,
    data_version BIGINT NOT NULL,
    first_data_version BIGINT NOT NULL,
    status STRING NOT NULL,
    reason STRING,
    created_at TIMESTAMP NOT NULL,
    model_class STRING NOT NULL,
    spark_version STRING NOT NULL,
    model BINARY NOT NULL,
    model_sha256 STRING NOT NULL,
    artifact STRING NOT NULL,
    features ARRAY<STRING> NOT NULL,
    tree_cohorts ARRAY<STRING> NOT NULL,
    cohorts ARRAY<STRUCT<cohort_id: STRING, data_version: BIGINT, trained_at: BIGINT,
        kind: STRING, features: ARRAY<STRING>, n_trees: INT, row_ids: ARRAY<BIGINT>>> NOT NULL,
    metrics MAP<STRING, DOUBLE> NOT NULL,
    restored_from BIGINT
"""
_COLUMNS = [
    line.split()[0] for line in SCHEMA.splitlines() if line.startswith("    ") and line[4] != " "
]
_WRITE_COLUMNS = _COLUMNS[1:]  # the identity column is generated
# every column but the model's bytes and its (large) row lineage
SUMMARY_COLUMNS = [
    c for c in _COLUMNS if c not in ("model", "cohorts", "model_class", "spark_version")
]


class RegistryError(LookupError):
    """The models table is missing, empty, or has no such version."""


class ChampionChanged(RegistryError):
    """A promotion found another champion serving than the one it was judged against."""


class RevokedModel(RegistryError):
    """A model version learned a row erased or corrected since: it may not serve, be restored
    or promoted.
    """


REVOKED_SCHEMA = "model_version BIGINT, cause STRING, keys ARRAY<BIGINT>, changed_by BIGINT"


_EPOCH = (1980, 1, 1, 0, 0, 0)  # the zip timestamp of every entry: same files, same bytes


def _relative(path: str, folder: str) -> str:
    inner, root = urlparse(path).path, urlparse(folder).path.rstrip("/")
    if not inner.startswith(root + "/"):
        raise RegistryError(f"{path} is not inside the model folder {folder}")
    return inner[len(root) + 1 :]


def model_files(spark: SparkSession, folder: str) -> tuple[str, bytes]:
    """The files of an MLlib model folder, read by Spark and zipped: (model class, bytes).

    Entries are sorted and carry a fixed timestamp, so the same files give the same bytes
    (and the same SHA-256) however often they are read.
    """
    rows = (
        spark.read.format("binaryFile")
        .option("recursiveFileLookup", "true")
        .load(folder)
        .select("path", "content")
        .collect()
    )
    files = sorted((_relative(str(r["path"]), folder), bytes(r["content"])) for r in rows)
    metadata = [content for name, content in files if name.startswith("metadata/")]
    if not metadata:
        raise RegistryError(f"no MLlib model in {folder} (no metadata/)")
    model_class = str(json.loads(metadata[0].decode().splitlines()[0])["class"])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files:
            archive.writestr(zipfile.ZipInfo(name, _EPOCH), content, zipfile.ZIP_DEFLATED)
    return model_class, buffer.getvalue()


def python_class(model_class: str) -> Any:
    """The pyspark class of a JVM model class: ``org.apache.spark.ml.x.Y`` is ``pyspark.ml.x.Y``."""
    prefix = "org.apache.spark.ml."
    if not model_class.startswith(prefix):
        raise RegistryError(f"{model_class} is not an MLlib model class")
    module, _, name = model_class[len(prefix) :].rpartition(".")
    return getattr(importlib.import_module(f"pyspark.ml.{module}"), name)


@dataclass(frozen=True)
class StoredModel:
    """A model as the table holds it: class, zipped files, and the folder they are in."""

    model_class: str
    payload: bytes
    artifact: str


@dataclass(frozen=True)
class ModelRecord:
    """A model version as stored: lineage, metrics and where it came from."""

    model_version: int
    pipeline: str
    strategy: str
    data_version: int
    first_data_version: int
    status: str
    reason: str | None
    created_at: datetime
    model_class: str
    spark_version: str
    model_sha256: str
    artifact: str
    features: tuple[str, ...]
    tree_cohorts: tuple[str, ...]
    cohorts: tuple[Cohort, ...]
    metrics: Mapping[str, float]
    restored_from: int | None
    payload: bytes = field(repr=False)

    @classmethod
    def from_row(cls, row: Row) -> ModelRecord:
        """A record from a full registry row."""
        return cls(
            model_version=int(row["model_version"]),
            pipeline=row["pipeline"],
            strategy=row["strategy"],
            data_version=int(row["data_version"]),
            first_data_version=int(row["first_data_version"]),
            status=row["status"],
            reason=row["reason"],
            created_at=row["created_at"],
            model_class=row["model_class"],
            spark_version=row["spark_version"],
            model_sha256=row["model_sha256"],
            artifact=row["artifact"],
            features=tuple(row["features"]),
            tree_cohorts=tuple(row["tree_cohorts"]),
            cohorts=tuple(Cohort.from_row(c) for c in row["cohorts"]),
            metrics=dict(row["metrics"]),
            restored_from=None if row["restored_from"] is None else int(row["restored_from"]),
            payload=bytes(row["model"]),
        )

    @property
    def stored(self) -> StoredModel:
        """The model as stored: class, zipped files and folder."""
        return StoredModel(self.model_class, self.payload, self.artifact)


@dataclass(frozen=True)
class NewVersion:
    """A model version to write: the model, its lineage and the gate's verdict.

    ``stored`` reuses files already written (a rollback, a replay); ``txn_version`` makes the
    write idempotent per (pipeline, version).
    """

    candidate: Candidate
    pipeline: str
    strategy: str
    data_version: int
    status: str
    reason: str | None
    metrics: Mapping[str, float]
    txn_version: int | None = None
    restored_from: int | None = None
    stored: StoredModel | None = None

    def __post_init__(self) -> None:
        if self.status not in (CHAMPION, REJECTED):
            raise ValueError(f"status must be {CHAMPION!r} or {REJECTED!r}, got {self.status!r}")

    @classmethod
    def of(cls, record: ModelRecord, candidate: Candidate, **changes: Any) -> NewVersion:
        """``record`` written again (its own bytes and lineage), with ``changes``."""
        fields = {
            "pipeline": record.pipeline,
            "strategy": record.strategy,
            "data_version": record.data_version,
            "status": record.status,
            "reason": record.reason,
            "metrics": record.metrics,
            "stored": record.stored,
        }
        return cls(candidate, **{**fields, **changes})


class _ModelCache:
    """Deserialized models by SHA-256, shared by every reader in the process."""

    def __init__(self, size: int = 8) -> None:
        self._models: OrderedDict[str, Model] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, spark: SparkSession, record: ModelRecord) -> Model:
        with self._lock:
            if record.model_sha256 in self._models:
                self._models.move_to_end(record.model_sha256)
                return self._models[record.model_sha256]
        model = self.load(spark, record)
        with self._lock:
            self._models[record.model_sha256] = model
            while len(self._models) > self._size:
                self._models.popitem(last=False)
        return model

    @staticmethod
    def load(spark: SparkSession, record: ModelRecord) -> Model:
        """Deserialize ``record``'s model from its folder, after checking bytes and files."""
        if hashlib.sha256(record.payload).hexdigest() != record.model_sha256:
            raise RegistryError(f"model version {record.model_version}: stored bytes are corrupt")
        if record.spark_version.split(".")[0] != pyspark.__version__.split(".")[0]:
            raise RegistryError(
                f"model version {record.model_version} was written by Spark "
                f"{record.spark_version}; this is Spark {pyspark.__version__}: backfill a new one"
            )
        _, files = model_files(spark, record.artifact)
        if hashlib.sha256(files).hexdigest() != record.model_sha256:
            raise RegistryError(
                f"model version {record.model_version}: the files in {record.artifact} are not "
                "the ones stored with it"
            )
        activate(spark)  # the thread may be a serving client's
        return python_class(record.model_class).load(record.artifact)

    def clear(self) -> None:
        """Forget every deserialized model (the next read deserializes afresh)."""
        with self._lock:
            self._models.clear()


MODELS = _ModelCache()


class ModelRegistry:
    """The models table at ``path`` (any Hadoop-compatible URI); model folders beside it in
    ``<path>-artifacts``. With ``mirror``, every write is copied to an MLflow registry.
    """

    def __init__(self, spark: SparkSession, path: str, mirror: MlflowMirror | None = None) -> None:
        self.spark = spark
        self.path = path.rstrip("/")
        self.mirror = mirror

    @property
    def artifacts(self) -> str:
        """The folder that holds the model folders of this table's versions."""
        return f"{self.path}-artifacts"

    def new_folder(self, tag: str) -> str:
        """A fresh folder for one model under :attr:`artifacts`."""
        return f"{self.artifacts}/{tag}-{uuid.uuid4().hex[:12]}"

    def store(self, candidate: Candidate, tag: str) -> StoredModel:
        """The candidate's model folder (saved to a new one if it has none), read back."""
        folder = candidate.path
        if folder is None:
            folder = self.new_folder(tag)
            candidate.model.write().overwrite().save(folder)  # type: ignore[attr-defined]
        model_class, payload = model_files(self.spark, folder)
        return StoredModel(model_class, payload, folder)

    def create(self) -> ModelRegistry:
        """Create the table if it does not exist yet; return the registry."""
        self.spark.sql(f"CREATE TABLE IF NOT EXISTS delta.`{self.path}` ({SCHEMA}) USING delta")
        return self

    def exists(self) -> bool:
        """Whether the models table has been created."""
        return is_delta_table(self.spark, self.path)

    @property
    def revocations(self) -> str:
        """The table of revoked model versions: for each cause (a table version that deleted
        or corrected rows, an erasure), the keys it changed and the versions that learned them.
        """
        return f"{self.path}-revoked"

    def revoke(self, cause: str, keys: Collection[int], changed_by: int) -> list[int]:
        """Revoke every version that learned any of ``keys`` as they were before training
        table version ``changed_by`` deleted or corrected them; the versions revoked, oldest
        first. The keys are kept (ids, no values) so that a candidate fitted later on the old
        rows is refused too (:meth:`check_learned`).
        """
        changed = sorted({int(k) for k in keys})
        versions = self._learned(changed, changed_by)
        rows: list[tuple[int | None, str, list[int], int]] = [
            (v, cause, changed, changed_by) for v in versions
        ] or [(None, cause, changed, changed_by)]
        self.spark.createDataFrame(rows, REVOKED_SCHEMA).coalesce(1).write.format("delta").mode(
            "append"
        ).save(self.revocations)
        return versions

    def _learned(self, keys: list[int], changed_by: int) -> list[int]:
        """The versions with a cohort that learned any of ``keys`` before table version
        ``changed_by`` (:meth:`Cohort.learned_any`), oldest first. Spark reads the lineage
        where it lies: collecting every version's row keys would grow with each update.
        """
        if not keys:
            return []
        cohorts = self._frame().select("model_version", F.explode("cohorts").alias("cohort"))
        every_row = cohorts.where(
            F.col("cohort.row_ids").isNull() & (F.col("cohort.data_version") < changed_by)
        )
        seen = with_keys(
            cohorts.where(F.col("cohort.trained_at") < changed_by).select(
                "model_version", F.explode("cohort.row_ids").alias(KEY)
            ),
            keys,
        )
        rows = every_row.select("model_version").union(seen.select("model_version")).distinct()
        return sorted(int(r[0]) for r in rows.collect())

    def _revocations(self) -> pd.DataFrame:
        if not is_delta_table(self.spark, self.revocations):
            return pd.DataFrame(columns=["model_version", "cause", "keys", "changed_by"])
        return self.spark.read.format("delta").load(self.revocations).toPandas()

    def revoked(self) -> dict[int, str]:
        """Revoked model version to the first cause that revoked it."""
        rows = self._revocations().dropna(subset=["model_version"])
        revoked: dict[int, str] = {}
        for version, cause in zip(rows["model_version"], rows["cause"], strict=True):
            revoked.setdefault(int(version), str(cause))
        return revoked

    def revoked_by(self, changed_by: int) -> bool:
        """Whether a revocation for the changes of training table version ``changed_by`` is
        recorded (one is, even if no version had learned the changed rows).
        """
        return bool((self._revocations()["changed_by"] == changed_by).any())

    def changed_since(self, data_version: int) -> set[int]:
        """Keys deleted or corrected after training table version ``data_version``."""
        rows = self._revocations()
        later = rows[rows["changed_by"] > data_version]
        return {int(k) for keys in later["keys"] for k in keys}

    def check_servable(self, record: ModelRecord) -> None:
        """Raise :class:`RevokedModel` if ``record``'s version was revoked."""
        cause = self.revoked().get(record.model_version)
        if cause is not None:
            raise RevokedModel(
                f"model version {record.model_version} of {self.path} learned rows that "
                f"{cause} erased or corrected: it may not serve again"
            )

    def check_learned(self, candidate: Candidate) -> None:
        """Raise :class:`RevokedModel` if ``candidate`` learned a row as it was before a
        revocation's change.
        """
        causes = self._revocations().drop_duplicates("cause")
        touched = {
            cohort.cohort_id
            for keys, changed_by in zip(causes["keys"], causes["changed_by"], strict=True)
            for cohort in candidate.cohorts
            if cohort.learned_any([int(k) for k in keys], int(changed_by))
        }
        if touched:
            raise RevokedModel(
                f"the candidate learned rows erased or corrected since (cohorts "
                f"{', '.join(sorted(touched))}): it may not be stored in {self.path}"
            )

    def records(self) -> list[ModelRecord]:
        """Every version, with its lineage, oldest first."""
        return [ModelRecord.from_row(r) for r in self._frame().orderBy("model_version").collect()]

    def _frame(self) -> Any:
        if not self.exists():
            raise RegistryError(f"no models table at {self.path}: run a retraining job first")
        return self.spark.read.format("delta").load(self.path)  # the snapshot is cached now

    def append(self, entry: NewVersion) -> None:
        """Add one model version as it is, with no check on the champion; with
        ``entry.txn_version``, at most once per (pipeline, version).
        """
        writer = self._row(entry).coalesce(1).write.format("delta").mode("append")
        if entry.txn_version is not None:
            writer = writer.option("txnAppId", entry.pipeline)
            writer = writer.option("txnVersion", entry.txn_version)
        writer.save(self.path)
        if self.mirror is not None:
            self.mirror.sync(self)

    def promote(self, entry: NewVersion, *, expected: int | None) -> int:
        """Add a champion only if ``expected`` (a model version, None for none) is still the
        newest champion: a compare-and-set, returning the new model version.

        One ``MERGE`` reads the champions and inserts the row in one transaction; a table
        with an identity column admits no concurrent transaction, so a champion written in
        between makes it fail. Either way :class:`ChampionChanged` is raised and nothing is
        written.
        """
        if entry.status != CHAMPION:
            raise ValueError(f"only a {CHAMPION} is promoted, not a {entry.status!r} version")
        view = f"promote_{uuid.uuid4().hex}"
        self._row(entry).coalesce(1).createOrReplaceTempView(view)  # one task: ids in order
        newer = "" if expected is None else f" AND t.model_version > {int(expected)}"
        columns = ", ".join(_WRITE_COLUMNS)
        values = ", ".join(f"s.{c}" for c in _WRITE_COLUMNS)
        conf = self.spark.conf
        if entry.txn_version is not None:
            conf.set("spark.databricks.delta.write.txnAppId", entry.pipeline)
            conf.set("spark.databricks.delta.write.txnVersion", str(entry.txn_version))
        try:
            # the path, view and column names are the project's own, never user text
            result = self.spark.sql(
                f"MERGE INTO delta.`{self.path}` AS t USING {view} AS s "  # noqa: S608
                f"ON t.status = '{CHAMPION}'{newer} "
                f"WHEN NOT MATCHED THEN INSERT ({columns}) VALUES ({values})"
            ).first()
        except Exception as exc:
            if not any(marker in str(exc) for marker in _CONFLICTS):
                raise
            result = None  # another transaction committed first
        finally:
            for key in ("write.txnAppId", "write.txnVersion"):
                conf.unset(f"spark.databricks.delta.{key}")
            self.spark.catalog.dropTempView(view)
        if result is None or int(result["num_inserted_rows"]) == 0:
            raise ChampionChanged(
                f"{self.path}: model version {self.champion_version()} serves, not "
                f"{expected}; the promotion was not written"
            )
        champions = self._frame().where(F.col("status") == CHAMPION)
        if expected is not None:
            champions = champions.where(F.col("model_version") > expected)
        version = int(champions.agg(F.min("model_version")).collect()[0][0])
        if self.mirror is not None:
            self.mirror.sync(self)
        return version

    def _row(self, entry: NewVersion) -> Any:
        """One model version as a one-row DataFrame of the table's writable columns."""
        candidate, data_version = entry.candidate, entry.data_version
        stored = entry.stored or self.store(candidate, f"v{data_version}")
        first = min((c.data_version for c in candidate.cohorts), default=data_version)
        row = {
            "pipeline": entry.pipeline,
            "strategy": entry.strategy,
            "data_version": data_version,
            "first_data_version": first,
            "status": entry.status,
            "reason": entry.reason,
            "created_at": datetime.now(UTC).replace(tzinfo=None),
            "model_class": stored.model_class,
            "spark_version": pyspark.__version__,
            "model": bytearray(stored.payload),
            "model_sha256": hashlib.sha256(stored.payload).hexdigest(),
            "artifact": stored.artifact,
            "features": list(candidate.features),
            "tree_cohorts": list(candidate.tree_cohorts),
            "cohorts": [c.as_row() for c in candidate.cohorts],
            "metrics": {k: float(v) for k, v in entry.metrics.items()},
            "restored_from": entry.restored_from,
        }
        schema = self._frame().select(*_WRITE_COLUMNS).schema
        return self.spark.createDataFrame([tuple(row[c] for c in _WRITE_COLUMNS)], schema)

    def replay(self, model_version: int) -> int:
        """Append ``model_version`` again as a replayed micro-batch would: same ``txnAppId``
        (its pipeline) and ``txnVersion`` (its table version). The rows it added; 0 when Delta
        recognised the transaction and skipped the write.
        """
        record = self.record(model_version)
        before = self._frame().count()
        self.append(NewVersion.of(record, self.candidate(record), txn_version=record.data_version))
        return self._frame().count() - before

    @staticmethod
    def stream_written(summary: pd.DataFrame) -> pd.DataFrame:
        """The rows of a :meth:`summary` the retraining stream wrote (no challenges, no
        rollbacks).
        """
        return summary[(summary["strategy"] != CHALLENGE) & summary["restored_from"].isna()]

    def summary(self) -> pd.DataFrame:
        """Every version without the model bytes, oldest first."""
        return self._frame().select(*SUMMARY_COLUMNS).orderBy("model_version").toPandas()

    def last_data_version(self, pipeline: str) -> int | None:
        """The newest training-table version ``pipeline`` has written a model for."""
        row = self._frame().where(F.col("pipeline") == pipeline).agg(F.max("data_version")).first()
        return None if row is None or row[0] is None else int(row[0])

    def record(self, model_version: int) -> ModelRecord:
        """One version, with its bytes; a clear error if there is no such version."""
        rows = self._frame().where(F.col("model_version") == model_version).collect()
        if not rows:
            raise RegistryError(f"no model version {model_version} in {self.path}")
        return ModelRecord.from_row(rows[0])

    def champion_version(self) -> int | None:
        """The model version of the newest champion, or None."""
        champions = self._frame().where(F.col("status") == CHAMPION)
        row = champions.agg(F.max("model_version")).first()
        return None if row is None or row[0] is None else int(row[0])

    def champion(self, *, data_version: int | None = None) -> ModelRecord | None:
        """The newest champion (at or before ``data_version``, if given), or None."""
        frame = self._frame().where(F.col("status") == CHAMPION)
        if data_version is not None:
            frame = frame.where(F.col("data_version") <= data_version)
        rows = frame.orderBy(F.col("model_version").desc()).limit(1).collect()
        return ModelRecord.from_row(rows[0]) if rows else None

    def model(self, record: ModelRecord, *, cached: bool = True) -> Model:
        """The MLlib model of a record (deserialized once per process unless ``cached`` is
        False, which loads it afresh from its folder).
        """
        return MODELS.get(self.spark, record) if cached else MODELS.load(self.spark, record)

    def candidate(self, record: ModelRecord) -> Candidate:
        """A record as a :class:`Candidate`, to build the next version on."""
        return Candidate(
            self.model(record),
            record.features,
            record.cohorts,
            record.tree_cohorts,
            path=record.artifact,
        )

    def rollback(self, to_version: int, *, reason: str = "rollback") -> int:
        """Serve model ``to_version`` again: append its exact bytes as the newest champion.

        Appending (rather than Delta ``RESTORE``, which would drop the later rows from the
        current snapshot) keeps every version for audit; it is a compare-and-set on the
        champion read here (:meth:`promote`). A revoked version (it learned rows erased or
        corrected since) is refused with :class:`RevokedModel`. Returns the new model version.
        """
        original = self.record(to_version)
        self.check_servable(original)
        current = self.champion()
        entry = NewVersion.of(
            original,
            self.candidate(original),
            status=CHAMPION,
            data_version=current.data_version if current else original.data_version,
            reason=f"{reason}: model version {to_version} restored",
            restored_from=to_version,
        )
        return self.promote(entry, expected=current.model_version if current else None)

    def commits(self) -> pd.DataFrame:
        """The models table's Delta history (version, operation), oldest first."""
        return (
            self.spark.sql(f"DESCRIBE HISTORY delta.`{self.path}`")
            .select("version", "operation", "operationParameters")
            .orderBy("version")
            .toPandas()
        )
