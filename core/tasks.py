from celery import shared_task

from core import outbox

MAX_DELIVERY_ATTEMPTS = 8


@shared_task(bind=True, acks_late=True, max_retries=MAX_DELIVERY_ATTEMPTS)
def send_outbox_email(self, email_id: int) -> bool:
    """Send one outbox email, retrying with exponential backoff on SMTP errors."""
    try:
        return outbox.outbox_deliver(email_id=email_id)
    except outbox.DeliveryFailed as exc:
        if self.request.retries >= self.max_retries:
            outbox.outbox_mark_failed(email_id=email_id)
            return False
        raise self.retry(
            exc=exc, countdown=min(3600, 30 * 2**self.request.retries)
        ) from exc


@shared_task(acks_late=True)
def send_outbox_emails(email_ids: list[int]) -> int:
    """Send a batch queued together (one task instead of thousands); failures retry alone."""
    sent = 0
    for email_id in email_ids:
        try:
            sent += outbox.outbox_deliver(email_id=email_id)
        except outbox.DeliveryFailed:
            send_outbox_email.apply_async((email_id,), countdown=30)
    return sent


@shared_task
def requeue_pending_outbox() -> int:
    """Send what waits too long (Redis was down, a worker died)."""
    ids = outbox.pending_stale_ids()
    for email_id in ids:
        send_outbox_email.delay(email_id)
    return len(ids)


@shared_task
def purge_outbox() -> int:
    """Delete sent and failed emails past OUTBOX_RETENTION_DAYS (daily, from beat)."""
    return outbox.outbox_purge()
