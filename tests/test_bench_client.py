"""The API benchmark's load generator (benchmarks/child.py): a minimal keep-alive
HTTP/1.1 client, and the server's CPU time read from /proc. Nothing is timed here."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture(scope="module")
def child():
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location("bench_child", BENCH / "child.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.path.remove(str(BENCH))


async def _serve(answers: list[bytes], seen: list[bytes]):
    """A server that reads one request head per answer, on one connection."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for answer in answers:
            seen.append(await reader.readuntil(b"\r\n\r\n"))
            writer.write(answer)
            await writer.drain()
        writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0)


def _answer(status: str, body: bytes, *extra: str) -> bytes:
    head = [f"HTTP/1.1 {status}", f"content-length: {len(body)}", *extra, "", ""]
    return "\r\n".join(head).encode() + body


def test_the_client_reads_answers_whole_on_one_connection(child):
    seen: list[bytes] = []

    async def main():
        answers = [
            _answer("200 OK", b'{"a": 1}'),
            _answer("404 Not Found", b'{"error": {}}'),
            _answer("200 OK", b"x" * 100_000, "connection: close"),
        ]
        server = await _serve(answers, seen)
        port = server.sockets[0].getsockname()[1]
        conn = child.HttpConnection("127.0.0.1", port, {"Authorization": "Bearer k"})
        got = [await conn.get("/a"), await conn.get("/b?x=1"), await conn.get("/c")]
        assert conn.writer is None  # closed as the server asked
        server.close()
        await server.wait_closed()
        return got

    got = asyncio.run(main())
    assert got == [(200, b'{"a": 1}'), (404, b'{"error": {}}'), (200, b"x" * 100_000)]
    assert seen[0].startswith(b"GET /a HTTP/1.1\r\nHost: 127.0.0.1:")
    assert b"Authorization: Bearer k\r\n" in seen[0] and seen[1].startswith(b"GET /b?x=1 ")


def test_the_client_reopens_a_connection_the_server_closed_while_idle(child):
    async def main():
        # one answer per connection, then the server hangs up (a keep-alive timeout)
        server = await _serve([_answer("200 OK", b"1")], [])
        port = server.sockets[0].getsockname()[1]
        conn = child.HttpConnection("127.0.0.1", port, {})
        try:
            first = await conn.get("/")
            await asyncio.sleep(0.05)
            second = await conn.get("/")
        finally:
            await conn.close()
            server.close()
            await server.wait_closed()
        return first, second, conn.reconnects

    assert asyncio.run(main()) == ((200, b"1"), (200, b"1"), 1)


def test_the_client_refuses_chunked_answers(child):
    async def main():
        chunked = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n"
        server = await _serve([chunked], [])
        port = server.sockets[0].getsockname()[1]
        conn = child.HttpConnection("127.0.0.1", port, {})
        try:
            with pytest.raises(RuntimeError, match="chunked"):
                await conn.get("/")
        finally:
            await conn.close()
            server.close()
            await server.wait_closed()

    asyncio.run(main())


def test_cpu_and_memory_of_a_process(child):
    cpu = child.proc_cpu_s(os.getpid())
    assert cpu is not None and cpu > 0
    rss = child.proc_rss_mb(os.getpid())
    assert rss["VmRSS"] > 0 and rss["VmHWM"] >= rss["VmRSS"]
    assert child.proc_cpu_s(2**22 + 12345) is None  # no such process
