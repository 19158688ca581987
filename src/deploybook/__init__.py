"""deploybook: the library behind the book's executable reports.

Each report has a subpackage (``retraining``, ``cicd``, ``payroll``, ``ets``); what they
share lives at the top level: project paths, the Spark session, report parameters,
recorded figures and plotting.
"""

__version__ = "0.1.0"
