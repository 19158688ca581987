"""A GitHub Actions emulator: read workflows and run their jobs on this machine, no Docker.

- :mod:`~deploybook.cicd.emulator.workflow`, :mod:`~deploybook.cicd.emulator.expressions`,
  :mod:`~deploybook.cicd.emulator.matrix`, :mod:`~deploybook.cicd.emulator.hashing`: read
  workflows as GitHub does;
- :mod:`~deploybook.cicd.emulator.runner`: :class:`LocalRunner`, which schedules jobs
  (``needs``, ``if:``, matrices, reusable workflows) and runs their steps (with
  :mod:`~deploybook.cicd.emulator.shell`, :mod:`~deploybook.cicd.emulator.masking`,
  :mod:`~deploybook.cicd.emulator.results`);
- :mod:`~deploybook.cicd.emulator.actions` (with
  :mod:`~deploybook.cicd.emulator.cache_store`,
  :mod:`~deploybook.cicd.emulator.artifact_store`): local equivalents of well-known actions.

Nothing here knows about the book: the report's own modules sit beside this package.
"""
