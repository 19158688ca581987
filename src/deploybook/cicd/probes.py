"""Availability probes: a background thread that loads a site's page every few milliseconds.

Each probe is one page load, as a reader's browser makes it: the page's HTML, then (with
``HEAD`` requests, headers only) every script, stylesheet and image of the same site it
references, then ``release.json``, each over a fresh connection. It records the worst
status (0 when a connection itself failed), the release that served the HTML, and every
release that served any part of the load (the server names it in ``X-Release``): a load
served by two releases is a *mixed* page, which blue/green must never produce.
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from deploybook.cicd.server import RELEASE_HEADER

_ASSET = re.compile(r"""<(?:script|link|img)\b[^>]*?\b(?:src|href)=["']([^"'#]+)["']""", re.I)


@dataclass(frozen=True)
class Probe:
    """One page load: when it started, the worst HTTP status (0: no answer), the release
    that served the page, every release that served a part of it, how long it took, and why
    there was no answer."""

    t: float
    status: int
    release: str | None
    seconds: float
    error: str = ""
    releases: tuple[str, ...] = ()

    @property
    def mixed(self) -> bool:
        """Whether two releases served parts of the same page load."""
        return len(self.releases) > 1


def _request(url: str, timeout: float, method: str = "GET") -> tuple[int, bytes, str, str]:
    """Status, body, the release header and the error of one request."""
    request = urllib.request.Request(url, method=method)  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read(), response.headers.get(RELEASE_HEADER, ""), ""
    except urllib.error.HTTPError as exc:
        return exc.code, b"", exc.headers.get(RELEASE_HEADER, "") if exc.headers else "", ""
    except OSError as exc:
        return 0, b"", "", f"{type(exc).__name__}: {exc}"


def page_assets(page_url: str, html: str) -> list[str]:
    """The same-site scripts, stylesheets and images a page references."""
    origin = "{0.scheme}://{0.netloc}".format(urllib.parse.urlsplit(page_url))
    urls = (urllib.parse.urljoin(page_url, ref) for ref in _ASSET.findall(html))
    return sorted({u for u in urls if u.startswith(origin + "/")})


def probe(url: str, timeout: float = 5.0, page: str = "") -> Probe:
    """Load ``url/page`` (the home page by default) once, with its assets and release.json."""
    start = time.time()
    base = url.rstrip("/") + "/"
    status, body, served_by, error = _request(base + page, timeout)
    releases = [served_by] if served_by else []
    worst = status
    if status == 200:
        for asset in page_assets(base + page, body.decode("utf-8", "replace")):
            code, _, by, problem = _request(asset, timeout, "HEAD")
            worst = worst if code == 200 else code
            error = error or problem
            releases += [by] if by else []
    meta, body, by, problem = _request(base + "release.json", timeout)
    releases += [by] if by else []
    release = None
    if meta == 200:
        try:
            release = json.loads(body).get("id")
        except ValueError:
            release = None
    worst = worst if meta == 200 or worst != 200 else meta
    return Probe(
        start,
        worst,
        served_by or release,
        time.time() - start,
        error or problem,
        tuple(dict.fromkeys(releases)),
    )


class Prober:
    """Probe ``url`` every ``interval`` seconds in a thread until stopped."""

    def __init__(self, url: str, interval: float = 0.02, name: str = "", page: str = ""):
        self.url = url
        self.interval = interval
        self.name = name
        self.page = page
        self.probes: list[Probe] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.probes.append(probe(self.url, page=self.page))
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
