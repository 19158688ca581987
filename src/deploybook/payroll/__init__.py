"""Report 3: a payroll engine (ATO PAYG withholding, super, pay runs) and its phased rollout.

The modules, from the rules up:

- :mod:`.rules` rule sets as data (``data/payroll/rulesets``), :mod:`.money` rounding,
  :mod:`.withholding` Schedule 1 in ``Decimal`` (:func:`withholding` is the public contract);
- :mod:`.domain` employees, timesheets, periods, payslips; :mod:`.calculation` the payslip
  engines 1.0 and 2.0; :mod:`.importing` employee CSV; :mod:`.synthetic` a generated company;
- :mod:`.schema`, :mod:`.store` (SQLAlchemy, Alembic migrations in ``migrations/``),
  :mod:`.payruns` the service layer with roles, segregation of duties and the audit log;
- :mod:`.reports` payslip HTML, summary, journal; :mod:`.aba` the bank file;
- :mod:`.rollout` plans, parallel runs, reconciliation, rollback; :mod:`.pyramid`,
  :mod:`.mutation`, :mod:`.security`, :mod:`.throughput`, :mod:`.charts`, :mod:`.params`
  the report's testing and figures; :mod:`.pgserver` a throwaway PostgreSQL for tests.
"""

from deploybook.payroll.withholding import withholding

__all__ = ["withholding"]
