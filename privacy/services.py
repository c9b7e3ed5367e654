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
from accounts.services import customer_restriction_set
from core import audit, outbox, ratelimit
from core.audit import Actor
from core.fields import blind_index
from core.jobs import task_send_on_commit
from licensing import services as licensing_services
from licensing.models import Partner
from privacy import rules, selectors
from privacy.models import (
    PLAIN_KINDS,
    DataExport,
    ErasureReceipt,
    ErasureRequest,
    PrivacyCase,
    RequestLink,
    RequestNote,
)
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
            "about": translation.gettext(
                "Everything this service holds about you, by table; under schema, "
                "what each field is, why we keep it and for how long."
            ),
            "generated_at": timezone.now().isoformat(),
            "facts": facts,
            "schema": {label: selectors.schema()[label] for label in data},
            "data": data,
        }
        summary = render_to_string(
            "privacy/export_summary.txt",
            {
                "tables": [
                    (name, len(data[label]))
                    for label, name in selectors.table_names(data).items()
                ],
                "facts": facts,
                "generated_at": timezone.now(),
            },
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
    if customer is None and user is None:
        # Erased meanwhile (by the retention job, or an account deleted): done.
        request.done_at = timezone.now()
        request.save(update_fields=["done_at"])
        case_close(request.case)
        return None
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
        rows = selectors.rows_about(label, customer=customer, user=user, erasing=True)
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


# --- the DPO's cases ---------------------------------------------------------


def _tell(case: PrivacyCase, template: str, context: dict, key: str) -> bool:
    """Email the person about their case; False when there is no address to use."""
    customer, user = case.customer, case.user
    address = person_address(customer, user) or case.contact
    if not address:
        return False
    outbox.enqueue(
        key=f"privacy-case:{case.pk}:{key}",
        to=address,
        template=f"privacy/email/{template}",
        context={"reference": case.reference, **context},
        language=person_language(customer, user),
    )
    return True


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


def case_acknowledge(case: PrivacyCase) -> bool:
    return _tell(
        case,
        "request_acknowledged",
        {
            "kind": case.plain_kind,
            "received_on": case.received_on,
            "due_on": case.due_on,
        },
        key="acknowledged",
    )


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


# --- the public request form -------------------------------------------------

REQUEST_LINK_DAYS = 7
VERIFY_TASK = "privacy.tasks.send_request_link"


def request_submit(*, email: str, kind: str, client: str, details: str = "") -> None:
    """A request from the public form: answered the same whether or not the
    address is known. Only a task is queued (with the address's blind index);
    it emails a confirmation link to the address on file, if there is one."""
    email_index = blind_index(Customer.EMAIL_INDEX, email)
    wait = ratelimit.hit(
        [
            ("privacy-request-to", email_index, settings.PRIVACY_REQUESTS_PER_ADDRESS),
            (
                "privacy-request-from",
                blind_index("ratelimit.privacy-request-from", client),
                settings.PRIVACY_REQUESTS_PER_CLIENT,
            ),
        ]
    )
    if wait is not None:
        raise PrivacyRefused(
            translation.gettext("Too many requests. Try again in a while.")
        )
    # The details travel encrypted in a row of their own, never through the broker.
    note = RequestNote.objects.create(details=details) if details else None
    task_send_on_commit(VERIFY_TASK, email_index, kind, note.pk if note else None)


@transaction.atomic
def request_link_send(*, email_index: str, kind: str, note_id=None) -> bool:
    note = RequestNote.objects.filter(pk=note_id).first() if note_id else None
    details = note.details if note else ""
    if note:
        note.delete()
    customer = Customer.objects.filter(email_index=email_index).first()
    if customer is None or kind not in PrivacyCase.Kind.values:
        return False
    token = secrets.token_urlsafe(32)
    link = RequestLink.objects.create(
        customer=customer,
        kind=kind,
        details=details,
        token_hash=token_hash(token),
        expires_at=timezone.now() + timedelta(days=REQUEST_LINK_DAYS),
    )
    outbox.enqueue(
        key=f"privacy-request-link:{link.pk}",
        to=customer.email,
        template="privacy/email/request_confirm",
        context={
            "kind": PLAIN_KINDS[kind],
            "confirm_url": f"{settings.SITE_URL}/privacy/request/confirm/{token}/",
            "expires_on": timezone.localdate(link.expires_at),
        },
        language=customer.language,
    )
    return True


def request_link_pending(token: str) -> RequestLink | None:
    return (
        RequestLink.objects.select_related("customer")
        .filter(token_hash=token_hash(token), expires_at__gt=timezone.now())
        .first()
    )


@transaction.atomic
def request_confirm(*, token: str) -> PrivacyCase:
    """The person followed the link: their identity is the address on file.
    An access or portability request is answered with the export, an erasure
    starts its grace period; the others wait for the DPO."""
    link = request_link_pending(token)
    if link is None:
        raise PrivacyRefused(translation.gettext("This link is no longer valid."))
    customer, kind, details = link.customer, link.kind, link.details
    link.delete()
    if kind == PrivacyCase.Kind.ERASURE:
        return erasure_request(
            customer=customer, source=PrivacyCase.Source.REQUEST_FORM
        ).case
    case = case_open(
        kind=kind,
        source=PrivacyCase.Source.REQUEST_FORM,
        customer=customer,
        identity_method="confirmed the address on file by an emailed link",
    )
    if details:
        case.details = details
        case.save(update_fields=["details"])
    case_acknowledge(case)
    if kind in (PrivacyCase.Kind.ACCESS, PrivacyCase.Kind.PORTABILITY):
        export = DataExport.objects.create(
            case=case,
            user=case.user,
            token_hash=token_hash(secrets.token_urlsafe(32)),
            expires_at=timezone.now() + timedelta(days=EXPORT_DAYS),
        )
        task_send_on_commit("privacy.tasks.export_build", export.pk)
    return case


def request_links_purge() -> int:
    deleted, _by_model = RequestLink.objects.filter(
        expires_at__lte=timezone.now()
    ).delete()
    return deleted


# --- retention ---------------------------------------------------------------

REGISTRANT_DAYS = 90
PROOF_YEARS = 5


def retention_run(*, today=None) -> dict[str, int]:
    """The daily retention job: expired exports and links deleted; customers
    without an account whose last license ended more than 90 days ago erased;
    invoices past their bookkeeping hold purged; consent records and audit
    events past their retention pruned. Counts only (logged by the task)."""
    today = today or timezone.localdate()
    counts = {
        "exports": exports_purge(),
        "request_links": request_links_purge(),
        "customers_erased": 0,
    }
    cutoff = today - timedelta(days=REGISTRANT_DAYS)
    gone = (
        Customer.objects.filter(user=None)
        .annotate(
            last_end=models.Max("licenses__ended_on"),
            live=models.Count("licenses", filter=models.Q(licenses__ended_on=None)),
        )
        .filter(live=0)
        .filter(
            models.Q(last_end__lt=cutoff)
            | models.Q(last_end=None, created_at__date__lt=cutoff)
        )
        .values_list("pk", flat=True)
    )
    for customer_id in list(gone):
        with transaction.atomic():
            customer = Customer.objects.select_for_update().get(pk=customer_id)
            email = customer.email
            counts_for = erase_person(customer=customer)
            ErasureReceipt.objects.create(
                pseudonym=pseudonym(email), counts=counts_for, actor="retention"
            )
        counts["customers_erased"] += 1
    invoices = apps.get_model("licensing.Invoice").objects.filter(purge_on__lt=today)
    counts["invoices_purged"], _by_model = invoices.delete()
    old = timezone.now() - timedelta(days=365 * PROOF_YEARS + 1)
    counts["consent_records_pruned"], _by_model = (
        apps.get_model("cookies.ConsentRecord")
        .objects.filter(created_at__lt=old)
        .delete()
    )
    counts["audit_events_pruned"], _by_model = (
        apps.get_model("core.AuditEvent").objects.filter(created_at__lt=old).delete()
    )
    return counts


@transaction.atomic
def case_export(*, case_id, actor: Actor) -> DataExport:
    """The DPO answers an access or portability case with the export (the
    person gets the link, as from the privacy center)."""
    case = PrivacyCase.objects.select_for_update().get(pk=case_id)
    if case.kind not in (PrivacyCase.Kind.ACCESS, PrivacyCase.Kind.PORTABILITY):
        raise PrivacyRefused(
            translation.gettext(
                "Only an access or portability request is answered with an export."
            )
        )
    if case.status != PrivacyCase.Status.OPEN or (
        case.customer is None and case.user is None
    ):
        raise PrivacyRefused(
            translation.gettext(
                "Only an open request about a known person can be answered."
            )
        )
    export = DataExport.objects.create(
        case=case,
        user=case.user,
        token_hash=token_hash(secrets.token_urlsafe(32)),
        expires_at=timezone.now() + timedelta(days=EXPORT_DAYS),
    )
    audit.record(actor=actor, action="privacy.export_prepared", target=case)
    task_send_on_commit("privacy.tasks.export_build", export.pk)
    return export


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
    customer, user = selectors.person_of(customer=case.customer, user=case.user)
    token = secrets.token_urlsafe(32)
    request = ErasureRequest.objects.create(
        case=case,
        customer=customer,
        user=user,
        token_hash=token_hash(token),
        erase_after=timezone.now() + timedelta(days=settings.ERASURE_GRACE_DAYS),
    )
    if user is not None:
        user.is_active = False
        user.save(update_fields=["is_active"])
        sessions_end(user)
    audit.record(actor=actor, action="privacy.erasure_started", target=case)
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
