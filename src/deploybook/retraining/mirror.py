"""A copy of the models table in an MLflow model registry, where practitioners' tools look.

The Delta models table stays the source of truth: its commits (``txnAppId``/``txnVersion``)
are what make a model write happen exactly once. MLflow has no such transactions, so the
registry *mirrors* the table: :meth:`MlflowMirror.sync` reads the table and registers every
champion row that has no registered version yet (found by the ``delta_model_version`` tag),
then points the alias ``champion`` at the newest one. Run after every write, it repairs
itself after a crash between a Delta commit and the registration: the next sync catches up.

Each champion gets an MLflow run with its metrics, its parameters, the training table as its
input dataset (``mlflow.data``: a Delta source at the table version it learned up to), its
tree lineage (``lineage.json``) and its files in MLlib's format (``model/``); its registered
version's source is that ``model/`` folder. A rollback appends a champion row in Delta, so it
becomes a new registered version and the alias moves to it.

Nothing is downloaded and nothing is sent anywhere: the tracking URI is a local SQLite file
by default, and MLflow's usage telemetry is switched off.
"""

from __future__ import annotations

import io
import json
import logging
import os
import tempfile
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")

from mlflow import MlflowClient
from mlflow.data.delta_dataset_source import DeltaDatasetSource
from mlflow.data.meta_dataset import MetaDataset
from mlflow.entities import DatasetInput, InputTag, Metric, Param
from mlflow.exceptions import MlflowException

from deploybook.retraining.registry import CHAMPION

if TYPE_CHECKING:
    from deploybook.retraining.registry import ModelRecord, ModelRegistry

ALIAS = "champion"
VERSION_TAG = "delta_model_version"  # the models table's model_version a registered one mirrors
TABLE_TAG = "deploybook.models_table"  # the models table a registered model mirrors
READBACK_COLUMNS = [
    "registered_version",
    "aliases",
    "delta_model_version",
    "data_version",
    "input_table_version",
    "model_sha256",
    "restored_from",
]

logging.getLogger("mlflow").setLevel(logging.WARNING)
logging.getLogger("alembic").setLevel(logging.WARNING)


def sqlite_uri(folder: Path) -> str:
    """The default tracking URI: a SQLite file in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(folder / 'mlflow.db').resolve()}"


def _client(uri: str) -> MlflowClient:
    with warnings.catch_warnings():  # SQLAlchemy 2.1 deprecates a loader MLflow's store uses
        warnings.simplefilter("ignore", DeprecationWarning)
        client = MlflowClient(tracking_uri=uri, registry_uri=uri)
        client.search_experiments(max_results=1)  # the store (and its schema) is ready now
    return client


@dataclass
class MlflowMirror:
    """Mirrors one models table into registered model ``name`` at ``tracking_uri``.

    ``training_path`` is the Delta table the models learn from (their input dataset);
    ``artifacts`` is where MLflow keeps run files for a SQLite store (default: beside it).
    """

    tracking_uri: str
    name: str
    training_path: str
    artifacts: str | None = None

    def __post_init__(self) -> None:
        self.client = _client(self.tracking_uri)
        self._experiment: str | None = None

    def _experiment_id(self) -> str:
        if self._experiment is None:
            found = self.client.get_experiment_by_name(self.name)
            if found is not None:
                self._experiment = str(found.experiment_id)
            else:
                location = self.artifacts or _default_artifacts(self.tracking_uri, self.name)
                self._experiment = str(self.client.create_experiment(self.name, location))
        return self._experiment

    def reset(self, table: str) -> None:
        """Forget the registered model (the models table at ``table`` starts afresh).

        Refuses if the registered model of that name mirrors another table.
        """
        try:
            model = self.client.get_registered_model(self.name)
        except MlflowException:
            return
        mirrored = model.tags.get(TABLE_TAG)
        if mirrored != table:
            raise ValueError(
                f"MLflow registered model {self.name!r} at {self.tracking_uri} mirrors "
                f"{mirrored or 'no deploybook models table'}, not {table}: use another "
                "mlflow_tracking_uri"
            )
        self.client.delete_registered_model(self.name)

    def registered(self) -> dict[int, Any]:
        """Registered versions by the models-table version they mirror."""
        versions = self.client.search_model_versions(f"name='{self.name}'")
        return {int(v.tags[VERSION_TAG]): v for v in versions if VERSION_TAG in v.tags}

    def readback(self) -> pd.DataFrame:
        """Every registered version as MLflow's client reports it, oldest first: its aliases,
        the models-table version it mirrors, the table version its run logged as input.
        """
        registered = self.registered()
        named: dict[str, list[str]] = {}
        if registered:  # a search leaves a version's aliases out: the model lists them
            for alias, number in self.client.get_registered_model(self.name).aliases.items():
                named.setdefault(str(number), []).append(alias)
        rows = []
        for number, version in sorted(registered.items()):
            run = self.client.get_run(version.run_id)
            logged = run.inputs.dataset_inputs if run.inputs is not None else []
            inputs = [json.loads(d.dataset.source) for d in logged]
            rows.append(
                {
                    "registered_version": int(version.version),
                    "aliases": ", ".join(named.get(str(version.version), [])),
                    "delta_model_version": number,
                    "data_version": int(version.tags["data_version"]),
                    "input_table_version": inputs[0]["delta_table_version"] if inputs else None,
                    "model_sha256": version.tags["model_sha256"],
                    "restored_from": version.tags["restored_from"] or None,
                }
            )
        return pd.DataFrame(rows, columns=READBACK_COLUMNS)

    def sync(self, registry: ModelRegistry) -> None:
        """Register every champion of the models table not registered yet; move the alias."""
        summary = registry.summary()
        champions = [int(v) for v in summary.loc[summary["status"] == CHAMPION, "model_version"]]
        if not champions:
            return
        try:
            self.client.get_registered_model(self.name)
        except MlflowException:
            self.client.create_registered_model(self.name, tags={TABLE_TAG: registry.path})
        registered = self.registered()
        for version in champions:
            if version not in registered:
                registered[version] = self._register(registry.record(version))
        newest = registered[champions[-1]].version
        try:
            current = self.client.get_model_version_by_alias(self.name, ALIAS).version
        except MlflowException:
            current = None
        if str(current) != str(newest):
            self.client.set_registered_model_alias(self.name, ALIAS, str(newest))

    def _register(self, record: ModelRecord) -> Any:
        """One MLflow run and registered version for a champion row."""
        client = self.client
        run = client.create_run(
            self._experiment_id(),
            run_name=f"{record.pipeline} model version {record.model_version}",
            tags={VERSION_TAG: str(record.model_version), "strategy": record.strategy},
        )
        run_id = run.info.run_id
        params = {
            "pipeline": record.pipeline,
            "strategy": record.strategy,
            "data_version": record.data_version,
            "first_data_version": record.first_data_version,
            "model_class": record.model_class,
            "spark_version": record.spark_version,
            "model_sha256": record.model_sha256,
            "artifact": record.artifact,
            "features": ",".join(record.features),
            "restored_from": record.restored_from,
        }
        stamp = int(record.created_at.timestamp() * 1000)
        client.log_batch(
            run_id,
            metrics=[Metric(k, float(v), stamp, 0) for k, v in sorted(record.metrics.items())],
            params=[Param(k, str(v)) for k, v in params.items()],
        )
        source = DeltaDatasetSource(
            path=self.training_path, delta_table_version=record.data_version
        )
        dataset = MetaDataset(source, name=f"training@v{record.data_version}")  # type: ignore[abstract]
        client.log_inputs(
            run_id,
            datasets=[
                DatasetInput(
                    dataset._to_mlflow_entity(), [InputTag("mlflow.data.context", "training")]
                )
            ],
        )
        client.log_dict(run_id, _lineage(record), "lineage.json")
        with tempfile.TemporaryDirectory(prefix="deploybook-mlflow-") as folder:
            with zipfile.ZipFile(io.BytesIO(record.payload)) as archive:
                archive.extractall(folder)
            client.log_artifacts(run_id, folder, "model")
        client.set_terminated(run_id)
        return client.create_model_version(
            self.name,
            source=f"runs:/{run_id}/model",
            run_id=run_id,
            tags={
                VERSION_TAG: str(record.model_version),
                "data_version": str(record.data_version),
                "model_sha256": record.model_sha256,
                "restored_from": str(record.restored_from or ""),
            },
        )


def _lineage(record: ModelRecord) -> dict[str, Any]:
    return {
        "model_version": record.model_version,
        "features": list(record.features),
        "tree_cohorts": list(record.tree_cohorts),
        "cohorts": [cohort.as_row() for cohort in record.cohorts],
    }


def _default_artifacts(tracking_uri: str, name: str) -> str | None:
    """Run files beside a SQLite store; a server's own default otherwise."""
    if not tracking_uri.startswith("sqlite:///"):
        return None
    database = Path(tracking_uri.removeprefix("sqlite:///"))
    return (database.parent / "mlartifacts" / name).resolve().as_uri()
