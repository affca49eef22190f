"""A real Bolt server for the tests: ArcadeDB from PyPI, in a process of its own.

The build machines have neither Docker nor a Neo4j package, so the Bolt code path is
tested against ArcadeDB (``arcadedb-embedded``, which ships its own Java runtime and
Bolt plugin). The server runs in a separate Python process, not in the test process:

- the JVM it starts stays out of pytest's process (and its warnings filter);
- a fault-injection test can :meth:`BoltServer.kill` it mid-load (SIGKILL, no clean
  shutdown) and :meth:`BoltServer.restart` it on the same data folder and ports.

Usage::

    server = BoltServer(tmp_path / "arcadedb")
    server.start()            # returns once the Bolt port answers a handshake
    driver = neo4j.GraphDatabase.driver(server.uri, auth=server.auth)
    ...
    server.stop()

Run as a script (``python tests/bolt_server.py ROOT --http-port N --bolt-port M``),
this module *is* the server process: it starts ArcadeDB, creates the ``neo4j``
database, prints a ready line and serves until its standard input closes (so it
never outlives the test process that started it) or it receives SIGTERM.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

__all__ = ["BoltServer", "BoltServerError", "free_port", "DATABASE", "USER"]

#: ArcadeDB's administrator; the Bolt plugin authenticates against its users
USER = "root"
#: the database the tests use (the name Neo4j gives its default database)
DATABASE = "neo4j"
#: ArcadeDB refuses root passwords shorter than 8 characters
DEFAULT_PASSWORD = "guanxi-test-password"
READY_LINE = "GUANXI-BOLT-SERVER-READY"
#: the Bolt handshake: magic preamble, then four version proposals (5.x ranges, 4.4)
_BOLT_MAGIC = b"\x60\x60\xb0\x17"
_BOLT_VERSIONS = b"\x00\x04\x04\x05" + b"\x00\x00\x04\x04" + b"\x00" * 8


class BoltServerError(RuntimeError):
    """The Bolt server did not start (or stop) as asked; the message carries its log tail."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def bolt_answers(host: str, port: int, timeout: float = 1.0) -> bool:
    """True when a Bolt server at ``host:port`` answers a handshake."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            s.settimeout(timeout)
            s.sendall(_BOLT_MAGIC + _BOLT_VERSIONS)
            reply = b""
            while len(reply) < 4:
                chunk = s.recv(4 - len(reply))
                if not chunk:
                    return False
                reply += chunk
            return True  # any version reply (even "none of those") is a Bolt server
    except OSError:
        return False


class BoltServer:
    """ArcadeDB serving Bolt on loopback, in a child process.

    Parameters
    ----------
    root_path : str or Path
        ArcadeDB's data folder (the databases live under it). Kept across
        :meth:`kill` / :meth:`restart`, so data written before a kill is there again.
    password : str
        The ``root`` user's password (set when the folder is first used).
    http_port, bolt_port : int, optional
        Fixed ports; free ones are picked when omitted. They stay the same across
        restarts, so a driver keeps working after :meth:`restart`.
    heap : str
        The JVM's maximum heap.
    """

    host = "127.0.0.1"

    def __init__(
        self,
        root_path: str | os.PathLike[str],
        *,
        password: str = DEFAULT_PASSWORD,
        http_port: int | None = None,
        bolt_port: int | None = None,
        heap: str = "1g",
    ) -> None:
        self.root_path = Path(root_path).resolve()
        self.password = password
        self.http_port = http_port or free_port(self.host)
        self.bolt_port = bolt_port or free_port(self.host)
        self.heap = heap
        self.user = USER
        self.database = DATABASE
        # ArcadeDB writes its application log under ./log of its working directory
        self.work_dir = self.root_path.parent / (self.root_path.name + "-work")
        self.log_path = self.work_dir / "server.log"
        self._proc: subprocess.Popen[bytes] | None = None

    # -- what clients need -----------------------------------------------------------
    @property
    def uri(self) -> str:
        return f"bolt://{self.host}:{self.bolt_port}"

    @property
    def auth(self) -> tuple[str, str]:
        return (self.user, self.password)

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def is_running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    # -- lifecycle -------------------------------------------------------------------
    def start(self, timeout: float = 180.0) -> BoltServer:
        """Start the server process and wait until Bolt answers, at most ``timeout`` s."""
        if self.is_running():
            raise BoltServerError(f"the Bolt server is already running (pid {self.pid})")
        self.root_path.mkdir(parents=True, exist_ok=True)
        self.work_dir.mkdir(parents=True, exist_ok=True)
        cmd = [
            sys.executable,
            str(Path(__file__).resolve()),
            str(self.root_path),
            "--http-port",
            str(self.http_port),
            "--bolt-port",
            str(self.bolt_port),
            "--heap",
            self.heap,
        ]
        env = dict(os.environ, GUANXI_BOLT_ROOT_PASSWORD=self.password)
        with open(self.log_path, "ab") as log:
            log.write(f"\n--- starting {' '.join(cmd)}\n".encode())
            log.flush()
            self._proc = subprocess.Popen(
                cmd,
                stdin=subprocess.PIPE,  # closed by us (or by our death): the server exits
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.work_dir,
                env=env,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                code = self._proc.returncode
                self._proc = None
                raise BoltServerError(
                    f"the ArcadeDB Bolt server exited with code {code} while starting; "
                    f"log tail ({self.log_path}):\n{self.log_tail()}"
                )
            if self._ready_line_seen() and bolt_answers(self.host, self.bolt_port):
                return self
            time.sleep(0.2)
        self.kill()
        raise BoltServerError(
            f"the ArcadeDB Bolt server did not answer on {self.uri} within {timeout:.0f} s; "
            f"log tail ({self.log_path}):\n{self.log_tail()}"
        )

    def stop(self, timeout: float = 60.0) -> None:
        """Stop cleanly (stdin closed, then SIGTERM, then SIGKILL if it hangs)."""
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            try:
                if proc.stdin is not None:
                    proc.stdin.close()
                proc.wait(timeout=timeout / 2)
            except subprocess.TimeoutExpired:
                proc.terminate()
                try:
                    proc.wait(timeout=timeout / 2)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        self._close_pipes(proc)
        self._proc = None

    def kill(self) -> None:
        """Kill the server at once (SIGKILL): no shutdown, like a crashed machine."""
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        self._close_pipes(proc)
        self._proc = None

    def restart(self, timeout: float = 180.0) -> BoltServer:
        """Kill the server if it still runs, and start it again on the same data and ports."""
        self.kill()
        return self.start(timeout=timeout)

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            return f"(no log: {exc})"
        return "\n".join(text.splitlines()[-lines:])

    def _ready_line_seen(self) -> bool:
        try:
            return READY_LINE in self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False

    @staticmethod
    def _close_pipes(proc: subprocess.Popen[bytes]) -> None:
        if proc.stdin is not None:
            with contextlib.suppress(OSError):
                proc.stdin.close()

    def __enter__(self) -> BoltServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = f"pid {self.pid}" if self.is_running() else "stopped"
        return f"<BoltServer {self.uri} root={self.root_path} {state}>"


# -- the server process --------------------------------------------------------------
def _serve(root: str, http_port: int, bolt_port: int, heap: str) -> int:
    # Remove the tests folder from the import path: only the installed package is wanted.
    here = str(Path(__file__).resolve().parent)
    sys.path[:] = [p for p in sys.path if p and Path(p).resolve() != Path(here)]

    import arcadedb_embedded as arcadedb
    from arcadedb_embedded.jvm import start_jvm

    start_jvm(heap_size=heap)
    password = os.environ.get("GUANXI_BOLT_ROOT_PASSWORD", DEFAULT_PASSWORD)
    server = arcadedb.ArcadeDBServer(
        root_path=root,
        root_password=password,
        config={
            "host": "127.0.0.1",
            "http_port": http_port,
            "bolt_port": bolt_port,
            "server_plugins": "Bolt:com.arcadedb.bolt.BoltProtocolPlugin",
        },
    )
    server.start()
    server.create_database(DATABASE)

    done = threading.Event()

    def _on_signal(signum: int, frame: object) -> None:
        done.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)

    def _watch_stdin() -> None:
        # the parent holds our stdin: EOF means it closed it or died
        try:
            while sys.stdin.buffer.read(1):
                pass
        finally:
            done.set()

    threading.Thread(target=_watch_stdin, daemon=True).start()
    print("\n" + READY_LINE, flush=True)
    while not done.wait(0.5):
        pass
    try:
        server.stop()
    finally:
        print("\nGUANXI-BOLT-SERVER-STOPPED", flush=True)
        # The JVM's non-daemon threads could keep the process alive; leave now.
        os._exit(0)
    return 0


def _main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="ArcadeDB serving Bolt, for guanxi's tests")
    parser.add_argument("root")
    parser.add_argument("--http-port", type=int, required=True)
    parser.add_argument("--bolt-port", type=int, required=True)
    parser.add_argument("--heap", default="1g")
    args = parser.parse_args(argv)
    return _serve(args.root, args.http_port, args.bolt_port, args.heap)


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
