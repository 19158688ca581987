"""One SparkSession with Delta Lake, configured the same way on a laptop, in CI and on a cluster.

Delta's JARs come from Maven Central once, at set-up (``deploybook setup``, which ``make``
runs): Spark's own Ivy client resolves ``io.delta:delta-spark_<spark>_2.13`` into the
project-local ``.ivy2/`` cache and the resolved file list is written to a manifest. Every
later session loads exactly those files with ``spark.jars``, so Spark runs offline.

A session runs in this process (``local[n]``), on a standalone cluster (``spark://``) or on a
Spark Connect server (``sc://``, no JVM in this process). A missing Java, an unreachable
Maven Central, master or Connect server, or a Connect server without Delta Lake is reported
as one :class:`SparkSetupError` saying what was tried and what to do, not as a stack trace.
"""

from __future__ import annotations

import atexit
import logging
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlparse

from pyspark.logger import PySparkLogger
from pyspark.sql import SparkSession

from deploybook.paths import project_root

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import DataFrame

DEFAULT_MASTER = "local[2]"
MASTER_ENV = "DEPLOYBOOK_SPARK_MASTER"
SHUFFLE_PARTITIONS_ENV = "DEPLOYBOOK_SPARK_SHUFFLE_PARTITIONS"
CONNECT_SCHEME = "sc://"
CONNECT_TIMEOUT = 10.0  # seconds for a TCP connection to a master or a Connect server
EXECUTOR_TIMEOUT = 15.0  # seconds a standalone master may take to give the driver an executor
SCALA_VERSION = "2.13"
_RESOLVED_MARKER = "DEPLOYBOOK_RESOLVED_JARS="


class SparkSetupError(RuntimeError):
    """Spark cannot start here; the message says what to install or run."""


def delta_package() -> str:
    """Maven coordinates of the Delta JAR matching the installed pyspark and delta-spark."""
    spark_minor = ".".join(version("pyspark").split(".")[:2])
    return f"io.delta:delta-spark_{spark_minor}_{SCALA_VERSION}:{version('delta-spark')}"


def _ivy_dir() -> Path:
    return project_root() / ".ivy2"


def _manifest() -> Path:
    return _ivy_dir() / (delta_package().replace(":", "_") + ".jars")


def check_java() -> str:
    """Return the Java version string; raise :class:`SparkSetupError` if Java 17+ is missing."""
    java_home = os.environ.get("JAVA_HOME")
    java = str(Path(java_home) / "bin" / "java") if java_home else shutil.which("java")
    if not java or not Path(java).exists():
        raise SparkSetupError(
            "Java not found: Spark needs a Java 17 (or newer) runtime. Install OpenJDK 17 "
            "(Debian/Ubuntu: `apt-get install openjdk-17-jdk-headless`; macOS: "
            "`brew install openjdk@17`) or set JAVA_HOME to an existing JDK."
        )
    out = subprocess.run(  # noqa: S603 - fixed arguments
        [java, "-version"], capture_output=True, text=True, check=False
    )
    match = re.search(r'version "(\d+)', out.stderr + out.stdout)
    if not match or int(match.group(1)) < 17:
        found = match.group(1) if match else "unknown"
        raise SparkSetupError(
            f"Java {found} found at {java}, but Spark 4 needs Java 17 or newer: "
            "install OpenJDK 17 and put it first on PATH or in JAVA_HOME."
        )
    return match.group(1)


_RESOLVE_SCRIPT = f"""
import sys
from pyspark.sql import SparkSession
spark = (SparkSession.builder.master("local[1]").appName("deploybook-setup")
         .config("spark.jars.packages", sys.argv[1])
         .config("spark.jars.ivy", sys.argv[2])
         .config("spark.ui.enabled", "false").getOrCreate())
print("{_RESOLVED_MARKER}" + spark.sparkContext.getConf().get("spark.jars"))
spark.stop()
"""


def resolve_delta_jars(*, force: bool = False) -> list[Path]:
    """Download Delta's JARs into ``.ivy2/`` through Spark's Ivy client (once) and list them."""
    manifest = _manifest()
    if manifest.exists() and not force:
        jars = [Path(line) for line in manifest.read_text().splitlines() if line]
        if all(jar.exists() for jar in jars):
            return jars
    check_java()
    _ivy_dir().mkdir(exist_ok=True)
    proc = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", _RESOLVE_SCRIPT, delta_package(), str(_ivy_dir())],
        capture_output=True,
        text=True,
        check=False,
    )
    resolved = [line for line in proc.stdout.splitlines() if line.startswith(_RESOLVED_MARKER)]
    if proc.returncode != 0 or not resolved:
        log = proc.stderr + proc.stdout
        if re.search(r"UNRESOLVED DEPENDENCIES|not found|UnknownHost|Connection", log):
            raise SparkSetupError(
                f"Could not download {delta_package()} from Maven Central "
                "(https://repo1.maven.org/maven2/). Check that this machine can reach it "
                "(proxy settings: HTTPS_PROXY), then run `make setup` again."
            )
        tail = "\n".join(log.strip().splitlines()[-5:])
        raise SparkSetupError(f"Spark failed to start while resolving Delta JARs:\n{tail}")
    jars = [
        Path(uri.removeprefix("file://").removeprefix("file:"))
        for uri in resolved[-1][len(_RESOLVED_MARKER) :].split(",")
        if uri
    ]
    manifest.write_text("".join(f"{jar}\n" for jar in jars))
    return jars


def delta_jars() -> list[Path]:
    """The cached Delta JARs; a clear error if set-up has not resolved them yet."""
    manifest = _manifest()
    jars = (
        [Path(line) for line in manifest.read_text().splitlines() if line]
        if manifest.exists()
        else []
    )
    if not jars or not all(jar.exists() for jar in jars):
        raise SparkSetupError(
            f"Delta Lake JARs ({delta_package()}) are not in the project cache {_ivy_dir()}: "
            "run `make setup` (or `deploybook setup`) once with network access."
        )
    return jars


def spark_conf(master: str | None = None) -> dict[str, str]:
    """The configuration :func:`get_spark` uses: Delta, quiet logs, project-local temp files."""
    master = master or os.environ.get(MASTER_ENV) or DEFAULT_MASTER
    root = project_root()
    tmp = root / ".spark-tmp"
    tmp.mkdir(exist_ok=True)
    log_config = Path(__file__).with_name("log4j2.properties")
    java_opts = f"-Djava.io.tmpdir={tmp} -Dlog4j2.configurationFile=file:{log_config}"
    local = master.startswith("local")
    partitions = os.environ.get(SHUFFLE_PARTITIONS_ENV) or ("2" if local else "200")
    return {
        "spark.master": master,
        "spark.jars": ",".join(str(jar) for jar in delta_jars()),
        "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
        "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
        "spark.ui.enabled": os.environ.get("DEPLOYBOOK_SPARK_UI", "false"),
        "spark.ui.showConsoleProgress": "false",
        "spark.local.dir": str(tmp),
        "spark.driver.extraJavaOptions": java_opts,
        "spark.driver.memory": os.environ.get("DEPLOYBOOK_SPARK_DRIVER_MEMORY", "4g"),
        "spark.sql.warehouse.dir": str(root / "_work" / "spark-warehouse"),
        "spark.sql.session.timeZone": "UTC",
        # a laptop has few cores: small shuffles and Delta snapshots (a small cluster's
        # partitions, when given, for both)
        "spark.sql.shuffle.partitions": partitions,
        "spark.databricks.delta.snapshotPartitions": os.environ.get(SHUFFLE_PARTITIONS_ENV)
        or ("2" if local else "50"),
        # VACUUM lists files in this many tasks: Spark's default of 10,000 made one VACUUM of
        # a small table take 105 s here, against 2.4 s with 2
        "spark.sql.sources.parallelPartitionDiscovery.parallelism": partitions,
        # an executor's Python workers use this interpreter (on one machine: the same venv)
        **({} if local else {"spark.pyspark.python": sys.executable}),
        **({"spark.driver.host": "127.0.0.1"} if _loopback(master) else {}),
        # a cluster on this machine: every executor is on the driver's host, so waiting for a
        # more local one (3 s by default) only delays tasks. With this and the snapshot
        # partitions above, the small environments run on a standalone cluster took 109 s
        # here, against 173 s before
        **({"spark.locality.wait": "0s"} if _loopback(master) and not local else {}),
        # an in-process Spark Connect server (see connect_server) listens on loopback only,
        # on a free port
        "spark.connect.grpc.binding.address": "127.0.0.1",
        "spark.connect.grpc.binding.port": "0",
    }


_PY4J_CALL = re.compile(r"^An error occurred while calling \S+\.?$")
_JAVA_CLASS = re.compile(r"^:?\s*(?:[\w$]+\.)+[\w$]*(?:Exception|Error):\s*")


def short_error(exc: BaseException, limit: int = 300) -> str:
    """The first informative line of a Spark error, without py4j's call line or the Java
    exception class (one line for a user-facing message).
    """
    for line in str(exc).splitlines():
        line = line.strip()
        if line and not _PY4J_CALL.match(line):
            return _JAVA_CLASS.sub("", line)[:limit]
    return type(exc).__name__


def _loopback(url: str) -> bool:
    return urlparse(url).hostname in ("127.0.0.1", "localhost", "::1")


def _address(url: str) -> tuple[str, int]:
    parsed = urlparse(url)
    default = 15002 if url.startswith(CONNECT_SCHEME) else 7077
    if not parsed.hostname:
        raise SparkSetupError(
            f"{url} names no host: write it as spark://HOST:PORT or sc://HOST:PORT"
        )
    return parsed.hostname, parsed.port or default


def check_reachable(url: str, timeout: float = CONNECT_TIMEOUT) -> None:
    """Raise :class:`SparkSetupError` (one line) unless ``url``'s host accepts TCP connections."""
    host, port = _address(url)
    what = "Spark Connect server" if url.startswith(CONNECT_SCHEME) else "Spark master"
    started = time.monotonic()
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise SparkSetupError(
            f"{what} {url} is unreachable: tried a TCP connection to {host}:{port}, which "
            f"failed after {time.monotonic() - started:.1f} s ({reason}); start it "
            f"(`deploybook {'connect-server' if what.endswith('server') else 'spark-cluster'}`) "
            "or check the URL"
        ) from None


def is_connect(spark: SparkSession) -> bool:
    """Whether ``spark`` is a Spark Connect session (no JVM, no py4j in this process)."""
    return type(spark).__module__.startswith("pyspark.sql.connect")


def activate(spark: SparkSession) -> None:
    """Make a Spark Connect session the active session of the calling thread.

    A Spark Connect session is active per thread, and MLlib's readers on Connect find their
    session only there (``RemoteMLReader.load``), so a model loaded in a thread of its own
    (a serving client) needs this; a classic session's threads share the driver's session.
    """
    if is_connect(spark):
        type(spark)._set_default_and_active_session(spark)  # type: ignore[attr-defined]  # no public setter


def get_spark(
    master: str | None = None,
    app_name: str = "deploybook",
    conf: Mapping[str, str] | None = None,
) -> SparkSession:
    """Return the SparkSession, creating it with Delta Lake configured if none is running.

    ``master`` defaults to ``$DEPLOYBOOK_SPARK_MASTER`` or ``local[2]``; an ``sc://`` URL
    connects to a Spark Connect server (which must have Delta configured) instead of starting
    a driver here. ``conf`` adds or overrides settings. Only one session runs per process; it
    stops at interpreter exit.
    """
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    master = master or os.environ.get(MASTER_ENV) or DEFAULT_MASTER
    if master.startswith(CONNECT_SCHEME):
        return _connect(master, conf or {})
    check_java()
    if master.startswith("spark://"):
        check_reachable(master)
    builder = SparkSession.builder.appName(app_name)
    for key, value in {**spark_conf(master), **(conf or {})}.items():
        builder = builder.config(key, value)
    log = driver_log()
    try:
        with _stderr_to(log):
            spark = builder.getOrCreate()
    except Exception as exc:  # the JVM did not start: show its own words, not a stack trace
        tail = "\n".join(log.read_text(errors="replace").strip().splitlines()[-8:])
        raise SparkSetupError(f"Spark failed to start ({exc}); driver log {log}:\n{tail}") from None
    spark.sparkContext.setLogLevel("ERROR")
    atexit.register(stop_spark)
    if master.startswith("spark://"):
        _await_executor(spark, master)
    return spark


def _await_executor(spark: SparkSession, master: str) -> None:
    """Wait until the master has given the application an executor; stop and say so if not."""
    status = spark.sparkContext._jsc.sc()
    deadline = time.monotonic() + EXECUTOR_TIMEOUT
    while status.getExecutorMemoryStatus().size() < 2:  # the driver counts as one
        if time.monotonic() > deadline:
            spark.stop()
            raise SparkSetupError(
                f"Spark master {master} accepted the application but gave it no executor "
                f"within {EXECUTOR_TIMEOUT:.0f} s: are its workers alive, with a free core "
                "and enough memory for spark.executor.memory?"
            )
        time.sleep(0.5)


_connect_urls: dict[int, str] = {}  # id of a Connect session -> the URL it was opened with


def _connect(url: str, conf: Mapping[str, str]) -> SparkSession:
    """A Spark Connect session to ``url``, checked: it answers, and it has Delta Lake."""
    check_reachable(url)
    spark = SparkSession.builder.remote(url).getOrCreate()
    # the client logs every failed query with its query context; failures it raises are enough
    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        PySparkLogger.getLogger(name).setLevel(logging.CRITICAL)
    answer: list[object] = []
    probe = threading.Thread(target=lambda: answer.append(spark.version), daemon=True)
    probe.start()
    probe.join(timeout=CONNECT_TIMEOUT)
    if not answer:
        raise SparkSetupError(
            f"{url} accepts TCP connections but did not answer a Spark Connect request "
            f"(the Spark version) within {CONNECT_TIMEOUT:.0f} s: is it a Spark Connect server?"
        )
    check_delta(spark, url)
    for key, value in conf.items():
        spark.conf.set(key, value)
    _connect_urls[id(spark)] = url
    atexit.register(stop_spark)
    return spark


def check_delta(spark: SparkSession, url: str) -> None:
    """Raise :class:`SparkSetupError` (one line) if the server behind ``spark`` lacks Delta."""
    try:
        spark.sql("DESCRIBE HISTORY delta.`/deploybook-probe-of-delta-lake`").schema  # noqa: B018
    except Exception as exc:  # Delta says the path is no Delta table; without it, no such table
        if "DELTA_" in str(exc):
            return
        raise SparkSetupError(
            f"Spark Connect server {url} has no Delta Lake: start it with "
            f"--packages {delta_package()} (or --jars from `make setup`'s .ivy2/), "
            "--conf spark.sql.extensions=io.delta.sql.DeltaSparkSessionExtension and "
            "--conf spark.sql.catalog.spark_catalog=org.apache.spark.sql.delta.catalog."
            "DeltaCatalog, as `deploybook connect-server` does"
        ) from None


def driver_log() -> Path:
    """The file that receives the Spark driver JVM's console output for this process."""
    return project_root() / ".spark-tmp" / f"driver-{os.getpid()}.log"


@contextmanager
def _stderr_to(path: Path) -> Iterator[None]:
    """Point file descriptor 2 at ``path`` while the JVM starts, so the JVM inherits it.

    The driver JVM prints start-up notices on its console; in a notebook they would land in
    the output. Its log (errors only, see ``log4j2.properties``) goes to ``path`` instead.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("ab") as sink:
        os.dup2(sink.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def jvm(spark: SparkSession) -> Any:
    """The py4j view of the session's JVM; a clear error if the session has stopped."""
    view = spark.sparkContext._jvm
    if view is None:
        raise SparkSetupError("the Spark session has stopped: start one with get_spark()")
    return view


@contextmanager
def connect_server(spark: SparkSession) -> Iterator[str]:
    """Serve ``spark`` over Spark Connect while the block runs; yield the ``sc://`` URL.

    Clients (e.g. the ``spark-pipelines`` runner) then execute in the same JVM, with its
    Delta configuration and its catalog. A Connect session is already served: its own URL
    is yielded. Otherwise a server starts in this driver on a free loopback port (so it
    cannot clash with a Connect server on 15002) and stops on exit.
    """
    if is_connect(spark):
        yield _connect_urls[id(spark)]
        return
    connect = jvm(spark).org.apache.spark.sql.connect.service
    service = connect.SparkConnectService
    state = getattr(connect, "SparkConnectService$").__getattr__("MODULE$")
    service.start(spark.sparkContext._jsc.sc())
    host = spark.sparkContext.getConf().get("spark.connect.grpc.binding.address")
    try:
        yield f"sc://{host or state.hostAddress()}:{state.localPort()}"
    finally:
        none = jvm(spark).scala.Option.empty()
        service.stop(none, none)


def stop_spark() -> None:
    """Stop the running session (if any) and its JVM-side state."""
    active = SparkSession.getActiveSession()
    if active is not None:
        active.stop()


def to_pandas(frame: DataFrame) -> pd.DataFrame:
    """``frame.toPandas()``, typed as pandas' DataFrame (pyspark declares a looser type)."""
    return cast("pd.DataFrame", frame.toPandas())
