"""Report 2: the book's own CI/CD, validated, run on this machine and deployed with rollback.

- :mod:`~deploybook.cicd.workflow`, :mod:`~deploybook.cicd.expressions`,
  :mod:`~deploybook.cicd.matrix`, :mod:`~deploybook.cicd.hashing`: read workflows as
  GitHub does;
- :mod:`~deploybook.cicd.validation`, :mod:`~deploybook.cicd.policy`,
  :mod:`~deploybook.cicd.broken`: check them, and show that each checker catches a mistake;
- :mod:`~deploybook.cicd.runner` (with :mod:`~deploybook.cicd.shell`,
  :mod:`~deploybook.cicd.masking`, :mod:`~deploybook.cicd.results`),
  :mod:`~deploybook.cicd.actions` (with :mod:`~deploybook.cicd.cache_store`,
  :mod:`~deploybook.cicd.artifact_store`): run their jobs locally;
- :mod:`~deploybook.cicd.release`, :mod:`~deploybook.cicd.environment`,
  :mod:`~deploybook.cicd.deployment`, :mod:`~deploybook.cicd.server`,
  :mod:`~deploybook.cicd.smoke`, :mod:`~deploybook.cicd.probes`: deploy the built book
  blue/green, smoke-test it in Chromium, roll it back, and watch what readers see;
- :mod:`~deploybook.cicd.pipeline`, :mod:`~deploybook.cicd.graph`,
  :mod:`~deploybook.cicd.charts`, :mod:`~deploybook.cicd.tables`,
  :mod:`~deploybook.cicd.minibook`: the report's runs, figures and tables;
- ``python -m deploybook.cicd``: the commands the workflows call.
"""
