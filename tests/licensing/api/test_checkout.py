import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.utils import timezone

from licensing import keys
from licensing.models import License
from tests.factories import PlanFactory, issue

pytestmark = pytest.mark.django_db


def verify_offline_file(file: dict, published_keys: list[dict]) -> dict:
    """What a client does offline: nothing but the public key and `cryptography`."""
    public = next(k for k in published_keys if k["keyid"] == file["keyid"])
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public["public_key"]))
    payload = base64.b64decode(file["payload"])
    key.verify(base64.b64decode(file["signature"]), payload)
    return json.loads(payload)


def test_checkout_gives_a_file_verifiable_with_the_public_key_alone(api):
    license = issue()
    machine = api.activate(license.key, "pc-1").body["activation"]["id"]
    now = (timezone.now() + timedelta(seconds=1)).replace(microsecond=0)
    with time_machine.travel(now, tick=False):
        response = api.post(
            "licenses/checkout",
            {"key": license.key, "fingerprint": "pc-1", "ttl": 86400},
        )
    assert response.status_code == 200
    file = response.body["file"]
    assert file["algorithm"] == "ed25519"
    published = api.get("signing-keys").body["keys"]
    document = verify_offline_file(file, published)
    assert document == {
        "license": str(license.pk),
        "product": "desktop",
        "major_version": 7,
        "machine": machine,
        "issued": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "expires": (now + timedelta(days=1))
        .astimezone(UTC)
        .strftime("%Y-%m-%dT%H:%M:%SZ"),
        # The file names the key and machine it is for.
        "binding": hashlib.sha256(f"{license.display_key}\npc-1".encode()).hexdigest(),
    }


def test_a_tampered_file_does_not_verify(api):
    from cryptography.exceptions import InvalidSignature

    license = issue()
    api.activate(license.key, "pc-1")
    file = api.post(
        "licenses/checkout", {"key": license.key, "fingerprint": "pc-1"}
    ).body["file"]
    document = json.loads(base64.b64decode(file["payload"]))
    document["expires"] = "2099-01-01T00:00:00Z"
    file["payload"] = base64.b64encode(json.dumps(document).encode()).decode()
    with pytest.raises(InvalidSignature):
        verify_offline_file(file, api.get("signing-keys").body["keys"])


def test_the_default_lifetime_is_30_days(api):
    license = issue()
    api.activate(license.key, "pc-1")
    file = api.post(
        "licenses/checkout", {"key": license.key, "fingerprint": "pc-1"}
    ).body["file"]
    document = json.loads(base64.b64decode(file["payload"]))
    issued = datetime.fromisoformat(document["issued"])
    assert datetime.fromisoformat(document["expires"]) - issued == timedelta(days=30)


def test_a_fixed_term_file_ends_with_the_term(api):
    plan = PlanFactory(slug="fixed-plan", renewal="fixed")
    license = issue(plan=plan, purchased_on=timezone.localdate() - timedelta(days=360))
    api.activate(license.key, "pc-1")
    file = api.post(
        "licenses/checkout", {"key": license.key, "fingerprint": "pc-1"}
    ).body["file"]
    expires = datetime.fromisoformat(
        json.loads(base64.b64decode(file["payload"]))["expires"]
    )
    assert (
        expires.astimezone(timezone.get_current_timezone()).date() == license.period_end
    )


def test_no_file_once_a_termination_has_taken_effect_before_the_sweep(api):
    """Between midnight and the sweep a terminated license still validates, but
    its known end has passed: a file would be dead on arrival."""
    today = timezone.localdate()
    license = issue()
    api.activate(license.key, "pc-1")
    License.objects.filter(pk=license.pk).update(
        period_start=today - timedelta(days=365),
        period_end=today,
        termination_received_on=today - timedelta(days=60),
        termination_effective_on=today,
    )
    response = api.post(
        "licenses/checkout", {"key": license.key, "fingerprint": "pc-1"}
    )
    assert (response.status_code, response.body["code"]) == (403, "TERMINATED")
    assert license.activations.get().checked_out_until is None


def test_checkout_needs_a_machine_that_validates(api):
    license = issue()
    response = api.post(
        "licenses/checkout", {"key": license.key, "fingerprint": "pc-1"}
    )
    assert (response.status_code, response.body["code"]) == (403, "NO_MACHINE")
    api.activate(license.key, "pc-1")
    response = api.post(
        "licenses/checkout", {"key": license.key, "fingerprint": "pc-2"}
    )
    assert (response.status_code, response.body["code"]) == (
        403,
        "FINGERPRINT_SCOPE_MISMATCH",
    )
    License.objects.filter(pk=license.pk).update(status="suspended")
    response = api.post(
        "licenses/checkout", {"key": license.key, "fingerprint": "pc-1"}
    )
    assert (response.status_code, response.body["code"]) == (403, "SUSPENDED")
    response = api.post(
        "licenses/checkout", {"key": keys.generate(), "fingerprint": "pc-1"}
    )
    assert (response.status_code, response.body["code"]) == (404, "NOT_FOUND")


@pytest.mark.parametrize("ttl", [3599, 7_776_001, "3600", 3600.5, True, None])
def test_a_ttl_out_of_range_or_of_the_wrong_type_is_invalid(api, ttl):
    license = issue()
    api.activate(license.key, "pc-1")
    response = api.post(
        "licenses/checkout", {"key": license.key, "fingerprint": "pc-1", "ttl": ttl}
    )
    assert (response.status_code, response.body["code"]) == (400, "INVALID_REQUEST")
