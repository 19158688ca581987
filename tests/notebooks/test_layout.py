"""Every report page reads whole in a browser: nothing cut off at the right edge.

Each report's default run, rendered with the book's stack, is opened in headless Chromium at a
desktop width (1,300 px) and a phone width (390 px). The reference is the browser's own
layout: an element whose content is wider than its box must scroll (itself or inside a
scrolling ancestor), and the page must not be wider than the window. Full-page screenshots are
kept in ``_build/test-notebooks/screenshots/`` for a person to look at.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

from deploybook.paths import project_root
from deploybook.prerequisites import chromium_binary

pytestmark = pytest.mark.notebook

WIDTHS = (1300, 390)
CUT_OFF = """() => {
  const found = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > doc.clientWidth + 1) {
    found.push(`the page is ${doc.scrollWidth}px wide in a ${doc.clientWidth}px window`);
  }
  const article = document.querySelector('article.bd-article');
  const scrolls = el => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
  for (const el of article.querySelectorAll('*')) {
    // SVG (plotly draws its own axes) and typeset maths lay out by their own rules
    if (el instanceof SVGElement || el.closest('mjx-container, .math')) continue;
    if (el.clientWidth === 0 || el.scrollWidth <= el.clientWidth + 3 || scrolls(el)) continue;
    let scroller = el.parentElement;
    while (scroller !== article && !scrolls(scroller)) scroller = scroller.parentElement;
    if (scroller === article) {
      found.push(`${el.tagName.toLowerCase()} (${el.scrollWidth}px in ${el.clientWidth}px): `
                 + el.textContent.trim().slice(0, 60));
    }
  }
  return found;
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=chromium_binary(),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_nothing_is_cut_off(
    report: str, width: int, report_run: Callable, browser: Browser
) -> None:
    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        page.goto(report_run(report, {}).html.as_uri())
        page.wait_for_load_state("load")
        shots = project_root() / "_build" / "test-notebooks" / "screenshots"
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=shots / f"{report}-{width}.png", full_page=True)
        assert page.evaluate(CUT_OFF) == []
    finally:
        page.close()
