"""The daily retention job: what is past its time goes, counted, never named."""

from datetime import date, timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Customer
from cookies import services as cookie_services
from cookies.models import ConsentRecord
from licensing.models import Invoice, License
from privacy.models import ErasureReceipt
from privacy.tasks import retention
from tests.factories import CustomerFactory, PlanFactory, UserFactory, issue

pytestmark = pytest.mark.django_db


def ended(customer, days_ago):
    license = issue(plan=PlanFactory(), customer=customer)
    License.objects.filter(pk=license.pk).update(
        status="expired", ended_on=timezone.localdate() - timedelta(days=days_ago)
    )
    return license


def test_customers_without_an_account_go_90_days_after_their_last_license(caplog):
    gone = CustomerFactory(email="gone@example.org")
    ended(gone, 100)
    recent = CustomerFactory(email="recent@example.org")
    ended(recent, 30)
    live = CustomerFactory(email="live@example.org")
    ended(live, 200)
    issue(plan=PlanFactory(), customer=live)  # still has a live license
    with_account = CustomerFactory(email="account@example.org", user=UserFactory())
    ended(with_account, 200)
    caplog.set_level("INFO")
    counts = retention()
    assert counts["customers_erased"] == 1
    assert not Customer.objects.by_email("gone@example.org").exists()
    for kept in ("recent@example.org", "live@example.org", "account@example.org"):
        assert Customer.objects.by_email(kept).exists()
    assert ErasureReceipt.objects.get().actor == "retention"
    assert "gone@example.org" not in caplog.text
    assert "customers_erased" in caplog.text


def test_invoices_past_their_hold_and_old_proof_are_purged():
    license = issue(plan=PlanFactory(), customer=CustomerFactory())
    invoice = license.invoices.get()
    Invoice.objects.filter(pk=invoice.pk).update(purge_on=date(2020, 12, 31))
    cookie_services.consent_give(
        consent_id=None, user=None, choices={}, method="banner"
    )
    with time_machine.travel(timezone.now() + timedelta(days=365 * 5 + 2), tick=False):
        cookie_services.consent_give(
            consent_id=None, user=None, choices={}, method="banner"
        )
        counts = retention()
    assert counts["invoices_purged"] == 1
    assert counts["consent_records_pruned"] == 1
    assert ConsentRecord.objects.count() == 1
