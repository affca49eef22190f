"""The keys file: concurrent writers lose no key; a broken file fails closed and is said.

Writers: several real processes create keys at the same moment (a start file releases
them together), through the library and through ``guanxi serve --create-key``; every
key printed must be in the file and work.

Readers: a broken file at start is a refusal to start (ConfigError, exit code 2); a
file broken while serving denies every request that needs a key (503
``keys_unavailable``), logs one error, and never keeps serving the keys read before.
"""

from __future__ import annotations

import json
import logging
import os
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from api_support import API, TestClient, error_of
from typer.testing import CliRunner

from guanxi.api.app import create_app
from guanxi.api.security import ApiKeys, create_api_key, hash_key, lock_path
from guanxi.cli import app as cli
from guanxi.errors import ConfigError
from guanxi.service import Role
from guanxi.settings import Settings

READ = f"{API}/analyses/latest"

_WRITER = textwrap.dedent(
    """
    import os, sys, time
    from guanxi.api.security import create_api_key
    path, go, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    deadline = time.monotonic() + 60
    while not os.path.exists(go) and time.monotonic() < deadline:
        time.sleep(0.001)
    for i in range(n):
        print(create_api_key(f"p{os.getpid()}-{i}", "risk", path), flush=True)
    """
)


def _check_all_kept(path: Path, printed: list[str], expected: int) -> None:
    assert len(printed) == expected and len(set(printed)) == expected
    data = json.loads(path.read_text())
    assert len(data) == expected, f"{expected} keys printed, {len(data)} stored"
    keys = ApiKeys(path)
    for key in printed:
        assert keys.authenticate(key) is not None, "a printed key does not work"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == sorted(
        [path.name, lock_path(path).name]
    ), "temporary files left behind"


def test_concurrent_writers_lose_no_key(tmp_path):
    (tmp_path / "keys").mkdir()
    path, go = tmp_path / "keys" / "keys.json", tmp_path / "go"
    processes, per_process = 8, 5
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(path), str(go), str(per_process)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    time.sleep(0.5)  # let them import, then release them together
    go.touch()
    printed = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        printed += out.split()
    _check_all_kept(path, printed, processes * per_process)


def test_concurrent_cli_calls_lose_no_key(tmp_path):
    path = tmp_path / "keys.json"
    run = "import sys; sys.argv[0] = 'guanxi'; from guanxi.cli import app; app()"
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                run,
                "serve",
                "--create-key",
                f"user{i}",
                "--role",
                "analyst",
                "--keys-file",
                str(path),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(8)
    ]
    printed = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        printed.append(out.strip().splitlines()[-1])
    _check_all_kept(path, printed, 8)
    names = {entry["name"] for entry in json.loads(path.read_text()).values()}
    assert names == {f"user{i}" for i in range(8)}


def test_no_key_is_added_to_a_broken_file(tmp_path):
    path = tmp_path / "keys.json"
    path.write_text('{"oops": ')
    with pytest.raises(ConfigError, match="not valid"):
        create_api_key("x", "risk", path)
    assert path.read_text() == '{"oops": '


# -- a broken file at start --------------------------------------------------------------
_GOOD = hash_key("gx_some-key")
BROKEN = {
    "invalid JSON": (
        "keys.json",
        json.dumps({_GOOD: {"name": "a", "role": "risk"}})[:-1] + ",}",
        "not valid",
    ),
    "a list": ("keys.json", "[]", "must hold a table"),
    "an entry not a table": ("keys.json", json.dumps({_GOOD: "risk"}), "is not a table"),
    "an unknown role": (
        "keys.json",
        json.dumps({_GOOD: {"name": "a", "role": "boss"}}),
        "has role 'boss'",
    ),
    "a key in clear": ("keys.json", json.dumps({"gx_x": {"role": "risk"}}), "stored hashed"),
    "invalid TOML": ("keys.toml", f'["{_GOOD}"]\nname = "a"\nrole = risk\n', "not valid"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_keys_file_refuses_to_start(tmp_path, case):
    name, text, problem = BROKEN[case]
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ConfigError, match=problem):
        ApiKeys(path)
    settings = Settings(
        store=str(tmp_path / "x.duckdb"), api_keys_file=path, audit_log=tmp_path / "a.jsonl"
    )
    with pytest.raises(ConfigError, match=problem):
        create_app(settings)


def test_cli_refuses_to_serve_with_a_broken_keys_file(tmp_path):
    path = tmp_path / "keys.json"
    path.write_text(BROKEN["invalid JSON"][1])
    result = CliRunner().invoke(
        cli, ["serve", "--store", str(tmp_path / "g.duckdb"), "--keys-file", str(path)]
    )
    assert result.exit_code == 2  # ConfigError, as the CLI maps it
    assert "is not valid" in result.output and "keys.json" in result.output
    assert "Traceback" not in result.output


# -- a file broken while serving ---------------------------------------------------------
@pytest.fixture
def serving(embedded_service, tmp_path):
    """(client, path, {name: key}): an app whose keys file the test may break."""
    path = tmp_path / "keys.json"
    plain = {name: create_api_key(name, "analyst", path) for name in ("alice", "bob")}
    settings = Settings(
        store="unused.duckdb", api_keys_file=path, audit_log=tmp_path / "audit.jsonl"
    )
    with TestClient(create_app(settings, embedded_service, keys=ApiKeys(path))) as client:
        yield client, path, plain


def _as(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _rewrite(path: Path, text: str) -> None:
    """Edit the file in place, as an editor would (same inode, new content)."""
    before = path.stat()
    path.write_text(text)
    # a new mtime even on a coarse clock, so the change cannot be missed
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))


def _errors_logged(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_revoking_edit_that_breaks_the_file_denies_everyone(serving, caplog):
    client, path, plain = serving
    assert client.get(READ, headers=_as(plain["bob"])).status_code == 200
    # revoke bob, leaving a trailing comma: invalid JSON
    data = json.loads(path.read_text())
    del data[hash_key(plain["bob"])]
    _rewrite(path, json.dumps(data, indent=2)[:-2] + ",\n}\n")
    caplog.clear()
    for headers in (_as(plain["bob"]), _as(plain["alice"]), {}):
        r = client.get(READ, headers=headers)
        assert r.status_code == 503, r.text
        err = error_of(r)
        assert err["code"] == "keys_unavailable"
        assert "keys file" in err["message"] and str(path) not in err["message"]
    # a body is refused before it is read, with the same answer
    r = client.post(f"{API}/campaigns/seeds", json={"k": 1}, headers=_as(plain["alice"]))
    assert r.status_code == 503 and error_of(r)["code"] == "keys_unavailable"
    # the process is up: the health check needs no key
    assert client.get(f"{API}/health").status_code == 200
    # one error, naming the file and the problem, not one per request
    logged = _errors_logged(caplog)
    assert len(logged) == 1, logged
    assert str(path) in logged[0] and "not valid" in logged[0] and "503" in logged[0]

    # fixed: the edit takes effect, bob is revoked, alice works again
    _rewrite(path, json.dumps(data, indent=2) + "\n")
    assert client.get(READ, headers=_as(plain["alice"])).status_code == 200
    r = client.get(READ, headers=_as(plain["bob"]))
    assert r.status_code == 401 and error_of(r)["code"] == "unauthorized"
    assert "readable again" in caplog.text


def test_a_keys_file_of_the_wrong_shape_while_serving_denies_everyone(serving, caplog):
    client, path, plain = serving
    assert client.get(READ, headers=_as(plain["alice"])).status_code == 200
    _rewrite(path, json.dumps([hash_key(plain["alice"])]))
    r = client.get(READ, headers=_as(plain["alice"]))
    assert r.status_code == 503 and error_of(r)["code"] == "keys_unavailable"
    logged = _errors_logged(caplog)
    assert len(logged) == 1 and "must hold a table" in logged[0]


def test_a_deleted_keys_file_revokes_every_key(serving, caplog):
    client, path, plain = serving
    assert client.get(READ, headers=_as(plain["alice"])).status_code == 200
    path.unlink()
    r = client.get(READ, headers=_as(plain["alice"]))
    assert r.status_code == 401 and error_of(r)["code"] == "unauthorized"
    assert "is gone" in caplog.text


def test_a_key_created_while_serving_works_at_once(serving):
    client, path, _ = serving
    key = create_api_key("carol", Role.RISK, path)  # replaces the file, new inode
    assert client.get(READ, headers=_as(key)).status_code == 200
