"""The examples table the report shows: every published figure reproduced, none invented."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploybook.payroll.engine.examples import examples_path, load_examples, reproduce_examples


def test_every_published_figure_is_reproduced() -> None:
    table = reproduce_examples()
    checked = table[table["checked"]]
    assert len(checked) == 31
    assert checked["reproduced"].all(), checked[~checked["reproduced"]]
    assert set(table["example"]) >= {"A-EX1", "A-EX2", "A-WE1", "B-WE1", "B-GE1", "B-GE2",
                                     "B-GE3", "B-WLA1", "B-WLA2", "B-WLA3"}  # fmt: skip


def test_unpublished_results_are_never_counted() -> None:
    table = reproduce_examples()
    unpublished = table[~table["checked"]]
    assert set(unpublished["example"]) == {"A-EX1", "B-GE3", "B-WLA3"}
    assert not unpublished["reproduced"].any()
    assert (unpublished["note"] != "").all()


def test_unknown_quantity_names_the_row(tmp_path: Path) -> None:
    path = tmp_path / "ex.csv"
    lines = examples_path().read_text().splitlines()
    lines[2] = lines[2].replace("weekly_amount", "tax")
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=r"ato_examples\.csv:3: unknown quantity 'tax'"):
        load_examples(path)
