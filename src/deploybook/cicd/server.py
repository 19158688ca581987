"""Serve an environment's ``current`` release on loopback, resolving the symlink per request."""

from __future__ import annotations

import sys
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self


class _Handler(SimpleHTTPRequestHandler):
    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-cache")
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
    """A threaded HTTP server on ``127.0.0.1`` (a free port) for one folder or symlink.

    Use as a context manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)
        handler = partial(_Handler, directory=str(self.directory))
        self._server = _Server(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

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
