"""The public request form: a link to the address on file confirms the request."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from accounts.models import Customer
from core import outbox, ratelimit
from core.fields import blind_index
from core.jobs import task_send_on_commit
from privacy.models import (
    PLAIN_KINDS,
    DataExport,
    PrivacyCase,
    RequestLink,
    RequestNote,
)
from privacy.services.common import (
    PrivacyRefused,
    case_acknowledge,
    case_open,
    token_hash,
)
from privacy.services.erasure import erasure_request
from privacy.services.export import EXPORT_DAYS

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
