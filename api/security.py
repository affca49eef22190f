"""API keys: created once, shown once, stored only as SHA-256 hashes.

The keys file (``GUANXI_API_KEYS_FILE``, JSON or TOML) maps the hex SHA-256 of each key
to the key's owner and role::

    {"3f1c...e9": {"name": "alice", "role": "risk", "created": "2026-07-01T09:00:00Z"}}

Keys are random (``gx_`` + 43 URL-safe characters), so a plain SHA-256 is enough to
store them (no salt or slow hash needed for 256-bit random secrets); a presented key is
hashed and compared with :func:`hmac.compare_digest` against every stored hash. The
file is re-read when it changes, so a key added with
``guanxi serve --create-key NAME --role ROLE`` works without a restart.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import re
import secrets
import threading
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from guanxi.errors import ConfigError
from guanxi.service import Role

__all__ = ["Principal", "ApiKeys", "hash_key", "create_api_key", "KEY_PREFIX"]

KEY_PREFIX = "gx_"
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
        raise ConfigError(
            f"the API keys file {path} is not valid {path.suffix or 'JSON'}: {exc}"
        ) from exc
    if not isinstance(data, dict):
        raise ConfigError(f"the API keys file {path} must hold a table of key hashes")
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


_UNREAD = object()


class ApiKeys:
    """The known API keys (from the keys file, plus throw-away keys made in dev mode)."""

    def __init__(self, path: str | Path | None):
        self.path = Path(path).expanduser() if path is not None else None
        self._fspath = os.fspath(self.path) if self.path is not None else None
        self._lock = threading.Lock()
        # (mtime, size) of the file read last, None when there was none; _UNREAD
        # before the first read
        self._stamp: tuple[int, int] | None | object = _UNREAD
        self._file: dict[str, Principal] = {}
        self._extra: dict[str, Principal] = {}
        self._reload()

    @classmethod
    def from_settings(cls, settings) -> ApiKeys:
        return cls(settings.api_keys_path())

    def _current_stamp(self) -> tuple[int, int] | None:
        if self.path is None:
            return None
        try:
            st = os.stat(self._fspath)  # once per request: no pathlib on the way
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def _reload(self) -> None:
        stamp = self._current_stamp()
        if stamp == self._stamp:
            return  # the same file as last time, or still no file (no open per request)
        entries = {} if self.path is None else _entries(self.path, _read_file(self.path))
        self._file, self._stamp = entries, stamp

    def __len__(self) -> int:
        with self._lock:
            self._reload()
            return len(self._file) + len(self._extra)

    def add_ephemeral(self, name: str, role: Role | str) -> str:
        """A key that lives in this process only (dev mode); returns it in clear."""
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        with self._lock:
            self._extra[hash_key(key)] = Principal(name, Role(role))
        return key

    def authenticate(self, key: str | None) -> Principal | None:
        """The owner of ``key``, or None when it is unknown."""
        if not key:
            return None
        digest = hash_key(key)
        with self._lock:
            # a half-written or broken file must not lock everyone out (or in):
            # keep serving the keys read last time
            with contextlib.suppress(ConfigError):
                self._reload()
            found = None
            for known, principal in (*self._file.items(), *self._extra.items()):
                if hmac.compare_digest(known, digest):
                    found = principal
        return found


def _toml_string(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def create_api_key(name: str, role: Role | str, keys_file: str | Path) -> str:
    """Make a new API key for ``name`` with ``role``, store its hash in ``keys_file``
    (created with mode 0600 if missing) and return the key in clear: it is shown
    once and never stored.

    Raises
    ------
    ConfigError
        A bad name or role, or a keys file that cannot be read or written.
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
    data = _read_file(path)
    _entries(path, data)  # refuse to add to a broken file
    key = KEY_PREFIX + secrets.token_urlsafe(32)
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
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        raise ConfigError(f"cannot write the API keys file {path}: {exc}") from exc
    return key
