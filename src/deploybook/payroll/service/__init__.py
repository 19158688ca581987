"""The payroll service: database, pay runs with their controls, HTTP API and web pages."""
