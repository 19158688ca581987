"""deploybook.rerun and deploybook.prose: a run rendered by the book's stack, read back.

The reference for what a reader sees is the HTML that Jupyter Book and myst-nb write (the
page's text as BeautifulSoup reads it), not the notebook the library produced.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from deploybook.prose import prose_problems, prose_text
from deploybook.rerun import RenderError, header_markdown, render_page

PROSE = """\
# A report

The release was {glue:text}`release`.

:::{when} rolled_back
The smoke test failed and the release was rolled back.
:::
:::{when} not rolled_back
No release failed its smoke test.
:::
"""


@pytest.fixture(scope="module")
def pages(
    tmp_path_factory: pytest.TempPathFactory, glued_notebook: Callable[..., Path]
) -> dict[bool, Path]:
    """The same prose rendered after a run that rolled back and after one that did not."""
    pages = {}
    for rolled_back in (True, False):
        folder = tmp_path_factory.mktemp(f"run-{rolled_back}")
        executed = glued_notebook(
            folder / "demo.ipynb", PROSE, release="v0.2.0", rolled_back=rolled_back
        )
        pages[rolled_back] = render_page(executed, folder / "html")
    return pages


def test_a_run_renders_as_a_themed_page_with_glue_resolved(pages: dict[bool, Path]) -> None:
    page = pages[True]
    assert page.name == "demo.html"
    html = page.read_text()
    assert "_static/deploybook.css" in html  # the book's own extension ran
    assert "plotly.min.js" in html
    assert (page.parent / "_static" / "plotly.min.js").is_file()
    text = prose_text(page)
    assert "The release was v0.2.0." in text
    assert "A rerun of demo with its default parameters." in text


def test_only_the_block_its_figure_chooses_is_shown(pages: dict[bool, Path]) -> None:
    assert "rolled back" in prose_text(pages[True])
    assert "No release failed" not in prose_text(pages[True])
    assert "No release failed its smoke test." in prose_text(pages[False])
    assert "rolled back" not in prose_text(pages[False])
    assert prose_problems(pages[True], {"rolled_back": True, "release": "v0.2.0"}) == []
    # read against another run's figures, the shown block contradicts its figure
    assert prose_problems(pages[True], {"rolled_back": False}) == [
        "a 'when' block for rolled_back=True is shown; rolled_back=False"
    ]


def test_a_when_block_on_a_figure_that_is_not_a_bool_fails_the_build(
    tmp_path: Path, glued_notebook: Callable[..., Path]
) -> None:
    executed = glued_notebook(tmp_path / "demo.ipynb", PROSE, release="v0.2.0", rolled_back=None)
    with pytest.raises(RenderError, match="glued figure 'rolled_back' is None, not True or False"):
        render_page(executed, tmp_path / "html")


def test_missing_values_in_prose_are_found() -> None:
    page = (
        "<article><p>The smoke test failed <span class='pasted-text'>None</span>.</p>"
        "<p>Accuracy was <span class='pasted-text'>nan</span>%. None of it is true.</p>"
        "<p>Unresolved {glue:text}`x`.</p>"
        "<div class='cell'><pre>None nan</pre></div></article>"
    )
    problems = prose_problems(page)
    assert len(problems) == 5, problems
    assert sum("pasted" in p for p in problems) == 2
    assert any(p.startswith("unresolved glue") for p in problems)


def test_the_header_lists_only_changed_parameters() -> None:
    header = header_markdown("ets_renewables", {"discount_rate": (0.05, 0.08)})
    assert "| `discount_rate` | `0.05` | `0.08` |" in header
    assert "default parameters" in header_markdown("ets_renewables", {})
