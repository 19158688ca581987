"""Report 2: the book's own CI/CD, validated, run on this machine and deployed with rollback.

- :mod:`deploybook.cicd.emulator`: the GitHub Actions emulator (workflows, expressions,
  the local runner and its actions), a subpackage of its own;
- :mod:`~deploybook.cicd.validation`, :mod:`~deploybook.cicd.policy`,
  :mod:`~deploybook.cicd.broken`, :mod:`~deploybook.cicd.tools`: check the workflows (schema,
  contexts, actionlint, zizmor, policy), and show that each checker catches a mistake;
- :mod:`~deploybook.cicd.modelcheck`: every trigger x job outcome of a workflow, checked
  against the pipeline's properties;
- :mod:`~deploybook.cicd.release`, :mod:`~deploybook.cicd.environment`,
  :mod:`~deploybook.cicd.deployment`, :mod:`~deploybook.cicd.server`,
  :mod:`~deploybook.cicd.smoke`, :mod:`~deploybook.cicd.probes`: deploy the built book
  blue/green, smoke-test it in Chromium, roll it back, and watch what readers see;
- :mod:`~deploybook.cicd.pipeline`, :mod:`~deploybook.cicd.graph`,
  :mod:`~deploybook.cicd.charts`, :mod:`~deploybook.cicd.tables`,
  :mod:`~deploybook.cicd.minibook`, :mod:`~deploybook.cicd.figures`: the report's runs,
  charts, tables and glued figures;
- ``python -m deploybook.cicd``: the commands the workflows call.
"""
