"""The Keygen-compatible endpoints as a Keygen client meets them, over the Django
test client and PostgreSQL: signed answers, validation codes in Keygen's order,
license-key authentication, machines, heartbeats, offline files, rate limits.

Every answer is checked the way a Keygen client checks it (`assert_signed`):
Ed25519 over the request target, Host, Date and Digest.
"""

import base64
import hashlib
import json
import re
from datetime import datetime, timedelta
from urllib.parse import urlencode

import pytest
import time_machine
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from core import ratelimit
from licensing import keys, services, signing
from licensing.models import Activation, License, Product
from licensing.services.machines import license_known_end
from tests.factories import PlanFactory, ProductFactory, issue
from tests.outbox import queued_templates

pytestmark = pytest.mark.django_db

BASE = "/keygen/v1"
HOST = "licenses.example.test:8443"  # a port, as clients send it
CONTENT_TYPE = "application/vnd.api+json"
SIGNATURE_PARAMS = re.compile(r'(\w+)="([^"]*)"')
KEYGEN_PRODUCT = "2313b7e7-1ea6-4a01-901e-2931de6bbf1e"
EMPTY_DIGEST = "sha-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="


# --- What a Keygen client does ---------------------------------------------------


def public_key() -> Ed25519PublicKey:
    raw = base64.b64decode(signing.keyring().signer().public_key)
    assert len(raw) == 32
    return Ed25519PublicKey.from_public_bytes(raw)


def signed_text(method: str, target: str, date: str, digest: str) -> bytes:
    return (
        f"(request-target): {method.lower()} {target}\n"
        f"host: {HOST}\n"
        f"date: {date}\n"
        f"digest: {digest}"
    ).encode()


def assert_signed(response, method: str | None = None, target: str | None = None):
    """The answer verifies as a Keygen client verifies it (raises if not)."""
    method = method or response.sent_method
    target = target or response.sent_target
    digest = (
        "sha-256="
        + base64.b64encode(hashlib.sha256(response.content).digest()).decode()
    )
    assert response["Digest"] == digest
    assert response["Keygen-Digest"] == digest
    assert response["Keygen-Date"] == response["Date"]
    assert response["Content-Type"] == CONTENT_TYPE
    params = dict(SIGNATURE_PARAMS.findall(response["Keygen-Signature"]))
    assert params["keyid"] == signing.keyring().signer().keyid
    assert params["algorithm"] == "ed25519"
    assert params["headers"] == "(request-target) host date digest"
    public_key().verify(
        base64.b64decode(params["signature"]),
        signed_text(method, target, response["Date"], digest),
    )


class Keygen:
    """A Keygen client's requests: its Host, its license key, JSON:API bodies.

    Every answer's signature is verified; `document` is the parsed body.
    """

    def __init__(self, client):
        self.client = client

    def call(self, method, path, *, key=None, auth=None, body=None, raw=None, **extra):
        target = path if path.startswith("/") else f"{BASE}/{path}"
        extra["HTTP_HOST"] = HOST
        if key is not None:
            extra["HTTP_AUTHORIZATION"] = f"License {key}"
        if auth is not None:
            extra["HTTP_AUTHORIZATION"] = auth
        data = raw if raw is not None else ("" if body is None else json.dumps(body))
        response = self.client.generic(
            method, target, data=data, content_type=CONTENT_TYPE, **extra
        )
        response.sent_method, response.sent_target = method, target
        assert_signed(response)
        response.document = json.loads(response.content) if response.content else None
        return response

    def get(self, path, **kwargs):
        return self.call("GET", path, **kwargs)

    def post(self, path, body=None, **kwargs):
        return self.call("POST", path, body=body, **kwargs)

    def delete(self, path, **kwargs):
        return self.call("DELETE", path, **kwargs)


@pytest.fixture(autouse=True)
def _signing(signing_key):
    return signing_key


@pytest.fixture
def kg(client):
    return Keygen(client)


@pytest.fixture
def limiter(settings):
    """Rate limits counted in this process's memory, from zero."""
    settings.REDIS_URL = ""
    ratelimit._memory.clear()
    yield settings
    ratelimit._memory.clear()


def activate(license, fingerprint, **kwargs) -> Activation:
    """A machine activated as through `POST machines` (its fingerprint kept)."""
    kwargs.setdefault("keep_fingerprint", True)
    activation, _created = services.activation_create(
        canonical_key=license.key, fingerprint=fingerprint, **kwargs
    )
    return activation


def set_status(license, status, **fields):
    License.objects.filter(pk=license.pk).update(status=status, **fields)


def validate_key(kg, key, **scope):
    meta = {"key": key}
    if scope:
        meta["scope"] = scope
    return kg.post("licenses/actions/validate-key", {"meta": meta})


def code_of(response) -> str:
    assert response.status_code == 200, response.document
    return response.document["meta"]["code"]


def error(response) -> dict:
    return response.document["errors"][0]


def machine_body(license_id, fingerprint="fp-1", **attributes):
    if fingerprint is not None:
        attributes["fingerprint"] = fingerprint
    return {
        "data": {
            "type": "machines",
            "attributes": attributes,
            "relationships": {
                "license": {"data": {"type": "licenses", "id": str(license_id)}}
            },
        }
    }


def open_certificate(certificate: str, kind: str, secret: str | None = None):
    """(alg, dataset) of a license or machine file, verified and decrypted as
    Keygen's clients do: `<kind>/<enc>` signed, AES-256-GCM under SHA-256 of the secret."""
    label = f"{kind.upper()} FILE"
    assert certificate.startswith(f"-----BEGIN {label}-----\n")
    assert certificate.endswith(f"-----END {label}-----\n")
    lines = [line for line in certificate.splitlines() if not line.startswith("-----")]
    envelope = json.loads(base64.b64decode("".join(lines)))
    enc, alg = envelope["enc"], envelope["alg"]
    public_key().verify(base64.b64decode(envelope["sig"]), f"{kind}/{enc}".encode())
    if alg == "aes-256-gcm+ed25519":
        ciphertext, iv, tag = (base64.b64decode(part) for part in enc.split("."))
        assert (len(iv), len(tag)) == (12, 16)
        key = hashlib.sha256(secret.encode()).digest()
        plain = AESGCM(key).decrypt(iv, ciphertext + tag, None)
    else:
        assert alg == "base64+ed25519"
        plain = base64.b64decode(enc)
    return alg, json.loads(plain)


def frozen_now() -> datetime:
    """A whole second shortly ahead (after the signing key began signing)."""
    return (timezone.now() + timedelta(seconds=1)).replace(microsecond=0)


def heartbeat_dead_after() -> timedelta:
    return timedelta(seconds=600 + django_settings.HEARTBEAT_GRACE_SECONDS)


# --- 1. Every answer is signed ----------------------------------------------------


def test_a_200_is_signed_over_target_host_date_and_digest(kg):
    license = issue()
    response = kg.get("me", key=license.display_key)
    assert response.status_code == 200
    assert_signed(response, "GET", f"{BASE}/me")


def test_the_signature_covers_the_request_it_answers(kg):
    response = kg.get("me", key=issue().display_key)
    with pytest.raises(InvalidSignature):
        assert_signed(response, "GET", f"{BASE}/machines")
    with pytest.raises(InvalidSignature):
        assert_signed(response, "POST", f"{BASE}/me")


def test_a_query_string_is_part_of_the_signed_target(kg):
    license = issue()
    path = f"licenses/{license.pk}/actions/check-out?encrypt=true&ttl=3600"
    response = kg.get(path, key=license.display_key)
    assert response.status_code == 200
    assert_signed(response, "GET", f"{BASE}/{path}")


def test_behind_gunicorn_the_target_is_signed_as_the_client_sent_it(kg):
    license = issue()
    activation = activate(license, "fp:1")
    target = f"{BASE}/machines/fp%3A1"  # as sent; the decoded path reads `fp:1`
    response = kg.get(target, key=license.display_key, RAW_URI=target)
    assert response.status_code == 200
    assert response.document["data"]["id"] == str(activation.pk)
    assert_signed(response, "GET", target)


def test_a_401_is_signed(kg):
    response = kg.get("me")
    assert response.status_code == 401
    assert_signed(response, "GET", f"{BASE}/me")


@pytest.mark.parametrize("path", ["nowhere", "accounts/acme/nowhere", "machines/"])
def test_an_unknown_path_is_a_signed_keygen_404(kg, path):
    response = kg.get(path, key=issue().display_key)
    assert response.status_code == 404
    assert error(response)["code"] == "NOT_FOUND"
    assert_signed(response, "GET", f"{BASE}/{path}")


def test_a_405_is_signed_and_names_the_allowed_method(kg):
    response = kg.get("machines", key=issue().display_key)
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert error(response)["title"] == "Method not allowed"
    assert_signed(response, "GET", f"{BASE}/machines")


def test_a_204_is_signed_over_the_empty_body(kg):
    license = issue()
    activation = activate(license, "fp-1")
    response = kg.delete(f"machines/{activation.pk}", key=license.display_key)
    assert response.status_code == 204
    assert response.content == b""
    assert response["Digest"] == EMPTY_DIGEST
    assert_signed(response, "DELETE", f"{BASE}/machines/{activation.pk}")


def test_answers_carry_both_header_pairs_and_the_jsonapi_type(kg):
    response = validate_key(kg, issue().key)
    assert response["Content-Type"] == CONTENT_TYPE
    assert response["Keygen-Date"] == response["Date"]
    expected = hashlib.sha256(response.content).digest()
    assert response["Keygen-Digest"] == response["Digest"]
    assert response["Digest"] == "sha-256=" + base64.b64encode(expected).decode()


# --- 2. validate-key ----------------------------------------------------------------


def test_validate_key_without_fingerprint_is_valid(kg):
    license = issue()
    response = validate_key(kg, license.display_key)
    assert code_of(response) == "VALID"
    meta, data = response.document["meta"], response.document["data"]
    assert meta["valid"] is True
    assert meta["detail"] == "is valid"
    assert meta["scope"] == {}
    assert data["type"] == "licenses"
    assert data["id"] == str(license.pk)
    assert data["attributes"]["key"] == license.display_key
    assert data["attributes"]["status"] == "ACTIVE"


def test_validate_key_of_an_unknown_key_is_not_found_with_no_data(kg):
    response = validate_key(kg, keys.generate())
    assert code_of(response) == "NOT_FOUND"
    assert response.document["data"] is None
    assert response.document["meta"]["valid"] is False


def test_validate_key_of_a_malformed_key_is_not_found_with_no_data(kg):
    response = validate_key(kg, "not-a-license-key")
    assert code_of(response) == "NOT_FOUND"
    assert response.document["data"] is None


def test_a_single_seat_license_without_machines_says_no_machine(kg):
    license = issue(plan=PlanFactory(seats=1))
    assert code_of(validate_key(kg, license.key, fingerprint="fp-1")) == "NO_MACHINE"


def test_a_floating_license_without_machines_says_no_machines(kg):
    license = issue(plan=PlanFactory(seats=3))
    assert code_of(validate_key(kg, license.key, fingerprint="fp-1")) == "NO_MACHINES"


def test_an_activated_fingerprint_is_valid(kg):
    license = issue()
    activate(license, "fp-1")
    assert code_of(validate_key(kg, license.key, fingerprint="fp-1")) == "VALID"


def test_a_fingerprint_not_activated_is_a_scope_mismatch(kg):
    license = issue(plan=PlanFactory(seats=2))
    activate(license, "fp-1")
    response = validate_key(kg, license.key, fingerprint="fp-2")
    assert code_of(response) == "FINGERPRINT_SCOPE_MISMATCH"
    assert response.document["data"]["id"] == str(license.pk)


def test_a_machine_past_its_heartbeat_deadline_is_heartbeat_dead(kg):
    license = issue(plan=PlanFactory(heartbeat_interval=600))
    start = frozen_now()
    with time_machine.travel(start, tick=False):
        activate(license, "fp-1")
    almost = start + heartbeat_dead_after() - timedelta(seconds=1)
    with time_machine.travel(almost, tick=False):
        assert code_of(validate_key(kg, license.key, fingerprint="fp-1")) == "VALID"
    with time_machine.travel(start + heartbeat_dead_after(), tick=False):
        response = validate_key(kg, license.key, fingerprint="fp-1")
        assert code_of(response) == "HEARTBEAT_DEAD"


def test_a_suspended_license_is_suspended(kg):
    license = issue()
    set_status(license, "suspended", suspended_for="vendor")
    response = validate_key(kg, license.key)
    assert code_of(response) == "SUSPENDED"
    assert response.document["data"]["attributes"]["status"] == "SUSPENDED"
    assert response.document["data"]["attributes"]["suspended"] is True


@pytest.mark.parametrize("status", ["expired", "terminated", "cancelled"])
def test_an_ended_license_is_expired(kg, status):
    license = issue()
    set_status(license, status)
    response = validate_key(kg, license.key)
    assert code_of(response) == "EXPIRED"
    assert response.document["data"]["attributes"]["status"] == "EXPIRED"


def test_a_fixed_term_that_is_over_is_expired_before_the_sweep_runs(kg):
    plan = PlanFactory(renewal="fixed")
    license = issue(plan=plan, purchased_on=timezone.localdate() - timedelta(days=400))
    assert License.objects.get(pk=license.pk).status == "active"
    assert code_of(validate_key(kg, license.key)) == "EXPIRED"


def test_a_transferred_key_is_not_found(kg):
    license = issue()
    set_status(license, "transferred")
    response = validate_key(kg, license.key)
    assert code_of(response) == "NOT_FOUND"
    assert response.document["data"] is None


def test_another_product_is_a_product_scope_mismatch(kg):
    license = issue()
    response = validate_key(kg, license.key, product="another-product")
    assert code_of(response) == "PRODUCT_SCOPE_MISMATCH"


def test_the_product_scope_matches_the_product_slug(kg):
    license = issue()
    assert code_of(validate_key(kg, license.key, product="desktop")) == "VALID"


def test_the_product_scope_matches_the_keygen_product_id(kg):
    license = issue()
    Product.objects.filter(pk=license.product_id).update(
        keygen_product_id=KEYGEN_PRODUCT
    )
    response = validate_key(kg, license.key, product=KEYGEN_PRODUCT)
    assert code_of(response) == "VALID"
    product = response.document["data"]["relationships"]["product"]["data"]
    assert product == {"type": "products", "id": KEYGEN_PRODUCT}
    assert code_of(validate_key(kg, license.key, product="desktop")) == "VALID"


def test_asked_entitlements_are_missing(kg):
    license = issue()
    response = validate_key(kg, license.key, entitlements=["PRO"])
    assert code_of(response) == "ENTITLEMENTS_MISSING"
    assert response.document["meta"]["valid"] is False


def test_too_many_machines_once_the_seats_are_lowered(kg):
    license = issue(plan=PlanFactory(seats=2))
    activate(license, "fp-1")
    activate(license, "fp-2")
    License.objects.filter(pk=license.pk).update(seats=1)
    assert code_of(validate_key(kg, license.key)) == "TOO_MANY_MACHINES"
    response = validate_key(kg, license.key, fingerprint="fp-1")
    assert code_of(response) == "TOO_MANY_MACHINES"


def test_a_fingerprint_not_activated_mismatches_before_too_many_machines(kg):
    license = issue(plan=PlanFactory(seats=2))
    activate(license, "fp-1")
    activate(license, "fp-2")
    License.objects.filter(pk=license.pk).update(seats=1)
    response = validate_key(kg, license.key, fingerprint="fp-3")
    assert code_of(response) == "FINGERPRINT_SCOPE_MISMATCH"


def test_suspended_wins_over_a_fixed_term_that_is_over(kg):
    plan = PlanFactory(renewal="fixed")
    license = issue(plan=plan, purchased_on=timezone.localdate() - timedelta(days=400))
    set_status(license, "suspended", suspended_for="vendor")
    assert code_of(validate_key(kg, license.key)) == "SUSPENDED"


def test_a_suspended_license_past_its_term_reads_suspended_in_its_document(kg):
    """Keygen's license status puts SUSPENDED before EXPIRED, and `suspended`
    is the license's own flag: the document must agree with `meta.code`."""
    plan = PlanFactory(renewal="fixed")
    license = issue(plan=plan, purchased_on=timezone.localdate() - timedelta(days=400))
    set_status(license, "suspended", suspended_for="vendor")
    response = validate_key(kg, license.key)
    assert code_of(response) == "SUSPENDED"
    attributes = response.document["data"]["attributes"]
    assert attributes["suspended"] is True
    assert attributes["status"] == "SUSPENDED"


def test_meta_scope_echoes_the_scope(kg):
    license = issue()
    activate(license, "fp-1")
    scope = {"fingerprint": "fp-1", "product": "desktop", "entitlements": []}
    response = validate_key(kg, license.key, **scope)
    assert code_of(response) == "VALID"
    assert response.document["meta"]["scope"] == scope


def test_a_body_that_is_not_json_is_a_parameter_error(kg):
    response = kg.post("licenses/actions/validate-key", raw="{not json")
    assert response.status_code == 400
    assert error(response)["code"] == "PARAMETER_INVALID"


@pytest.mark.parametrize("body", [None, {"meta": {}}, {"meta": {"key": None}}])
def test_validate_key_without_meta_key_points_at_it(kg, body):
    response = kg.post("licenses/actions/validate-key", body)
    assert response.status_code == 400
    assert error(response)["code"] == "PARAMETER_INVALID"
    assert error(response)["source"] == {"pointer": "/meta/key"}


def test_a_fingerprint_that_is_not_a_string_is_a_parameter_error(kg):
    license = issue()
    response = validate_key(kg, license.key, fingerprint=42)
    assert response.status_code == 400
    assert error(response)["code"] == "PARAMETER_INVALID"
    assert error(response)["source"] == {"pointer": "/meta/scope/fingerprint"}


def test_validate_by_license_id_with_the_key_as_credential(kg):
    license = issue()
    activate(license, "fp-1")
    body = {"meta": {"scope": {"fingerprint": "fp-1"}}}
    path = f"licenses/{license.pk}/actions/validate"
    response = kg.post(path, body, key=license.display_key)
    assert code_of(response) == "VALID"
    other = issue()
    response = kg.post(path, body, key=other.display_key)
    assert (response.status_code, error(response)["code"]) == (404, "NOT_FOUND")


# --- 3. Authentication --------------------------------------------------------------


def test_no_credentials_is_401(kg):
    response = kg.get("me")
    assert response.status_code == 401
    assert error(response)["title"] == "Unauthorized"


def test_a_bearer_token_is_token_invalid(kg):
    response = kg.get("me", auth="Bearer x")
    assert (response.status_code, error(response)["code"]) == (401, "TOKEN_INVALID")


@pytest.mark.parametrize(
    "key", [keys.generate(), "not-a-key"], ids=["unknown", "malformed"]
)
def test_an_unknown_or_malformed_key_is_license_invalid(kg, key):
    response = kg.get("me", key=key)
    assert (response.status_code, error(response)["code"]) == (401, "LICENSE_INVALID")


def test_basic_authentication_as_license_user_works(kg):
    license = issue()
    credentials = base64.b64encode(f"license:{license.display_key}".encode()).decode()
    response = kg.get("me", auth=f"Basic {credentials}")
    assert response.status_code == 200
    assert response.document["data"]["id"] == str(license.pk)


def test_basic_authentication_as_another_user_is_401(kg):
    license = issue()
    credentials = base64.b64encode(f"admin:{license.display_key}".encode()).decode()
    response = kg.get("me", auth=f"Basic {credentials}")
    assert (response.status_code, error(response)["code"]) == (401, "TOKEN_INVALID")


def test_a_transferred_key_is_license_invalid(kg):
    license = issue()
    set_status(license, "transferred")
    response = kg.get("me", key=license.display_key)
    assert (response.status_code, error(response)["code"]) == (401, "LICENSE_INVALID")


def test_the_account_path_serves_the_same_calls(kg):
    license = issue()
    response = kg.get(f"{BASE}/accounts/anything/me", key=license.display_key)
    assert response.status_code == 200
    assert response.document["data"]["id"] == str(license.pk)


# --- 4. Activating machines -----------------------------------------------------------


def test_activation_answers_201_with_the_machine(kg):
    license = issue()
    response = kg.post(
        "machines",
        machine_body(license.pk, "fp-1", name="Office", platform="linux"),
        key=license.display_key,
    )
    assert response.status_code == 201
    data = response.document["data"]
    assert data["type"] == "machines"
    assert data["attributes"]["fingerprint"] == "fp-1"
    assert data["attributes"]["name"] == "Office"
    assert data["attributes"]["platform"] == "linux"
    assert data["attributes"]["requireHeartbeat"] is False
    assert data["attributes"]["heartbeatStatus"] == "NOT_STARTED"
    assert data["relationships"]["license"]["data"]["id"] == str(license.pk)
    assert Activation.objects.get(pk=data["id"]).license_id == license.pk


def test_a_heartbeat_plan_machine_requires_heartbeats_and_is_alive(kg):
    license = issue(plan=PlanFactory(heartbeat_interval=600))
    response = kg.post("machines", machine_body(license.pk), key=license.display_key)
    assert response.status_code == 201
    attributes = response.document["data"]["attributes"]
    assert attributes["requireHeartbeat"] is True
    assert attributes["heartbeatStatus"] == "ALIVE"
    assert attributes["heartbeatDuration"] == 600


def test_the_same_fingerprint_again_is_taken(kg):
    license = issue(plan=PlanFactory(seats=2))
    body = machine_body(license.pk, "fp-1")
    assert kg.post("machines", body, key=license.display_key).status_code == 201
    response = kg.post("machines", body, key=license.display_key)
    assert (response.status_code, error(response)["code"]) == (422, "FINGERPRINT_TAKEN")
    assert Activation.objects.filter(license=license).count() == 1


def test_a_machine_past_the_seat_limit_is_refused(kg):
    license = issue(plan=PlanFactory(seats=1))
    kg.post("machines", machine_body(license.pk, "fp-1"), key=license.display_key)
    response = kg.post(
        "machines", machine_body(license.pk, "fp-2"), key=license.display_key
    )
    assert (response.status_code, error(response)["code"]) == (
        422,
        "MACHINE_LIMIT_EXCEEDED",
    )


def test_another_licenses_id_in_the_relationship_is_not_found(kg):
    mine, other = issue(), issue()
    response = kg.post("machines", machine_body(other.pk), key=mine.display_key)
    assert (response.status_code, error(response)["code"]) == (404, "NOT_FOUND")
    assert not Activation.objects.exists()


def test_the_license_key_in_the_relationship_is_accepted(kg):
    license = issue()
    body = machine_body(license.display_key)
    assert kg.post("machines", body, key=license.display_key).status_code == 201


def test_a_machine_without_fingerprint_points_at_it(kg):
    license = issue()
    response = kg.post(
        "machines", machine_body(license.pk, None), key=license.display_key
    )
    assert response.status_code == 400
    assert error(response)["code"] == "PARAMETER_INVALID"
    assert error(response)["source"] == {"pointer": "/data/attributes/fingerprint"}


@pytest.mark.parametrize(
    ("status", "keygen_code"),
    [
        ("suspended", "LICENSE_SUSPENDED"),
        ("expired", "LICENSE_EXPIRED"),
        ("terminated", "LICENSE_EXPIRED"),
    ],
)
def test_an_unusable_license_cannot_activate(kg, status, keygen_code):
    license = issue()
    set_status(license, status)
    response = kg.post("machines", machine_body(license.pk), key=license.display_key)
    assert (response.status_code, error(response)["code"]) == (403, keygen_code)
    assert not Activation.objects.exists()


def test_hostname_cores_and_ip_are_not_kept_and_read_null(kg):
    license = issue()
    body = machine_body(
        license.pk,
        "fp-1",
        name="Office",
        platform="linux",
        hostname="box-hostname-7",
        cores=8,
        ip="203.0.113.77",
    )
    response = kg.post("machines", body, key=license.display_key)
    assert response.status_code == 201
    machine = response.document["data"]["id"]
    for document in (
        response.document,
        kg.get(f"machines/{machine}", key=license.display_key).document,
    ):
        attributes = document["data"]["attributes"]
        assert (attributes["hostname"], attributes["cores"], attributes["ip"]) == (
            None,
            None,
            None,
        )
    activation = Activation.objects.get(pk=machine)
    assert (activation.label, activation.platform) == ("Office", "linux")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM licensing_activation")
        rows = repr(cursor.fetchall())
    assert "box-hostname-7" not in rows
    assert "203.0.113.77" not in rows


def test_the_fingerprint_is_stored_encrypted(kg):
    license = issue()
    fingerprint = "MY-COMPUTER-SERIAL-4711"
    response = kg.post(
        "machines", machine_body(license.pk, fingerprint), key=license.display_key
    )
    machine = response.document["data"]["id"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT fingerprint FROM licensing_activation WHERE id = %s", [machine]
        )
        (stored,) = cursor.fetchone()
    assert stored
    assert "MY-COMPUTER-SERIAL" not in stored
    assert Activation.objects.get(pk=machine).fingerprint == fingerprint


# --- 5. Reading, deactivating and pinging machines -----------------------------------


def test_a_machine_is_found_by_id_and_by_fingerprint(kg):
    license = issue()
    activation = activate(license, "fp-1")
    for machine in (str(activation.pk), "fp-1"):
        response = kg.get(f"machines/{machine}", key=license.display_key)
        assert response.status_code == 200
        assert response.document["data"]["id"] == str(activation.pk)
        assert response.document["data"]["attributes"]["fingerprint"] == "fp-1"


def test_another_licenses_machine_is_not_found(kg):
    mine, other = issue(), issue()
    theirs = activate(other, "fp-1")
    for machine in (str(theirs.pk), "fp-1"):
        response = kg.get(f"machines/{machine}", key=mine.display_key)
        assert (response.status_code, error(response)["code"]) == (404, "NOT_FOUND")
    response = kg.delete(f"machines/{theirs.pk}", key=mine.display_key)
    assert response.status_code == 404
    assert Activation.objects.filter(pk=theirs.pk).exists()


def test_deleting_a_machine_frees_its_seat(kg):
    license = issue(plan=PlanFactory(seats=1))
    activation = activate(license, "fp-1")
    response = kg.delete(f"machines/{activation.pk}", key=license.display_key)
    assert response.status_code == 204
    assert not Activation.objects.filter(pk=activation.pk).exists()
    response = kg.post(
        "machines", machine_body(license.pk, "fp-2"), key=license.display_key
    )
    assert response.status_code == 201


def test_a_checked_out_machine_cannot_be_deleted(kg):
    license = issue()
    activation = activate(license, "fp-1")
    checkout = kg.get(
        f"machines/{activation.pk}/actions/check-out", key=license.display_key
    )
    assert checkout.status_code == 200
    response = kg.delete(f"machines/{activation.pk}", key=license.display_key)
    assert (response.status_code, error(response)["code"]) == (
        422,
        "MACHINE_CHECKED_OUT",
    )
    assert Activation.objects.filter(pk=activation.pk).exists()


def test_a_ping_keeps_the_machine_alive(kg):
    license = issue(plan=PlanFactory(heartbeat_interval=600))
    start = frozen_now()
    with time_machine.travel(start, tick=False):
        activation = activate(license, "fp-1")
    later = start + timedelta(seconds=500)
    with time_machine.travel(later, tick=False):
        response = kg.post(
            f"machines/{activation.pk}/actions/ping", key=license.display_key
        )
    assert response.status_code == 200
    attributes = response.document["data"]["attributes"]
    assert attributes["heartbeatStatus"] == "ALIVE"
    assert attributes["lastHeartbeat"] == signing.isoformat(later)
    activation.refresh_from_db()
    assert activation.last_heartbeat_at == later


def test_a_ping_brings_a_dead_machine_not_yet_released_back(kg):
    license = issue(plan=PlanFactory(heartbeat_interval=600))
    start = frozen_now()
    with time_machine.travel(start, tick=False):
        activation = activate(license, "fp-1")
    with time_machine.travel(start + heartbeat_dead_after(), tick=False):
        assert code_of(validate_key(kg, license.key, fingerprint="fp-1")) == (
            "HEARTBEAT_DEAD"
        )
        response = kg.post(
            f"machines/{activation.pk}/actions/ping", key=license.display_key
        )
        assert response.status_code == 200
        assert response.document["data"]["attributes"]["heartbeatStatus"] == (
            "RESURRECTED"
        )
        assert code_of(validate_key(kg, license.key, fingerprint="fp-1")) == "VALID"


def test_a_ping_after_the_machine_was_released_is_not_found(kg):
    license = issue(plan=PlanFactory(heartbeat_interval=600))
    start = frozen_now()
    with time_machine.travel(start, tick=False):
        activation = activate(license, "fp-1")
    with time_machine.travel(start + heartbeat_dead_after(), tick=False):
        assert services.activations_release_dead() == 1
        response = kg.post(
            f"machines/{activation.pk}/actions/ping", key=license.display_key
        )
    assert (response.status_code, error(response)["code"]) == (404, "NOT_FOUND")


def test_a_ping_on_a_suspended_license_is_refused(kg):
    license = issue(plan=PlanFactory(heartbeat_interval=600))
    activation = activate(license, "fp-1")
    set_status(license, "suspended", suspended_for="payment")
    response = kg.post(
        f"machines/{activation.pk}/actions/ping", key=license.display_key
    )
    assert (response.status_code, error(response)["code"]) == (
        403,
        "LICENSE_SUSPENDED",
    )


def test_the_licenses_machines_are_listed_oldest_first(kg):
    license = issue(plan=PlanFactory(seats=3))
    start = frozen_now()
    ids = []
    for n in range(3):
        with time_machine.travel(start + timedelta(seconds=n), tick=False):
            ids.append(str(activate(license, f"fp-{n}").pk))
    response = kg.get(f"licenses/{license.pk}/machines", key=license.display_key)
    assert response.status_code == 200
    assert [m["id"] for m in response.document["data"]] == ids
    assert response.document["meta"]["count"] == 3
    response = kg.get(
        f"licenses/{license.pk}/machines?limit=2", key=license.display_key
    )
    assert [m["id"] for m in response.document["data"]] == ids[:2]


@pytest.mark.parametrize("limit", ["0", "101", "ten"])
def test_a_list_limit_out_of_range_is_a_parameter_error(kg, limit):
    license = issue()
    response = kg.get(
        f"licenses/{license.pk}/machines?limit={limit}", key=license.display_key
    )
    assert response.status_code == 400
    assert error(response)["code"] == "PARAMETER_INVALID"
    assert error(response)["source"] == {"parameter": "limit"}


def test_another_licenses_machines_are_not_found(kg):
    mine, other = issue(), issue()
    activate(other, "fp-1")
    response = kg.get(f"licenses/{other.pk}/machines", key=mine.display_key)
    assert (response.status_code, error(response)["code"]) == (404, "NOT_FOUND")


# --- 6. Offline files (check-out) ------------------------------------------------------


def test_a_license_file_is_signed_and_encrypted_with_the_license_key(kg):
    license = issue()
    now = frozen_now()
    path = (
        f"licenses/{license.pk}/actions/check-out?encrypt=true&ttl=3600&include=product"
    )
    with time_machine.travel(now, tick=False):
        response = kg.get(path, key=license.display_key)
    assert response.status_code == 200
    data = response.document["data"]
    assert data["type"] == "license-files"
    issued, expiry = signing.isoformat(now), signing.isoformat(now + timedelta(hours=1))
    assert (data["attributes"]["issued"], data["attributes"]["expiry"]) == (
        issued,
        expiry,
    )
    assert data["attributes"]["ttl"] == 3600
    assert data["relationships"]["license"]["data"]["id"] == str(license.pk)
    alg, dataset = open_certificate(
        data["attributes"]["certificate"], "license", license.display_key
    )
    assert alg == "aes-256-gcm+ed25519"
    assert dataset["data"]["id"] == str(license.pk)
    assert dataset["data"]["type"] == "licenses"
    assert dataset["meta"] == {"issued": issued, "expiry": expiry, "ttl": 3600}
    assert [item["type"] for item in dataset["included"]] == ["products"]


def test_a_machine_file_is_encrypted_with_the_key_and_fingerprint(kg):
    license = issue()
    activation = activate(license, "fp-1")
    now = frozen_now()
    path = f"machines/{activation.pk}/actions/check-out?encrypt=1&ttl=86400&include=license"
    with time_machine.travel(now, tick=False):
        response = kg.post(path, key=license.display_key)
    assert response.status_code == 200
    data = response.document["data"]
    assert data["type"] == "machine-files"
    assert data["relationships"]["machine"]["data"]["id"] == str(activation.pk)
    alg, dataset = open_certificate(
        data["attributes"]["certificate"], "machine", license.display_key + "fp-1"
    )
    assert alg == "aes-256-gcm+ed25519"
    assert dataset["data"]["id"] == str(activation.pk)
    assert dataset["data"]["attributes"]["fingerprint"] == "fp-1"
    assert dataset["meta"] == {
        "issued": signing.isoformat(now),
        "expiry": signing.isoformat(now + timedelta(days=1)),
        "ttl": 86400,
    }
    assert [(i["type"], i["id"]) for i in dataset["included"]] == [
        ("licenses", str(license.pk))
    ]


def test_a_machine_file_does_not_open_with_the_key_alone(kg):
    license = issue()
    activation = activate(license, "fp-1")
    response = kg.get(
        f"machines/{activation.pk}/actions/check-out?encrypt=true",
        key=license.display_key,
    )
    certificate = response.document["data"]["attributes"]["certificate"]
    with pytest.raises(InvalidTag):
        open_certificate(certificate, "machine", license.display_key)


def test_a_file_is_base64_unless_encryption_is_asked(kg):
    license = issue()
    for query in ("", "?encrypt=false", "?algorithm=base64%2Bed25519"):
        response = kg.get(
            f"licenses/{license.pk}/actions/check-out{query}", key=license.display_key
        )
        assert response.status_code == 200
        certificate = response.document["data"]["attributes"]["certificate"]
        alg, dataset = open_certificate(certificate, "license")
        assert alg == "base64+ed25519"
        assert dataset["data"]["id"] == str(license.pk)


def test_the_aes_algorithm_alone_asks_for_encryption(kg):
    license = issue()
    response = kg.get(
        f"licenses/{license.pk}/actions/check-out?algorithm=aes-256-gcm%2Bed25519",
        key=license.display_key,
    )
    certificate = response.document["data"]["attributes"]["certificate"]
    alg, _dataset = open_certificate(certificate, "license", license.display_key)
    assert alg == "aes-256-gcm+ed25519"


def test_the_default_file_lives_30_days(kg):
    license = issue()
    response = kg.get(
        f"licenses/{license.pk}/actions/check-out", key=license.display_key
    )
    assert response.document["data"]["attributes"]["ttl"] == 30 * 24 * 3600


@pytest.mark.parametrize("ttl", ["3599", "7776001", "soon"])
def test_a_ttl_out_of_range_is_a_parameter_error(kg, ttl):
    license = issue()
    response = kg.get(
        f"licenses/{license.pk}/actions/check-out?ttl={ttl}", key=license.display_key
    )
    assert response.status_code == 400
    assert error(response)["source"] == {"parameter": "ttl"}


def test_the_ttl_bounds_themselves_are_accepted(kg):
    license = issue()
    for ttl in (3600, 7_776_000):
        response = kg.get(
            f"licenses/{license.pk}/actions/check-out?ttl={ttl}",
            key=license.display_key,
        )
        assert response.status_code == 200
        assert response.document["data"]["attributes"]["ttl"] == ttl


def test_an_unknown_include_is_a_parameter_error(kg):
    license = issue()
    response = kg.get(
        f"licenses/{license.pk}/actions/check-out?include=secrets",
        key=license.display_key,
    )
    assert response.status_code == 400
    assert error(response)["source"] == {"parameter": "include"}


@pytest.mark.parametrize(
    "query",
    [
        "algorithm=aes-256-gcm%2Brsa",
        "algorithm=rsa-2048-pkcs1%2Bed25519",
        "encrypt=false&algorithm=aes-256-gcm%2Bed25519",
        "encrypt=true&algorithm=base64%2Bed25519",
    ],
)
def test_an_algorithm_not_offered_or_contradicting_encrypt_is_refused(kg, query):
    license = issue()
    response = kg.get(
        f"licenses/{license.pk}/actions/check-out?{query}", key=license.display_key
    )
    assert response.status_code == 400
    assert error(response)["code"] == "PARAMETER_INVALID"
    assert error(response)["source"] == {"parameter": "algorithm"}


def test_a_fixed_term_file_never_outlives_the_period_end(kg):
    plan = PlanFactory(renewal="fixed")
    license = issue(plan=plan, purchased_on=timezone.localdate() - timedelta(days=360))
    activation = activate(license, "fp-1")
    end = license_known_end(license)
    local_end = end.astimezone(timezone.get_current_timezone())
    assert (local_end.date(), local_end.time().isoformat()) == (
        license.period_end,
        "00:00:00",
    )
    for kind, path in (
        ("license", f"licenses/{license.pk}/actions/check-out"),
        ("machine", f"machines/{activation.pk}/actions/check-out"),
    ):
        response = kg.get(path, key=license.display_key)
        assert response.status_code == 200
        attributes = response.document["data"]["attributes"]
        assert attributes["expiry"] == signing.isoformat(end)
        _alg, dataset = open_certificate(attributes["certificate"], kind)
        assert dataset["meta"]["expiry"] == signing.isoformat(end)
        assert dataset["meta"]["ttl"] < 30 * 24 * 3600


def test_no_file_is_issued_that_has_already_expired(kg):
    """A rolling license whose termination takes effect today, before the
    daily sweep has ended it: validation still says VALID, but its known end
    (the start of today) has passed, so check-out is refused as terminated."""
    today = timezone.localdate()
    license = issue()
    License.objects.filter(pk=license.pk).update(
        period_start=today - timedelta(days=365),
        period_end=today,
        termination_received_on=today - timedelta(days=60),
        termination_effective_on=today,
    )
    activation = activate(license, "fp-1")
    for path in (
        f"licenses/{license.pk}/actions/check-out",
        f"machines/{activation.pk}/actions/check-out",
    ):
        response = kg.get(path, key=license.display_key)
        assert response.status_code == 403
        assert error(response)["code"] == "LICENSE_EXPIRED"
    activation.refresh_from_db()
    assert activation.checked_out_until is None


def test_a_machine_file_holds_the_seat_until_it_expires(kg):
    license = issue()
    activation = activate(license, "fp-1")
    response = kg.get(
        f"machines/{activation.pk}/actions/check-out?ttl=7200", key=license.display_key
    )
    expiry = response.document["data"]["attributes"]["expiry"]
    activation.refresh_from_db()
    assert signing.isoformat(activation.checked_out_until) == expiry


def test_a_license_file_holds_no_seat(kg):
    license = issue(plan=PlanFactory(seats=1))
    response = kg.get(
        f"licenses/{license.pk}/actions/check-out", key=license.display_key
    )
    assert response.status_code == 200
    assert not Activation.objects.exists()
    response = kg.post(
        "machines", machine_body(license.pk, "fp-1"), key=license.display_key
    )
    assert response.status_code == 201
    kg.get(f"licenses/{license.pk}/actions/check-out", key=license.display_key)
    assert Activation.objects.get().checked_out_until is None


def test_a_machine_without_a_kept_fingerprint_has_no_encrypted_file(kg):
    license = issue()
    activation = activate(license, "fp-1")
    Activation.objects.filter(pk=activation.pk).update(fingerprint="")
    path = f"machines/{activation.pk}/actions/check-out"
    response = kg.get(f"{path}?encrypt=true", key=license.display_key)
    assert (response.status_code, error(response)["code"]) == (
        422,
        "FINGERPRINT_UNKNOWN",
    )
    response = kg.get(path, key=license.display_key)
    assert response.status_code == 200
    _alg, dataset = open_certificate(
        response.document["data"]["attributes"]["certificate"], "machine"
    )
    assert dataset["data"]["id"] == str(activation.pk)


def test_a_dead_machine_cannot_check_out(kg):
    license = issue(plan=PlanFactory(heartbeat_interval=600))
    start = frozen_now()
    with time_machine.travel(start, tick=False):
        activation = activate(license, "fp-1")
    with time_machine.travel(start + heartbeat_dead_after(), tick=False):
        response = kg.get(
            f"machines/{activation.pk}/actions/check-out", key=license.display_key
        )
    assert (response.status_code, error(response)["code"]) == (
        422,
        "MACHINE_HEARTBEAT_DEAD",
    )
    activation.refresh_from_db()
    assert activation.checked_out_until is None


def test_a_suspended_license_cannot_check_out(kg):
    license = issue()
    set_status(license, "suspended", suspended_for="vendor")
    response = kg.get(
        f"licenses/{license.pk}/actions/check-out", key=license.display_key
    )
    assert (response.status_code, error(response)["code"]) == (
        403,
        "LICENSE_SUSPENDED",
    )


# --- 7. Rate limits ---------------------------------------------------------------------


def test_the_third_request_in_the_minute_is_refused_signed(kg, limiter):
    limiter.API_RATE_LIMIT_PER_CLIENT = "2/m"
    license = issue()
    moment = (timezone.now() + timedelta(minutes=1)).replace(second=20, microsecond=0)
    with time_machine.travel(moment, tick=False):
        for _ in range(2):
            assert code_of(validate_key(kg, license.key)) == "VALID"
        limited = validate_key(kg, license.key)
    assert limited.status_code == 429
    assert error(limited)["code"] == "TOO_MANY_REQUESTS"
    assert limited["Retry-After"] == "40"
    assert_signed(limited, "POST", f"{BASE}/licenses/actions/validate-key")


def test_authenticated_calls_count_against_the_client_too(kg, limiter):
    limiter.API_RATE_LIMIT_PER_CLIENT = "2/m"
    license = issue()
    moment = (timezone.now() + timedelta(minutes=1)).replace(second=30, microsecond=0)
    with time_machine.travel(moment, tick=False):
        assert kg.get("me", key=license.display_key).status_code == 200
        assert kg.get("me", key="not-a-key").status_code == 401
        limited = kg.get("me", key=license.display_key)
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) == 30


# --- 8. The hot path ---------------------------------------------------------------------


@pytest.mark.parametrize("scope", [{}, {"fingerprint": "fp-1"}])
def test_validate_key_runs_one_query(kg, django_assert_num_queries, scope):
    license = issue()
    activate(license, "fp-1")
    validate_key(kg, license.key)  # the process has its signing keys in memory
    with django_assert_num_queries(1):
        response = validate_key(kg, license.key, **scope)
    assert code_of(response) == "VALID"


def test_two_products_cannot_share_a_keygen_product_id():
    ProductFactory(slug="desktop-x", keygen_product_id="kg-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductFactory(slug="backup-x", keygen_product_id="kg-1")
    ProductFactory(slug="backup-y", keygen_product_id="")  # blank is no id
    ProductFactory(slug="backup-z", keygen_product_id="")


def test_a_keygen_product_id_may_not_be_another_products_slug():
    ProductFactory(slug="desktop-x")
    other = ProductFactory.build(
        slug="backup-x", name="Backup", keygen_product_id="desktop-x"
    )
    with pytest.raises(ValidationError) as raised:
        other.full_clean()
    assert "keygen_product_id" in raised.value.message_dict
    ProductFactory(slug="tools-x", keygen_product_id="kg-2")
    renamed = ProductFactory.build(slug="kg-2", name="Renamed")
    with pytest.raises(ValidationError) as raised:
        renamed.full_clean()
    assert "slug" in raised.value.message_dict


# What the attack review found


@pytest.mark.parametrize(
    ("scope", "pointer"),
    [
        ({"environment": "\ud800"}, "/meta/scope/environment"),
        ({"entitlements": ["ok", "\ud800"]}, "/meta/scope/entitlements/1"),
        ({"entitlements": [""]}, "/meta/scope/entitlements/0"),
        ({"fingerprint": "pc\x001"}, "/meta/scope/fingerprint"),
    ],
    ids=["surrogate-environment", "surrogate-entitlement", "empty-entitlement", "nul"],
)
def test_text_that_cannot_be_stored_or_echoed_is_refused(kg, scope, pointer):
    response = kg.call(
        "POST",
        "licenses/actions/validate-key",
        raw=json.dumps({"meta": {"key": keys.generate(), "scope": scope}}),
    )
    assert response.status_code == 400
    assert error(response)["source"] == {"pointer": pointer}


def test_a_nul_in_a_machine_attribute_is_refused(kg):
    license = issue()
    for attribute in ("fingerprint", "platform", "name"):
        attributes = {"fingerprint": "pc-1", attribute: "a\x00b"}
        fingerprint = attributes.pop("fingerprint")
        body = machine_body(license.pk, fingerprint, **attributes)
        response = kg.post("machines", body, key=license.display_key)
        assert response.status_code == 400
        assert error(response)["source"] == {"pointer": f"/data/attributes/{attribute}"}
    assert not Activation.objects.exists()


def test_a_nonce_is_echoed_in_the_signed_answer(kg):
    license = issue()
    for nonce in (1234567, "abc"):
        response = kg.post(
            "licenses/actions/validate-key",
            {"meta": {"key": license.key, "nonce": nonce}},
        )
        assert response.document["meta"]["nonce"] == nonce
    response = kg.post(
        "licenses/actions/validate-key", {"meta": {"key": license.key, "nonce": 1.5}}
    )
    assert error(response)["source"] == {"pointer": "/meta/nonce"}


def test_a_machine_of_our_own_api_shows_no_fingerprint_or_label(kg):
    license = issue(plan=PlanFactory(seats=2))
    native = activate(
        license, "SERIAL-OF-SOMEONE", label="Someone's laptop", keep_fingerprint=False
    )
    connection_column = Activation.objects.filter(pk=native.pk).values_list(
        "fingerprint", flat=True
    )
    assert list(connection_column) == [""]
    listed = kg.get(
        f"licenses/{license.pk}/machines", key=license.display_key
    ).document["data"]
    assert listed[0]["attributes"]["fingerprint"] == ""
    assert listed[0]["attributes"]["name"] is None


def test_a_deactivation_through_keygen_tells_the_owner(kg):
    license = issue(email="owner@example.org")
    machine = activate(license, "pc-1")
    response = kg.delete(f"machines/{machine.pk}", key=license.display_key)
    assert response.status_code == 204
    assert queued_templates()[-1] == "machine_released"


def test_a_disallowed_host_gets_a_signed_keygen_error(client, settings):
    settings.ALLOWED_HOSTS = ["licenses.example.test"]
    response = client.get("/keygen/v1/me", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/vnd.api+json"
    assert "Keygen-Signature" in response
    assert json.loads(response.content)["errors"][0]["code"] == "PARAMETER_INVALID"


@pytest.mark.parametrize(
    "limit", ["1_0", " 1", "\u0661"], ids=["underscore", "space", "arabic"]
)
def test_numbers_are_plain_ascii_digits(kg, limit):
    license = issue()
    response = kg.get(
        f"licenses/{license.pk}/machines?{urlencode({'limit': limit})}",
        key=license.display_key,
    )
    assert response.status_code == 400
