"""``strategy.matrix`` expansion with GitHub's ``include`` and ``exclude`` rules."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from deploybook.cicd.emulator.expressions import to_string

Combination = dict[str, Any]


class MatrixError(ValueError):
    """A matrix that GitHub would reject, or a selection that matches no combination."""


def expand_matrix(matrix: Mapping[str, Any] | None) -> list[Combination]:
    """All job combinations of a matrix, in GitHub's order.

    The cross product of the dimensions, minus every combination that matches an
    ``exclude`` entry (all of the entry's keys equal); then each ``include`` entry is merged
    into every original combination whose original values it does not change, or, if it
    fits none, added as a combination of its own.
    """
    if not matrix:
        return [{}]
    if not isinstance(matrix, Mapping):
        raise MatrixError(f"strategy.matrix must be a mapping, got {type(matrix).__name__}")
    dims = {k: v for k, v in matrix.items() if k not in ("include", "exclude")}
    for key, values in dims.items():
        if not isinstance(values, list) or not values:
            raise MatrixError(f"matrix dimension {key!r} must be a non-empty list, got {values!r}")
    include = _entries(matrix, "include")
    exclude = _entries(matrix, "exclude")
    for entry in exclude:
        unknown = set(entry) - set(dims)
        if unknown:
            raise MatrixError(f"matrix exclude names unknown key(s): {', '.join(sorted(unknown))}")

    base = [dict(zip(dims, values, strict=True)) for values in itertools.product(*dims.values())]
    if not dims:
        base = []
    base = [c for c in base if not any(_matches(c, entry) for entry in exclude)]
    combos = [dict(c) for c in base]
    extra: list[Combination] = []
    for entry in include:
        fitted = False
        for original, combo in zip(base, combos, strict=True):
            if all(original[k] == v for k, v in entry.items() if k in original):
                combo.update(entry)
                fitted = True
        if not fitted:
            extra.append(dict(entry))
    return combos + extra


def _entries(matrix: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    entries = matrix.get(key) or []
    if not isinstance(entries, list) or not all(isinstance(e, Mapping) for e in entries):
        raise MatrixError(f"matrix {key} must be a list of mappings")
    return entries


def _matches(combo: Mapping[str, Any], entry: Mapping[str, Any]) -> bool:
    return all(combo.get(k) == v for k, v in entry.items())


def select(combos: Sequence[Combination], wanted: Mapping[str, Any]) -> list[Combination]:
    """The combinations whose values equal ``wanted`` (compared as text, like ``act --matrix``)."""
    chosen = [
        c
        for c in combos
        if all(k in c and to_string(c[k]) == to_string(v) for k, v in wanted.items())
    ]
    if not chosen:
        shown = "; ".join(describe(c) for c in combos) or "(none)"
        raise MatrixError(
            f"no matrix combination matches {dict(wanted)}; the combinations are: {shown}"
        )
    return chosen


def describe(combo: Mapping[str, Any]) -> str:
    """A combination as GitHub shows it in a job name: its values, comma-separated."""
    return ", ".join(to_string(v) for v in combo.values())
