"""The one location a retraining deployment lives under, and clearing it without ``rmtree``.

``lake_root`` is a URI: a local folder by default, or any Hadoop-compatible URI
(``s3a://``, ``abfss://``, ``hdfs://``, a shared mount on every worker). Every table,
checkpoint and model folder of a run lives under it. Only Spark touches it, so the same code
works when this process cannot see the files at all (Spark Connect, a cluster).

Spark's catalog is what deletes: the root is the location of the run's catalog schema, and
``DROP DATABASE ... CASCADE`` deletes a schema's location through Hadoop's ``FileSystem``.
A root that holds files but no ``_deploybook_lake`` marker table was not made here and is
never cleared.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from pyspark.sql import SparkSession

from deploybook.spark import short_error

MARKER = "_deploybook_lake"  # a one-row Delta table: this folder belongs to a deploybook run
_FORBIDDEN = ("'", "`", "\n")


class LakeRootError(ValueError):
    """``lake_root`` cannot hold a run: not writable, or holding someone else's files."""


def lake_uri(value: str, default: Path) -> str:
    """``value`` as a URI (``default`` if empty); a path without a scheme becomes ``file:``."""
    text = value.strip() or str(default)
    if any(mark in text for mark in _FORBIDDEN):
        raise LakeRootError(f"lake_root {text!r} may not contain quotes, backticks or newlines")
    if urlparse(text).scheme and len(urlparse(text).scheme) > 1:  # not a Windows drive
        return text.rstrip("/")
    return Path(text).expanduser().resolve().as_uri()


_NOT_A_TABLE = ("DELTA_TABLE_NOT_FOUND", "DELTA_MISSING_DELTA_TABLE", "PATH_NOT_FOUND")


def is_delta_table(spark: SparkSession, path: str) -> bool:
    """Whether ``path`` is the root of a Delta table (its schema resolves: works over Spark
    Connect, and reads only the table's latest snapshot).
    """
    try:
        spark.read.format("delta").load(path).schema  # noqa: B018 - resolving is the check
    except Exception as exc:
        if any(marker in str(exc) for marker in _NOT_A_TABLE):
            return False
        raise
    return True


def _visible_file(spark: SparkSession, root: str) -> str | None:
    """A file under ``root`` (hidden ``_``/``.`` ones aside), or None if there is none."""
    try:
        rows = (
            spark.read.format("binaryFile")
            .option("recursiveFileLookup", "true")
            .load(root)
            .select("path")
            .limit(1)
            .collect()
        )
    except Exception as exc:
        if "PATH_NOT_FOUND" in str(exc) or "does not exist" in str(exc):
            return None
        raise LakeRootError(f"lake_root {root} cannot be read: {short_error(exc)}") from None
    return str(rows[0][0]) if rows else None


def prepare(spark: SparkSession, root: str, database: str) -> None:
    """Make ``root`` an empty lake for a new run, owned by catalog schema ``database``.

    A previous run there is cleared (``DROP DATABASE ... CASCADE``); a root holding anything
    else, or not writable, raises :class:`LakeRootError` naming it.
    """
    if not database.isidentifier():
        raise ValueError(f"database name {database!r} must be an identifier")
    marker = f"{root}/{MARKER}"
    if not is_delta_table(spark, marker):
        found = _visible_file(spark, root)
        if found is not None:
            raise LakeRootError(
                f"lake_root {root} holds files this report did not write (e.g. {found}): "
                "choose an empty or new location"
            )
    try:
        spark.sql(f"CREATE DATABASE IF NOT EXISTS {database} LOCATION '{root}'")
        spark.sql(f"DROP DATABASE {database} CASCADE")  # deletes root, through Hadoop
        spark.sql(f"CREATE DATABASE {database} LOCATION '{root}'")
        spark.createDataFrame([("deploybook dlt_retraining",)], "owner string").write.format(
            "delta"
        ).save(marker)
    except Exception as exc:
        raise LakeRootError(f"lake_root {root} is not writable: {short_error(exc)}") from None
