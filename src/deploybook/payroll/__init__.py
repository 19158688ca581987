"""Report 3: a payroll engine (ATO PAYG withholding, super, pay runs) and its phased rollout."""

from deploybook.payroll.withholding import withholding

__all__ = ["withholding"]
