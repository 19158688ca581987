"""deploybook.spark: Delta configured, offline JARs, clear errors."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from deploybook import spark as spark_module
from deploybook.paths import project_root
from deploybook.spark import SparkSetupError, check_java, delta_package, spark_conf


def test_delta_package_matches_installed_versions() -> None:
    assert delta_package() == "io.delta:delta-spark_4.2_2.13:4.4.0"


def test_conf_defaults_to_local_with_delta(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DEPLOYBOOK_SPARK_MASTER", raising=False)
    conf = spark_conf()
    assert conf["spark.master"] == "local[2]"
    assert conf["spark.sql.extensions"] == "io.delta.sql.DeltaSparkSessionExtension"
    assert conf["spark.ui.enabled"] == "false"
    assert conf["spark.local.dir"].startswith(str(project_root()))
    assert all(Path(jar).exists() for jar in conf["spark.jars"].split(","))


def test_master_from_environment_and_argument(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEPLOYBOOK_SPARK_MASTER", "spark://cluster:7077")
    monkeypatch.delenv(spark_module.SHUFFLE_PARTITIONS_ENV, raising=False)
    assert spark_conf()["spark.master"] == "spark://cluster:7077"
    assert spark_conf()["spark.sql.shuffle.partitions"] == "200"
    assert "spark.driver.host" not in spark_conf()  # a remote master: the driver's own name
    assert "spark.locality.wait" not in spark_conf()  # Spark's own wait on a real cluster
    assert spark_conf()["spark.databricks.delta.snapshotPartitions"] == "50"
    assert spark_conf("local[1]")["spark.master"] == "local[1]"
    monkeypatch.setenv(spark_module.SHUFFLE_PARTITIONS_ENV, "2")  # a small cluster's cores
    assert spark_conf("spark://127.0.0.1:7077")["spark.sql.shuffle.partitions"] == "2"
    small = spark_conf("spark://127.0.0.1:7077")
    assert small["spark.driver.host"] == "127.0.0.1"
    assert small["spark.databricks.delta.snapshotPartitions"] == "2"
    assert small["spark.locality.wait"] == "0s"  # every executor is on this machine


@pytest.mark.parametrize("scheme", ["spark", "sc"])
def test_an_unreachable_master_or_connect_url_is_one_line_within_30_s(scheme: str) -> None:
    """In a fresh interpreter (no session running), as a report would meet it."""
    from deploybook.spark_servers import free_port

    url = f"{scheme}://127.0.0.1:{free_port()}"
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", f"from deploybook.spark import get_spark; get_spark({url!r})"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert time.monotonic() - started < 30
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("deploybook.spark.SparkSetupError: ")
    assert f"{url} is unreachable: tried a TCP connection to 127.0.0.1:" in last
    assert "refused" in last


def test_a_master_url_without_a_host_is_refused() -> None:
    with pytest.raises(SparkSetupError, match="names no host"):
        spark_module.check_reachable("spark://")


def test_missing_java_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(SparkSetupError, match=r"Java not found.*OpenJDK 17"):
        check_java()


def test_old_java_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = tmp_path / "bin" / "java"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'openjdk version \"11.0.2\"' >&2\n")
    fake.chmod(0o755)
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    with pytest.raises(SparkSetupError, match=r"Java 11 found.*Java 17 or newer"):
        check_java()


def test_missing_jars_say_how_to_get_them(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(spark_module, "_ivy_dir", lambda: tmp_path)
    with pytest.raises(SparkSetupError, match="make setup"):
        spark_module.delta_jars()


def test_unreachable_maven_is_one_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(spark_module, "_ivy_dir", lambda: tmp_path)
    # an unknown artifact fails resolution exactly as an unreachable repository does
    monkeypatch.setattr(spark_module, "delta_package", lambda: "io.delta:no-such-artifact:0.0.1")
    with pytest.raises(SparkSetupError, match=r"Could not download io\.delta:no-such-artifact"):
        spark_module.resolve_delta_jars()


@pytest.mark.spark
def test_session_writes_and_time_travels_delta(spark, tmp_path: Path) -> None:
    path = str(tmp_path / "t")
    spark.range(3).write.format("delta").save(path)
    spark.range(5).write.format("delta").mode("append").save(path)
    assert spark.read.format("delta").load(path).count() == 8
    assert spark.read.format("delta").option("versionAsOf", 0).load(path).count() == 3
    assert spark.conf.get("spark.sql.catalog.spark_catalog").endswith("DeltaCatalog")
    assert spark_module.get_spark() is spark  # one session per process
