"""The app against its own OpenAPI document: schemathesis generates requests for every
operation (valid and invalid ones, 20 per operation, with an admin key) and checks that
none gets a 5xx, every answer conforms to the documented status codes, content types,
headers and schemas, valid requests are accepted and the key is enforced.

Not checked: ``negative_data_rejection`` (FastAPI, like most frameworks, ignores query
parameters it does not know and takes the last of a repeated one; schemathesis counts
both as accepting invalid data).

(``schemathesis.pytest.from_fixture`` does not run on pytest 9 with schemathesis 4.32,
so the operations are parametrized here and each uses ``APIOperation.as_strategy``.)
"""

from __future__ import annotations

import shutil

import pytest
import schemathesis
from api_support import make_settings
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from guanxi.api.app import API_PREFIX, api_router, create_app
from guanxi.api.security import ApiKeys
from guanxi.service import GraphService

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_headers_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.positive_data_acceptance,
    schemathesis.checks.ignored_auth,
]


def _operations() -> list[tuple[str, str]]:
    doc_app = FastAPI()
    doc_app.include_router(api_router, prefix=API_PREFIX)
    paths = doc_app.openapi()["paths"]
    return [(method.upper(), path) for path, ops in sorted(paths.items()) for method in ops]


@pytest.fixture(scope="module")
def api_schema(analyzed_db, keys, tmp_path_factory):
    folder = tmp_path_factory.mktemp("schemathesis")
    db = folder / "guanxi.duckdb"
    shutil.copy(analyzed_db, db)  # POST /analyses writes: a private copy
    app_settings = make_settings(db, keys, folder / "audit.jsonl", api_seed_simulations=50)
    service = GraphService.from_settings(app_settings)
    service.refresh()
    app = create_app(app_settings, service, keys=ApiKeys(keys.path))
    yield schemathesis.openapi.from_asgi("/openapi.json", app)
    service.close()


@pytest.mark.parametrize(("method", "path"), _operations(), ids=lambda x: x)
def test_operation_conforms_to_the_schema(api_schema, keys, method, path):
    operation = api_schema[path][method]
    admin = keys.headers("admin")
    strategy = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @given(case=strategy)
    @settings(
        max_examples=20,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def check(case):
        case.call_and_validate(headers=admin, checks=CHECKS)

    check()
