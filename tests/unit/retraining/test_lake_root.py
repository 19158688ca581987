"""lake_root: one URI for every table; a run clears only what a run made, through Spark."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from deploybook.retraining.lake_root import MARKER, LakeRootError, is_delta_table, lake_uri, prepare


def test_a_path_becomes_a_file_uri_and_a_uri_is_kept(tmp_path: Path) -> None:
    assert lake_uri("", tmp_path / "lake") == (tmp_path / "lake").resolve().as_uri()
    assert lake_uri("relative/lake", tmp_path) == Path("relative/lake").resolve().as_uri()
    assert lake_uri("s3a://bucket/lakes/run1/", tmp_path) == "s3a://bucket/lakes/run1"
    with pytest.raises(LakeRootError, match="quotes"):
        lake_uri(str(tmp_path / "it's"), tmp_path)


@pytest.mark.spark
def test_a_previous_run_is_cleared_through_the_catalog(spark, tmp_path: Path) -> None:
    root = lake_uri(str(tmp_path / "lake"), tmp_path)
    prepare(spark, root, "lake_root_test")
    spark.range(3).write.format("delta").save(f"{root}/old_table")
    (tmp_path / "lake" / "checkpoints").mkdir()
    (tmp_path / "lake" / "checkpoints" / "offsets").write_text("0")
    prepare(spark, root, "lake_root_test")
    assert sorted(os.listdir(tmp_path / "lake")) == [MARKER]
    assert not is_delta_table(spark, f"{root}/old_table")


@pytest.mark.spark
def test_someone_elses_files_are_never_cleared(spark, tmp_path: Path) -> None:
    (tmp_path / "theirs").mkdir()
    (tmp_path / "theirs" / "data.csv").write_text("a,b\n")
    with pytest.raises(LakeRootError, match=r"holds files this report did not write.*data\.csv"):
        prepare(spark, lake_uri(str(tmp_path / "theirs"), tmp_path), "lake_root_test_2")
    assert (tmp_path / "theirs" / "data.csv").exists()


@pytest.mark.spark
def test_a_root_that_cannot_be_written_is_one_line_naming_it(spark, tmp_path: Path) -> None:
    """As root, permissions do not stop a write: a path under a file cannot be created."""
    (tmp_path / "a-file").write_text("x")
    root = lake_uri(str(tmp_path / "a-file" / "lake"), tmp_path)
    with pytest.raises(LakeRootError) as caught:
        prepare(spark, root, "lake_root_test_3")
    message = str(caught.value)
    assert message.startswith(f"lake_root {root} is not writable: ")
    assert "\n" not in message
