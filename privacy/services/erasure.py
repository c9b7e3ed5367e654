"""Erasure (Art. 17), driven by the registry: for every model, the rows about the
person (privacy.selectors.rows_about) are deleted or anonymised as their fields are
declared; licenses, invoices and refunds are left to licensing's own service
(licenses go on working, unregistered; invoices keep what bookkeeping needs)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.utils import timezone, translation

from accounts.models import Customer
from core import audit, datakeys, outbox
from core.audit import Actor
from licensing import services as licensing_services
from licensing.models import Partner
from privacy import selectors
from privacy.models import (
    ErasureReceipt,
    ErasureRequest,
    PrivacyCase,
)
from privacy.registry import REGISTRY, Personal, Strategy
from privacy.services.common import (
    PrivacyRefused,
    case_close,
    case_open,
    person_address,
    person_language,
    pseudonym,
    sessions_end,
    token_hash,
)

# Licensing's own service unregisters licenses and holds invoices for bookkeeping.
LEFT_TO_LICENSING = {"licensing.License", "licensing.Invoice", "licensing.Refund"}
# Deleted last, in this order: what everything else points to.
LAST = ["accounts.Customer", "accounts.User"]


@transaction.atomic
def erasure_request(
    *, customer=None, user=None, source=PrivacyCase.Source.PRIVACY_CENTER, now=False
) -> ErasureRequest:
    """Erasure asked for: the account is disabled and signed out at once; the
    data is erased after ERASURE_GRACE_DAYS (at once with `now`, for a
    verified request by the DPO); an email carries the cancel link."""
    customer, user = selectors.person_of(customer=customer, user=user)
    if customer is None and user is None:
        raise PrivacyRefused(translation.gettext("There is no one to erase."))
    if (
        user is not None
        and user.is_staff
        and source == PrivacyCase.Source.PRIVACY_CENTER
    ):
        raise PrivacyRefused(
            translation.gettext(
                "A staff account is erased by the data protection officer, who keeps "
                "the record of what it did: write to them."
            )
        )
    pending = ErasureRequest.objects.filter(
        models.Q(customer=customer) if customer else models.Q(user=user),
        cancelled_at=None,
        done_at=None,
    ).first()
    if pending is not None:
        return pending
    case = case_open(
        kind=PrivacyCase.Kind.ERASURE,
        source=source,
        customer=customer,
        user=user,
        identity_method={
            PrivacyCase.Source.PRIVACY_CENTER: "signed in and re-authenticated",
            PrivacyCase.Source.REQUEST_FORM: "confirmed the address on file by an emailed link",
        }.get(source, "verified by the DPO"),
    )
    return _erasure_start(case, customer, user, now=now)


def _erasure_start(case, customer, user, *, now=False) -> ErasureRequest:
    """The erasure asked for in `case`: the account disabled and signed out at
    once; the cancel link emailed, unless it is done at once (`now`)."""
    token = secrets.token_urlsafe(32)
    grace = timedelta(days=0 if now else settings.ERASURE_GRACE_DAYS)
    request = ErasureRequest.objects.create(
        case=case,
        customer=customer,
        user=user,
        token_hash=token_hash(token),
        erase_after=timezone.now() + grace,
    )
    if user is not None:
        user.is_active = False
        user.save(update_fields=["is_active"])
        sessions_end(user)
    if not now:
        outbox.enqueue(
            key=f"privacy-erasure-requested:{request.pk}",
            to=person_address(customer, user),
            template="privacy/email/erasure_scheduled",
            context={
                "cancel_url": f"{settings.SITE_URL}/privacy/erase/cancel/{token}/",
                "erase_on": timezone.localdate(request.erase_after),
            },
            language=person_language(customer, user),
        )
    return request


@transaction.atomic
def erasure_cancel(*, token: str) -> ErasureRequest:
    request = (
        ErasureRequest.objects.select_for_update()
        .filter(
            token_hash=token_hash(token),
            cancelled_at=None,
            done_at=None,
            started_at=None,
        )
        .first()
    )
    if request is None:
        raise PrivacyRefused(
            translation.gettext(
                "This link is no longer valid: the erasure is done or cancelled."
            )
        )
    request.cancelled_at = timezone.now()
    request.save(update_fields=["cancelled_at"])
    if request.user is not None:
        request.user.is_active = True
        request.user.save(update_fields=["is_active"])
    case_close(request.case, status=PrivacyCase.Status.CANCELLED)
    return request


def erasures_due():
    return ErasureRequest.objects.filter(
        cancelled_at=None, done_at=None, erase_after__lte=timezone.now()
    )


def erasure_apply(request_id, *, actor: str = "system") -> ErasureReceipt | None:
    """Erase the person, in three steps, each committed:

    1. the erasure is marked started (it can no longer be cancelled) and their
       invoices keep the billing details bookkeeping law requires;
    2. their data key is destroyed, and the own key of every row about them
       (`core.datakeys`): from now on nothing of theirs decrypts, in this
       database or in any copy of it;
    3. each field's strategy is applied to every row about them, the receipt
       written (pseudonym, counts, who, when the key was destroyed) and the
       partners who saw them told (Art. 19), naming no one.

    A step that fails is retried by the next run; the steps before it are not
    repeated in effect.
    """
    with transaction.atomic():
        request = _erasure_locked(request_id)
        if request is None:
            return None
        customer, user = request.customer, request.user
        if customer is None and user is None:
            # Erased meanwhile (by the retention job, or an account deleted): done.
            request.done_at = timezone.now()
            request.save(update_fields=["done_at"])
            case_close(request.case)
            return None
        if request.started_at is None:
            request.started_at = timezone.now()
            request.save(update_fields=["started_at"])
        held = (
            licensing_services.invoices_hold_billing(customer=customer)
            if customer is not None
            else 0
        )
        address = person_address(customer, user)
        key_ids = data_keys_about(customer=customer, user=user)
    destroyed_at = datakeys.destroy(*key_ids) if key_ids else None
    # Step 3 works with the person as read in step 1: their values (the
    # addresses that find rows sent to them) no longer decrypt from now on.
    return _erasure_finish(request_id, actor, address, destroyed_at, customer, held)


def data_keys_about(*, customer=None, user=None) -> set:
    """The data keys of the person and of every row about them that has its own
    (each such model's personal fields are deleted or anonymised on erasure)."""
    keys = set()
    for _label, rows in _rows_about(customer, user):
        if any(f.name == "data_key" for f in rows.model._meta.concrete_fields):
            keys.update(rows.exclude(data_key=None).values_list("data_key", flat=True))
    return keys


def _rows_about(customer, user):
    """(label, rows) of every model whose rows about the person erasure handles
    itself (licenses, invoices and refunds are licensing's; sessions end apart)."""
    for label in REGISTRY:
        if label in LEFT_TO_LICENSING or label == "sessions.Session":
            continue
        rows = selectors.rows_about(label, customer=customer, user=user, erasing=True)
        if rows is not None:
            yield label, rows


def _erasure_locked(request_id) -> ErasureRequest | None:
    return (
        ErasureRequest.objects.select_for_update(of=("self",))
        .select_related("case", "customer", "user")
        .filter(pk=request_id, cancelled_at=None, done_at=None)
        .first()
    )


@transaction.atomic
def _erasure_finish(
    request_id, actor, address, destroyed_at, customer, held
) -> ErasureReceipt | None:
    request = _erasure_locked(request_id)
    if request is None:
        return None
    user = request.user
    if request.customer_id is None:
        customer = None
    language = person_language(customer, user)
    partners = partners_who_saw(customer)
    counts = erase_person(customer=customer, user=user)
    if held:  # the invoices took the billing details in step 1
        counts["licensing.Invoice"] = counts.get("licensing.Invoice", 0) + held
    request.done_at = timezone.now()
    request.customer = request.user = None
    request.save(update_fields=["done_at", "customer", "user"])
    case = request.case
    case.customer = case.user = None
    case.save(update_fields=["customer", "user"])
    case_close(case)
    receipt = ErasureReceipt.objects.create(
        case=case,
        # The blind index of the address: it outlives the data key.
        pseudonym=customer.email_index if customer else pseudonym(user.email),
        counts=counts,
        actor=actor,
        key_destroyed_at=destroyed_at,
    )
    if address and address != datakeys.ERASED:
        outbox.enqueue(
            key=f"privacy-erasure-done:{request.pk}",
            to=address,
            template="privacy/email/erasure_done",
            context={"reference": case.reference},
            language=language,
            forget_recipient=True,
        )
    for partner in partners:
        for member in partner.members.select_related("user"):
            outbox.enqueue(
                key=f"privacy-erasure-partner:{request.pk}:{member.user_id}",
                to=member.user.email,
                template="privacy/email/erasure_partner_notice",
                context={"reference": case.reference, "partner": partner.name},
                language=settings.LANGUAGE_CODE,
            )
    return receipt


def partners_who_saw(customer) -> list[Partner]:
    """Partners who sold the person a license, or whose staff looked at them."""
    if customer is None:
        return []
    lookers = (
        apps.get_model("core.AuditEvent")
        .objects.filter(
            action="customer.viewed",
            target_type="accounts.customer",
            target_id=str(customer.pk),
            actor_type="partner",
        )
        .values("actor_user")
    )
    return list(
        Partner.objects.filter(
            models.Q(licenses__customer=customer) | models.Q(members__user__in=lookers)
        ).distinct()
    )


def erase_person(*, customer=None, user=None) -> dict[str, int]:
    """Every row about the person, deleted or anonymised as the registry says;
    counts by model."""
    # Found first: some rows are found through the person's licenses.
    found = {
        label: list(rows.values_list("pk", flat=True))
        for label, rows in _rows_about(customer, user)
    }
    counts = {}
    if customer is not None:
        counts.update(licensing_services.licenses_unregister(customer=customer))
    order = [label for label in found if label not in LAST] + [
        label for label in LAST if label in found
    ]
    for label in order:
        pks = found[label]
        if not pks:
            continue
        model = apps.get_model(label)
        personal = {
            name: declared
            for name, declared in REGISTRY[label].fields.items()
            if isinstance(declared, Personal)
        }
        strategies = {declared.strategy for declared in personal.values()}
        rows = model.objects.filter(pk__in=pks)
        if Strategy.DELETE in strategies:
            counts[label] = rows.count()
            rows.delete()
        elif Strategy.ANONYMISE in strategies:
            blanks = anonymised_values(model, personal)
            if blanks is None:
                counts[label] = rows.count()
                rows.delete()  # nothing to blank a required link with
            else:
                counts[label] = rows.update(**blanks)
    if user is not None:
        counts["sessions.Session"] = sessions_end(user)
    return {label: n for label, n in counts.items() if n}


def anonymised_values(model, personal: dict) -> dict | None:
    blanks = {}
    for name, declared in personal.items():
        if declared.strategy != Strategy.ANONYMISE:
            continue
        field = model._meta.get_field(name)
        if field.null:
            blanks[name] = None
        elif isinstance(field, models.CharField | models.TextField):
            blanks[name] = ""
        else:
            return None
    return blanks


def erasures_replay(*, since) -> int:
    """After a backup is restored: apply again every erasure recorded since the
    backup was taken (`since`) to whoever its pseudonym still finds there. The
    number of people erased again."""
    receipts = list(
        ErasureReceipt.objects.filter(done_at__gte=since).order_by("done_at")
    )
    if not receipts:
        return 0
    users_by_pseudonym = {
        pseudonym(candidate.email): candidate
        for candidate in apps.get_model(settings.AUTH_USER_MODEL).objects.all()
    }
    again = 0
    for receipt in receipts:
        customer = Customer.objects.filter(email_index=receipt.pseudonym).first()
        user = users_by_pseudonym.get(receipt.pseudonym) or (
            customer.user if customer else None
        )
        if customer is None and user is None:
            continue
        with transaction.atomic():
            erase_person(customer=customer, user=user)
        again += 1
    return again


@transaction.atomic
def case_erase(*, case_id, actor: Actor) -> ErasureRequest:
    """The DPO starts the erasure an erasure case asks for (its grace period and
    cancel link, as from the privacy center)."""
    case = PrivacyCase.objects.select_for_update().get(pk=case_id)
    if case.kind != PrivacyCase.Kind.ERASURE or case.status != PrivacyCase.Status.OPEN:
        raise PrivacyRefused(
            translation.gettext("Only an open erasure request can start an erasure.")
        )
    if case.customer is None and case.user is None:
        raise PrivacyRefused(translation.gettext("There is no one to erase."))
    if ErasureRequest.objects.filter(case=case).exists():
        raise PrivacyRefused(translation.gettext("This erasure has started already."))
    customer, user = selectors.person_of(customer=case.customer, user=case.user)
    audit.record(actor=actor, action="privacy.erasure_started", target=case)
    return _erasure_start(case, customer, user)
