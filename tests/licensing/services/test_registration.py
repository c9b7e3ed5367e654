"""Registration confirmed by email records the marketing consent it carries, audited;
every registration says whether the license is a consumer's or a business's."""

import pytest

from accounts.models import Customer
from accounts.services import customer_consent_record
from core.audit import Actor
from core.models import AuditEvent
from licensing import keys, services, tokens
from licensing.errors import Code, Refused
from tests.factories import CustomerFactory, PlanFactory, issue

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


# --- consumer or business: the license's, as it was registered --------------


def test_a_confirmed_registration_is_registered_as_the_customer_is_known(
    monkeypatch,
):
    CustomerFactory(email="firm@example.org", kind="business")
    known = request_and_confirm(
        monkeypatch, issue(), email="firm@example.org", opt_in=False
    )
    new = request_and_confirm(
        monkeypatch, issue(), email="new@example.org", opt_in=False
    )
    assert known.customer_kind == Customer.Kind.BUSINESS
    assert new.customer_kind == Customer.Kind.CONSUMER


def claim(customer, license, kind, **fields):
    return services.license_claim(
        canonical_key=keys.normalise(license.key),
        customer=customer,
        kind=kind,
        agreement=None,
        agreement_accepted=True,
        actor=Actor.system(),
        **fields,
    )


def test_each_claim_registers_its_license_as_answered_and_changes_no_other():
    customer = CustomerFactory(kind="consumer")
    first = claim(customer, issue(), "business")
    second = claim(customer, issue(), "consumer")
    first.refresh_from_db()
    assert (first.customer_kind, second.customer_kind) == ("business", "consumer")
    # The latest answer is remembered as the next form's default, deciding nothing.
    customer.refresh_from_db()
    assert customer.kind == "consumer"


@pytest.mark.parametrize(
    ("age_confirmed", "code"),
    [(None, Code.AGE_NOT_CONFIRMED), (False, Code.UNDER_MINIMUM_AGE)],
)
def test_a_claim_without_the_minimum_age_stores_nothing(age_confirmed, code):
    customer = CustomerFactory(kind="consumer")
    license = issue(plan=PlanFactory(slug="backup-annual", minimum_age=18))
    with pytest.raises(Refused) as refused:
        claim(customer, license, "business", age_confirmed=age_confirmed)
    assert refused.value.code == code
    assert refused.value.extra == {"minimum_age": 18}
    license.refresh_from_db()
    customer.refresh_from_db()
    assert (license.customer, license.customer_kind) == (None, "")
    assert customer.kind == "consumer"
