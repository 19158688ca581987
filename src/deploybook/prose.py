"""Read a rendered report page as its reader does, and find prose that cannot be true.

A report's prose cites figures with ``{glue:text}`` and states outcomes in ``when`` blocks
(:mod:`deploybook.book`). A rerun with other parameters can still make a page say something
false: a figure that is ``None`` or ``nan`` pasted into a sentence, a glue reference left
unresolved, or a ``when`` block shown although its figure says otherwise.
:func:`prose_problems` lists each such place; the notebook tests run it on every parameter
set of every report.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from bs4 import BeautifulSoup, Tag

from deploybook.book import WHEN_CLASS
from deploybook.figures import Figure

NOT_A_VALUE = re.compile(r"\b(nan|NaN|inf)\b|(?<![.!?:]\s)(?<!^)\bNone\b")
"""A missing value in a sentence (``None`` that starts a sentence is the English word)."""
PASTED_NON_VALUES = {"", "None", "nan", "NaN", "inf", "-inf", "[]", "{}"}
UNRESOLVED = re.compile(r"\{glue(:\w+)?\}")
WHEN_FIGURE = re.compile(rf"^{WHEN_CLASS}-(?P<name>\w+)-(?P<value>true|false)$")


def _article(html: str | Path) -> Tag:
    text = Path(html).read_text(encoding="utf-8") if isinstance(html, Path) else html
    article = BeautifulSoup(text, "html.parser").find("article")
    if not isinstance(article, Tag):
        raise ValueError("not a rendered report page: it has no <article>")
    return article


def _prose_only(article: Tag) -> Tag:
    """The article without its code cells (their inputs and outputs are not prose)."""
    for cell in article.select("div.cell"):
        cell.decompose()
    return article


BLOCKS = ["p", "li", "td", "th", "h1", "h2", "h3", "h4", "dd", "dt", "caption"]


def _text(tag: Tag) -> str:
    return " ".join(tag.get_text().split())


def prose_text(html: str | Path) -> str:
    """The visible prose of a rendered page: headings, paragraphs, lists and Markdown tables."""
    article = _prose_only(_article(html))
    for block in article.find_all(BLOCKS):
        block.append("\n")  # blocks read apart; inline elements run on
    return " ".join(article.get_text().split())


def prose_problems(html: str | Path, figures: Mapping[str, Figure] | None = None) -> list[str]:
    """Every place where the prose of a rendered page cannot be true.

    ``html`` is the page (a path or its text). Finds ``None``, ``nan`` and ``inf`` in
    sentences, empty pasted figures and unresolved glue; with the run's ``figures``, also
    ``when`` blocks shown although their figure has the other value.
    """
    article = _prose_only(_article(html))
    problems = []
    for block in article.find_all(BLOCKS):
        sentence = _text(block)
        for match in NOT_A_VALUE.finditer(sentence):
            problems.append(f"{match.group()!r} in: {sentence[:160]}")
        if UNRESOLVED.search(sentence):
            problems.append(f"unresolved glue in: {sentence[:160]}")
    for pasted in article.select("span.pasted-text"):
        if pasted.get_text().strip() in PASTED_NON_VALUES:
            context = _text(pasted.parent) if pasted.parent else ""
            problems.append(f"figure {pasted.get_text()!r} pasted in: {context[:160]}")
    for block in article.select(f"div.{WHEN_CLASS}"):
        for name, shown_for in _conditions(block):
            value = None if figures is None else figures.get(name)
            if figures is not None and value is not shown_for:
                problems.append(f"a 'when' block for {name}={shown_for} is shown; {name}={value!r}")
    return problems


def _conditions(block: Tag) -> list[tuple[str, bool]]:
    found = []
    for css in block.get("class") or []:
        match = WHEN_FIGURE.match(str(css))
        if match:
            found.append((match["name"], match["value"] == "true"))
    return found
