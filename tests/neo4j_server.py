"""A real Neo4j for the tests: Neo4j 5.26 LTS with Graph Data Science, from Maven Central.

The build machines have no Docker and no Neo4j package, but they reach Maven Central,
where Neo4j publishes its server and GDS its library. ``tests/neo4j/pom.xml`` pins both
versions; :func:`build` runs Maven on it once (``mvn compile``: the jars land in
Maven's local repository, ``~/.m2``, and a few kB of launcher in ``tests/neo4j/target``)
and :class:`Neo4jServer` starts the server from those jars in a JVM of its own:

- on 127.0.0.1, Bolt on a free port, HTTP off, in a fresh home folder (its
  ``conf/neo4j.conf``, ``data/``, ``logs/``);
- authentication on: user ``neo4j``, password :data:`DEFAULT_PASSWORD` (set with
  ``neo4j-admin dbms set-initial-password`` before the first start);
- GDS procedures allowed (``dbms.security.procedures.unrestricted=gds.*``);
- a 1 GB heap and a 128 MB page cache by default (a shared 2-core machine).

:meth:`Neo4jServer.kill` is SIGKILL (no shutdown, like a crashed machine) and
:meth:`Neo4jServer.restart` starts it again on the same data and port, for the fault
tests. The JVM exits by itself when the test process closes its standard input (or
dies), so it never outlives the tests.

Usage::

    server = Neo4jServer(tmp_path / "neo4j")
    server.start()            # returns once Neo4j has started and Bolt answers
    driver = neo4j.GraphDatabase.driver(server.uri, auth=server.auth)
    ...
    server.stop()

Anything missing (Java 17 or 21, Maven, a download from Maven Central) raises
:class:`Neo4jServerError` naming it and the fix.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

__all__ = [
    "DATABASE",
    "DEFAULT_PASSWORD",
    "GDS_VERSION",
    "NEO4J_VERSION",
    "POM",
    "USER",
    "Neo4jBuild",
    "Neo4jServer",
    "Neo4jServerError",
    "bolt_answers",
    "build",
    "free_port",
]

HERE = Path(__file__).resolve().parent
PROJECT = HERE / "neo4j"
#: the Maven project that pins Neo4j and GDS (its versions are read from it)
POM = PROJECT / "pom.xml"
TARGET = PROJECT / "target"

USER = "neo4j"
DATABASE = "neo4j"
#: Neo4j 5 refuses passwords shorter than 8 characters
DEFAULT_PASSWORD = "guanxi-test-password"
#: the Java versions Neo4j 5.26 runs on
SUPPORTED_JAVA = (17, 21)
#: written by the launcher (tests/neo4j/src/main/java/guanxi/neo4j/TestServer.java)
READY_FILE = Path("run") / "guanxi-ready"
MAIN_CLASS = "guanxi.neo4j.TestServer"
#: the launcher, built by `mvn package`
LAUNCHER_JAR = "guanxi-test-neo4j.jar"
#: what ``make system-deps`` installs when Java or Maven is missing
INSTALL_HINT = (
    "`make system-deps` installs Debian's default-jdk-headless and maven when run as "
    "root (or: apt-get install default-jdk-headless maven)"
)
#: the Bolt handshake: magic preamble, then four version proposals (5.x ranges, 4.4)
_BOLT_MAGIC = b"\x60\x60\xb0\x17"
_BOLT_VERSIONS = b"\x00\x04\x04\x05" + b"\x00\x00\x04\x04" + b"\x00" * 8


def _pom_property(name: str) -> str:
    match = re.search(rf"<{re.escape(name)}>([^<]+)</{re.escape(name)}>", POM.read_text("utf-8"))
    if match is None:
        raise RuntimeError(f"{POM} has no <{name}> property")
    return match.group(1).strip()


#: the Neo4j and GDS versions the tests run (pinned in tests/neo4j/pom.xml)
NEO4J_VERSION = _pom_property("neo4j.version")
GDS_VERSION = _pom_property("gds.version")


class Neo4jServerError(RuntimeError):
    """Neo4j could not be built or started (or stopped) as asked; the message says why."""


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


# -- building: Maven resolves the jars and compiles the launcher ----------------------
@dataclass(frozen=True)
class Neo4jBuild:
    """What :func:`build` produced: how to run the server."""

    java: str
    java_version: int
    classpath: str
    plugins: Path
    #: a class-data-sharing archive of the server's classes (faster starts), if made
    class_archive: Path | None


def _java() -> tuple[str, int]:
    """The ``java`` to run Neo4j with (``$JAVA_HOME/bin/java``, else the one on PATH)."""
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    if not java or not Path(java).exists():
        raise Neo4jServerError(
            f"Java is not installed (no `java` on PATH{', JAVA_HOME=' + home if home else ''}), "
            f"so the test Neo4j {NEO4J_VERSION} cannot run: {INSTALL_HINT}."
        )
    done = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60)
    match = re.search(r'version "(\d+)(?:\.(\d+))?', done.stderr + done.stdout)
    if match is None:
        raise Neo4jServerError(f"cannot tell the version of {java}: {done.stderr.strip()}")
    major = int(match.group(1))
    if major == 1 and match.group(2):  # "1.8.0_..."
        major = int(match.group(2))
    if major not in SUPPORTED_JAVA:
        raise Neo4jServerError(
            f"Neo4j {NEO4J_VERSION} runs on Java {' or '.join(map(str, SUPPORTED_JAVA))}, "
            f"and {java} is Java {major}: set JAVA_HOME to a Java 17 or 21 "
            f"(Debian: default-jdk-headless; {INSTALL_HINT})."
        )
    return java, major


def _inputs_digest() -> str:
    digest = hashlib.sha256()
    for path in [POM, *sorted((PROJECT / "src").rglob("*"))]:
        if path.is_file():
            digest.update(str(path.relative_to(PROJECT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _built(stamp: Path, digest: str) -> bool:
    """True when the last build is of these inputs and every jar it names is there
    (a wiped ~/.m2 needs Maven again)."""
    classpath = TARGET / "classpath.txt"
    if not (
        stamp.exists()
        and stamp.read_text("utf-8").strip() == digest
        and classpath.exists()
        and (TARGET / LAUNCHER_JAR).exists()
        and any((TARGET / "plugins").glob("*.jar"))
    ):
        return False
    return all(Path(p).exists() for p in classpath.read_text("utf-8").strip().split(os.pathsep))


def build() -> Neo4jBuild:
    """Resolve Neo4j and GDS from Maven Central and compile the launcher, once.

    Maven runs only when ``tests/neo4j`` changed since the last build (or never ran);
    its local repository (``~/.m2``) keeps the jars, so later builds need no network.
    The outcome, success or failure, is kept for the life of the process.

    Raises
    ------
    Neo4jServerError
        Java 17/21 or Maven is missing, or Maven failed (its output tail says why: most
        often Maven Central could not be reached).
    """
    outcome = _build_once()
    if isinstance(outcome, Neo4jServerError):
        raise outcome
    return outcome


@cache
def _build_once() -> Neo4jBuild | Neo4jServerError:
    try:
        return _build()
    except Neo4jServerError as exc:
        return exc


def _build() -> Neo4jBuild:
    java, major = _java()
    TARGET.mkdir(exist_ok=True)
    stamp = TARGET / "guanxi-build.stamp"
    digest = _inputs_digest()
    with open(TARGET / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another test process may be building
        if not _built(stamp, digest):
            mvn = shutil.which("mvn")
            if mvn is None:
                raise Neo4jServerError(
                    f"Maven (`mvn`) is not installed, so Neo4j {NEO4J_VERSION} and GDS "
                    f"{GDS_VERSION} cannot be fetched from Maven Central: {INSTALL_HINT}."
                )
            env = dict(os.environ)
            if not os.environ.get("JAVA_HOME"):
                env["JAVA_HOME"] = str(Path(java).resolve().parents[1])
            command = [mvn, "-B", "-q", "-f", str(POM), "package"]
            done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=1800)
            if done.returncode != 0:
                said = re.sub(r"\x1b\[[0-9;]*m", "", done.stdout + done.stderr)  # colours
                tail = "\n".join(said.splitlines()[-30:])
                raise Neo4jServerError(
                    f"`{' '.join(command)}` failed (exit code {done.returncode}): Neo4j "
                    f"{NEO4J_VERSION} and GDS {GDS_VERSION} could not be resolved from Maven "
                    f"Central or the launcher did not compile. Maven said:\n{tail}"
                )
            stamp.write_text(digest + "\n", "utf-8")
        classpath = os.pathsep.join(
            [str(TARGET / LAUNCHER_JAR), (TARGET / "classpath.txt").read_text("utf-8").strip()]
        )
        found = Neo4jBuild(java, major, classpath, TARGET / "plugins", None)
        return _with_class_archive(found)


def _with_class_archive(found: Neo4jBuild) -> Neo4jBuild:
    """``found`` with a class-data-sharing archive of Neo4j's classes, made once.

    The JVM then maps the classes Neo4j and GDS load at start-up from one file instead
    of reading, verifying and linking them from 340 jars: a start takes about a third
    of the CPU time. The archive is made by one start and clean stop of a throw-away
    server (``-XX:ArchiveClassesAtExit``) and is only valid for this JVM and this class
    path (every jar's size and time included), so its name hashes them. Without it (it
    could not be made), the server starts all the same, slower.
    """
    digest = hashlib.sha256()
    digest.update(f"{Path(found.java).resolve()}\0{found.java_version}".encode())
    for entry in found.classpath.split(os.pathsep):
        stat = Path(entry).stat()  # the JVM refuses an archive if a jar changed
        digest.update(f"\0{entry}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    key = digest.hexdigest()[:16]
    archive = TARGET / "cds" / f"neo4j-{key}.jsa"
    if not archive.exists():
        archive.parent.mkdir(exist_ok=True)
        for stale in archive.parent.glob("*.jsa"):
            stale.unlink()
        with tempfile.TemporaryDirectory(prefix="guanxi-neo4j-cds-") as tmp:
            server = Neo4jServer(Path(tmp) / "home")
            server._build = found
            server._dump_archive = archive
            try:
                server.start()
                server.stop(timeout=300)
            except Neo4jServerError as exc:
                server.kill()
                print(f"note: no class archive for the test Neo4j ({exc})", file=sys.stderr)
    if not archive.exists():
        return found
    return dataclasses.replace(found, class_archive=archive)


# -- the server ----------------------------------------------------------------------
class Neo4jServer:
    """Neo4j 5.26 Community with GDS on loopback, in a JVM of its own.

    Parameters
    ----------
    home : str or Path
        The server's home: ``conf/``, ``data/``, ``logs/``. Kept across :meth:`kill` /
        :meth:`restart`, so what was committed before a kill is there again.
    password : str
        The ``neo4j`` user's password (set when the home is first used).
    bolt_port : int, optional
        A fixed port; a free one is picked when omitted. It stays the same across
        restarts, so a driver keeps working after :meth:`restart`.
    heap : str
        The JVM heap (``-Xms`` and ``-Xmx``); Neo4j holds an open transaction's changes
        in it, up to ``dbms.memory.transaction.total.max`` (70 % of it by default).
    pagecache : str
        ``server.memory.pagecache.size``.
    settings : dict, optional
        More ``neo4j.conf`` settings (they win over the ones written here).
    jvm_options : list of str, optional
        More JVM options.
    quick_jit : bool
        Compile hot code with the JIT's first tier only (``-XX:TieredStopAtLevel=1``):
        the server starts on about half the CPU, and the tests' small queries do not
        miss the second tier. Benchmarks pass False, for the full JIT.
    """

    host = "127.0.0.1"

    def __init__(
        self,
        home: str | os.PathLike[str],
        *,
        password: str = DEFAULT_PASSWORD,
        bolt_port: int | None = None,
        heap: str = "1g",
        pagecache: str = "128m",
        settings: dict[str, str] | None = None,
        jvm_options: list[str] | None = None,
        quick_jit: bool = True,
    ) -> None:
        self.home = Path(home).resolve()
        self.password = password
        self.bolt_port = bolt_port or free_port(self.host)
        self.heap = heap
        self.pagecache = pagecache
        self.settings = dict(settings or {})
        self.jvm_options = list(jvm_options or [])
        self.quick_jit = quick_jit
        self.user = USER
        self.database = DATABASE
        self.version = NEO4J_VERSION
        self.gds_version = GDS_VERSION
        self.console_path = self.home / "logs" / "console.log"
        self.log_path = self.home / "logs" / "neo4j.log"
        #: seconds the last :meth:`start` took (JVM start to Bolt answering)
        self.start_seconds: float | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._build: Neo4jBuild | None = None  # set by build() for its archive run
        self._dump_archive: Path | None = None

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
    def configuration(self, plugins: Path) -> dict[str, str]:
        """The ``neo4j.conf`` this server runs with."""
        return {
            "server.default_listen_address": self.host,
            "server.default_advertised_address": self.host,
            "server.bolt.listen_address": f"{self.host}:{self.bolt_port}",
            "server.bolt.advertised_address": f"{self.host}:{self.bolt_port}",
            "server.http.enabled": "false",
            "server.https.enabled": "false",
            "dbms.security.auth_enabled": "true",
            "dbms.security.procedures.unrestricted": "gds.*",
            "dbms.usage_report.enabled": "false",
            "server.directories.plugins": str(plugins),
            "server.memory.pagecache.size": self.pagecache,
            # a restart after SIGKILL takes 5 s instead of 7 to 9 without these two
            # (a new transaction log file is not written out in advance; no query log)
            "db.tx_log.preallocate": "false",
            "db.logs.query.enabled": "OFF",
            # a clean stop waits 5 s for Bolt connections and 5 s for Bolt threads by
            # default, though none are left: a test server need not
            "internal.server.bolt.connection_shutdown_wait_time": "1s",
            "internal.server.bolt.thread_pool_shutdown_wait_time": "1s",
            **self.settings,
        }

    def start(self, timeout: float = 300.0) -> Neo4jServer:
        """Start the server and wait until it has started and Bolt answers, at most
        ``timeout`` s (building it first if needed)."""
        if self.is_running():
            raise Neo4jServerError(f"Neo4j is already running (pid {self.pid})")
        found = self._build or build()
        (self.home / "conf").mkdir(parents=True, exist_ok=True)
        (self.home / "logs").mkdir(parents=True, exist_ok=True)
        conf = "".join(f"{k}={v}\n" for k, v in self.configuration(found.plugins).items())
        (self.home / "conf" / "neo4j.conf").write_text(conf, "utf-8")
        ready = self.home / READY_FILE
        ready.unlink(missing_ok=True)
        command = [
            found.java,
            f"-Xms{self.heap}",
            f"-Xmx{self.heap}",
            "-XX:+UseG1GC",
            "-XX:-OmitStackTraceInFastThrow",
            "-XX:+ExitOnOutOfMemoryError",
            "-Dfile.encoding=UTF-8",
            # what Neo4j's own launcher opens (fast page cache and network buffers)
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            *(["-XX:TieredStopAtLevel=1"] if self.quick_jit else []),
            *self._archive_options(found),
            *self.jvm_options,
            "-cp",
            found.classpath,
            MAIN_CLASS,
            str(self.home),
        ]
        env = dict(os.environ, GUANXI_NEO4J_INITIAL_PASSWORD=self.password)
        started = time.monotonic()
        with open(self.console_path, "ab") as console:
            console.write(f"\n--- starting Neo4j {self.version} on {self.uri}\n".encode())
            console.flush()
            self._proc = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,  # closed by us (or by our death): the server exits
                stdout=console,
                stderr=subprocess.STDOUT,
                cwd=self.home,
                env=env,
            )
        deadline = started + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                code = self._proc.returncode
                self._close(self._proc)
                self._proc = None
                raise Neo4jServerError(
                    f"Neo4j {self.version} exited with code {code} while starting on "
                    f"{self.uri}; {self.log_tail()}"
                )
            if ready.exists() and bolt_answers(self.host, self.bolt_port):
                self.start_seconds = time.monotonic() - started
                return self
            time.sleep(0.2)
        self.kill()
        raise Neo4jServerError(
            f"Neo4j {self.version} did not start on {self.uri} within {timeout:.0f} s; "
            f"{self.log_tail()}"
        )

    def _archive_options(self, found: Neo4jBuild) -> list[str]:
        if self._dump_archive is not None:
            return [f"-XX:ArchiveClassesAtExit={self._dump_archive}"]
        if found.class_archive is not None:
            return [f"-XX:SharedArchiveFile={found.class_archive}"]
        return []

    def stop(self, timeout: float = 60.0) -> None:
        """Stop cleanly (standard input closed: Neo4j shuts down and checkpoints), then
        SIGTERM, then SIGKILL if it hangs."""
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
        self._close(proc)
        self._proc = None

    def kill(self) -> None:
        """Kill the server at once (SIGKILL): no shutdown, like a crashed machine."""
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        self._close(proc)
        self._proc = None

    def restart(self, timeout: float = 300.0) -> Neo4jServer:
        """Kill the server if it still runs, and start it again on the same data and port."""
        self.kill()
        return self.start(timeout=timeout)

    def log_tail(self, lines: int = 30) -> str:
        """The end of Neo4j's log and of the JVM's console output, for error messages."""
        parts = []
        for path in (self.log_path, self.console_path):
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError as exc:
                parts.append(f"(no {path.name}: {exc})")
                continue
            tail = "\n".join(text.splitlines()[-lines:])
            parts.append(f"tail of {path}:\n{tail}")
        return "\n".join(parts)

    @staticmethod
    def _close(proc: subprocess.Popen[bytes]) -> None:
        if proc.stdin is not None:
            with contextlib.suppress(OSError):
                proc.stdin.close()

    def __enter__(self) -> Neo4jServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = f"pid {self.pid}" if self.is_running() else "stopped"
        return f"<Neo4jServer {self.version} {self.uri} home={self.home} {state}>"


# -- command line: `python tests/neo4j_server.py build` (make test runs it) ------------
def _main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        description=f"The test Neo4j {NEO4J_VERSION} with GDS {GDS_VERSION} (tests/neo4j/pom.xml)"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("build", help="resolve Neo4j and GDS from Maven Central, build once")
    serve = commands.add_parser("serve", help="run a test Neo4j until Ctrl-C")
    serve.add_argument("home", type=Path, help="its home folder (kept)")
    serve.add_argument("--bolt-port", type=int, default=None)
    serve.add_argument("--heap", default="1g")
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        if args.command == "build":
            found = build()
            print(
                f"test Neo4j {NEO4J_VERSION} with GDS {GDS_VERSION} ready to start "
                f"(Java {found.java_version}, class archive: "
                f"{'yes' if found.class_archive else 'no'}; {time.monotonic() - started:.0f} s)"
            )
            return 0
        server = Neo4jServer(args.home, bolt_port=args.bolt_port, heap=args.heap)
        server.start()
    except Neo4jServerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(
        f"{server!r} started in {server.start_seconds:.1f} s; user {USER}, password {server.password}"
    )
    try:
        while server.is_running():
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
