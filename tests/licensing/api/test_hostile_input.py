"""No input makes a 500, and every answer under /api/ is signed JSON with a 4xx or 503."""

import json

import pytest
from django.test import Client

from licensing import services
from tests.factories import PlanFactory, issue
from tests.licensing.api_client import verify_signed

pytestmark = pytest.mark.django_db

CALLS = [
    "licenses/validate",
    "activations",
    "licenses/checkout",
    "licenses/register",
    "activations/00000000-0000-0000-0000-000000000000/heartbeat",
    "activations/00000000-0000-0000-0000-000000000000/deactivate",
]


@pytest.fixture
def raw(signing_key):
    client = Client(raise_request_exception=False)

    def post(path, body: bytes | str, content_type="application/json"):
        response = client.post(f"/api/v1/{path}", data=body, content_type=content_type)
        return response, verify_signed(response)

    post.client = client
    return post


def assert_error(response, body, status, code="INVALID_REQUEST"):
    assert response.status_code == status, (response.status_code, body)
    assert response["Content-Type"] == "application/json"
    assert body["code"] == code
    assert isinstance(body["detail"], str) and body["detail"]
    assert "ts" in body["meta"]


@pytest.mark.parametrize("path", CALLS)
def test_deeply_nested_json_is_a_bad_request(raw, path):
    response, body = raw(path, "[" * 100_000)
    assert_error(response, body, 400)


# The text fields each call reads.
FIELDS = {
    "licenses/validate": ["key", "nonce", "fingerprint", "product", "version"],
    "activations": ["key", "nonce", "fingerprint", "label", "platform", "version"],
    "licenses/checkout": ["key", "nonce", "fingerprint"],
    "licenses/register": ["key", "nonce", "email", "name", "language"],
    CALLS[4]: ["key", "nonce"],
    CALLS[5]: ["key", "nonce"],
}


@pytest.mark.parametrize(
    ("path", "field"), [(path, field) for path in CALLS for field in FIELDS[path]]
)
def test_lone_surrogates_are_a_bad_request(raw, path, field):
    license = issue(plan=PlanFactory())
    fields = {
        "key": license.key,
        "fingerprint": "pc-1",
        "email": "a@example.org",
        "nonce": "n",
    }
    text = json.dumps(fields)[:-1] + f', "{field}": "\\ud800x"}}'
    response, body = raw(path, text)
    assert_error(response, body, 400)


def test_an_oversized_body_is_refused_signed(raw, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    big = json.dumps({"key": "x", "pad": "y" * 20_000})
    for path in CALLS[:2]:
        response, body = raw(path, big)
        assert_error(response, body, 413)


def test_validate_refuses_a_body_that_is_not_json(raw):
    response, body = raw("licenses/validate", "key=abc", "text/plain")
    assert_error(response, body, 415)
    response, body = raw("activations", "key=abc", "text/plain")
    assert_error(response, body, 415)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/nothing-here"),
        ("post", "/api/v1/nothing-here"),
        ("get", "/api/nothing-here"),
        ("delete", "/api/v1/licenses/validate"),
        ("put", "/api/v1/activations"),
        ("options", "/api/v1/activations"),
        ("patch", "/api/v1/ping"),
    ],
)
def test_unknown_paths_and_methods_answer_signed_json(raw, method, path):
    response = getattr(raw.client, method)(path)
    body = verify_signed(response)
    assert response.status_code in (404, 405)
    assert body["code"] in ("NOT_FOUND", "INVALID_REQUEST")


def test_an_unexpected_failure_is_a_signed_503_without_details(raw, monkeypatch):
    license = issue(plan=PlanFactory())

    def broken(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(services, "activation_create", broken)
    monkeypatch.setattr("licensing.api.views.services.activation_create", broken)
    response, body = raw(
        "activations", json.dumps({"key": license.key, "fingerprint": "x"})
    )
    assert_error(response, body, 503, code="UNAVAILABLE")
    assert "secret" not in response.content.decode()


def test_without_a_signing_key_the_answer_is_a_json_503(db):
    client = Client(raise_request_exception=False)
    response = client.get("/api/v1/ping")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["code"] == "UNAVAILABLE" and "ts" in body["meta"]


@pytest.mark.parametrize(
    ("fields", "secret"),
    [
        ({"language": "<b>xx-secret</b>"}, "xx-secret"),
        ({"email": "not-an-email-secret"}, "not-an-email-secret"),
        ({"updates_opt_in": "yes-secret"}, "yes-secret"),
        ({"key": "SECRET-TEXT-NOT-A-KEY"}, "SECRET"),
    ],
)
def test_detail_never_echoes_the_input(raw, fields, secret):
    license = issue(plan=PlanFactory())
    data = {"key": license.key, "email": "a@example.org", **fields}
    response, body = raw("licenses/register", json.dumps(data))
    assert_error(response, body, 400)
    assert secret.lower() not in body["detail"].lower()


def test_unknown_api_paths_are_signed_json_under_debug_too(raw, settings):
    settings.DEBUG = True
    response = raw.client.get("/api/v1/nothing-here")
    assert verify_signed(response)["code"] == "NOT_FOUND"
