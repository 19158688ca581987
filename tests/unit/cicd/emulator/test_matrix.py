"""Matrix expansion: cross product, exclude, include, and selecting combinations."""

from __future__ import annotations

import pytest

from deploybook.cicd.emulator.matrix import MatrixError, describe, expand_matrix, select


def test_no_matrix_is_one_empty_combination() -> None:
    assert expand_matrix(None) == [{}]
    assert expand_matrix({}) == [{}]


def test_cross_product_in_order() -> None:
    combos = expand_matrix({"python": ["3.11", "3.12"], "os": ["ubuntu", "debian"]})
    assert combos == [
        {"python": "3.11", "os": "ubuntu"},
        {"python": "3.11", "os": "debian"},
        {"python": "3.12", "os": "ubuntu"},
        {"python": "3.12", "os": "debian"},
    ]


def test_exclude_removes_partial_matches() -> None:
    combos = expand_matrix(
        {
            "python": ["3.11", "3.12"],
            "os": ["ubuntu", "debian"],
            "exclude": [{"os": "debian", "python": "3.12"}],
        }
    )
    assert {"python": "3.12", "os": "debian"} not in combos
    assert len(combos) == 3


def test_include_follows_githubs_documented_example() -> None:
    # https://docs.github.com/en/actions/how-tos/write-workflows/choose-what-workflows-do/run-job-variations
    combos = expand_matrix(
        {
            "fruit": ["apple", "pear"],
            "animal": ["cat", "dog"],
            "include": [
                {"color": "green"},
                {"color": "pink", "animal": "cat"},
                {"fruit": "apple", "shape": "circle"},
                {"fruit": "banana"},
                {"fruit": "banana", "animal": "cat"},
            ],
        }
    )
    assert combos == [
        {"fruit": "apple", "animal": "cat", "color": "pink", "shape": "circle"},
        {"fruit": "apple", "animal": "dog", "color": "green", "shape": "circle"},
        {"fruit": "pear", "animal": "cat", "color": "pink"},
        {"fruit": "pear", "animal": "dog", "color": "green"},
        {"fruit": "banana"},
        {"fruit": "banana", "animal": "cat"},
    ]


def test_include_only_matrix() -> None:
    assert expand_matrix({"include": [{"a": 1}, {"a": 2, "b": 3}]}) == [{"a": 1}, {"a": 2, "b": 3}]


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        ({"python": []}, "dimension 'python' must be a non-empty list"),
        ({"python": "3.11"}, "dimension 'python' must be a non-empty list"),
        ({"python": ["3.11"], "exclude": [{"os": "x"}]}, "exclude names unknown key"),
        ({"python": ["3.11"], "include": {"a": 1}}, "include must be a list of mappings"),
        (["3.11"], "must be a mapping"),
    ],
)
def test_invalid_matrices_are_named(matrix: object, message: str) -> None:
    with pytest.raises(MatrixError, match=message):
        expand_matrix(matrix)  # type: ignore[arg-type]


def test_select_compares_as_text() -> None:
    combos = expand_matrix({"python": [3.11, "3.12"]})
    assert select(combos, {"python": "3.11"}) == [{"python": 3.11}]


def test_select_without_match_lists_the_combinations() -> None:
    combos = expand_matrix({"python": ["3.11", "3.12"]})
    with pytest.raises(MatrixError, match=r"the combinations are: 3\.11; 3\.12"):
        select(combos, {"python": "3.13"})


def test_describe_joins_values() -> None:
    assert describe({"python": "3.11", "os": "ubuntu"}) == "3.11, ubuntu"
