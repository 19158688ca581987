"""Alembic migrations of the payroll database (run through :mod:`..store`)."""
