"""A GitHub Actions emulator: read workflows and run their jobs on this machine, no Docker.

- :mod:`~deploybook.cicd.emulator.workflow`, :mod:`~deploybook.cicd.emulator.expressions`
  (checked against GitHub's own test data by :mod:`~deploybook.cicd.emulator.conformance`),
  :mod:`~deploybook.cicd.emulator.contexts` (where each context may be used, by GitHub's
  workflow schema), :mod:`~deploybook.cicd.emulator.matrix`,
  :mod:`~deploybook.cicd.emulator.hashing`: read workflows as GitHub does;
- :mod:`~deploybook.cicd.emulator.runner`: :class:`LocalRunner`, which hands the jobs to
  :mod:`~deploybook.cicd.emulator.scheduler` (``needs``, ``if:``, matrices, reusable
  workflows), which hands each job to :mod:`~deploybook.cicd.emulator.steps` (steps,
  composite actions, post steps; with :mod:`~deploybook.cicd.emulator.shell`,
  :mod:`~deploybook.cicd.emulator.masking`, :mod:`~deploybook.cicd.emulator.installs`,
  :mod:`~deploybook.cicd.emulator.results`);
- :mod:`~deploybook.cicd.emulator.actions` (with
  :mod:`~deploybook.cicd.emulator.cache_store`,
  :mod:`~deploybook.cicd.emulator.artifact_store`): local equivalents of well-known actions;
  :mod:`~deploybook.cicd.emulator.gh`: a local GitHub for releases and attestations, and
  the ``gh`` commands on it.

Nothing here knows about the book: the report's own modules sit beside this package.
"""
