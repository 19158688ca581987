"""Spark's own servers, started from the pyspark installation: a standalone cluster and a
Spark Connect server.

- :class:`StandaloneCluster`: a standalone master and workers on loopback
  (``spark-class org.apache.spark.deploy.master.Master`` and ``...deploy.worker.Worker``).
  Executors get the project's cached Delta JARs from the driver (``spark.jars``).
- :class:`ConnectServer`: a Spark Connect server (``spark-submit --class
  org.apache.spark.sql.connect.service.SparkConnectServer``) configured the way
  :func:`deploybook.spark.spark_conf` configures a session: Delta Lake from the project's
  JAR cache, project-local temporary files.

Both are context managers: leaving the block stops every process they started, by its
process group. Their logs are in ``.spark-tmp/servers/``. They are small on purpose (one
core and 1 GiB per worker): the machine is shared.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Self

import pyspark

from deploybook.paths import project_root
from deploybook.spark import (
    SHUFFLE_PARTITIONS_ENV,
    SparkSetupError,
    check_java,
    spark_conf,
)

SPARK_HOME = Path(pyspark.__file__).parent
CONNECT_PORT = 15002
CONNECT_SERVER_CLASS = "org.apache.spark.sql.connect.service.SparkConnectServer"
_DELTA_KEYS = ("spark.jars", "spark.sql.extensions", "spark.sql.catalog.spark_catalog")


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def port_open(host: str, port: int, timeout: float = 1.0) -> bool:
    """Whether something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def servers_dir() -> Path:
    """Where the servers keep their logs and scratch files (created)."""
    folder = project_root() / ".spark-tmp" / "servers"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass
class _Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def tail(self, lines: int = 12) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.strip().splitlines()[-lines:])


@dataclass
class _Servers:
    """Processes started by this object, stopped together."""

    processes: list[_Process] = field(default_factory=list)

    def spawn(self, name: str, command: list[str], env: dict[str, str]) -> _Process:
        log = servers_dir() / f"{name}.log"
        with log.open("wb") as sink:
            popen = subprocess.Popen(  # noqa: S603 - the pyspark installation's own scripts
                command,
                stdout=sink,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,  # its own process group: stopped with its children
            )
        process = _Process(name, popen, log)
        self.processes.append(process)
        return process

    def wait_for(self, what: str, ready: object, timeout: float) -> None:
        """Poll ``ready()`` until it is true; a clear error if a process dies or time runs out."""
        deadline = time.monotonic() + timeout
        while not ready():  # type: ignore[operator]
            for process in self.processes:
                if process.popen.poll() is not None:
                    raise SparkSetupError(
                        f"{process.name} exited with status {process.popen.returncode} "
                        f"before {what}; its log {process.log}:\n{process.tail()}"
                    )
            if time.monotonic() > deadline:
                logs = ", ".join(str(p.log) for p in self.processes)
                raise SparkSetupError(f"gave up waiting {timeout:.0f} s for {what}; logs: {logs}")
            time.sleep(0.5)

    def stop(self) -> None:
        """Stop every process (newest first): SIGTERM to its group, SIGKILL after 20 s."""
        for process in reversed(self.processes):
            if process.popen.poll() is None:
                os.killpg(process.popen.pid, signal.SIGTERM)
        for process in reversed(self.processes):
            try:
                process.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.popen.pid, signal.SIGKILL)
                process.popen.wait()
        self.processes.clear()


def _daemon_env(scratch: Path) -> dict[str, str]:
    tmp = scratch / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    return {
        **os.environ,
        "SPARK_HOME": str(SPARK_HOME),
        "SPARK_DAEMON_MEMORY": os.environ.get("SPARK_DAEMON_MEMORY", "512m"),
        "SPARK_DAEMON_JAVA_OPTS": f"-Djava.io.tmpdir={tmp}",
        "PYSPARK_PYTHON": os.environ.get("PYSPARK_PYTHON", sys.executable),
    }


class _ServerGroup:
    """Processes started together and stopped together, usable as a context manager."""

    def __init__(self) -> None:
        self._servers = _Servers()

    def start(self) -> Self:
        """Start the processes; return once they serve."""
        raise NotImplementedError

    def stop(self) -> None:
        """Stop every process this group started."""
        self._servers.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()


class StandaloneCluster(_ServerGroup):
    """A standalone master and ``workers`` workers on loopback, for as long as the block runs.

    Each worker offers ``cores`` cores and ``memory`` to executors. ``env()`` is what a
    command needs to run the project's reports on it (the master URL and matching shuffle
    partitions).
    """

    def __init__(self, workers: int = 2, cores: int = 1, memory: str = "1g") -> None:
        if workers < 1 or cores < 1:
            raise ValueError(
                f"a cluster needs at least one worker and core, got {workers}, {cores}"
            )
        self.workers = workers
        self.cores = cores
        self.memory = memory
        self.port = free_port()
        self.ui_port = free_port()
        self.master_url = f"spark://127.0.0.1:{self.port}"
        super().__init__()

    def status(self) -> dict[str, object]:
        """The master's own status page, as JSON (``/json/`` of its web UI)."""
        with urllib.request.urlopen(
            f"http://127.0.0.1:{self.ui_port}/json/", timeout=2
        ) as response:
            return dict(json.load(response))

    def _alive_workers(self) -> int:
        try:
            return int(self.status().get("aliveworkers", 0))  # type: ignore[call-overload]
        except OSError:
            return 0

    def env(self) -> dict[str, str]:
        """Environment variables that point the project's sessions at this cluster."""
        return {
            "DEPLOYBOOK_SPARK_MASTER": self.master_url,
            SHUFFLE_PARTITIONS_ENV: str(self.workers * self.cores),
        }

    def start(self) -> Self:
        """Start the master, then the workers; return once every worker has registered."""
        check_java()
        scratch = servers_dir() / f"cluster-{self.port}"
        env = _daemon_env(scratch)
        spark_class = str(SPARK_HOME / "bin" / "spark-class")
        self._servers.spawn(
            "spark-master",
            [
                spark_class,
                "org.apache.spark.deploy.master.Master",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--webui-port",
                str(self.ui_port),
            ],
            env,
        )
        try:
            self._servers.wait_for(
                f"the master at {self.master_url}", lambda: port_open("127.0.0.1", self.port), 60
            )
            for index in range(self.workers):
                work = scratch / f"worker-{index}"
                local = work / "local"
                local.mkdir(parents=True, exist_ok=True)
                self._servers.spawn(
                    f"spark-worker-{index}",
                    [
                        spark_class,
                        "org.apache.spark.deploy.worker.Worker",
                        "--host",
                        "127.0.0.1",
                        "--cores",
                        str(self.cores),
                        "--memory",
                        self.memory,
                        "--webui-port",
                        str(free_port()),
                        "--work-dir",
                        str(work),
                        self.master_url,
                    ],
                    {**env, "SPARK_LOCAL_DIRS": str(local)},
                )
            self._servers.wait_for(
                f"{self.workers} workers to register with {self.master_url}",
                lambda: self._alive_workers() == self.workers,
                90,
            )
        except BaseException:
            self._servers.stop()
            raise
        return self


class ConnectServer(_ServerGroup):
    """A Spark Connect server on ``127.0.0.1:port`` running ``master``, with Delta Lake
    configured unless ``delta`` is false (to show what a client is told then).
    """

    def __init__(
        self, port: int = CONNECT_PORT, master: str = "local[2]", *, delta: bool = True
    ) -> None:
        self.port = port
        self.master = master
        self.delta = delta
        self.url = f"sc://127.0.0.1:{port}"
        super().__init__()

    def command(self) -> list[str]:
        """The ``spark-submit`` command line that starts the server."""
        conf = {
            **spark_conf(self.master),
            "spark.connect.grpc.binding.address": "127.0.0.1",
            "spark.connect.grpc.binding.port": str(self.port),
            "spark.sql.catalogImplementation": "in-memory",
            "spark.app.name": "deploybook Spark Connect server",
        }
        if not self.delta:
            conf = {k: v for k, v in conf.items() if k not in _DELTA_KEYS}
        memory = conf.pop("spark.driver.memory")
        flags = [part for key, value in conf.items() for part in ("--conf", f"{key}={value}")]
        submit = str(SPARK_HOME / "bin" / "spark-submit")
        return [submit, "--class", CONNECT_SERVER_CLASS, "--driver-memory", memory, *flags]

    def env(self) -> dict[str, str]:
        """Environment variables that point the project's sessions at this server."""
        return {"DEPLOYBOOK_SPARK_MASTER": self.url}

    def start(self) -> Self:
        """Start the server; return once it accepts connections."""
        check_java()
        if port_open("127.0.0.1", self.port):
            raise SparkSetupError(
                f"port {self.port} on 127.0.0.1 is already in use (another Spark Connect "
                "server?): stop it or choose another port"
            )
        env = _daemon_env(servers_dir() / f"connect-{self.port}")
        self._servers.spawn(f"spark-connect-{self.port}", self.command(), env)
        try:
            self._servers.wait_for(
                f"Spark Connect at {self.url}", lambda: port_open("127.0.0.1", self.port), 120
            )
        except BaseException:
            self._servers.stop()
            raise
        return self
