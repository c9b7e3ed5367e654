"""Registration of a license by its client program, confirmed by email."""

from __future__ import annotations

import contextlib
from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Customer
from accounts.services import customer_consent_record, customer_get_or_create
from core import audit, datakeys, outbox, ratelimit
from core.audit import Actor
from core.fields import blind_index
from licensing import tokens
from licensing.errors import Code, Refused
from licensing.models import AgreementVersion, Invoice, License, RegistrationRequest
from licensing.selectors.agreements import agreement_current
from licensing.selectors.links import registration_pending
from licensing.services.common import (
    license_lock,
    refuse_under_age,
    refuse_unless_usable,
)


@transaction.atomic
def registration_request(
    *,
    canonical_key: str,
    email: str,
    name: str = "",
    language: str = "",
    updates_opt_in: bool = False,
) -> RegistrationRequest:
    """Ask `email` to confirm the registration; nothing changes until it does.

    A new request replaces the pending one for the license.
    """
    license = license_lock(canonical_key=canonical_key)
    refuse_unless_usable(license)
    if license.customer_id is not None:
        raise Refused(Code.ALREADY_REGISTERED)
    # Counted before anything is sent: no license and no address gets more
    # than API_REGISTER_LIMIT emails, however many keys a sender holds.
    rate = settings.API_REGISTER_LIMIT
    wait = ratelimit.hit(
        [
            ("register-license", license.key_index, rate),
            ("register-to", _mailbox(email), rate),
        ]
    )
    if wait is not None:
        raise Refused(Code.RATE_LIMITED, retry_after=wait)
    request, token = tokens.link_create(
        RegistrationRequest,
        license=license,
        email=email,
        language=language,
        days=settings.REGISTRATION_LINK_DAYS,
        name=name.strip(),
        updates_opt_in=updates_opt_in,
    )
    audit.record(actor=Actor.client(), action="registration.requested", target=license)
    outbox.enqueue(
        key=f"registration-confirm:{request.pk}",
        to=request.email,
        template="licensing/email/registration_confirm",
        context={
            "product": license.product.name,
            "confirm_url": f"{settings.SITE_URL}/register/confirm/{token}/",
            "expires_at": request.expires_at,
        },
        language=request.language,
    )
    return request


def _mailbox(email: str) -> str:
    """One mailbox however its address is spelled (case, `+tags`, quotes, an
    IDNA domain), as a keyed hash for the per-recipient limit."""
    local, _, domain = email.strip().rpartition("@")
    local = local.strip('"').split("+", 1)[0]
    with contextlib.suppress(UnicodeError):  # not an IDNA name: counted as written
        domain = domain.encode("idna").decode()
    return blind_index("ratelimit.register-to", f"{local}@{domain}")


def registrations_purge_expired(*, now: datetime | None = None) -> int:
    """Delete registration requests whose link has expired (they hold an email address)."""
    deleted, _ = RegistrationRequest.objects.filter(
        expires_at__lte=now or timezone.now()
    ).delete()
    return deleted


@transaction.atomic
def registration_confirm(*, token: str) -> License:
    """Attach the license to the customer with the confirmed email (created when new)."""
    request = registration_pending(token=token)
    if request is None:
        raise Refused(Code.NOT_FOUND)
    license = license_lock(pk=request.license_id)
    # Under the lock: a new request made meanwhile replaced this one.
    if not RegistrationRequest.objects.filter(pk=request.pk).exists():
        raise Refused(Code.NOT_FOUND)
    if license.customer_id is not None:
        request.delete()
        raise Refused(Code.ALREADY_REGISTERED)
    customer, _created = customer_get_or_create(
        email=request.email, name=request.name, language=request.language
    )
    if request.updates_opt_in:
        customer_consent_record(
            customer=customer,
            kind="updates",
            source="client-registration",
            actor=Actor.system(),
        )
    license.customer = customer
    # No one was asked: registered as the customer is known (consumer by default).
    license.customer_kind = customer.kind
    license.save(update_fields=["customer", "customer_kind"])
    request.delete()
    audit.record(
        actor=Actor.system(),
        action="license.registered",
        target=license,
        data={"customer": customer.pk},
    )
    return license


@transaction.atomic
def license_claim(
    *,
    canonical_key: str,
    customer: Customer,
    kind: str,
    agreement: AgreementVersion | None,
    agreement_accepted: bool,
    age_confirmed: bool | None = None,
    updates_opt_in: bool = False,
    actor: Actor,
) -> License:
    """Register the license with this key to `customer`, signed in on the portal.

    The customer accepts `agreement` (the version the page showed; refused if a
    newer one was published meanwhile) and says whether they are a consumer or
    a business. A plan with a minimum age needs the customer to say they have
    reached it (`age_confirmed`): None asks (AGE_NOT_CONFIRMED), False refuses
    (UNDER_MINIMUM_AGE); either way nothing is stored. A key registered to
    anyone, this customer included, is ALREADY_REGISTERED, naming nobody.

    `kind` (consumer or business) is this license's: it decides this license's
    withdrawal right and no other's. The customer's `kind` only remembers the
    latest answer, as the next form's default.
    """
    if not agreement_accepted:
        raise Refused(Code.AGREEMENT_NOT_ACCEPTED)
    if agreement != agreement_current():
        raise Refused(Code.AGREEMENT_CHANGED)
    license = license_lock(canonical_key=canonical_key)
    refuse_unless_usable(license)
    if license.customer_id is not None:
        raise Refused(Code.ALREADY_REGISTERED)
    refuse_under_age(license.plan, age_confirmed=age_confirmed)
    kind = Customer.Kind(kind)
    if customer.kind != kind:
        customer.kind = kind  # the next form's default; decides nothing
        customer.save(update_fields=["kind"])
    license.customer = customer
    license.customer_kind = kind
    license.agreement_version = agreement
    license.save(update_fields=["customer", "customer_kind", "agreement_version"])
    # A pending emailed registration of this key has nothing left to confirm.
    RegistrationRequest.objects.filter(license=license).delete()
    audit.record(
        actor=actor,
        action="license.registered",
        target=license,
        data={"customer": customer.pk, "source": "portal-claim"},
    )
    if agreement is not None:
        audit.record(
            actor=actor,
            action="agreement.accepted",
            target=license,
            data={"version": agreement.number},
        )
    if updates_opt_in:
        customer_consent_record(
            customer=customer, kind="updates", source="portal-claim", actor=actor
        )
    return license


# Bookkeeping law keeps an invoice 5 years after the end of its accounting year.
BOOKKEEPING_YEARS = 5


@transaction.atomic
def invoices_hold_billing(*, customer: Customer) -> int:
    """Before the registrant is erased: each invoice keeps what bookkeeping law
    requires of the buyer (name, company, billing address) under the field keys,
    not the person's data key, until its purge date. Once per invoice; the count.

    Called before the person's data key is destroyed: after, their values read
    as erased and nothing of them is copied.
    """
    billed_to = "\n".join(
        part
        for part in (customer.name, customer.company, customer.billing_address)
        if part and part != datakeys.ERASED
    )
    held = 0
    for invoice in Invoice.objects.filter(license__customer=customer, purge_on=None):
        invoice.billed_to = billed_to
        invoice.purge_on = date(invoice.issued_on.year + BOOKKEEPING_YEARS, 12, 31)
        invoice.save(update_fields=["billed_to", "purge_on"])
        held += 1
    return held


@transaction.atomic
def licenses_unregister(*, customer: Customer) -> dict[str, int]:
    """The registrant is being erased: their licenses go on working on their
    machines, unregistered, and their invoices keep the billing details
    (`invoices_hold_billing`). Counts by model."""
    held = invoices_hold_billing(customer=customer)
    licenses = License.objects.select_for_update().filter(customer=customer)
    ids = list(licenses.values_list("pk", flat=True))
    unregistered = License.objects.filter(pk__in=ids).update(
        customer=None, customer_kind=""
    )
    audit.record_bulk(
        actor=Actor.system(),
        action="license.unregistered",
        model=License,
        items=[(pk, {"reason": "erasure"}) for pk in ids],
    )
    return {"licensing.License": unregistered, "licensing.Invoice": held}
