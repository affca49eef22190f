"""Errors of the HTTP API: one JSON shape, mapped from :mod:`guanxi.errors` in one place.

Every error answer is ``{"error": {"code", "message", "details"}}``. The mapping from
the exception tree to status codes is :data:`STATUS`, the only one in the API;
:func:`register_error_handlers` installs it, plus handlers for request validation,
unknown routes and anything unexpected (500, logged, never a traceback in the body).
The checks made before a request's body is read (:mod:`guanxi.api.guard`: 401, 413,
503 for a broken keys file) answer through :func:`exception_response` and
:func:`error_response`, in the same shape.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from guanxi.errors import (
    ConfigError,
    Conflict,
    Forbidden,
    GuanxiError,
    InputError,
    NotAnalyzed,
    NotFound,
    StoreError,
    StoreUnavailable,
    Unauthorized,
)

__all__ = [
    "ErrorInfo",
    "ErrorBody",
    "ViewsUnavailable",
    "AuditUnavailable",
    "KeysUnavailable",
    "STATUS",
    "status_of",
    "error_response",
    "exception_response",
    "ERROR_RESPONSES",
    "BODY_ERROR_RESPONSES",
    "register_error_handlers",
]

log = logging.getLogger("guanxi.api")


class ViewsUnavailable(GuanxiError):
    """The HTML renderer (``guanxi.viz.render_view``) is not available."""


class AuditUnavailable(GuanxiError):
    """The audit log cannot be written: nothing is served unaudited."""


class KeysUnavailable(GuanxiError):
    """The API keys file changed and cannot be read (invalid JSON or TOML, wrong shape):
    every request is refused until it is fixed, never served with the keys read before."""


class ErrorInfo(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorBody(BaseModel):
    """Every error answer of the API."""

    error: ErrorInfo


#: exception class -> (HTTP status, error code); the first match wins, most specific first
STATUS: tuple[tuple[type[BaseException], int, str], ...] = (
    (Unauthorized, 401, "unauthorized"),
    (Forbidden, 403, "forbidden"),
    (NotAnalyzed, 409, "not_analyzed"),
    (Conflict, 409, "conflict"),
    (NotFound, 404, "not_found"),
    (ConfigError, 422, "invalid_parameter"),
    (InputError, 422, "invalid_input"),
    (StoreUnavailable, 503, "store_unavailable"),
    (StoreError, 503, "store_error"),
    (ViewsUnavailable, 503, "views_unavailable"),
    (AuditUnavailable, 503, "audit_unavailable"),
    (KeysUnavailable, 503, "keys_unavailable"),
    (GuanxiError, 500, "error"),
)


def status_of(exc: BaseException) -> tuple[int, str]:
    for cls, status, code in STATUS:
        if isinstance(exc, cls):
            return status, code
    return 500, "internal_error"


def error_response(
    status: int, code: str, message: str, details: Any = None, headers: dict | None = None
) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "details": details}}
    return JSONResponse(jsonable_encoder(body), status_code=status, headers=headers)


def exception_response(exc: GuanxiError) -> JSONResponse:
    """The error answer of ``exc`` by :data:`STATUS` (a 401 carries
    ``WWW-Authenticate: Bearer``); nothing is logged or audited here."""
    status, code = status_of(exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return error_response(status, code, str(exc), headers=headers)


def _described(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


#: the error answers of a route with a request body: one that cannot be decoded at all,
#: one larger than ``GUANXI_API_MAX_BODY_BYTES``
BODY_ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _described("The request body is not UTF-8 JSON"),
    413: _described(
        "The request body is larger than the server's limit (setting api_max_body_bytes); "
        "refused before it is read"
    ),
}

#: the error answers every data route may give, for the OpenAPI document
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _described("No API key, or an unknown one"),
    403: _described("The caller's role may not read this"),
    404: _described("Unknown id"),
    409: _described("No analysis results yet, or an analysis is already running"),
    422: _described("A parameter is out of range or malformed"),
    503: _described(
        "The graph store (or the audit log, the API keys file, or the HTML views) is unavailable"
    ),
}


async def _guanxi_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, GuanxiError)
    status, _ = status_of(exc)
    if status == 403:
        auditor = getattr(request.state, "auditor", None)
        if auditor is not None:
            try:
                auditor.denied()
            except AuditUnavailable:
                log.exception("cannot write a denied request to the audit log")
    if status >= 500 and not isinstance(exc, KeysUnavailable):  # that one is logged once
        log.error("%s %s: %s", request.method, request.url.path, exc)
    return exception_response(exc)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [
        {
            "loc": [str(x) for x in err.get("loc", ())],
            "msg": err.get("msg", ""),
            "type": err.get("type", ""),
        }
        for err in exc.errors()
    ]
    first = details[0] if details else {"loc": [], "msg": "invalid request"}
    where = ".".join(first["loc"])
    return error_response(
        422, "invalid_parameter", f"{where}: {first['msg']}" if where else first["msg"], details
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    codes = {
        404: "not_found",
        405: "method_not_allowed",
        401: "unauthorized",
        403: "forbidden",
        413: "body_too_large",
    }
    headers = getattr(exc, "headers", None)
    return error_response(
        exc.status_code, codes.get(exc.status_code, "http_error"), str(exc.detail), headers=headers
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return error_response(500, "internal_error", "internal error; the server log has the details")


def register_error_handlers(app: FastAPI) -> None:
    """Install the one mapping from exceptions to error answers."""
    app.add_exception_handler(GuanxiError, _guanxi_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
