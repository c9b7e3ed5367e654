"""Answers are bound to the question: a genuine answer relayed for another key is caught."""

import hashlib

import pytest

from licensing import keys
from tests.factories import PlanFactory, issue

pytestmark = pytest.mark.django_db


def binding(key: str, fingerprint: str = "", nonce: str = "") -> str:
    """What a client computes from its own question (SPEC section 5)."""
    text = f"{keys.display(keys.normalise(key))}\n{fingerprint}\n{nonce}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def client_accepts(answer, *, key, fingerprint="", nonce="") -> bool:
    """A client's check after the signature: the answer is about its own question."""
    return answer.body["meta"].get("binding") == binding(key, fingerprint, nonce)


def test_a_relayed_validate_answer_for_another_key_is_rejected(api):
    paid = issue(plan=PlanFactory(seats=2))
    cracked = issue(plan=PlanFactory(seats=2))
    api.activate(paid.key, "pc-paid")
    # The client asks about its own key; a proxy answers with the genuine,
    # correctly signed answer to a question about the paid key.
    relayed = api.validate(paid.key, fingerprint="pc-paid", nonce="n-1")
    assert relayed.body["valid"] is True
    assert not client_accepts(
        relayed, key=cracked.key, fingerprint="pc-paid", nonce="n-1"
    )
    own = api.validate(cracked.key, fingerprint="pc-paid", nonce="n-1")
    assert client_accepts(own, key=cracked.key, fingerprint="pc-paid", nonce="n-1")
    # A replay for another machine or another nonce is caught too.
    assert not client_accepts(relayed, key=paid.key, fingerprint="pc-x", nonce="n-1")
    assert not client_accepts(relayed, key=paid.key, fingerprint="pc-paid", nonce="n-2")


def test_every_call_with_a_key_binds_its_answer_errors_included(api):
    license = issue(plan=PlanFactory(seats=1))
    spelled = license.key.lower().replace(
        "-", " "
    )  # any spelling binds the canonical key
    activated = api.activate(spelled, "pc-1", nonce="a")
    assert client_accepts(activated, key=license.key, fingerprint="pc-1", nonce="a")
    machine = activated.body["activation"]["id"]
    full = api.activate(license.key, "pc-2", nonce="b")
    assert full.status_code == 409
    assert client_accepts(full, key=license.key, fingerprint="pc-2", nonce="b")
    beat = api.post(f"activations/{machine}/heartbeat", {"key": license.key})
    assert client_accepts(beat, key=license.key)
    checkout = api.post(
        "licenses/checkout", {"key": license.key, "fingerprint": "pc-1", "nonce": "c"}
    )
    assert client_accepts(checkout, key=license.key, fingerprint="pc-1", nonce="c")
    register = api.post(
        "licenses/register",
        {"key": license.key, "email": "x@example.org", "nonce": "d"},
    )
    assert client_accepts(register, key=license.key, nonce="d")
    unknown = api.validate(keys.generate(), nonce="e")
    assert unknown.body["code"] == "NOT_FOUND"
    assert unknown.body["meta"]["binding"] is not None


def test_a_malformed_key_binds_nothing_and_keyless_calls_have_no_binding(api):
    bad = api.validate("not-a-key")
    assert bad.status_code == 400 and bad.body["meta"]["binding"] is None
    assert "binding" not in api.get("ping").body["meta"]
    assert "binding" not in api.get("signing-keys").body["meta"]


def test_the_binding_is_over_the_printed_key_with_its_dashes(api):
    license = issue(plan=PlanFactory())
    printed = license.display_key  # XXXXX-XXXXX-XXXXX-XXXXX-XXXXX
    assert printed.count("-") == 4
    body = api.validate(license.key.lower().replace("-", ""), nonce="n1").body
    expected = hashlib.sha256(f"{printed}\n\nn1".encode()).hexdigest()
    assert body["meta"]["binding"] == expected


def test_fingerprint_and_nonce_are_taken_exactly_as_sent(api):
    license = issue(plan=PlanFactory(seats=2))
    api.activate(license.key, "machine-id\n", nonce=" n ")
    assert api.validate(license.key, fingerprint="machine-id\n").body["code"] == "VALID"
    assert (
        api.validate(license.key, fingerprint="machine-id").body["code"]
        == "FINGERPRINT_SCOPE_MISMATCH"
    )
    answer = api.activate(license.key, "machine-id\n", nonce=" n ")
    assert answer.body["meta"]["nonce"] == " n "
    assert client_accepts(
        answer, key=license.key, fingerprint="machine-id\n", nonce=" n "
    )
