"""API keys: created once, shown once, stored only as SHA-256 hashes.

The keys file (``GUANXI_API_KEYS_FILE``, JSON or TOML) maps the hex SHA-256 of each key
to the key's owner and role::

    {"3f1c...e9": {"name": "alice", "role": "risk", "created": "2026-07-01T09:00:00Z"}}

Keys are random (``gx_`` + 43 URL-safe characters), so a plain SHA-256 is enough to
store them (no salt or slow hash needed for 256-bit random secrets); a presented key is
hashed and compared with :func:`hmac.compare_digest` against every stored hash.

Writing. :func:`create_api_key` (``guanxi serve --create-key NAME --role ROLE``) reads,
adds and writes the file under an exclusive lock on ``<keys file>.lock`` beside it
(``fcntl.flock``), and the new file replaces the old one atomically, so concurrent
calls never lose a key and a reader never sees a half-written file.

Reading. The server reads the file at start and refuses to start when it is broken
(invalid JSON or TOML, not a table of hashes, an unknown role): a
:class:`~guanxi.errors.ConfigError`, exit code 2. While serving it re-reads the file
whenever it changes (inode, size or times), so a key added or removed works without a
restart. If a changed file is broken, the keys read before are dropped: every request
that needs a key is refused with **503** ``keys_unavailable`` (:class:`KeysUnavailable`)
and one error is logged naming the file and the problem, until the file is fixed. A
deleted keys file means no keys: every such request gets 401.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import threading
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from guanxi.api.errors import KeysUnavailable
from guanxi.errors import ConfigError, Unauthorized
from guanxi.service import Role

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt

__all__ = [
    "Principal",
    "ApiKeys",
    "KeysUnavailable",
    "hash_key",
    "create_api_key",
    "require_principal",
    "lock_path",
    "KEY_PREFIX",
    "MISSING_KEY",
    "UNKNOWN_KEY",
]

log = logging.getLogger("guanxi.api")

KEY_PREFIX = "gx_"
#: the messages of a 401: no key sent, and a key that is not in the keys file
MISSING_KEY = "an API key is required: send `Authorization: Bearer <key>`"
UNKNOWN_KEY = "unknown API key"
_HASH = re.compile(r"^[0-9a-f]{64}$")
_NAME = re.compile(r"^[\w.@+-][\w .@+-]{0,99}$")


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's owner and role."""

    name: str
    role: Role


def hash_key(key: str) -> str:
    """The hex SHA-256 of an API key, as stored in the keys file."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _read_file(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"cannot read the API keys file {path}: {exc}") from exc
    if not text.strip():
        return {}
    try:
        data = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        kind = "TOML" if path.suffix.lower() == ".toml" else "JSON"
        raise ConfigError(
            f"the API keys file {path} is not valid {kind} ({exc}): correct it, or move it "
            "away and create the keys again with `guanxi serve --create-key NAME --role ROLE`"
        ) from exc
    if not isinstance(data, dict):
        raise ConfigError(
            f"the API keys file {path} must hold a table of key hashes, "
            '{"<sha256 of the key>": {"name": ..., "role": ...}}, '
            f"not a {type(data).__name__}"
        )
    return data


def _entries(path: Path, data: dict) -> dict[str, Principal]:
    out: dict[str, Principal] = {}
    for digest, entry in data.items():
        if not isinstance(digest, str) or not _HASH.match(digest):
            raise ConfigError(
                f"the API keys file {path} holds {str(digest)[:12]!r}..., which is not the "
                "SHA-256 of a key (64 hex digits): keys are stored hashed, never in clear"
            )
        if not isinstance(entry, dict):
            raise ConfigError(f"the API keys file {path}: entry {digest[:12]}... is not a table")
        try:
            role = Role(str(entry.get("role")))
        except ValueError:
            raise ConfigError(
                f"the API keys file {path}: entry {digest[:12]}... has role "
                f"{entry.get('role')!r}; use one of {', '.join(r.value for r in Role)}"
            ) from None
        out[digest] = Principal(str(entry.get("name") or digest[:12]), role)
    return out


#: (inode, size, mtime, ctime) of a keys file; None when there is none
_Stamp = tuple[int, int, int, int] | None
_UNREAD = object()

#: the message of a 503 while the keys file is broken (the caller is not told the path
#: or the parse error: those go to the server log)
_BROKEN = (
    "the server's API keys file cannot be read, so no key can be checked; every request "
    "is refused until an administrator fixes the file (the server log names the problem)"
)


class ApiKeys:
    """The known API keys (from the keys file, plus throw-away keys made in dev mode).

    Parameters
    ----------
    path : str or Path or None
        The keys file; None for no file (only throw-away keys).

    Raises
    ------
    ConfigError
        The keys file exists and is broken, or cannot be read (at construction, i.e. at
        server start: the server refuses to start).
    """

    def __init__(self, path: str | Path | None):
        self.path = Path(path).expanduser() if path is not None else None
        self._fspath = os.fspath(self.path) if self.path is not None else None
        self._lock = threading.Lock()
        # stamp of the file read last; _UNREAD before the first read
        self._stamp: _Stamp | object = _UNREAD
        self._file: dict[str, Principal] = {}
        self._extra: dict[str, Principal] = {}
        #: why the keys file is unusable right now (None when it is fine)
        self.broken: str | None = None
        self._load(self._current_stamp())

    @classmethod
    def from_settings(cls, settings) -> ApiKeys:
        return cls(settings.api_keys_path())

    def _current_stamp(self) -> _Stamp:
        if self.path is None:
            return None
        try:
            st = os.stat(self._fspath)  # once per request: no pathlib on the way
        except OSError:
            return None
        return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)

    def _load(self, stamp: _Stamp) -> None:
        """Read the file; raises ConfigError (and changes nothing) when it is broken."""
        entries = {} if self.path is None else _entries(self.path, _read_file(self.path))
        self._file, self._stamp, self.broken = entries, stamp, None

    def _refresh(self) -> None:
        """Re-read the file if it changed since the last read. A broken file drops every
        key (fail closed) and is logged once, when the change is first seen."""
        stamp = self._current_stamp()
        if stamp == self._stamp:
            return  # the same file as last time, or still no file (no open per request)
        was_broken = self.broken is not None
        try:
            self._load(stamp)
        except ConfigError as exc:
            self._file, self._stamp, self.broken = {}, stamp, str(exc)
            log.error(
                "%s; every request that needs an API key is refused (503 keys_unavailable) "
                "until the file is fixed",
                exc,
            )
            return
        if stamp is None:
            log.warning("the API keys file %s is gone: every API key is refused", self.path)
        elif was_broken:
            log.warning(
                "the API keys file %s is readable again: %d key(s)", self.path, len(self._file)
            )

    def __len__(self) -> int:
        with self._lock:
            self._refresh()
            return len(self._file) + len(self._extra)

    def add_ephemeral(self, name: str, role: Role | str) -> str:
        """A key that lives in this process only (dev mode); returns it in clear."""
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        with self._lock:
            self._extra[hash_key(key)] = Principal(name, Role(role))
        return key

    def authenticate(self, key: str | None) -> Principal | None:
        """The owner of ``key``, or None when it is unknown.

        Raises
        ------
        KeysUnavailable
            The keys file changed and is broken: no key is accepted (not even one made
            in dev mode) until it is fixed.
        """
        digest = hash_key(key) if key else None
        with self._lock:
            self._refresh()
            if self.broken is not None:
                raise KeysUnavailable(_BROKEN)
            if digest is None:
                return None
            found = None
            for known, principal in (*self._file.items(), *self._extra.items()):
                if hmac.compare_digest(known, digest):
                    found = principal
        return found


def require_principal(keys: ApiKeys, key: str | None) -> Principal:
    """The owner of ``key``: what every route that needs a key, and the check made before
    a request body is read (:mod:`guanxi.api.guard`), call.

    Raises
    ------
    Unauthorized
        No key, or one not in the keys file (401).
    KeysUnavailable
        The keys file is broken (503).
    """
    principal = keys.authenticate(key)
    if principal is None:
        raise Unauthorized(UNKNOWN_KEY if key else MISSING_KEY)
    return principal


def _toml_string(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def lock_path(keys_file: str | Path) -> Path:
    """The lock file beside a keys file (``<keys file>.lock``), held while it is written."""
    path = Path(keys_file).expanduser()
    return path.with_name(path.name + ".lock")


@contextlib.contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created with mode 0600; never removed, so
    every writer locks the same inode)."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise ConfigError(f"cannot open the lock file {path}: {exc}") from exc
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        else:  # pragma: no cover - Windows
            msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def create_api_key(name: str, role: Role | str, keys_file: str | Path) -> str:
    """Make a new API key for ``name`` with ``role``, store its hash in ``keys_file``
    (created with mode 0600 if missing) and return the key in clear: it is shown
    once and never stored.

    The file is read, extended and replaced (atomically, through a temporary file and
    :func:`os.replace`) under an exclusive lock on :func:`lock_path`, so keys made at the
    same time by several processes are all kept.

    Raises
    ------
    ConfigError
        A bad name or role, or a keys file that is broken or cannot be read or written
        (then nothing is written).
    """
    if not isinstance(name, str) or not _NAME.match(name):
        raise ConfigError(
            "a key's name must be 1-100 letters, digits, spaces or . @ + - _ "
            f"(not starting with a space), not {name!r}"
        )
    try:
        role = Role(role)
    except ValueError:
        raise ConfigError(
            f"unknown role {role!r}; use one of {', '.join(r.value for r in Role)}"
        ) from None
    path = Path(keys_file).expanduser()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot write the API keys file {path}: {exc}") from exc
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    with _exclusive(lock_path(path)):
        data = _read_file(path)
        _entries(path, data)  # refuse to add to a broken file
        data[hash_key(key)] = {
            "name": name,
            "role": role.value,
            "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        if path.suffix.lower() == ".toml":
            text = "".join(
                f"[{_toml_string(h)}]\n"
                + "".join(f"{k} = {_toml_string(str(v))}\n" for k, v in entry.items())
                + "\n"
                for h, entry in data.items()
            )
        else:
            text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        tmp = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise ConfigError(f"cannot write the API keys file {path}: {exc}") from exc
    return key
