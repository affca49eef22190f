"""The interactive API documentation, served with its assets from the package (offline).

``/docs`` is Swagger UI and ``/redoc`` is ReDoc, both reading ``/openapi.json``. Their
JavaScript and CSS are vendored in ``api/static/`` (Swagger UI from the npm package
``swagger-ui-dist``, ReDoc from ``redoc``; versions, checksums and licences in
``api/static/README.md``) and served at ``/docs/static/<file>``, so the pages work on a
machine with no network: FastAPI's defaults load them from a CDN, and Google Fonts.

Each page is sent with a Content-Security-Policy that lets it load from this server
only (``'self'``): scripts from ``/docs/static`` plus the one inline script that starts
Swagger UI (allowed by its SHA-256), requests to ``/openapi.json`` and the API. ReDoc
also needs inline styles (``'unsafe-inline'`` for styles only: it writes its CSS at run
time) and a ``blob:`` worker for its search box. No route here needs an API key.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

__all__ = [
    "STATIC_DIR",
    "ASSETS_URL",
    "ASSETS",
    "install_docs",
    "swagger_ui_page",
    "redoc_page",
]

#: the vendored files
STATIC_DIR = Path(__file__).with_name("static")
#: where they are served
ASSETS_URL = "/docs/static"
#: file served under ASSETS_URL -> its content type (nothing else in STATIC_DIR is served)
ASSETS: dict[str, str] = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "swagger-ui-favicon-32x32.png": "image/png",
    "redoc.standalone.js": "text/javascript; charset=utf-8",
}

_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
_INLINE_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)


def _sha256_sources(pattern: re.Pattern[str], html: str) -> str:
    return " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(m.encode("utf-8")).digest()).decode() + "'"
        for m in pattern.findall(html)
    )


def _page(
    html: str, *, script_src: str, style_src: str, worker_src: str = "'none'"
) -> HTMLResponse:
    csp = "; ".join(
        (
            "default-src 'none'",
            f"script-src {script_src}",
            f"style-src {style_src}",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            f"worker-src {worker_src}",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )
    return HTMLResponse(
        html,
        headers={
            "Content-Security-Policy": csp,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )


def swagger_ui_page(openapi_url: str, title: str) -> HTMLResponse:
    """Swagger UI on ``openapi_url``, with local assets and its CSP."""
    html = get_swagger_ui_html(
        openapi_url=openapi_url,
        title=title,
        swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_URL}/swagger-ui-favicon-32x32.png",
        # no badge that sends the document to validator.swagger.io
        swagger_ui_parameters={"validatorUrl": None, "persistAuthorization": False},
    ).body.decode("utf-8")
    return _page(
        html,
        script_src=f"'self' {_sha256_sources(_INLINE_SCRIPT, html)}",
        style_src="'self'",
    )


def redoc_page(openapi_url: str, title: str) -> HTMLResponse:
    """ReDoc on ``openapi_url``, with local assets and its CSP."""
    html = get_redoc_html(
        openapi_url=openapi_url,
        title=title,
        redoc_js_url=f"{ASSETS_URL}/redoc.standalone.js",
        redoc_favicon_url=f"{ASSETS_URL}/swagger-ui-favicon-32x32.png",
        with_google_fonts=False,
    ).body.decode("utf-8")
    return _page(html, script_src="'self'", style_src="'self' 'unsafe-inline'", worker_src="blob:")


def install_docs(app: FastAPI, *, title: str) -> None:
    """Add ``/docs``, ``/redoc`` and ``/docs/static/<file>`` to ``app`` (which must be
    built with ``docs_url=None, redoc_url=None`` and serve its document at
    ``app.openapi_url``)."""
    openapi_url = app.openapi_url
    if not openapi_url:
        raise ValueError("the app serves no OpenAPI document")
    swagger = swagger_ui_page(openapi_url, f"{title} - API docs")
    redoc = redoc_page(openapi_url, f"{title} - API reference")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return swagger

    @app.get("/redoc", include_in_schema=False)
    async def redoc_docs() -> HTMLResponse:
        return redoc

    @app.get(ASSETS_URL + "/{name}", include_in_schema=False)
    async def docs_asset(name: str) -> FileResponse:
        media_type = ASSETS.get(name)
        if media_type is None:
            raise StarletteHTTPException(404, f"no documentation asset {name!r}")
        return FileResponse(
            STATIC_DIR / name,
            media_type=media_type,
            headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"},
        )
