"""docker-compose.yml, Dockerfile, .dockerignore and .env.example, checked offline.

The build machines have no Docker engine, so nothing is built or started here. The
compose file is validated and normalized by ``docker-compose -f docker-compose.yml
config`` (Debian's ``docker-compose``, which ``make test`` installs when it is missing
and it runs as root; ``docker compose`` v2 is used when that is what the machine has),
and the normalized result is checked. When neither is installed these tests are
skipped, saying loudly that the compose file was NOT validated. The Dockerfile is
checked as text.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest

try:  # the repository root on sys.path (python -m pytest), or tests/ made a package
    from tests.neo4j_server import GDS_VERSION, NEO4J_VERSION
except ModuleNotFoundError:  # plain `pytest`: tests/ itself is on sys.path
    from neo4j_server import GDS_VERSION, NEO4J_VERSION  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yml"
PASSWORD = "test-password-123"


def _compose_command() -> list[str] | None:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker"):
        probe = subprocess.run(
            ["docker", "compose", "version"], capture_output=True, text=True, timeout=60
        )
        if probe.returncode == 0:
            return ["docker", "compose"]
    return None


COMPOSE = _compose_command()
needs_compose = pytest.mark.skipif(
    COMPOSE is None,
    reason="docker-compose is NOT installed, so docker-compose.yml was NOT validated. "
    "`make test` installs Debian's docker-compose when it runs as root; otherwise "
    "run `apt-get install docker-compose` (or install Docker Compose v2) and test again.",
)


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment without anything that compose would interpolate into the file."""
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("NEO4J_", "GUANXI_", "COMPOSE_", "DOCKER_"))
        and k not in ("BIND_ADDRESS",)
    }
    return {**keep, **extra}


def compose_config(
    tmp_path: Path, *, env_file: Path | None = None, **env: str
) -> subprocess.CompletedProcess:
    assert COMPOSE is not None
    if env_file is None:
        env_file = tmp_path / "empty.env"  # never the developer's own .env
        env_file.write_text("", encoding="utf-8")
    return subprocess.run(
        [*COMPOSE, "--env-file", str(env_file), "-f", str(COMPOSE_FILE), "config"],
        cwd=ROOT,
        env=_clean_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def _yaml_interpreters() -> list[str]:
    """Pythons that may have PyYAML: the compose tool's own (Debian's docker-compose
    is a Python program that depends on python3-yaml), then the system's."""
    found = []
    tool = shutil.which("docker-compose")
    if tool:
        with open(tool, "rb") as f:
            first = f.readline().decode("utf-8", "replace")
        if first.startswith("#!") and "python" in first:
            found.append(first[2:].strip().split()[0])
    found.append("/usr/bin/python3")
    return found


def load_yaml(text: str) -> Any:
    try:
        import yaml
    except ImportError:
        pass
    else:
        return yaml.safe_load(text)
    script = "import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)"
    for python in _yaml_interpreters():
        if not Path(python).exists():
            continue
        done = subprocess.run(
            [python, "-c", script], input=text, capture_output=True, text=True, timeout=60
        )
        if done.returncode == 0:
            return json.loads(done.stdout)
    pytest.fail("no YAML parser: add pyyaml to the test extras to read compose's output")


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The compose file as compose itself reads it, with NEO4J_PASSWORD set."""
    if COMPOSE is None:
        pytest.skip(needs_compose.kwargs["reason"])
    done = compose_config(tmp_path_factory.mktemp("compose"), NEO4J_PASSWORD=PASSWORD)
    assert done.returncode == 0, done.stderr
    return load_yaml(done.stdout)


def ports(service: dict[str, Any]) -> set[int]:
    """Container ports published by a service (short or long syntax)."""
    found = set()
    for port in service.get("ports", []):
        if isinstance(port, dict):
            found.add(int(port["target"]))
        else:
            found.add(int(str(port).split("/")[0].rsplit(":", 1)[-1]))
    return found


def volumes(service: dict[str, Any]) -> dict[str, str]:
    """Container path -> volume name or host path (short or long syntax)."""
    found = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, dict):
            found[volume["target"]] = str(volume.get("source"))
        else:
            source, target = str(volume).split(":")[:2]
            found[target] = source
    return found


# -- docker-compose.yml --------------------------------------------------------------
@needs_compose
def test_the_compose_file_validates_with_its_three_services(config):
    assert set(config["services"]) == {"neo4j", "api", "loader"}
    assert {"neo4j-data", "neo4j-logs"} <= set(config["volumes"])


@needs_compose
def test_neo4j_is_the_tested_version_with_auth_volumes_and_a_bolt_healthcheck(config):
    neo4j = config["services"]["neo4j"]
    # the Neo4j the tests run (tests/neo4j/pom.xml), so what CI tests is what users run
    assert neo4j["image"] == f"neo4j:{NEO4J_VERSION}-community"
    assert NEO4J_VERSION.startswith("5.26.")  # the 5.x LTS line
    assert neo4j["environment"]["NEO4J_AUTH"] == f"neo4j/{PASSWORD}"
    assert volumes(neo4j) == {"/data": "neo4j-data", "/logs": "neo4j-logs"}
    assert ports(neo4j) == {7474, 7687}
    check = neo4j["healthcheck"]
    command = " ".join(check["test"])
    assert check["test"][0] == "CMD-SHELL"
    assert "cypher-shell" in command and "bolt://localhost:7687" in command
    assert "RETURN 1" in command
    assert PASSWORD not in command  # read from NEO4J_AUTH inside the container
    assert check["retries"] >= 3 and "start_period" in check
    # NEO4J_* variables are Neo4j settings to the image: no stray ones
    for name in neo4j["environment"]:
        assert name in ("NEO4J_AUTH", "NEO4J_PLUGINS") or name.startswith(
            ("NEO4J_server_", "NEO4J_dbms_")
        ), name


@needs_compose
def test_neo4j_has_graph_data_science_with_its_procedures_allowed(config):
    env = config["services"]["neo4j"]["environment"]
    assert "graph-data-science" in json.loads(env["NEO4J_PLUGINS"])
    assert "gds.*" in env["NEO4J_dbms_security_procedures_unrestricted"].split(",")
    # the tests run the GDS line made for this Neo4j: 2.13 for 5.26
    assert GDS_VERSION.startswith("2.13.")


@needs_compose
def test_the_heap_holds_an_all_or_nothing_load_of_the_configured_size(config):
    """About 6 KB of Neo4j heap per row at commit (measured on the test Neo4j, see
    docs/neo4j.md), of which Neo4j lets a transaction use 70 %: the compose defaults
    must fit, with room to spare."""
    heap = config["services"]["neo4j"]["environment"]["NEO4J_server_memory_heap_max__size"]
    rows = int(config["services"]["api"]["environment"]["GUANXI_NEO4J_SINGLE_TRANSACTION_MAX_ROWS"])
    gigabytes = float(str(heap).rstrip("Gg"))
    assert rows * 6_000 <= 0.8 * 0.7 * gigabytes * 2**30


@needs_compose
def test_the_api_is_built_here_and_waits_for_a_healthy_neo4j(config):
    api = config["services"]["api"]
    build = api["build"]
    context = build["context"] if isinstance(build, dict) else build
    assert Path(context).resolve() == ROOT
    assert api["command"] == ["serve", "--host", "0.0.0.0", "--port", "8000"]
    env = api["environment"]
    assert env["GUANXI_STORE"] == "neo4j://neo4j:7687"
    assert env["GUANXI_NEO4J_USER"] == "neo4j"
    assert env["GUANXI_NEO4J_PASSWORD"] == PASSWORD
    assert env["GUANXI_NEO4J_DATABASE"] == "neo4j"
    assert api["depends_on"]["neo4j"]["condition"] == "service_healthy"
    assert ports(api) == {8000}
    assert "/api/v1/health" in " ".join(api["healthcheck"]["test"])
    assert "/var/lib/guanxi" in volumes(api)
    assert "profiles" not in api


@needs_compose
def test_the_loader_is_a_one_shot_profile_that_loads_a_mounted_folder(config):
    loader = config["services"]["loader"]
    assert loader["profiles"] == ["load"]
    assert loader["command"] == ["load", "/data"]
    assert "/data" in volumes(loader)
    assert loader["environment"]["GUANXI_STORE"] == "neo4j://neo4j:7687"
    assert loader["environment"]["GUANXI_NEO4J_PASSWORD"] == PASSWORD
    assert loader["depends_on"]["neo4j"]["condition"] == "service_healthy"
    assert str(loader.get("restart", "no")) in ("no", "False", "false")
    assert not ports(loader)


@needs_compose
def test_compose_refuses_to_run_without_a_password(tmp_path):
    done = compose_config(tmp_path)
    assert done.returncode != 0
    assert "set NEO4J_PASSWORD in .env" in done.stderr + done.stdout


@needs_compose
def test_a_copy_of_env_example_is_all_compose_needs(tmp_path):
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    assert re.search(r"^NEO4J_PASSWORD=\S{8,}$", example, re.MULTILINE)
    done = compose_config(tmp_path, env_file=ROOT / ".env.example")
    assert done.returncode == 0, done.stderr
    settings = load_yaml(done.stdout)
    api_env = settings["services"]["api"]["environment"]
    password = re.search(r"^NEO4J_PASSWORD=(\S+)$", example, re.MULTILINE).group(1)
    assert api_env["GUANXI_NEO4J_PASSWORD"] == password
    assert str(api_env["GUANXI_NEO4J_SINGLE_TRANSACTION_MAX_ROWS"]) == "200000"


# -- Dockerfile and .dockerignore ----------------------------------------------------
def dockerfile() -> list[str]:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    text = re.sub(r"\\\n", " ", text)  # join continued lines
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


def test_the_image_is_python_3_11_slim_running_guanxi_as_a_non_root_user():
    lines = dockerfile()
    assert lines[0] == "FROM python:3.11-slim"
    users = [ln.split()[1] for ln in lines if ln.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    assert any("useradd" in ln and users[-1] in ln for ln in lines)
    assert lines[lines.index(f"USER {users[-1]}") - 1].startswith("RUN pip install")
    entry = [ln for ln in lines if ln.startswith("ENTRYPOINT")]
    assert entry and json.loads(entry[-1].split(None, 1)[1]) == ["guanxi"]


def test_the_image_installs_every_package_of_the_project():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    folders = set(project["tool"]["setuptools"]["package-dir"].values())
    copied = {ln.split()[1] for ln in dockerfile() if ln.startswith("COPY ")}
    assert folders <= copied, f"Dockerfile does not COPY {folders - copied}"
    assert {"pyproject.toml", project["project"]["readme"]} <= {
        part for ln in dockerfile() if ln.startswith("COPY ") for part in ln.split()[1:-1]
    }


def test_secrets_and_local_state_stay_out_of_the_image():
    ignored = {
        ln.strip()
        for ln in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if ln.strip() and not ln.startswith("#")
    }
    assert {".env", ".venv", ".git", "*.duckdb"} <= ignored
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    for folder in project["tool"]["setuptools"]["package-dir"].values():
        assert folder not in ignored


def test_the_compose_check_is_not_silently_skipped_under_make_test():
    """`make test` runs `system-deps` first, which installs docker-compose when it can
    and says loudly when it cannot."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    test_rule = re.search(r"^test:(.*)$", makefile, re.MULTILINE)
    assert test_rule and "system-deps" in test_rule.group(1)
    assert "apt-get install" in makefile and "docker-compose" in makefile
