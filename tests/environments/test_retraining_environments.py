"""The retraining report on a standalone cluster and on Spark Connect, against ``local[2]``.

Each report run is a papermill kernel of its own, so one Spark driver (or one Connect client)
runs at a time. The servers are started from the pyspark installation and stopped after the
module. ``make test-environments`` runs these; ``make test`` leaves them out (and runs the
report's default without its three-environment comparison).
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from deploybook.figures import Figure
from deploybook.paths import project_root
from deploybook.reports import run_report
from deploybook.retraining.mirror import sqlite_uri
from deploybook.spark import SHUFFLE_PARTITIONS_ENV
from deploybook.spark_servers import ConnectServer, StandaloneCluster, free_port

pytestmark = pytest.mark.environments

SMALL = {
    "batch_rows": 96,
    "batches": 4,
    "trees_per_update": 5,
    "max_trees": 15,
    "max_depth": 10,
    "fail_at_batch": 1,
    "new_feature_at": 3,
    "compare_environments": False,
}
# what the seed fixes: table versions and rows, model versions, prediction digests, registry
FINGERPRINT = (
    "fingerprint_training_version",
    "fingerprint_training_rows",
    "fingerprint_models",
    "fingerprint_champion",
    "fingerprint_digest",
    "fingerprint_registered",
    "model_versions",
    "rollback_to_version",
    "rollback_new_version",
    "exactly_once",
    "mlflow_matches_delta",
    # five seeds of both pipelines, rerun in threads: the same scores on every runtime
    "accuracy_incremental",
    "accuracy_full",
    "accuracy_gap_full_ci_low",
)
SECONDS: dict[str, float] = {}


def _report(name: str, tmp: Path, **parameters: Any) -> dict[str, Figure]:
    out = project_root() / "_build" / "test-notebooks" / f"environments-{name}"
    lake = tmp / f"lake-{name}"
    mlflow = sqlite_uri(tmp / f"mlflow-{name}")  # each run's own registry, not the report's
    started = time.perf_counter()
    _, figures = run_report(
        "dlt_retraining",
        {**SMALL, "lake_root": str(lake), "mlflow_tracking_uri": mlflow, **parameters},
        out,
    )
    SECONDS[name] = time.perf_counter() - started
    print(f"{name}: {SECONDS[name]:.0f} s")
    return figures


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder every worker reaches (they all run on this machine)."""
    return tmp_path_factory.mktemp("lakes")


@pytest.fixture(scope="module")
def local(shared: Path) -> dict[str, Figure]:
    """The report on ``local[2]``, with its own three-environment comparison on (as the
    book's run has it)."""
    return _report("local", shared, spark_master="local[2]", compare_environments=True)


@pytest.fixture(scope="module")
def cluster() -> Iterator[StandaloneCluster]:
    with StandaloneCluster(workers=2, cores=1, memory="1g") as running:
        yield running


def _assert_same(figures: dict[str, Figure], local: dict[str, Figure]) -> None:
    for name in FINGERPRINT:
        assert figures[name] == local[name], name


def test_the_report_on_a_standalone_cluster_matches_local(
    cluster: StandaloneCluster, local: dict[str, Figure], shared: Path
) -> None:
    """Reference: the same report, same parameters and seed, on ``local[2]``."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(SHUFFLE_PARTITIONS_ENV, cluster.env()[SHUFFLE_PARTITIONS_ENV])
        figures = _report("cluster", shared, spark_master=cluster.master_url)
    assert figures["spark_master_used"] == cluster.master_url
    assert cluster.status()["activeapps"] == []  # the report's application has finished
    _assert_same(figures, local)


def test_the_report_on_spark_connect_matches_local(local: dict[str, Figure], shared: Path) -> None:
    """Reference: the same report, same parameters and seed, on ``local[2]``."""
    with ConnectServer(port=free_port()) as server:
        figures = _report("connect", shared, spark_master=server.url)
    assert figures["spark_master_used"] == "local[2]"  # the server's own master
    assert figures["spark_jobs_per_fit"] is None  # a Connect client cannot see jobs
    _assert_same(figures, local)


def test_the_report_compares_three_environments_itself(local: dict[str, Figure]) -> None:
    """Reference: the fingerprints of three runs, each in a process of its own (local[2], a
    standalone cluster, Spark Connect), compared field by field; not the report's prose."""
    assert local["environments_compared"] is True
    assert local["cluster_matches_local"] is True
    assert local["connect_matches_local"] is True


def test_a_connect_server_without_delta_says_how_to_configure_it() -> None:
    with ConnectServer(port=free_port(), delta=False) as server:
        proc = subprocess.run(
            [
                sys.executable,
                "-c",
                f"from deploybook.spark import get_spark; get_spark({server.url!r})",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith(
        f"deploybook.spark.SparkSetupError: Spark Connect server {server.url} has no Delta Lake"
    )
    assert "spark.sql.extensions=io.delta.sql.DeltaSparkSessionExtension" in last
