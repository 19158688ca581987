"""Report 3: a payroll engine (ATO PAYG withholding, super, pay runs) and its phased rollout.

Four layers, each importing only the ones before it:

- :mod:`.engine` the payroll rules and calculations, no database: rule sets as data
  (:mod:`.engine.rules`), money and rounding, Schedule 1 withholding (:func:`withholding` is
  the public contract), employees and payslips, the two payslip engines, the ABA bank file;
- :mod:`.service` the payroll as a product: the database (:mod:`.service.store`, Alembic
  migrations), pay runs with their controls (:mod:`.service.payruns`), the HTTP API
  (:mod:`.service.api`) and the payroll officer's web pages (:mod:`.service.web`), composed
  into one app by :mod:`.service.app`;
- :mod:`.rollout` a new engine version rolled out in phases with parallel runs and a
  data-safe rollback;
- :mod:`.report` the report's instruments: the live test pyramid, mutation testing, load
  tests, security checks, tables, charts and figures.
"""

from __future__ import annotations

from typing import Any

__all__ = ["withholding"]


def __getattr__(name: str) -> Any:
    """``withholding`` on first use: ``deploybook payroll ...`` and ``deploybook list``
    import this package without paying for the rules (pandas, YAML) until they need them.
    """
    if name == "withholding":
        from deploybook.payroll.engine.withholding import withholding

        return withholding
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
