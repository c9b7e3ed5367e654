"""Property-based tests of the client API against its own OpenAPI schema."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

# Loaded at import (generating the schema touches no database); schemathesis's
# lazy fixture loader does not work with pytest 9.
# (Django's handler, not config.wsgi, which loads the signing keys at import.)
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Requests go through the real WSGI handler, which closes the database
    connection when a request ends; keep the test's transaction open, as
    Django's test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@pytest.mark.usefixtures("signing_key")
@schema.parametrize()
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_input_makes_a_server_error_and_answers_match_the_schema(case):
    response = case.call_and_validate(
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
            negative_data_rejection,
        ]
    )
    assert "x-license-signature" in response.headers, response.content  # all signed


def test_the_schema_documents_every_call(client):
    paths = client.get("/api/schema/?format=json").json()["paths"]
    assert set(paths) == {
        "/api/v1/licenses/validate",
        "/api/v1/activations",
        "/api/v1/activations/{activation_id}/heartbeat",
        "/api/v1/activations/{activation_id}/deactivate",
        "/api/v1/licenses/checkout",
        "/api/v1/licenses/register",
        "/api/v1/signing-keys",
        "/api/v1/ping",
    }
    validate = paths["/api/v1/licenses/validate"]["post"]
    assert "HEARTBEAT_DEAD" in validate["responses"]["200"]["description"]
    assert "requestBody" in validate


def test_the_docs_page_is_served(client):
    assert client.get("/api/docs/").status_code == 200
