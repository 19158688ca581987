"""The payroll engine: rules as data, withholding, payslips and the bank file (no database)."""
