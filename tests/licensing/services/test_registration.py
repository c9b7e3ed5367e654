"""Registration confirmed by email records the marketing consent it carries, audited."""

import pytest

from accounts.services import customer_consent_record
from core.audit import Actor
from core.models import AuditEvent
from licensing import keys, services, tokens
from tests.factories import CustomerFactory, issue

pytestmark = pytest.mark.django_db


def request_and_confirm(monkeypatch, license, *, email, opt_in):
    made = []
    real = tokens.new_token

    def catch(model):
        token, token_hash = real(model)
        made.append(token)
        return token, token_hash

    monkeypatch.setattr(tokens, "new_token", catch)
    services.registration_request(
        canonical_key=keys.normalise(license.key),
        email=email,
        updates_opt_in=opt_in,
    )
    return services.registration_confirm(token=made[-1])


def test_the_consent_given_at_registration_is_recorded_and_audited(monkeypatch):
    license = request_and_confirm(
        monkeypatch, issue(), email="new@example.org", opt_in=True
    )
    customer = license.customer
    assert customer.updates_opt_in and customer.updates_opt_in_at is not None
    assert customer.updates_opt_in_source == "client-registration"
    event = AuditEvent.objects.get(action="customer.consented")
    assert event.target_id == str(customer.pk)
    assert event.data == {"kind": "updates", "source": "client-registration"}


def test_a_consent_given_earlier_keeps_its_record(monkeypatch):
    customer = CustomerFactory(email="known@example.org")
    customer_consent_record(
        customer=customer, kind="updates", source="portal", actor=Actor.system()
    )
    request_and_confirm(monkeypatch, issue(), email="known@example.org", opt_in=True)
    customer.refresh_from_db()
    assert customer.updates_opt_in_source == "portal"
    assert AuditEvent.objects.filter(action="customer.consented").count() == 1


def test_no_consent_no_record(monkeypatch):
    license = request_and_confirm(
        monkeypatch, issue(), email="new@example.org", opt_in=False
    )
    assert not license.customer.updates_opt_in
    assert not AuditEvent.objects.filter(action="customer.consented").exists()
