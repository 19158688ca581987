"""Availability probes: a background thread that requests a site every few milliseconds.

Each probe fetches the home page and ``release.json`` over a fresh connection, and records
the status (0 when the connection itself failed) and which release answered, so a
deployment timeline shows exactly what users saw while ``current`` was switched.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Self


@dataclass(frozen=True)
class Probe:
    """One request pair: when it started, the worse HTTP status (0: no answer), the release
    that answered, how long it took, and why there was no answer (the exception)."""

    t: float
    status: int
    release: str | None
    seconds: float
    error: str = ""


def _get(url: str, timeout: float) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback
            return response.status, response.read(), ""
    except urllib.error.HTTPError as exc:
        return exc.code, b"", ""
    except OSError as exc:
        return 0, b"", f"{type(exc).__name__}: {exc}"


def probe(url: str, timeout: float = 5.0) -> Probe:
    """Request ``url`` and ``url/release.json`` once."""
    start = time.time()
    page, _, page_error = _get(url.rstrip("/") + "/", timeout)
    meta, body, meta_error = _get(url.rstrip("/") + "/release.json", timeout)
    release = None
    if meta == 200:
        try:
            release = json.loads(body).get("id")
        except ValueError:
            release = None
    status = page if page != 200 else meta
    return Probe(start, status, release, time.time() - start, page_error or meta_error)


class Prober:
    """Probe ``url`` every ``interval`` seconds in a thread until stopped."""

    def __init__(self, url: str, interval: float = 0.02, name: str = ""):
        self.url = url
        self.interval = interval
        self.name = name
        self.probes: list[Probe] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.probes.append(probe(self.url))
            self._stop.wait(self.interval)

    def start(self) -> Self:
        """Start probing."""
        self._thread.start()
        return self

    def stop(self) -> list[Probe]:
        """Stop probing; return every probe."""
        self._stop.set()
        self._thread.join(timeout=10)
        return self.probes

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def during(probes: Sequence[Probe], start: float, end: float) -> list[Probe]:
    """The probes that started within ``[start, end]``."""
    return [p for p in probes if start <= p.t <= end]
