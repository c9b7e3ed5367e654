"""Permanent transfer of a license to a new owner (agreement 2.2.5).

The vendor learns the new owner's identity (their confirmed email), no invoice
may be open, and the new owner accepts the agreement. The key is replaced: the
old one answers TRANSFERRED, its machines are released, and only the new
owner receives the new key.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Customer
from accounts.services import customer_get_or_create
from core import audit, outbox
from core.audit import Actor
from core.fields import blind_index
from licensing import keys, signing, tokens
from licensing.errors import Code, Refused
from licensing.models import AgreementVersion, Invoice, License, TransferOffer
from licensing.selectors.agreements import agreement_current
from licensing.selectors.links import transfer_pending
from licensing.services.common import (
    email_registrant,
    license_lock,
    refuse_under_age,
)

OFFER_DAYS = 14


def _check_transferable(license: License) -> None:
    """Only an active license with nothing open and no machine working offline.

    A machine with an unexpired offline file goes on working under the old
    key until the file expires, so the license would run on two owners' seats.
    """
    if license.status != License.Status.ACTIVE:
        raise Refused(Code.NOT_TRANSFERABLE)
    if license.invoices.filter(status=Invoice.Status.OPEN).exists():
        raise Refused(Code.INVOICE_OPEN)
    held = (
        license.activations.filter(checked_out_until__gt=timezone.now())
        .order_by("-checked_out_until")
        .values_list("checked_out_until", flat=True)
        .first()
    )
    if held is not None:
        raise Refused(
            Code.MACHINE_CHECKED_OUT, extra={"seat_frees_at": signing.isoformat(held)}
        )


@transaction.atomic
def transfer_offer(
    *, license_id, to_email: str, actor: Actor, language: str = ""
) -> TransferOffer:
    """Offer the license to `to_email`; a new offer replaces a pending one.

    The registrant's own address is refused (TRANSFER_TO_OWNER), however it is
    spelled: compared by the blind index, which ignores case.
    """
    license = license_lock(pk=license_id)
    _check_transferable(license)
    if (
        license.customer is not None
        and blind_index(Customer.EMAIL_INDEX, to_email) == license.customer.email_index
    ):
        raise Refused(Code.TRANSFER_TO_OWNER)
    offer, token = tokens.link_create(
        TransferOffer,
        license=license,
        email=to_email,
        language=language,
        days=OFFER_DAYS,
    )
    audit.record(actor=actor, action="license.transfer_offered", target=license)
    outbox.enqueue(
        key=f"transfer-offered:{offer.pk}",
        to=offer.email,
        template="licensing/email/transfer_offered",
        context={
            "product": license.product.name,
            "accept_url": f"{settings.SITE_URL}/transfer/accept/{token}/",
            "expires_at": offer.expires_at,
        },
        language=offer.language,
    )
    # The current owner hears of it too: a transfer they did not ask for is a hijack.
    email_registrant(
        license,
        key=f"transfer-offer-notice:{offer.pk}",
        template="transfer_offer_notice",
        context={"expires_at": offer.expires_at},
    )
    return offer


@transaction.atomic
def transfer_withdraw(*, license_id, actor: Actor) -> None:
    """Withdraw the license's transfer offer: its emailed link no longer opens it.

    OFFER_INVALID when there is none (accepted, withdrawn or replaced meanwhile).
    """
    license = license_lock(pk=license_id)
    deleted, _by_model = TransferOffer.objects.filter(license=license).delete()
    if not deleted:
        raise Refused(Code.OFFER_INVALID)
    audit.record(actor=actor, action="license.transfer_withdrawn", target=license)


@transaction.atomic
def transfer_accept(
    *,
    token: str,
    name: str,
    kind: str,
    agreement_accepted: bool,
    agreement: AgreementVersion | None,
    age_confirmed: bool | None = None,
    language: str = "",
) -> License:
    """The new owner accepts `agreement` (the version they were shown): a new
    license with a new key is theirs; the old key ends.

    `kind` is one of Customer.Kind: the new license is registered as it says
    (it decides its withdrawal right). It and `language` (the one the page
    was read in; the offer's by default) also apply to a customer created
    here (an existing customer keeps theirs). A plan with a minimum age needs
    the new owner to say they have reached it (`age_confirmed`), as a claim
    does: None is AGE_NOT_CONFIRMED, False UNDER_MINIMUM_AGE, and nothing is stored.
    """
    kind = Customer.Kind(kind)
    offer = transfer_pending(token=token)
    if offer is None:
        raise Refused(Code.OFFER_INVALID)
    if not agreement_accepted:
        raise Refused(Code.AGREEMENT_NOT_ACCEPTED)
    if agreement != agreement_current():
        raise Refused(Code.AGREEMENT_CHANGED)
    old = license_lock(pk=offer.license_id)
    # Under the lock: a new offer made meanwhile replaced this one.
    if not TransferOffer.objects.filter(pk=offer.pk).exists():
        raise Refused(Code.OFFER_INVALID)
    _check_transferable(old)
    refuse_under_age(old.plan, age_confirmed=age_confirmed)
    customer, created = customer_get_or_create(
        email=offer.email, name=name, language=language or offer.language
    )
    if created:
        customer.kind = kind
        customer.save(update_fields=["kind"])
    new = License.objects.create(
        key=keys.generate(),
        product=old.product,
        plan=old.plan,
        major_version=old.major_version,
        seats=old.seats,
        customer=customer,
        customer_kind=kind,
        partner=old.partner,
        purchased_on=old.purchased_on,
        period_start=old.period_start,
        period_end=old.period_end,
        reminded_for=old.reminded_for,
        # The agreement goes on as it was: its notice and install history too.
        termination_received_on=old.termination_received_on,
        termination_effective_on=old.termination_effective_on,
        first_activated_at=old.first_activated_at,
        agreement_version=agreement,
    )
    released = old.activations.count()
    old.activations.all().delete()
    old.status = License.Status.TRANSFERRED
    old.replaced_by = new
    old.ended_on = timezone.localdate()
    old.save(update_fields=["status", "replaced_by", "ended_on"])
    offer.delete()
    audit.record(
        actor=Actor.system(),
        action="license.transferred",
        target=old,
        data={"new_license": str(new.pk), "machines_released": released},
    )
    audit.record(
        actor=Actor.system(),
        action="license.issued",
        target=new,
        data={"transfer_of": str(old.pk)},
    )
    email_registrant(
        new,
        key=f"transfer-completed:{new.pk}:new-owner",
        template="transfer_completed",
        context={"key": new.display_key, "new_owner": True},
    )
    email_registrant(
        old,
        # Its own key: the old license may itself have come from a transfer,
        # whose new-owner email used this license's id.
        key=f"transfer-completed:{old.pk}:previous-owner",
        template="transfer_completed",
        context={"new_owner": False},
    )
    return new
