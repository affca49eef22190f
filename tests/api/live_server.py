"""A real uvicorn server for the API tests that need sockets (a browser, raw HTTP).

:func:`live_server` runs an ASGI app with uvicorn (the same server and HTTP parser as
``guanxi serve``) in a thread of the test process, on loopback and a free port, and
stops it on exit. Being in the same process, the server's memory can be measured with
:mod:`tracemalloc`.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import uvicorn

__all__ = ["live_server"]


@contextlib.contextmanager
def live_server(app, *, startup_timeout: float = 30.0) -> Iterator[tuple[str, int]]:
    """Serve ``app`` on ``127.0.0.1``; yields ``(host, port)``."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    host, port = sock.getsockname()[:2]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="live-uvicorn", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield host, port
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
