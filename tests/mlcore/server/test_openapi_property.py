"""Property-based requests from /openapi.json (schemathesis): no input makes the server answer 5xx.

Bounded: a few examples per operation, so the whole module stays well under a minute.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from serve_helpers import make_client, table, upload


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory):
    from mlcore.workspace import Workspace

    ws = Workspace(tmp_path_factory.mktemp("schemathesis") / "ws")
    with make_client(ws) as c:
        upload(c, table(60))  # one real dataset, so some requests reach the engine's own checks
        yield schemathesis.openapi.from_asgi("/openapi.json", c.app)
    ws.close()


def test_no_request_gets_a_server_error(api_schema):
    checked = []
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=6, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def no_server_error(case):
            response = case.call()
            assert response.status_code < 500, (f"{case.method} {case.formatted_path} -> {response.status_code}: "
                                                f"{response.text[:300]}")
            if response.status_code >= 400:
                body = response.json()
                assert body["status"] == "error" and body["message"] and "Traceback" not in body["message"]

        no_server_error()
        checked.append(f"{operation.method.upper()} {operation.path}")
    assert len(checked) >= 25, checked
