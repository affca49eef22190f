"""Request bodies are capped (413) and the API key is checked (401) before a body is read.

Three levels: the ASGI app called directly with a body that streams from a generator
(so the test sees exactly how many bytes the app pulled, and the process's peak memory
with :mod:`tracemalloc`); the TestClient, for the limit's edges and normal requests; and
a real uvicorn server on loopback spoken to over a raw socket, for a ``Content-Length``
of 200 MB that is never sent and a chunked body that never ends.

Ordering, as documented in :mod:`guanxi.api.guard`: a request with a body to a route
that needs a key gets 401 without a known key whatever its size; with one, 413 when
the body is over the limit.
"""

from __future__ import annotations

import asyncio
import json
import select
import socket
import time
import tracemalloc
from collections.abc import Iterable, Iterator

import pytest
from api_support import API, TestClient, error_of, make_settings
from live_server import live_server

from guanxi.api.app import create_app
from guanxi.api.security import ApiKeys
from guanxi.settings import Settings

SEEDS = f"{API}/campaigns/seeds"
MiB = 1024 * 1024
CHUNK = 64 * 1024


@pytest.fixture(scope="module")
def limited(embedded_service, keys, tmp_path_factory):
    """``limited(max_body_bytes=None)`` -> an app over the analyzed bank (default limit
    unless given)."""

    def make(max_body_bytes: int | None = None):
        folder = tmp_path_factory.mktemp("limit")
        extra = {} if max_body_bytes is None else {"api_max_body_bytes": max_body_bytes}
        settings = make_settings(
            "unused.duckdb", keys, folder / "audit.jsonl", api_seed_simulations=20, **extra
        )
        return create_app(settings, embedded_service, keys=ApiKeys(keys.path))

    return make


def _chunks(total: int, size: int = CHUNK) -> Iterator[bytes]:
    """``total`` bytes of JSON whitespace, made one chunk at a time (never all at once)."""
    sent = 0
    while sent < total:
        n = min(size, total - sent)
        sent += n
        yield b" " * n


class _Call:
    """One request to the ASGI app, its body pulled from an iterator of chunks."""

    def __init__(self, app, path: str, headers: dict[str, str], body: Iterable[bytes]):
        self.app, self.path = app, path
        self.headers = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        self.body = iter(body)
        self.pulled = 0  # bytes the app asked for
        self.messages: list[dict] = []

    async def _receive(self) -> dict:
        for chunk in self.body:
            self.pulled += len(chunk)
            return {"type": "http.request", "body": chunk, "more_body": True}
        return {"type": "http.request", "body": b"", "more_body": False}

    async def _send(self, message: dict) -> None:
        self.messages.append(message)

    def run(self) -> _Call:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": self.path,
            "raw_path": self.path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": self.headers,
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
        }
        asyncio.run(self.app(scope, self._receive, self._send))
        return self

    @property
    def status(self) -> int:
        return next(m["status"] for m in self.messages if m["type"] == "http.response.start")

    @property
    def response_headers(self) -> dict[str, str]:
        start = next(m for m in self.messages if m["type"] == "http.response.start")
        return {k.decode(): v.decode() for k, v in start["headers"]}

    @property
    def error(self) -> dict:
        body = b"".join(
            m.get("body", b"") for m in self.messages if m["type"] == "http.response.body"
        )
        document = json.loads(body)
        assert set(document) == {"error"} and set(document["error"]) == {
            "code",
            "message",
            "details",
        }
        return document["error"]


def _json_headers(**extra: str) -> dict[str, str]:
    return {"content-type": "application/json", **extra}


def _bearer(keys, role: str = "marketing") -> dict[str, str]:
    return {"authorization": keys.headers(role)["Authorization"]}


# -- Content-Length: refused at once, nothing read --------------------------------------
def test_a_200_mb_content_length_gets_413_without_reading_a_byte(limited, keys):
    call = _Call(
        limited(),
        SEEDS,
        _json_headers(**_bearer(keys), **{"content-length": str(200_000_000)}),
        _chunks(200_000_000),
    ).run()
    assert call.status == 413
    assert call.pulled == 0, "the body was read before the 413"
    err = call.error
    assert err["code"] == "body_too_large"
    assert "1,048,576 bytes" in err["message"] and "api_max_body_bytes" in err["message"]
    assert err["details"] == {"max_bytes": 1_048_576}
    assert call.response_headers["connection"] == "close"


@pytest.mark.parametrize("authorization", [None, "Bearer gx_not-a-key", "Basic Zm9vOmJhcg=="])
def test_without_a_known_key_a_body_gets_401_before_it_is_read(limited, keys, authorization):
    headers = _json_headers(**{"content-length": str(200_000_000)})
    if authorization:
        headers["authorization"] = authorization
    call = _Call(limited(), SEEDS, headers, _chunks(200_000_000)).run()
    assert call.status == 401
    assert call.pulled == 0, "the body was read before the 401"
    err = call.error
    assert err["code"] == "unauthorized"
    expected = (
        "unknown API key" if authorization == "Bearer gx_not-a-key" else "API key is required"
    )
    assert expected in err["message"]
    assert call.response_headers["www-authenticate"] == "Bearer"


def test_a_small_unauthenticated_body_gets_the_routes_own_401(limited):
    # the guard answers first; the answer is the one the route's dependency gives
    with TestClient(limited()) as client:
        r = client.post(SEEDS, json={"k": 2})
    assert r.status_code == 401
    assert error_of(r) == {
        "code": "unauthorized",
        "message": "an API key is required: send `Authorization: Bearer <key>`",
        "details": None,
    }
    assert r.headers["www-authenticate"] == "Bearer"


def test_an_unreadable_content_length_is_a_400(limited, keys):
    call = _Call(
        limited(), SEEDS, _json_headers(**_bearer(keys), **{"content-length": "12abc"}), []
    ).run()
    assert call.status == 400 and call.error["code"] == "bad_request" and call.pulled == 0


# -- chunked: cut at the limit, memory flat ---------------------------------------------
def _streamed_peak(app, headers: dict[str, str], total: int) -> tuple[_Call, int]:
    tracemalloc.start()
    try:
        call = _Call(app, SEEDS, headers, _chunks(total)).run()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return call, peak


def test_a_chunked_body_is_cut_at_the_limit_and_memory_does_not_grow(limited, keys):
    app = limited()
    headers = _json_headers(**_bearer(keys), **{"transfer-encoding": "chunked"})
    peaks = {}
    for total in (20 * MiB, 200 * MiB):
        call, peaks[total] = _streamed_peak(app, headers, total)
        assert call.status == 413 and call.error["code"] == "body_too_large"
        # the app stopped pulling one chunk past the limit
        assert 1 * MiB < call.pulled <= 1 * MiB + CHUNK
    # the server held about the limit, not the body: 200 MB streamed, a few MB at peak
    assert peaks[200 * MiB] < 16 * MiB, peaks
    assert peaks[200 * MiB] < 2 * peaks[20 * MiB] + MiB, peaks


def test_a_chunked_body_without_a_key_is_not_read_at_all(limited):
    call = _Call(
        limited(), SEEDS, _json_headers(**{"transfer-encoding": "chunked"}), _chunks(200 * MiB)
    ).run()
    assert call.status == 401 and call.pulled == 0


# -- the limit's edges, and normal requests ---------------------------------------------
def _padded(size: int) -> bytes:
    """A valid seeds request of exactly ``size`` bytes (JSON padded with spaces)."""
    body = json.dumps({"k": 2}).encode()
    return body + b" " * (size - len(body))


def test_the_limit_is_the_setting_and_inclusive(limited, keys):
    assert Settings().api_max_body_bytes == 1_048_576  # the documented default
    with TestClient(limited(4096)) as client:
        auth = keys.headers("marketing")
        ok = client.post(SEEDS, content=_padded(4096), headers={**auth, **_json_headers()})
        assert ok.status_code == 200, ok.text
        assert len(ok.json()["data"]) == 2
        over = client.post(SEEDS, content=_padded(4097), headers={**auth, **_json_headers()})
        assert over.status_code == 413
        assert error_of(over)["details"] == {"max_bytes": 4096}

        def streamed(size: int) -> Iterator[bytes]:
            body = _padded(size)
            yield from (body[i : i + 1000] for i in range(0, len(body), 1000))

        ok = client.post(SEEDS, content=streamed(4096), headers={**auth, **_json_headers()})
        assert ok.status_code == 200, ok.text
        over = client.post(SEEDS, content=streamed(4097), headers={**auth, **_json_headers()})
        assert over.status_code == 413 and error_of(over)["code"] == "body_too_large"


def test_normal_requests_are_unaffected(limited, keys, facts):
    with TestClient(limited()) as client:
        auth = keys.headers("marketing")
        r = client.post(SEEDS, json={"k": 3, "exclude": [facts.referrer]}, headers=auth)
        assert r.status_code == 200, r.text
        assert len(r.json()["data"]) == 3
        assert facts.referrer not in {s["customer_id"] for s in r.json()["data"]}
        # an empty body takes the defaults, as before
        assert client.post(SEEDS, headers=auth).status_code == 200
        # a malformed body of normal size is still the route's 422 / 400
        r = client.post(SEEDS, content=b'{"k": "many"}', headers={**auth, **_json_headers()})
        assert r.status_code == 422 and error_of(r)["code"] == "invalid_parameter"
        assert client.get(f"{API}/health").status_code == 200
        assert client.get(f"{API}/influencers", headers=auth).status_code == 200


def test_a_public_path_needs_no_key_but_is_capped(limited):
    with TestClient(limited(4096)) as client:
        r = client.post(f"{API}/health", content=b"x" * 5000)
        assert r.status_code == 413 and error_of(r)["code"] == "body_too_large"
        r = client.post(f"{API}/health", content=b"x" * 10)
        assert r.status_code == 405  # no 401: the health check needs no key


def test_openapi_documents_the_413(limited):
    with TestClient(limited()) as client:
        doc = client.get("/openapi.json").json()
    responses = doc["paths"][SEEDS]["post"]["responses"]
    assert "413" in responses
    assert responses["413"]["content"]["application/json"]["schema"]["$ref"].endswith("ErrorBody")


# -- a real server ----------------------------------------------------------------------
def _request_head(path: str, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _read_response(sock: socket.socket, timeout: float = 10.0) -> tuple[int, dict[str, str], dict]:
    sock.setblocking(True)
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        part = sock.recv(65536)
        assert part, f"connection closed before an answer: {data!r}"
        data += part
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines)}
    while len(body) < int(headers["content-length"]):
        part = sock.recv(65536)
        assert part, "connection closed in the middle of the answer"
        body += part
    return int(status_line.split()[1]), headers, json.loads(body)


@pytest.fixture(scope="module")
def server(limited):
    with live_server(limited()) as address:
        yield address


@pytest.mark.parametrize("with_key", [True, False], ids=["with-key", "no-key"])
def test_live_server_answers_a_200_mb_content_length_at_once(server, keys, with_key):
    headers = _json_headers(**{"content-length": str(200_000_000)})
    if with_key:
        headers.update(_bearer(keys))
    with socket.create_connection(server, timeout=10) as sock:
        sock.sendall(_request_head(SEEDS, headers))  # and not one byte of the body
        started = time.monotonic()
        status, response_headers, body = _read_response(sock)
    assert time.monotonic() - started < 5, "the server waited for the body"
    assert status == (413 if with_key else 401)
    assert body["error"]["code"] == ("body_too_large" if with_key else "unauthorized")
    assert response_headers["connection"] == "close"


def test_live_server_stops_an_endless_chunked_body(server, keys):
    """Chunks are sent until the server answers; it answers 413 after about the limit,
    long before 200 MB, and the process's peak memory stays far below the body."""
    headers = _json_headers(**_bearer(keys), **{"transfer-encoding": "chunked"})
    chunk = b"%x\r\n" % CHUNK + b" " * CHUNK + b"\r\n"
    sent = 0
    tracemalloc.start()
    try:
        with socket.create_connection(server, timeout=10) as sock:
            sock.sendall(_request_head(SEEDS, headers))
            sock.setblocking(False)
            pending = memoryview(chunk)
            deadline = time.monotonic() + 60
            answered = False
            while sent < 200 * MiB and time.monotonic() < deadline:
                readable, writable, _ = select.select([sock], [sock], [], 1.0)
                if readable:
                    answered = True
                    break
                if writable:
                    try:
                        n = sock.send(pending)
                    except (BrokenPipeError, ConnectionResetError):
                        answered = True
                        break
                    sent += n
                    pending = pending[n:] if n < len(pending) else memoryview(chunk)
            assert answered, f"no answer after {sent:,} bytes"
            status, response_headers, body = _read_response(sock)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert status == 413 and body["error"]["code"] == "body_too_large"
    assert response_headers["connection"] == "close"
    assert sent < 64 * MiB, f"the server read {sent:,} bytes before refusing"
    assert peak < 32 * MiB, f"peak {peak:,} bytes in the server process"
