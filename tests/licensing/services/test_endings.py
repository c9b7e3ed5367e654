"""Endings the customer asks for: notice, cooling-off withdrawal, cancellation; and
the prepaid plan that is issued only once paid."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail

from core.audit import Actor
from licensing import keys, rules, services
from licensing.errors import Code, Refused
from licensing.models import Invoice, License, Refund
from tests.factories import CustomerFactory, PlanFactory, issue
from tests.licensing.helpers import refreshed
from tests.outbox import queued_templates

# Transactional: every service commits, so emails leave through the outbox as in production.
pytestmark = pytest.mark.django_db(transaction=True)

STAFF = Actor.system()
PURCHASED = date(2026, 6, 1)


@pytest.mark.parametrize(
    ("received_on", "ends_on"),
    [(date(2026, 12, 15), date(2027, 1, 15)), (date(2026, 12, 16), date(2028, 1, 15))],
)
def test_notice_on_the_deadline_ends_this_period_and_a_day_later_the_next(
    rolling_plan, customer, received_on, ends_on
):
    license = issue(
        plan=rolling_plan, customer=customer, purchased_on=date(2026, 1, 15)
    )
    services.termination_notice_receive(
        license_id=license.pk, received_on=received_on, actor=STAFF
    )
    license.refresh_from_db()
    assert (license.status, license.termination_effective_on) == ("active", ends_on)
    assert queued_templates() == ["termination_received"]
    with pytest.raises(Refused) as refused:
        services.termination_notice_receive(
            license_id=license.pk, received_on=received_on, actor=STAFF
        )
    assert refused.value.code == Code.NOTICE_ALREADY_GIVEN


def test_a_prepaid_plan_is_issued_only_once_paid():
    plan = PlanFactory(slug="prepaid", billing="prepaid")
    with pytest.raises(Refused) as refused:
        issue(plan=plan, paid=False)
    assert refused.value.code == Code.PREPAID_UNPAID
    assert not License.objects.exists()


def test_withdrawal_on_day_14_and_a_refused_one_on_day_15(rolling_plan, customer):
    day_14 = rules.withdrawal_deadline(PURCHASED)
    assert day_14 == date(2026, 6, 15)
    late = issue(plan=rolling_plan, customer=customer, purchased_on=PURCHASED)
    with pytest.raises(Refused) as refused:
        services.license_withdraw(
            license_id=late.pk, day=day_14 + timedelta(days=1), actor=STAFF
        )
    assert refused.value.code == Code.WITHDRAWAL_NOT_ALLOWED
    assert refreshed(late).status == "active"
    assert not Refund.objects.exists()
    assert queued_templates() == []

    license = issue(plan=rolling_plan, customer=customer, purchased_on=PURCHASED)
    refund = services.license_withdraw(license_id=license.pk, day=day_14, actor=STAFF)
    assert refreshed(license).status == "cancelled"
    assert (refund.amount, refund.due_on) == (Decimal("990.00"), date(2026, 6, 29))
    assert queued_templates() == ["withdrawal_confirmed"]
    assert "29. juni 2026" in mail.outbox[-1].body


def test_only_consumers_have_the_cooling_off_withdrawal(rolling_plan):
    business = CustomerFactory(kind="business")
    license = issue(plan=rolling_plan, customer=business, purchased_on=PURCHASED)
    with pytest.raises(Refused) as refused:
        services.license_withdraw(
            license_id=license.pk, day=date(2026, 6, 2), actor=STAFF
        )
    assert refused.value.code == Code.WITHDRAWAL_NOT_ALLOWED


def test_the_withdrawal_right_is_each_licenses_not_the_customers(rolling_plan):
    """One customer, a business for one license and a consumer for another:
    only the consumer's license may be withdrawn."""
    customer = CustomerFactory(kind="consumer")
    as_business = issue(plan=rolling_plan, customer=customer, purchased_on=PURCHASED)
    as_consumer = issue(plan=rolling_plan, customer=customer, purchased_on=PURCHASED)
    License.objects.filter(pk=as_business.pk).update(customer_kind="business")
    day = date(2026, 6, 2)
    assert not services.withdrawal_eligible(refreshed(as_business), day=day)
    assert services.withdrawal_eligible(refreshed(as_consumer), day=day)
    with pytest.raises(Refused) as refused:
        services.license_withdraw(license_id=as_business.pk, day=day, actor=STAFF)
    assert refused.value.code == Code.WITHDRAWAL_NOT_ALLOWED
    services.license_withdraw(license_id=as_consumer.pk, day=day, actor=STAFF)
    assert refreshed(as_business).status == "active"
    assert refreshed(as_consumer).status == "cancelled"


def test_a_business_customer_who_registered_a_license_as_a_consumer_may_withdraw_it(
    rolling_plan,
):
    customer = CustomerFactory(kind="business")
    license = issue(plan=rolling_plan, customer=customer, purchased_on=PURCHASED)
    License.objects.filter(pk=license.pk).update(customer_kind="consumer")
    assert services.withdrawal_eligible(refreshed(license), day=date(2026, 6, 2))


def test_cancel_within_14_days_only_if_never_installed(rolling_plan, customer):
    unused = issue(
        plan=rolling_plan, customer=customer, purchased_on=PURCHASED, paid=False
    )
    used = issue(plan=rolling_plan, customer=customer, purchased_on=PURCHASED)
    services.activation_create(canonical_key=keys.normalise(used.key), fingerprint="pc")
    with pytest.raises(Refused) as refused:
        services.license_cancel(license_id=used.pk, day=date(2026, 6, 3), actor=STAFF)
    assert refused.value.code == Code.CANCELLATION_NOT_ALLOWED
    assert (
        services.license_cancel(license_id=unused.pk, day=date(2026, 6, 3), actor=STAFF)
        is None
    )
    assert refreshed(unused).status == "cancelled"
    assert unused.invoices.get().status == Invoice.Status.VOID
    assert not Refund.objects.exists()
