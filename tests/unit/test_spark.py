"""deploybook.spark: Delta configured, offline JARs, clear errors."""

from __future__ import annotations

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
    assert spark_conf()["spark.master"] == "spark://cluster:7077"
    assert spark_conf()["spark.sql.shuffle.partitions"] == "200"
    assert spark_conf("local[1]")["spark.master"] == "local[1]"


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
