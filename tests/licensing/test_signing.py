from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.audit import Actor
from licensing import services, signing
from licensing.models import SigningKey
from tests.licensing.api_client import SIGNATURE

pytestmark = pytest.mark.django_db


def signer_of(response) -> str:
    return SIGNATURE.fullmatch(response["X-License-Signature"]).group(1)


def test_the_first_key_signs_at_once(client):
    call_command("rotate_signing_key", stdout=None)
    response = client.get("/api/v1/ping")
    assert response.status_code == 200
    assert signer_of(response) == SigningKey.objects.get().keyid


def test_a_rotated_key_is_listed_at_once_and_signs_after_the_refresh_delay(
    api, settings
):
    old = SigningKey.objects.get()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        new = services.signing_key_rotate(actor=Actor.system())
        listed = api.get("signing-keys")
        assert {k["keyid"] for k in listed.body["keys"]} == {old.keyid, new.keyid}
        assert signer_of(listed) == old.keyid
        retired = {k["keyid"]: k["retired"] for k in listed.body["keys"]}
        assert retired[new.keyid] is None and retired[old.keyid] is not None
    later = start + timedelta(seconds=settings.SIGNING_KEY_REFRESH_SECONDS)
    with time_machine.travel(later, tick=False):
        assert signer_of(api.get("ping")) == new.keyid


def test_signing_keys_answer_the_documented_shape(api):
    body = api.get("signing-keys").body
    (key,) = body["keys"]
    assert set(key) == {
        "keyid",
        "algorithm",
        "public_key",
        "created",
        "retired",
        "endorsement",
    }
    assert key["endorsement"] is None  # the first key of the chain
    assert key["algorithm"] == "ed25519" and key["retired"] is None
    import base64

    assert len(base64.b64decode(key["public_key"])) == 32


def test_retired_keys_lose_their_private_half_after_the_longest_offline_file_lifetime(
    signing_key,
):
    new = services.signing_key_rotate(actor=Actor.system())
    retired_at = SigningKey.objects.get(pk=signing_key.pk).retired_at
    assert services.signing_keys_purge(now=retired_at + timedelta(days=89)) == 0
    assert services.signing_keys_purge(now=retired_at + timedelta(days=91)) == 1
    assert services.signing_keys_purge(now=retired_at + timedelta(days=92)) == 0
    old = SigningKey.objects.get(pk=signing_key.pk)
    assert old.private_key is None  # nothing left to sign with
    # Still listed, with the public half, so the chain from it holds.
    signing.forget()
    assert [k["keyid"] for k in signing.public_keys()] == [old.keyid, new.keyid]


def test_the_private_key_is_encrypted_at_rest(signing_key):
    with connection.cursor() as cursor:
        cursor.execute("SELECT private_key FROM licensing_signingkey")
        stored = cursor.fetchone()[0]
    assert stored.startswith("gAAAAA")  # a Fernet token, not the key


def test_ping_touches_no_database(client, signing_key):
    client.get("/api/v1/ping")  # loads the keys into memory
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/ping?nonce=xyz")
    assert response.status_code == 200
    assert len(queries) == 0
    assert response.json()["meta"]["nonce"] == "xyz"


def test_keys_are_reloaded_after_the_refresh_interval(client, signing_key, settings):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.get("/api/v1/ping")
    with CaptureQueriesContext(connection) as queries:
        client.get("/api/v1/ping")
    assert len(queries) == 0
    settings.SIGNING_KEY_REFRESH_SECONDS = 0
    with CaptureQueriesContext(connection) as queries:
        client.get("/api/v1/ping")
    assert len(queries) == 1


def test_without_any_key_the_api_says_it_is_unavailable(client, db):
    response = client.get("/api/v1/ping")
    assert response.status_code == 503
    assert response.json()["code"] == "UNAVAILABLE"
    signing.forget()
