"""Issuing licenses."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from accounts.models import Customer
from accounts.services import customer_get_or_create
from core import audit, outbox
from core.audit import Actor
from licensing import keys, rules
from licensing.errors import Code, Refused
from licensing.models import License, Partner, Plan
from licensing.selectors.agreements import agreement_current
from licensing.services.invoices import invoice_create, invoice_mark_paid
from licensing.services.registration import registration_request


@transaction.atomic
def license_issue(
    *,
    plan: Plan,
    actor: Actor,
    seats: int | None = None,
    customer: Customer | None = None,
    email: str = "",
    name: str = "",
    partner: Partner | None = None,
    major_version: int | None = None,
    purchased_on: date | None = None,
    notify: bool = False,
    paid: bool = True,
) -> License:
    """Issue a new license on `plan` with a fresh key, its first period from the purchase date.

    The registrant is `customer`, or the customer with `email` (found or
    created in this transaction, so a refused issue leaves nobody behind). The
    first period is invoiced on the purchase date, as paid unless `paid` is
    False; a prepaid plan is issued only once paid.
    """
    if not paid and plan.billing == Plan.Billing.PREPAID:
        raise Refused(Code.PREPAID_UNPAID)
    if email and customer is None:
        customer, _created = customer_get_or_create(email=email, name=name)
    purchased_on = purchased_on or timezone.localdate()
    start, end = rules.initial_period(purchased_on, plan.initial_term_months)
    license = License(
        key=keys.generate(),
        product=plan.product,
        plan=plan,
        major_version=(
            plan.product.current_major if major_version is None else major_version
        ),
        seats=seats or plan.seats,
        customer=customer,
        # Staff issue to a customer as they know them (consumer by default).
        customer_kind=customer.kind if customer is not None else "",
        partner=partner,
        purchased_on=purchased_on,
        period_start=start,
        period_end=end,
        agreement_version=agreement_current(),
    )
    license.full_clean(exclude=["key_index", "agreement_version"])
    license.save()
    invoice = invoice_create(
        license=license, period_start=start, issued_on=purchased_on
    )
    audit.record(
        actor=actor,
        action="license.issued",
        target=license,
        data={
            "plan": plan.slug,
            "seats": license.seats,
            "partner": partner and partner.slug,
        },
    )
    if paid:
        invoice_mark_paid(invoice, actor=actor)
    if notify and customer is not None:
        outbox.enqueue(
            key=f"license-issued:{license.pk}",
            to=customer.email,
            template="licensing/email/license_issued",
            context={"license": license, "key": license.display_key},
            language=customer.language,
        )
    return license


@transaction.atomic
def license_issue_by_partner(
    *,
    partner: Partner,
    plan: Plan,
    actor: Actor,
    seats: int | None = None,
    email: str = "",
    paid: bool = True,
    language: str = "",
) -> License:
    """A license a partner's staff issue: always theirs, and never attached to
    an existing customer by them. With `email`, the address is asked to confirm
    the registration (as the API's register does); the customer's record, and
    with it their personal data, reaches the partner's view only once they do."""
    license = license_issue(
        plan=plan, actor=actor, seats=seats, partner=partner, paid=paid
    )
    if email:
        registration_request(canonical_key=license.key, email=email, language=language)
    return license
