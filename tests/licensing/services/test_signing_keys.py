"""The trust anchor: clients pin a key and follow the chain of endorsements.

`follow_chain` is the README's client code: a client that pinned any earlier
key trusts exactly the keys the chain vouches for, whatever the list says.
"""

import base64
import json
from datetime import timedelta

import pytest
import time_machine
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.audit import Actor
from licensing import services, signing
from licensing.errors import Refused
from licensing.models import SigningKey

pytestmark = pytest.mark.django_db


def follow_chain(pinned_public_key: str, listed: list[dict]) -> dict:
    """{keyid: public key} of every listed key endorsed, link by link, from the pin."""
    trusted = [Ed25519PublicKey.from_public_bytes(base64.b64decode(pinned_public_key))]
    found: dict = {}
    for key in listed:  # oldest first
        if key["public_key"] == pinned_public_key:
            found[key["keyid"]] = trusted[0]
            continue
        if not key["endorsement"]:
            continue
        text = f"license-signing-key\n{key['keyid']}\n{key['public_key']}".encode()
        for signer in trusted:
            try:
                signer.verify(base64.b64decode(key["endorsement"]), text)
            except InvalidSignature:
                continue
            public = Ed25519PublicKey.from_public_bytes(
                base64.b64decode(key["public_key"])
            )
            trusted.append(public)
            found[key["keyid"]] = public
            break
    return found


def rotate():
    key = services.signing_key_rotate(actor=Actor.system())
    signing.forget()
    return key


def test_each_new_key_is_endorsed_by_the_key_it_replaces():
    first, second, third = rotate(), rotate(), rotate()
    listed = signing.public_keys()
    assert listed[0]["endorsement"] is None
    assert set(follow_chain(first.public_key, listed)) == {
        first.keyid,
        second.keyid,
        third.keyid,
    }
    # Pinning a later key trusts it and what follows, never what came before.
    assert set(follow_chain(second.public_key, listed)) == {second.keyid, third.keyid}


def test_a_forged_key_list_is_rejected_by_a_client_pinning_the_first_key(api):
    rotate()
    rotate()
    genuine = api.get("signing-keys").body["keys"]
    pinned = genuine[0]["public_key"]  # shipped with the client
    # An interceptor adds its own key, endorsed by itself, and signs with it.
    forged_private = Ed25519PrivateKey.generate()
    forged_public = base64.b64encode(
        forged_private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    ).decode()
    text = f"license-signing-key\nforged\n{forged_public}".encode()
    forged_list = [
        *genuine,
        {
            "keyid": "forged",
            "algorithm": "ed25519",
            "public_key": forged_public,
            "created": "2026-11-23T00:00:00Z",
            "retired": None,
            "endorsement": base64.b64encode(forged_private.sign(text)).decode(),
        },
    ]
    trusted = follow_chain(pinned, forged_list)
    assert "forged" not in trusted
    assert set(trusted) == {k["keyid"] for k in genuine}
    # An answer signed by the forged key fails against every trusted key.
    body = json.dumps({"valid": True}).encode()
    signature = forged_private.sign(body)
    for public in trusted.values():
        with pytest.raises(InvalidSignature):
            public.verify(signature, body)


def test_revoking_a_middle_key_mends_the_chain():
    first, second, third = rotate(), rotate(), rotate()
    assert services.signing_key_revoke(keyid=second.keyid, actor=Actor.system()) is None
    signing.forget()
    listed = signing.public_keys()
    assert [k["keyid"] for k in listed] == [first.keyid, third.keyid]
    assert set(follow_chain(first.public_key, listed)) == {first.keyid, third.keyid}
    assert (
        follow_chain(second.public_key, listed) == {}
    )  # the revoked pin leads nowhere


def test_revoking_the_signer_puts_a_new_key_in_its_place_at_once(capsys):
    first, second = rotate(), rotate()
    call_command("revoke_signing_key", second.keyid)
    assert "Revoked" in capsys.readouterr().out
    signing.forget()
    listed = signing.public_keys()
    assert second.keyid not in {k["keyid"] for k in listed}
    new = listed[-1]
    assert signing.keyring().signer().keyid == new["keyid"]
    assert set(follow_chain(first.public_key, listed)) == {first.keyid, new["keyid"]}


def test_revoking_an_unknown_key_is_refused():
    rotate()
    with pytest.raises(Refused):
        services.signing_key_revoke(keyid="nope", actor=Actor.system())


def test_ping_touches_no_database_on_a_fresh_worker(client):
    rotate()
    signing.forget()  # a fresh process...
    signing.warm()  # ...loads the keys as it starts (config.wsgi)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/ping")
    assert response.status_code == 200
    assert len(queries) == 0


def test_an_empty_key_list_is_not_kept_for_the_refresh_interval(client):
    assert client.get("/api/v1/ping").status_code == 503  # no key yet
    SigningKey.objects.all().delete()
    services.signing_key_rotate(actor=Actor.system())
    # No forget(): the empty list must not have been cached.
    assert client.get("/api/v1/ping").status_code == 200


def test_a_client_pinned_to_the_first_key_follows_the_chain_after_the_purge():
    first, second, third = rotate(), rotate(), rotate()
    later = timezone.now() + timedelta(days=400)
    assert services.signing_keys_purge(now=later) == 2
    signing.forget()
    listed = signing.public_keys()
    assert set(follow_chain(first.public_key, listed)) == {
        first.keyid,
        second.keyid,
        third.keyid,
    }


def test_revoking_the_signer_while_a_rotation_is_pending_leaves_a_signer():
    first = rotate()
    pending = services.signing_key_rotate(actor=Actor.system())  # not signing yet
    signing.forget()
    assert signing.keyring().signer().keyid == first.keyid
    signer = services.signing_key_revoke(keyid=first.keyid, actor=Actor.system())
    signing.forget()
    assert signer.keyid == pending.keyid
    assert signing.keyring().signer().keyid == pending.keyid  # at once, no 503


def test_a_retired_key_never_signs_again_after_a_revocation():
    first, second = rotate(), rotate()
    with time_machine.travel(timezone.now() + timedelta(seconds=400)):
        signing.forget()
        assert signing.keyring().signer().keyid == second.keyid
        signer = services.signing_key_revoke(keyid=second.keyid, actor=Actor.system())
        signing.forget()
        now_signing = signing.keyring().signer().keyid
    assert now_signing == signer.keyid not in (first.keyid, second.keyid)
