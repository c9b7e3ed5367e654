"""The email outbox: queue an email with the change that causes it, send it once.

`enqueue` renders the email in the recipient's language and writes it as a row
in the caller's transaction; after commit a Celery task is asked to send it.
If Redis is away the row waits, and `requeue_pending_outbox` picks it up.
"""

from __future__ import annotations

import hashlib
import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from core import datakeys
from core.batches import keyset_batches
from core.jobs import task_send
from core.models import OutboxEmail

logger = logging.getLogger(__name__)


def _common_context() -> dict:
    return {
        "vendor_name": settings.VENDOR_NAME,
        "vendor_address": settings.VENDOR_ADDRESS,
        "support_email": settings.VENDOR_SUPPORT_EMAIL,
        "dpo_email": settings.VENDOR_DPO_EMAIL,
        "site_url": settings.SITE_URL,
    }


def render_email(
    *, template: str, context: dict, language: str
) -> tuple[str, str, str]:
    """(subject, text, html) of `template` in `language`.

    A template is three files: `<template>_subject.txt`, `<template>.txt` and
    `<template>.html`.
    """
    ctx = {**_common_context(), **context}
    with translation.override(language):
        subject = " ".join(render_to_string(f"{template}_subject.txt", ctx).split())
        text = render_to_string(f"{template}.txt", ctx)
        html = render_to_string(f"{template}.html", ctx)
    return subject, text, html


def enqueue(
    *,
    key: str,
    to: str,
    template: str,
    context: dict,
    language: str,
    headers: dict | None = None,
    forget_recipient: bool = False,
) -> OutboxEmail | None:
    """Write the email to the outbox; send it after commit. The same key twice is a no-op.

    Returns the new row, or None when an email with this key exists already.
    With `forget_recipient`, the address is dropped too once the email is sent.
    """
    message = {
        "key": key,
        "to": to,
        "template": template,
        "context": context,
        "language": language,
        "headers": headers,
        "forget_recipient": forget_recipient,
    }
    if not enqueue_many([message]):
        return None
    return OutboxEmail.objects.get(idempotency_key=key)


def enqueue_many(messages: list[dict]) -> int:
    """`enqueue` for a batch, in three queries whatever its size (and one for
    the emails' data keys); the number queued.

    Each message is a dict of `enqueue`'s arguments. Keys already in the outbox
    are skipped (and not rendered), so a retried fan-out costs one query a batch.
    """
    if not messages:
        return 0
    existing = set(
        OutboxEmail.objects.filter(
            idempotency_key__in=[m["key"] for m in messages]
        ).values_list("idempotency_key", flat=True)
    )
    rows = []
    for m in messages:
        if m["key"] in existing:
            continue
        subject, text, html = render_email(
            template=m["template"], context=m["context"], language=m["language"]
        )
        rows.append(
            OutboxEmail(
                idempotency_key=m["key"],
                template=m["template"],
                language=m["language"],
                to=m["to"],
                subject=subject,
                body_text=text,
                body_html=html,
                headers=m.get("headers") or {},
                forget_recipient=m.get("forget_recipient", False),
            )
        )
    if not rows:
        return 0
    # Each email's own data key, made for the batch in one query.
    for row, key_id in zip(rows, datakeys.create_many(len(rows)), strict=True):
        row.data_key = key_id
    OutboxEmail.objects.bulk_create(rows, ignore_conflicts=True)
    ids = list(
        OutboxEmail.objects.filter(
            idempotency_key__in=[row.idempotency_key for row in rows],
            status=OutboxEmail.Status.PENDING,
        ).values_list("pk", flat=True)
    )
    if ids:
        transaction.on_commit(lambda: _publish_batch(ids))
    return len(ids)


def enqueue_for_each(queryset, message_for, *, batch_size: int = 500) -> int:
    """`enqueue_many` of `message_for(obj)` for every object of `queryset`, one
    transaction per batch (keyset pagination by primary key); the number queued.
    """
    queued = 0
    for batch in keyset_batches(queryset, batch_size):
        with transaction.atomic():
            queued += enqueue_many([message_for(obj) for obj in batch])
    return queued


def _publish_batch(email_ids: list[int]) -> None:
    try:
        task_send("core.tasks.send_outbox_emails", email_ids)
    except Exception:  # the broker is away: the periodic requeue sends them later
        logger.warning(
            "%d outbox emails not published; they wait for the requeue", len(email_ids)
        )


def _message_id(key: str) -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@{domain}>"


class DeliveryFailed(Exception):
    """Sending failed in a way worth retrying."""


def outbox_deliver(*, email_id: int) -> bool:
    """Send one pending outbox email; True if this call sent it.

    The row stays locked while the message is handed to the mail server and is
    marked sent in the same transaction, so two workers never both send it, and
    a worker that dies mid-way leaves it pending for the next one. The body and
    the extra headers (their unsubscribe links hold tokens) are dropped once
    sent: the outbox keeps the record, not the content.
    """
    with transaction.atomic():
        email = (
            OutboxEmail.objects.select_for_update(skip_locked=True)
            .filter(pk=email_id, status=OutboxEmail.Status.PENDING)
            .first()
        )
        if email is None:
            return False
        message = EmailMultiAlternatives(
            subject=email.subject,
            body=email.body_text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[email.to],
            headers={"Message-ID": _message_id(email.idempotency_key), **email.headers},
        )
        if email.body_html:
            message.attach_alternative(email.body_html, "text/html")
        try:
            message.send()
        except (smtplib.SMTPException, OSError) as exc:
            error = exc
        except ValueError as exc:
            # The message cannot be written at all (an address whose domain has
            # no IDNA form, a bad header): no retry can help. Given up at once.
            email.attempts += 1
            email.last_error = _describe(exc)
            email.save(update_fields=["attempts", "last_error"])
            outbox_mark_failed(email_id=email.pk)
            logger.warning(
                "outbox email %s cannot be sent: %s", email.pk, email.last_error
            )
            return False
        else:
            error = None
            email.status = OutboxEmail.Status.SENT
            email.sent_at = timezone.now()
            email.body_text = ""
            email.body_html = ""
            email.headers = {}
            if email.forget_recipient:
                email.to = ""  # and its blind index, kept in step on save
        email.attempts += 1
        # The class and SMTP code only: server messages can quote the address.
        email.last_error = "" if error is None else _describe(error)
        email.save()
    if error is not None:
        raise DeliveryFailed(email.last_error) from error
    return True


def outbox_mark_failed(*, email_id: int) -> None:
    """Give up on an email whose retries are spent.

    Its content goes as a sent email's does; what staff need to follow it up
    (recipient, template, status, last error) stays, unless the recipient is to
    be forgotten.
    """
    pending = OutboxEmail.objects.filter(pk=email_id, status=OutboxEmail.Status.PENDING)
    pending.update(
        status=OutboxEmail.Status.FAILED, body_text="", body_html="", headers={}
    )
    OutboxEmail.objects.filter(pk=email_id, forget_recipient=True).update(
        to="", to_index=""
    )


def outbox_purge(*, now=None, batch_size: int = 5000) -> int:
    """Delete the emails sent, and those given up on, more than
    `OUTBOX_RETENTION_DAYS` before `now`; the number deleted.

    A sent email counts from when it was sent, a failed one from when it was
    queued; pending emails are never purged. Deletes in batches (each its own
    statement), so a large backlog holds no long lock.
    """
    cutoff = (now or timezone.now()) - timedelta(days=settings.OUTBOX_RETENTION_DAYS)
    expired = OutboxEmail.objects.filter(
        Q(status=OutboxEmail.Status.SENT, sent_at__lt=cutoff)
        | Q(status=OutboxEmail.Status.FAILED, created_at__lt=cutoff)
    ).order_by()
    purged = 0
    while ids := list(expired.values_list("pk", flat=True)[:batch_size]):
        purged += OutboxEmail.objects.filter(pk__in=ids).delete()[0]
        if len(ids) < batch_size:
            break
    return purged


def _describe(exc: Exception) -> str:
    code = getattr(exc, "smtp_code", None)
    return f"{type(exc).__name__}{f' {code}' if code else ''}"


def pending_stale_ids(*, limit: int = 500) -> list[int]:
    # A pending row older than this is assumed to have lost its task.
    cutoff = timezone.now() - timedelta(seconds=settings.OUTBOX_STALE_SECONDS)
    return list(
        OutboxEmail.objects.filter(
            status=OutboxEmail.Status.PENDING, created_at__lt=cutoff
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
