"""Report 2: the book's own CI/CD, validated, run on this machine and deployed with rollback.

- :mod:`~deploybook.cicd.workflow`, :mod:`~deploybook.cicd.expressions`,
  :mod:`~deploybook.cicd.matrix`: read workflows as GitHub does;
- :mod:`~deploybook.cicd.validation`, :mod:`~deploybook.cicd.policy`: check them;
- :mod:`~deploybook.cicd.runner`, :mod:`~deploybook.cicd.actions`: run their jobs locally;
- :mod:`~deploybook.cicd.release`, :mod:`~deploybook.cicd.environment`,
  :mod:`~deploybook.cicd.deployment`, :mod:`~deploybook.cicd.smoke`: deploy the built book
  blue/green, smoke-test it in Chromium and roll it back;
- ``python -m deploybook.cicd``: the commands the workflows call.
"""
