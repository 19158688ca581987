"""The payroll as a service: an HTTP API (FastAPI) and the payroll officer's web pages.

- :mod:`.app` builds the ASGI app (:func:`create_app`); :mod:`.server` runs it
  (``deploybook payroll serve``) and creates the first administrator;
- :mod:`.people` and :mod:`.pay_runs` are the routes, :mod:`.models` their bodies,
  :mod:`.access` who may call them, :mod:`.accounts` logins and sessions, :mod:`.problems`
  errors as RFC 9457 problem responses, :mod:`.paging` pagination, :mod:`.idempotency`
  idempotency keys, :mod:`.queries` paged reads, :mod:`.parallel` parallel runs on demand;
- :mod:`.demo` a company to serve, :mod:`.loadtest` (Locust) and :mod:`.fuzzing`
  (schemathesis) test the service from outside; the pages live in
  :mod:`deploybook.payroll.web`.
"""

from deploybook.payroll.api.app import create_app
from deploybook.payroll.api.settings import ServiceSettings

__all__ = ["ServiceSettings", "create_app"]
