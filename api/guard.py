"""What every request is checked for before its body is read: the API key and the size.

FastAPI reads and parses a route's whole JSON body before it resolves the route's
dependencies, the API key among them; left alone, an unauthenticated client could make
the server buffer and parse any amount of JSON before the 401. :class:`RequestGuard`, a
pure ASGI middleware, runs first and answers without reading the body:

1. **API key first.** A request that carries a body (``Content-Length`` above 0, or
   ``Transfer-Encoding: chunked``) to a route under the API prefix that needs a key
   (every one but the health check) must present a known key, else **401** (503 while
   the keys file is broken), exactly as the route itself would answer. So an
   unauthenticated caller learns nothing about the size limit, and the server reads
   none of its body (the answer carries ``Connection: close``).
2. **Size.** A body larger than ``max_body_bytes`` (the setting ``api_max_body_bytes``,
   ``GUANXI_API_MAX_BODY_BYTES``, default 1 MiB) is refused with **413**
   ``body_too_large``: at once when ``Content-Length`` says so, and for a chunked body
   as soon as the bytes received pass the limit (the app never sees more than the limit
   plus one chunk). The answer carries ``Connection: close``, so the server stops reading
   the rest.

Requests without a body (every GET) pass straight through. All answers have the API's
one error shape (:mod:`guanxi.api.errors`).
"""

from __future__ import annotations

from collections.abc import Collection

from fastapi.security.utils import get_authorization_scheme_param
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from guanxi.api.errors import error_response, exception_response
from guanxi.api.security import ApiKeys, require_principal
from guanxi.errors import GuanxiError

__all__ = ["RequestGuard"]


class RequestGuard:
    """ASGI middleware: the API key of a request with a body, then the body's size.

    Parameters
    ----------
    app : ASGI app
        The app to guard.
    keys : ApiKeys
        The keys the routes check.
    max_body_bytes : int
        Largest request body accepted, in bytes.
    protected_prefix : str
        Requests with a body to a path under this prefix need a known key...
    public_paths : collection of str
        ...except these paths (full paths, e.g. ``/api/v1/health``).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        keys: ApiKeys,
        max_body_bytes: int,
        protected_prefix: str,
        public_paths: Collection[str] = (),
    ):
        if max_body_bytes < 0:
            raise ValueError("max_body_bytes must be >= 0")
        self.app = app
        self.keys = keys
        self.max_body_bytes = max_body_bytes
        self.prefix = protected_prefix.rstrip("/") + "/"
        self.public = frozenset(public_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length: int | None = None
        chunked = False
        authorization: str | None = None
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    length = -1
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"authorization":
                authorization = value.decode("latin-1")
        if not chunked and not length:
            await self.app(scope, receive, send)  # no body: nothing to guard
            return
        if length is not None and length < 0:
            await _answer(
                scope,
                receive,
                send,
                400,
                "bad_request",
                "the Content-Length header is not a number",
            )
            return

        if self._needs_key(scope):
            scheme, token = get_authorization_scheme_param(authorization)
            try:
                require_principal(self.keys, token if scheme.lower() == "bearer" else None)
            except GuanxiError as exc:
                response = exception_response(exc)
                response.headers["Connection"] = "close"  # the body is never read
                await response(scope, receive, send)
                return

        if length is not None and length > self.max_body_bytes:
            await self._too_large(scope, receive, send)
            return
        await self._counted(scope, receive, send)

    def _needs_key(self, scope: Scope) -> bool:
        path: str = scope["path"]
        root: str = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :]
        return path.startswith(self.prefix) and path not in self.public

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        await _answer(
            scope,
            receive,
            send,
            413,
            "body_too_large",
            f"the request body is larger than {self.max_body_bytes:,} bytes, the limit of "
            "this server (setting api_max_body_bytes)",
            details={"max_bytes": self.max_body_bytes},
        )

    async def _counted(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app, counting the body's bytes as they arrive; past the limit, answer
        413, tell the app the client left, and drop whatever the app still sends."""
        received = 0
        refused = False  # the 413 was sent
        started = False  # the app began its answer

        async def counting_receive() -> Message:
            nonlocal received, refused
            if received > self.max_body_bytes:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    if not started:  # else the app answered early: leave its answer be
                        refused = True
                        await self._too_large(scope, receive, send)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return  # the 413 went out; the app's answer to the "disconnect" does not
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not refused:
                raise
            # the app failed on the cut-off body after the 413 was sent: nothing to add


async def _answer(
    scope: Scope,
    receive: Receive,
    send: Send,
    status: int,
    code: str,
    message: str,
    details: object = None,
) -> None:
    response = error_response(status, code, message, details, headers={"Connection": "close"})
    await response(scope, receive, send)
