"""Every write of the privacy app: cases, exports and erasure.

Erasure is driven by the registry: for every model, the rows about the person
(privacy.selectors.rows_about) are deleted or anonymised as their fields are
declared; licenses, invoices and refunds are left to licensing's own service
(licenses go on working, unregistered; invoices keep what bookkeeping needs).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import secrets
import zipfile
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import models, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import Customer
from core import audit, outbox
from core.audit import Actor
from core.fields import blind_index
from core.jobs import task_send_on_commit
from licensing import services as licensing_services
from licensing.models import Partner
from privacy import selectors
from privacy.models import DataExport, ErasureReceipt, ErasureRequest, PrivacyCase
from privacy.registry import REGISTRY, Personal, Strategy

EXPORT_DAYS = 7
# Licensing's own service unregisters licenses and holds invoices for bookkeeping.
LEFT_TO_LICENSING = {"licensing.License", "licensing.Invoice", "licensing.Refund"}
# Deleted last, in this order: what everything else points to.
LAST = ["accounts.Customer", "accounts.User"]


class PrivacyRefused(Exception):
    """A request that cannot be done now; `message` says why, for people."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def pseudonym(email: str) -> str:
    """The keyed pseudonym an erasure is recorded under: the blind index of the
    customer's address, so that a restored backup finds whom to erase again."""
    return blind_index(Customer.EMAIL_INDEX, email)


def person_language(customer, user) -> str:
    if customer is not None and customer.language:
        return customer.language
    return settings.LANGUAGE_CODE


def person_address(customer, user) -> str:
    return (user and user.email) or (customer and customer.email) or ""


# --- cases ---------------------------------------------------------------


def case_open(
    *,
    kind: str,
    source: str,
    customer=None,
    user=None,
    identity_method: str = "",
    awaiting_identity: bool = False,
) -> PrivacyCase:
    customer, user = selectors.person_of(customer=customer, user=user)
    case = PrivacyCase.objects.create(
        kind=kind,
        source=source,
        customer=customer,
        user=user,
        identity_method=identity_method,
        status=(
            PrivacyCase.Status.AWAITING_IDENTITY
            if awaiting_identity
            else PrivacyCase.Status.OPEN
        ),
    )
    audit.record(
        actor=Actor.system(),
        action="privacy.case_opened",
        target=case,
        data={"kind": kind},
    )
    return case


def case_close(case: PrivacyCase, *, status=PrivacyCase.Status.DONE) -> None:
    case.status = status
    case.closed_at = timezone.now()
    case.save(update_fields=["status", "closed_at"])


# --- export --------------------------------------------------------------


@transaction.atomic
def export_request(*, user, source=PrivacyCase.Source.PRIVACY_CENTER) -> DataExport:
    """An export for the signed-in person: at most one a calendar day."""
    latest = selectors.export_latest(user)
    if (
        latest is not None
        and timezone.localdate(latest.created_at) == timezone.localdate()
    ):
        raise PrivacyRefused(
            translation.gettext("You can ask for one copy of your data a day.")
        )
    case = case_open(
        kind=PrivacyCase.Kind.ACCESS,
        source=source,
        user=user,
        identity_method="signed in",
    )
    export = DataExport.objects.create(
        case=case,
        user=user,
        token_hash=token_hash(secrets.token_urlsafe(32)),  # replaced when built
        expires_at=timezone.now() + timedelta(days=EXPORT_DAYS),
    )
    task_send_on_commit("privacy.tasks.export_build", export.pk)
    return export


def export_archive_bytes(*, customer=None, user=None) -> bytes:
    """The ZIP: data.json (every field of every row about the person, with the
    schema and the Art. 15(1) facts) and a summary in the person's language."""
    customer, user = selectors.person_of(customer=customer, user=user)
    data = selectors.personal_data(customer=customer, user=user)
    language = person_language(customer, user)
    with translation.override(language):
        facts = art15_facts(customer)
        document = {
            "about": "Everything this service holds about you, by table.",
            "generated_at": timezone.now().isoformat(),
            "facts": facts,
            "schema": {label: selectors.schema()[label] for label in data},
            "data": data,
        }
        summary = render_to_string(
            "privacy/export_summary.txt",
            {"data": data, "facts": facts, "generated_at": timezone.now()},
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "data.json", json.dumps(document, indent=2, ensure_ascii=False, default=str)
        )
        archive.writestr("summary.txt", summary)
    return buffer.getvalue()


def art15_facts(customer) -> dict:
    """What Art. 15(1) asks besides the data: purposes, recipients, retention,
    sources and transfers."""
    partners = (
        Partner.objects.filter(licenses__customer=customer).distinct()
        if customer is not None
        else Partner.objects.none()
    )
    records = selectors.records_of_processing()
    return {
        "purposes": [record["purpose"] for record in records],
        "retention": {record["purpose"]: record["retention"] for record in records},
        "recipients": [
            *[
                translation.gettext("%(partner)s, the reseller who sold your license")
                % {"partner": partner.name}
                for partner in partners
            ],
            *settings.PRIVACY_SUBPROCESSORS_SUMMARY,
        ],
        "sources": [
            translation.gettext("you, when you registered, claimed or edited"),
            translation.gettext(
                "the reseller or the vendor, when they issued your license"
            ),
            translation.gettext(
                "your programs, when they activated or validated a license"
            ),
        ],
        "transfers": translation.gettext(
            "None outside the EEA: all data is stored in the EEA."
        ),
        "controller": settings.VENDOR_NAME,
        "data_protection_officer": settings.VENDOR_DPO_EMAIL,
    }


@transaction.atomic
def export_build(export_id) -> DataExport | None:
    export = DataExport.objects.select_for_update().filter(pk=export_id).first()
    if export is None or export.status != DataExport.Status.PENDING:
        return export  # built already (a retried task), or deleted
    archive = export_archive_bytes(user=export.user, customer=export.case.customer)
    token = secrets.token_urlsafe(32)
    export.archive = base64.b64encode(archive).decode()
    export.token_hash = token_hash(token)
    export.status = DataExport.Status.READY
    export.ready_at = timezone.now()
    export.save()
    case_close(export.case)
    customer, user = selectors.person_of(
        user=export.user, customer=export.case.customer
    )
    outbox.enqueue(
        key=f"privacy-export-ready:{export.pk}",
        to=person_address(customer, user),
        template="privacy/email/export_ready",
        context={
            "download_url": f"{settings.SITE_URL}/privacy/exports/{token}/",
            "expires_on": timezone.localdate(export.expires_at),
        },
        language=person_language(customer, user),
    )
    return export


def exports_purge() -> int:
    """Delete exports past their 7 days (the retention job)."""
    deleted, _by_model = DataExport.objects.filter(
        expires_at__lte=timezone.now()
    ).delete()
    return deleted


# --- erasure -------------------------------------------------------------


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
        identity_method="signed in and re-authenticated"
        if source == PrivacyCase.Source.PRIVACY_CENTER
        else "verified by the DPO",
    )
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
        .filter(token_hash=token_hash(token), cancelled_at=None, done_at=None)
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


@transaction.atomic
def erasure_apply(request_id, *, actor: str = "system") -> ErasureReceipt | None:
    """Apply each field's strategy to every row about the person, then write
    the receipt (pseudonym, counts, who, when) and tell the partners who saw
    them (Art. 19), naming no one."""
    request = (
        ErasureRequest.objects.select_for_update(of=("self",))
        .select_related("case", "customer", "user")
        .filter(pk=request_id, cancelled_at=None, done_at=None)
        .first()
    )
    if request is None:
        return None
    customer, user = request.customer, request.user
    address = person_address(customer, user)
    language = person_language(customer, user)
    partners = partners_who_saw(customer)
    counts = erase_person(customer=customer, user=user)
    request.done_at = timezone.now()
    request.customer = request.user = None
    request.save(update_fields=["done_at", "customer", "user"])
    case = request.case
    case.customer = case.user = None
    case.save(update_fields=["customer", "user"])
    case_close(case)
    receipt = ErasureReceipt.objects.create(
        case=case,
        pseudonym=pseudonym(customer.email) if customer else pseudonym(user.email),
        counts=counts,
        actor=actor,
    )
    if address:
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
    found = {}
    for label in REGISTRY:
        if label in LEFT_TO_LICENSING or label == "sessions.Session":
            continue
        rows = selectors.rows_about(label, customer=customer, user=user)
        if rows is not None:
            found[label] = list(rows.values_list("pk", flat=True))
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


def sessions_end(user) -> int:
    """Sign the user out everywhere: their sessions deleted (found by decoding,
    as a session holds the user id only inside its signed data)."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()
            ended += 1
    return ended


def erasures_replay() -> int:
    """After a backup is restored: apply every recorded erasure again to whoever
    the pseudonym still finds. The number of people erased again."""
    again = 0
    for receipt in ErasureReceipt.objects.order_by("done_at"):
        customer = Customer.objects.filter(email_index=receipt.pseudonym).first()
        users = [
            candidate
            for candidate in apps.get_model(settings.AUTH_USER_MODEL).objects.all()
            if pseudonym(candidate.email) == receipt.pseudonym
        ]
        user = users[0] if users else (customer.user if customer else None)
        if customer is None and user is None:
            continue
        with transaction.atomic():
            erase_person(customer=customer, user=user)
        again += 1
    return again
