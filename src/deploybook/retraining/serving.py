"""Serving from the models table, without knowing how it is kept current.

``latest_model`` reads the newest champion; ``predict`` scores rows with it; ``model_as_of``
gives the champion that was serving once the training table reached a given version.
Readers take a Delta snapshot, so a model is either fully committed and visible, or not
visible at all: :func:`serve_during` checks that under a running update.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import pandas as pd
from pyspark.ml import Model
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from deploybook.retraining.features import KEY, assemble
from deploybook.retraining.registry import ModelRecord, ModelRegistry, RegistryError
from deploybook.spark import activate

T = TypeVar("T")


@dataclass(frozen=True)
class ServedModel:
    """A champion as served: its registry record and the MLlib model."""

    record: ModelRecord
    model: Model

    @property
    def version(self) -> int:
        """The model version."""
        return self.record.model_version

    def predict(self, frame: DataFrame) -> DataFrame:
        """``frame`` with ``prediction``, ``probability`` and the scoring ``model_version``."""
        scored = self.model.transform(assemble(frame, self.record.features))
        return scored.drop("features", "rawPrediction").withColumn(
            "model_version", F.lit(self.version)
        )


def _served(registry: ModelRegistry, record: ModelRecord | None, what: str) -> ServedModel:
    if record is None:
        raise RegistryError(f"no champion in {registry.path} {what}")
    registry.check_servable(record)  # a version an erasure revoked never serves
    return ServedModel(record, registry.model(record))


def latest_model(spark: SparkSession, registry_path: str) -> ServedModel:
    """The current champion."""
    registry = ModelRegistry(spark, registry_path)
    return _served(registry, registry.champion(), "yet")


def predict(spark: SparkSession, frame: DataFrame, registry_path: str) -> DataFrame:
    """Score ``frame`` with the current champion."""
    return latest_model(spark, registry_path).predict(frame)


def model_as_of(spark: SparkSession, registry_path: str, data_version: int) -> ServedModel:
    """The champion that served once the training table had reached ``data_version``."""
    registry = ModelRegistry(spark, registry_path)
    record = registry.champion(data_version=data_version)
    return _served(registry, record, f"at or before table version {data_version}")


def predictions_digest(scored: DataFrame) -> str:
    """A SHA-256 of (key, prediction, probability) rows, to compare two scorings exactly."""
    rows = scored.select(KEY, "prediction", "probability").orderBy(KEY).collect()
    text = "\n".join(f"{r[0]}|{r[1]!r}|{list(r[2])!r}" for r in rows)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class ServedRead:
    """One read by a serving client: which version it got and what it predicted."""

    at: float
    model_version: int
    model_sha256: str
    payload_sha256: str
    trees: int
    expected_trees: int
    digest: str


def serve_during(
    spark: SparkSession,
    registry_path: str,
    probe: DataFrame,
    action: Callable[[], T],
    *,
    pause: float = 2.0,
) -> tuple[T, list[ServedRead]]:
    """Run ``action`` while a client keeps loading the champion and scoring ``probe``."""
    reads: list[ServedRead] = []
    done = threading.Event()
    errors: list[BaseException] = []
    probe = probe.cache()
    probe.count()

    def client() -> None:
        activate(spark)  # a Spark Connect session is active per thread
        started = time.perf_counter()
        try:
            while not done.is_set():
                served = latest_model(spark, registry_path)
                record = served.record
                trees = len(served.model.trees) if hasattr(served.model, "trees") else 0
                reads.append(
                    ServedRead(
                        time.perf_counter() - started,
                        record.model_version,
                        record.model_sha256,
                        hashlib.sha256(record.payload).hexdigest(),
                        trees,
                        len(record.tree_cohorts),
                        predictions_digest(served.predict(probe)),
                    )
                )
                done.wait(pause)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=client, name="serving-client", daemon=True)
    thread.start()
    try:
        result = action()
    finally:
        done.set()
        thread.join()
    if errors:
        raise RuntimeError("the serving client failed during the update") from errors[0]
    return result, reads


def observed_digests(reads: list[ServedRead]) -> dict[int, str]:
    """Model version to the predictions digest the client got from it (its last read)."""
    return {r.model_version: r.digest for r in reads}


def verify_reads(
    spark: SparkSession, registry_path: str, probe: DataFrame, reads: list[ServedRead]
) -> pd.DataFrame:
    """Per version served: reads, and whether every read was a complete, committed model.

    A read is complete if its bytes hash to the registry's SHA-256, it has every tree the
    lineage lists, and its predictions equal those of the same version loaded afresh from its
    folder (not the object the client was served from this process's cache).
    """
    registry = ModelRegistry(spark, registry_path)
    rows = []
    for version in sorted({r.model_version for r in reads}):
        record = registry.record(version)
        afresh = ServedModel(record, registry.model(record, cached=False))
        fresh = predictions_digest(afresh.predict(probe))
        mine = [r for r in reads if r.model_version == version]
        rows.append(
            {
                "model_version": version,
                "reads": len(mine),
                "bytes_intact": all(r.payload_sha256 == record.model_sha256 for r in mine),
                "all_trees": all(r.trees == r.expected_trees for r in mine),
                "same_predictions": all(r.digest == fresh for r in mine),
            }
        )
    return pd.DataFrame(rows)
