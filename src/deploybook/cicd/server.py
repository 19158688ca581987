"""Serve an environment's slot on loopback, resolving the symlink once per request.

Each request resolves the served folder (``current`` or ``candidate``, a symlink into
``releases/<id>``) once and answers from that release only, naming it in an ``X-Release``
header: a page load whose HTML and assets came from two releases is then visible to a
probe (:mod:`deploybook.cicd.probes`). ``prefix`` serves the site under a path, as GitHub
Pages serves a project site under ``/<repository>/``.
"""

from __future__ import annotations

import os
import sys
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self

RELEASE_HEADER = "X-Release"


class _Handler(SimpleHTTPRequestHandler):
    def __init__(self, *args: Any, base: str, prefix: str, **kwargs: Any) -> None:
        self.base = base
        self.prefix = prefix
        self.release = ""
        super().__init__(*args, directory=base, **kwargs)

    def send_head(self) -> Any:
        """Resolve the slot once for this request, and serve only below the prefix."""
        resolved = os.path.realpath(self.base)
        self.directory = resolved
        if os.path.islink(self.base):
            self.release = Path(resolved).name
        if self.prefix:
            path = self.path.split("?", 1)[0]
            if path != self.prefix and not path.startswith(self.prefix + "/"):
                self.send_error(404, "File not found")
                return None
            self.path = self.path[len(self.prefix) :] or "/"
        return super().send_head()

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-cache")
        if self.release:
            self.send_header(RELEASE_HEADER, self.release)
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the per-request log line."""


class _Server(ThreadingHTTPServer):
    # a browser opens several connections per page and the smoke test loads pages side by
    # side while probes keep arriving: the stdlib's backlog of 5 would refuse some of them
    request_queue_size = 128
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up first (a browser closing, a favicon it stopped waiting
        for) is not a server error; anything else is reported as the stdlib does."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class SiteServer:
    """A threaded HTTP server on ``127.0.0.1`` (a free port) for one folder or symlink,
    optionally under a path ``prefix`` (``/deploybook``).

    Use as a context manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(self, directory: str | Path, prefix: str = ""):
        self.directory = Path(directory)
        self.prefix = prefix.rstrip("/")
        handler = partial(_Handler, base=str(self.directory), prefix=self.prefix)
        self._server = _Server(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` and the prefix."""
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}{self.prefix}"

    def start(self) -> Self:
        """Start serving in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
