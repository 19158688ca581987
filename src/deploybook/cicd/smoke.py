"""Browser smoke test of a served book, in headless Chromium through Playwright.

For every page the release's manifest lists (its table of contents), the test checks that
the page answers 200, logs no console error and throws no script error, requests nothing
outside the site, every plotly figure draws its SVG, and every internal link (and its
``#fragment``) resolves. The browser is the system's Chromium: nothing is downloaded.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import ConsoleMessage, Page, Request, Response, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

CHROMIUM_ENV = "DEPLOYBOOK_CHROMIUM"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    # the pages of one site share a renderer, which compiles the book's 4.8 MB plotly.min.js
    # once instead of once per page: a third off every smoke test (measured on 4 pages)
    "--process-per-site",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
# A page without an icon link (an older release, a test site) makes Chromium ask for
# /favicon.ico by itself: that request is the browser's, not the page's.
_BROWSER_OWN = ("/favicon.ico",)
_REFRESH = re.compile(
    r"""<meta[^>]+http-equiv=["']refresh["'][^>]+content=["'][^;"']*;\s*url=([^"']+)""", re.I
)
_FIGURES_DRAWN = """
() => Array.from(document.querySelectorAll('.plotly-graph-div'))
        .map(div => div.querySelector('svg.main-svg') !== null)
"""


class SmokeError(RuntimeError):
    """The smoke test could not run at all (no browser, no manifest)."""


@dataclass
class PageCheck:
    """What the browser saw on one page."""

    path: str
    status: int = 0
    figures: int = 0
    figures_drawn: int = 0
    links_checked: int = 0
    problems: list[str] = field(default_factory=list)


@dataclass
class SmokeReport:
    """The verdict on one served release."""

    url: str
    release: str | None
    pages: list[PageCheck]
    seconds: float

    @property
    def failures(self) -> list[str]:
        """Every problem, prefixed with its page."""
        return [f"{p.path}: {problem}" for p in self.pages for problem in p.problems]

    @property
    def ok(self) -> bool:
        """True if every page passed every check."""
        return bool(self.pages) and not self.failures

    @property
    def figures(self) -> int:
        """Plotly figures found across the pages."""
        return sum(p.figures for p in self.pages)


def chromium_path() -> str:
    """The Chromium binary: ``$DEPLOYBOOK_CHROMIUM`` or ``/usr/bin/chromium``."""
    path = os.environ.get(CHROMIUM_ENV, DEFAULT_CHROMIUM)
    if not Path(path).exists():
        raise SmokeError(
            f"Chromium not found at {path}: install Debian's 'chromium' package or set "
            f"{CHROMIUM_ENV} to a Chrome/Chromium binary"
        )
    return path


def _fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback
            body = response.read()
            return response.status, body.decode("utf-8", "replace") if url.endswith(".html") else ""
    except urllib.error.HTTPError as exc:
        return exc.code, ""
    except OSError:
        return 0, ""


def _manifest(base: str) -> dict | None:
    try:
        with urllib.request.urlopen(base + "release.json", timeout=10) as response:  # noqa: S310
            manifest = json.loads(response.read())
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


class _LinkChecker:
    """Resolves internal links once each (status, and the fragment's id on HTML pages)."""

    def __init__(self) -> None:
        self._pages: dict[str, tuple[int, str]] = {}

    def problem(self, link: str) -> str | None:
        target, _, fragment = link.partition("#")
        if target not in self._pages:
            self._pages[target] = _fetch(target)
        status, body = self._pages[target]
        if status != 200:
            return f"broken link {link} (HTTP {status or 'no answer'})"
        if fragment and body:
            anchor = re.escape(urllib.parse.unquote(fragment))
            if not re.search(rf"""\b(?:id|name)=["']{anchor}["']""", body):
                return f"broken link {link} (no element with id {fragment!r})"
        return None


def smoke_test(
    url: str, *, pages: list[str] | None = None, timeout_ms: int = 30_000
) -> SmokeReport:
    """Check every page of the release served at ``url`` (pages from its ``release.json``).

    The pages load side by side in one browser context (sharing its HTTP cache, as one
    visitor's tabs would), then each is inspected.
    """
    start = time.time()
    base = url.rstrip("/") + "/"
    origin = "{0.scheme}://{0.netloc}".format(urllib.parse.urlsplit(base))
    manifest = _manifest(base)
    if pages is None:
        if manifest is None:
            raise SmokeError(f"{base}release.json is missing or unreadable; is a release served?")
        pages = [str(page) for page in manifest.get("pages", [])]
    release = manifest.get("id") if manifest else None
    links = _LinkChecker()
    checks = [PageCheck(path) for path in pages]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), args=list(CHROMIUM_ARGS)
        )
        try:
            context = browser.new_context()
            opened = []
            for check in checks:
                status, body = _fetch(base + check.path)
                refresh = _REFRESH.search(body)
                if refresh:  # a redirect page (the book's index.html): status and target
                    check.status, check.links_checked = status, 1
                    target = urllib.parse.urljoin(base + check.path, refresh.group(1))
                    check.problems.extend(p for p in [links.problem(target)] if p)
                else:
                    try:
                        page = _open(context.new_page(), base, origin, check, timeout_ms)
                    except PlaywrightTimeout:
                        check.problems.append(f"page did not answer within {timeout_ms} ms")
                        continue
                    opened.append((check, page))
            for check, (page, response) in opened:
                try:
                    _inspect(page, response, origin, check, links, timeout_ms)
                except PlaywrightTimeout:
                    check.problems.append(f"page did not finish loading within {timeout_ms} ms")
        finally:
            browser.close()
    return SmokeReport(url, release, checks, time.time() - start)


def _open(
    page: Page, base: str, origin: str, check: PageCheck, timeout_ms: int
) -> tuple[Page, Response | None]:
    """Start loading a page with listeners that record its problems."""

    def on_console(message: ConsoleMessage) -> None:
        where = message.location.get("url", "") if message.location else ""
        if message.type == "error" and not where.endswith(_BROWSER_OWN):
            check.problems.append(f"console error: {message.text}")

    def on_request(request: Request) -> None:
        if not request.url.startswith((origin + "/", "data:", "blob:")):
            check.problems.append(f"requested a resource outside the site: {request.url}")

    def on_response(response: Response) -> None:
        if response.status >= 400 and response.url.startswith(origin):
            check.problems.append(f"HTTP {response.status} for {response.url.removeprefix(origin)}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: check.problems.append(f"script error: {error}"))
    page.on("request", on_request)
    page.on("response", on_response)
    return page, page.goto(base + check.path, wait_until="commit", timeout=timeout_ms)


def _inspect(
    page: Page,
    response: Response | None,
    origin: str,
    check: PageCheck,
    links: _LinkChecker,
    timeout_ms: int,
) -> None:
    """Wait for a page to load, then check its status, figures and links."""
    check.status = response.status if response else 0
    if check.status != 200:
        check.problems.append(f"page answered HTTP {check.status}")
        return
    page.wait_for_load_state("load", timeout=timeout_ms)
    drawn: list[bool] = page.evaluate(_FIGURES_DRAWN)
    if drawn and not all(drawn):
        with contextlib.suppress(PlaywrightTimeout):  # a figure that never draws is reported
            page.wait_for_function(f"() => ({_FIGURES_DRAWN})().every(Boolean)", timeout=3_000)
        drawn = page.evaluate(_FIGURES_DRAWN)
    check.figures, check.figures_drawn = len(drawn), sum(drawn)
    if check.figures_drawn < check.figures:
        missing = check.figures - check.figures_drawn
        check.problems.append(f"{missing} of {check.figures} plotly figure(s) not drawn")
    hrefs: list[str] = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    internal = sorted({h for h in hrefs if h.startswith(origin + "/")})
    check.links_checked = len(internal)
    check.problems.extend(p for p in map(links.problem, internal) if p)
