"""The DPO's cases: recording, identity, extension, answer, restriction, refusal."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from accounts.models import Customer
from accounts.services import customer_restriction_set
from core import audit
from core.audit import Actor
from privacy import rules, selectors
from privacy.models import (
    PrivacyCase,
)
from privacy.services.common import (
    PrivacyRefused,
    _tell,
    case_acknowledge,
    case_close,
    case_open,
)


@transaction.atomic
def case_record(
    *,
    kind: str,
    email: str,
    received_on,
    identity_method: str,
    awaiting_identity: bool,
    actor: Actor,
    details: str = "",
) -> PrivacyCase:
    """A request the DPO received (by letter, email, phone): a case, its clock
    running from receipt unless the identity is still to be checked."""
    customer = Customer.objects.by_email(email).first()
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    user = user_model.objects.filter(email__iexact=email.strip()).first()
    case = case_open(
        kind=kind,
        source=PrivacyCase.Source.DPO,
        customer=customer,
        user=user,
        identity_method=identity_method,
        awaiting_identity=awaiting_identity,
    )
    case.received_on = received_on
    case.details = details
    # Someone the records do not know: their address is kept to answer them.
    case.contact = "" if (customer or user) else email.strip()
    case.save(update_fields=["received_on", "details", "contact"])
    audit.record(actor=actor, action="privacy.case_recorded", target=case)
    if not awaiting_identity:
        case_acknowledge(case)
    return case


@transaction.atomic
def case_confirm_identity(*, case_id, method: str, actor: Actor) -> PrivacyCase:
    """The identity is confirmed: the clock starts today."""
    case = PrivacyCase.objects.select_for_update().get(pk=case_id)
    if case.status != PrivacyCase.Status.AWAITING_IDENTITY:
        raise PrivacyRefused(
            translation.gettext("This request is not awaiting identity.")
        )
    case.status = PrivacyCase.Status.OPEN
    case.clock_started_on = timezone.localdate()
    case.identity_method = method or case.identity_method
    case.save(update_fields=["status", "clock_started_on", "identity_method"])
    audit.record(actor=actor, action="privacy.identity_confirmed", target=case)
    case_acknowledge(case)
    return case


@transaction.atomic
def case_extend(*, case_id, months: int, reason: str, actor: Actor) -> PrivacyCase:
    """Up to two more months, with a reason, told to the person within the
    first month (Art. 12(3))."""
    case = PrivacyCase.objects.select_for_update().get(pk=case_id)
    if case.status != PrivacyCase.Status.OPEN:
        raise PrivacyRefused(
            translation.gettext("Only an open request can be extended.")
        )
    start = case.clock_started_on or case.received_on
    if timezone.localdate() > rules.request_due_date(start):
        raise PrivacyRefused(
            translation.gettext(
                "An extension must be given within the first month; that month is over."
            )
        )
    total = case.extension_months + months
    if not months >= 1 or total > rules.MAX_EXTENSION_MONTHS:
        raise PrivacyRefused(
            translation.gettext(
                "A request can be extended by two months at most in all."
            )
        )
    if not reason.strip():
        raise PrivacyRefused(
            translation.gettext("Say why the request needs more time.")
        )
    case.extension_months = total
    case.extension_reason = reason.strip()
    case.extension_notified_at = timezone.now()
    case.save(
        update_fields=["extension_months", "extension_reason", "extension_notified_at"]
    )
    audit.record(
        actor=actor, action="privacy.extended", target=case, data={"months": total}
    )
    _tell(
        case,
        "request_extended",
        {"reason": case.extension_reason, "due_on": case.due_on},
        key=f"extended:{total}",
    )
    return case


@transaction.atomic
def case_answer(*, case_id, actor: Actor) -> PrivacyCase:
    case = PrivacyCase.objects.select_for_update().get(pk=case_id)
    if case.status not in (
        PrivacyCase.Status.OPEN,
        PrivacyCase.Status.AWAITING_IDENTITY,
    ):
        raise PrivacyRefused(translation.gettext("This request is closed already."))
    case_close(case)
    audit.record(actor=actor, action="privacy.answered", target=case)
    _tell(case, "request_completed", {"kind": case.plain_kind}, key="completed")
    return case


@transaction.atomic
def case_restrict(*, case_id, actor: Actor, lift: bool = False) -> PrivacyCase:
    """Restriction (Art. 18): while it lasts, no marketing reaches the person and
    their data changes only by the DPO."""
    case = PrivacyCase.objects.select_for_update().get(pk=case_id)
    if case.kind != PrivacyCase.Kind.RESTRICTION:
        raise PrivacyRefused(
            translation.gettext("Only a restriction request restricts.")
        )
    customer, _user = selectors.person_of(customer=case.customer, user=case.user)
    if customer is None:
        raise PrivacyRefused(
            translation.gettext("There is no customer record to restrict.")
        )
    customer_restriction_set(customer=customer, restricted=not lift, actor=actor)
    return case


@transaction.atomic
def case_refuse(*, case_id, reason: str, actor: Actor) -> PrivacyCase:
    """Refusal with a reason (Art. 12(5)); the person is told, and of their
    right to complain."""
    case = PrivacyCase.objects.select_for_update().get(pk=case_id)
    if case.status not in (
        PrivacyCase.Status.OPEN,
        PrivacyCase.Status.AWAITING_IDENTITY,
    ):
        raise PrivacyRefused(translation.gettext("This request is closed already."))
    if not reason.strip():
        raise PrivacyRefused(translation.gettext("Say why the request is refused."))
    case.refusal_reason = reason.strip()
    case.save(update_fields=["refusal_reason"])
    case_close(case, status=PrivacyCase.Status.REFUSED)
    audit.record(actor=actor, action="privacy.refused", target=case)
    _tell(
        case,
        "request_refused",
        {"kind": case.plain_kind, "reason": case.refusal_reason},
        key="refused",
    )
    return case
