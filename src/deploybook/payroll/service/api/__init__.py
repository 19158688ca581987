"""The payroll service's HTTP API (``/api/v1``).

The routes live one module per resource (:mod:`.auth`, :mod:`.users`, :mod:`.employees`,
:mod:`.timesheets`, :mod:`.rule_sets`, :mod:`.audit`, :mod:`.engine_scope`,
:mod:`.pay_runs`); :mod:`.models` are their bodies, :mod:`.access` who may call them,
:mod:`.accounts` logins and sessions, :mod:`.problems` errors as RFC 9457 problem responses,
:mod:`.paging` pagination, :mod:`.idempotency` idempotency keys, :mod:`.queries` paged
reads, :mod:`.parallel` parallel runs on demand. :mod:`deploybook.payroll.service.app`
composes the routes and the web pages into one app; nothing here imports the pages.
"""
