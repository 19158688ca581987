"""The payroll report's instruments: the live test pyramid, mutation testing, load tests,
security checks, tables, charts and the report's figures.
"""
