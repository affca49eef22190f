"""API keys: hashed at rest, made by the CLI, refused when missing; dev mode."""

from __future__ import annotations

import json
import stat

import pytest
from api_support import API, TestClient, make_settings
from typer.testing import CliRunner

from guanxi.api.app import create_app
from guanxi.api.security import ApiKeys, create_api_key, hash_key
from guanxi.cli import app as cli
from guanxi.errors import ConfigError
from guanxi.service import Role
from guanxi.settings import Settings


def test_keys_are_stored_hashed(tmp_path):
    path = tmp_path / "keys.json"
    key = create_api_key("alice", "risk", path)
    assert key.startswith("gx_") and len(key) > 40
    text = path.read_text()
    assert key not in text
    data = json.loads(text)
    assert data[hash_key(key)]["name"] == "alice" and data[hash_key(key)]["role"] == "risk"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    principal = ApiKeys(path).authenticate(key)
    assert principal is not None and principal.role is Role.RISK


def test_toml_keys_file(tmp_path):
    path = tmp_path / "keys.toml"
    k1 = create_api_key("bob", "marketing", path)
    k2 = create_api_key("carol", "admin", path)
    keys = ApiKeys(path)
    assert keys.authenticate(k1).name == "bob" and keys.authenticate(k2).role is Role.ADMIN
    assert keys.authenticate("gx_wrong") is None and keys.authenticate("") is None


@pytest.mark.parametrize(("name", "role"), [("", "risk"), ("ok", "boss"), (" x", "risk")])
def test_create_key_refuses_bad_input(tmp_path, name, role):
    with pytest.raises(ConfigError):
        create_api_key(name, role, tmp_path / "keys.json")


def test_clear_keys_in_the_file_are_refused(tmp_path):
    path = tmp_path / "keys.json"
    path.write_text(json.dumps({"gx_plaintext": {"name": "x", "role": "admin"}}))
    with pytest.raises(ConfigError, match="stored hashed"):
        ApiKeys(path)


def test_new_keys_work_without_restart(fresh_app, keys, tmp_path):
    client, _, _ = fresh_app()
    key = create_api_key("late", "analyst", keys.path)
    r = client.get(f"{API}/analyses/latest", headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 200


def test_refuses_to_start_without_keys(tmp_path):
    s = Settings(
        store=str(tmp_path / "x.duckdb"),
        api_keys_file=tmp_path / "none.json",
        audit_log=tmp_path / "audit.jsonl",
    )
    with pytest.raises(ConfigError, match="no API keys"):
        create_app(s)


def test_refuses_to_start_with_an_unwritable_audit_log(keys, tmp_path):
    (tmp_path / "file").write_text("")
    s = make_settings(tmp_path / "x.duckdb", keys, tmp_path / "file" / "audit.jsonl")
    with pytest.raises(ConfigError, match="audit log"):
        create_app(s)


def test_dev_mode_makes_a_throw_away_admin_key(tmp_path, analyzed_db, caplog):
    s = Settings(
        store=str(analyzed_db),
        api_keys_file=tmp_path / "none.json",
        audit_log=tmp_path / "audit.jsonl",
        api_dev=True,
    )
    keys = ApiKeys(s.api_keys_path())
    app = create_app(s, keys=keys)
    key = caplog.text.split("throw-away admin key: ")[1].split()[0]
    with TestClient(app) as client:
        assert client.get(f"{API}/analyses/latest").status_code == 401
        r = client.get(f"{API}/audit", headers={"Authorization": f"Bearer {key}"})
        assert r.status_code == 200
    assert not (tmp_path / "none.json").exists()


def test_cli_creates_a_key(tmp_path):
    path = tmp_path / "keys.json"
    result = CliRunner().invoke(
        cli, ["serve", "--create-key", "dana", "--role", "marketing", "--keys-file", str(path)]
    )
    assert result.exit_code == 0, result.output
    key = result.stdout.strip().splitlines()[-1]
    assert ApiKeys(path).authenticate(key).role is Role.MARKETING


def test_cli_refuses_a_bad_role(tmp_path):
    result = CliRunner().invoke(
        cli, ["serve", "--create-key", "x", "--role", "boss", "--keys-file", str(tmp_path / "k")]
    )
    assert result.exit_code == 2
    assert "unknown role" in result.output


def test_cli_refuses_to_serve_without_keys(tmp_path):
    result = CliRunner().invoke(
        cli,
        ["serve", "--store", str(tmp_path / "g.duckdb"), "--keys-file", str(tmp_path / "k.json")],
    )
    assert result.exit_code == 2
    assert "no API keys" in result.output


def test_cli_refuses_dev_mode_on_a_public_interface(tmp_path):
    result = CliRunner().invoke(
        cli,
        ["serve", "--dev", "--host", "0.0.0.0", "--keys-file", str(tmp_path / "k.json")],
    )
    assert result.exit_code == 2
    assert "this machine only" in result.output
