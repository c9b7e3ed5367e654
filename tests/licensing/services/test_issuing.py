"""Issuing is one transaction, and every write it makes is audited."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Customer
from core.audit import Actor
from core.models import AuditEvent
from licensing import services
from licensing.errors import Code, Refused
from licensing.models import License
from tests.factories import PlanFactory, ProductFactory

pytestmark = pytest.mark.django_db


def actions(target_type: str) -> list[str]:
    return list(
        AuditEvent.objects.filter(target_type=target_type)
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_a_refused_issue_leaves_no_customer_behind():
    plan = PlanFactory(slug="backup-annual", billing="prepaid", renewal="fixed")
    with pytest.raises(Refused) as refused:
        services.license_issue(
            plan=plan, actor=Actor.system(), email="buyer@example.org", paid=False
        )
    assert refused.value.code == Code.PREPAID_UNPAID
    assert not Customer.objects.exists()


def test_the_command_refused_for_a_prepaid_plan_unpaid_leaves_no_customer_behind():
    PlanFactory(
        slug="backup-annual",
        product=ProductFactory(slug="backup", name="Backup"),
        billing="prepaid",
        renewal="fixed",
    )
    with pytest.raises(CommandError, match="only once paid"):
        call_command(
            "issue_license",
            "--product=backup",
            "--plan=backup-annual",
            "--email=buyer@example.org",
            "--unpaid",
        )
    assert not Customer.objects.exists()
    assert not License.objects.exists()


def test_issuing_registers_the_customer_by_email_in_the_same_transaction():
    license = services.license_issue(
        plan=PlanFactory(),
        actor=Actor.system(),
        email="Buyer@Example.org",
        name="A Buyer",
    )
    assert license.customer == Customer.objects.by_email("buyer@example.org").get()
    assert license.customer.name == "A Buyer"


def test_staff_issue_to_a_customer_as_they_know_them_and_unregistered_as_nobody():
    business = Customer.objects.create(email="firm@example.org", kind="business")
    registered = services.license_issue(
        plan=PlanFactory(), actor=Actor.system(), customer=business
    )
    by_email = services.license_issue(
        plan=PlanFactory(), actor=Actor.system(), email="person@example.org"
    )
    unregistered = services.license_issue(plan=PlanFactory(), actor=Actor.system())
    assert registered.customer_kind == Customer.Kind.BUSINESS
    assert by_email.customer_kind == Customer.Kind.CONSUMER
    assert unregistered.customer_kind == ""


def test_the_first_invoice_paid_at_issue_is_audited():
    license = services.license_issue(
        plan=PlanFactory(price=Decimal("100.00")),
        actor=Actor.system(),
        purchased_on=date(2026, 3, 1),
    )
    invoice = license.invoices.get()
    assert invoice.status == "paid"
    assert actions("licensing.invoice") == ["invoice.created", "invoice.paid"]
    paid = AuditEvent.objects.get(action="invoice.paid")
    assert paid.target_id == str(invoice.pk)


def test_an_unpaid_first_invoice_is_not_audited_as_paid():
    services.license_issue(plan=PlanFactory(), actor=Actor.system(), paid=False)
    assert actions("licensing.invoice") == ["invoice.created"]
