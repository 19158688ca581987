"""Listing an MLlib model's params without building its trees (a PySpark 4 slowdown).

``Params.params`` lists a stage's params by reading every attribute of the object except
properties, so that listing them computes nothing. PySpark 4.0 made the forest models'
``trees`` a ``functools.cached_property`` (SPARK-50843), which that check does not skip: every
``fit`` and ``load`` of a forest (both list the params) built a Python wrapper per tree,
with several py4j calls each. Here that was about 0.1 s per 50-tree load and 0.08 s per
10-tree fit: 0.6 s of each retraining update. :func:`install` makes the listing skip cached
properties too; the params listed are the same.
"""

from __future__ import annotations

from functools import cached_property

from pyspark.ml.param import Param, Params


def _params(self: Params) -> list[Param]:
    """Every param of ``self`` ordered by name, without computing any (cached) property."""
    if self._params is None:
        cls = type(self)
        lazy = (property, cached_property)
        names = [
            x for x in dir(self) if x != "params" and not isinstance(getattr(cls, x, None), lazy)
        ]
        self._params = [a for a in (getattr(self, x) for x in names) if isinstance(a, Param)]
    return self._params


def install() -> None:
    """Make ``Params.params`` skip cached properties (idempotent)."""
    setattr(Params, "params", property(_params, doc=Params.params.__doc__))  # noqa: B010
