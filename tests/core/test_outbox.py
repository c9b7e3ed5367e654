import socket
from datetime import timedelta

import pytest
from celery.schedules import crontab
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from core import outbox
from core.models import OutboxEmail
from core.tasks import purge_outbox, requeue_pending_outbox, send_outbox_email
from tests.concurrency import run_concurrently

TEMPLATE = "licensing/email/machine_activated"
CONTEXT = {
    "product": "Desktop",
    "label": "Laptop",
    "platform": "linux",
    "activated_at": None,
    "seats": 3,
    "machines": 1,
}


def queue(key="test:1", to="kari@example.org", language="en"):
    return outbox.enqueue(
        key=key, to=to, template=TEMPLATE, context=CONTEXT, language=language
    )


@pytest.mark.django_db
def test_an_email_is_sent_after_commit_and_marked_sent(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        email = queue()
        assert mail.outbox == []  # nothing leaves before the change commits
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["kari@example.org"]
    assert mail.outbox[0].alternatives[0][1] == "text/html"
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.SENT and email.sent_at is not None
    assert email.body_text == "" and email.body_html == ""  # the content is not kept


@pytest.mark.django_db
def test_the_same_idempotency_key_queues_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert queue() is not None
        assert queue() is None
    assert OutboxEmail.objects.count() == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_rolled_back_change_sends_nothing(django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        queue()
        raise RuntimeError
    assert OutboxEmail.objects.count() == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_delivering_twice_sends_once():
    email = queue()
    assert outbox.outbox_deliver(email_id=email.pk) is True
    assert outbox.outbox_deliver(email_id=email.pk) is False
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_the_email_is_in_the_recipients_language(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        queue(language="nb")
    assert "maskin" in mail.outbox[0].subject.lower()


@pytest.mark.django_db
def test_personal_data_in_the_outbox_is_encrypted():
    email = queue(to="secret.person@example.org")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT to, subject, body_text FROM core_outboxemail WHERE id = %s".replace(
                "to,", '"to",'
            ),
            [email.pk],
        )
        row = cursor.fetchone()
    assert not any("secret.person" in value or "Laptop" in value for value in row)


@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_send_an_email_once():
    # A pending row as a crashed or duplicated task would leave it.
    email = OutboxEmail.objects.create(
        idempotency_key="race:1",
        template=TEMPLATE,
        language="en",
        to="kari@example.org",
        subject="Race",
        body_text="Only once.",
    )
    results = run_concurrently(lambda n: outbox.outbox_deliver(email_id=email.pk), 4)
    assert sorted(results) == [False, False, False, True]
    assert len(mail.outbox) == 1


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.django_db
def test_an_smtp_failure_is_recorded_without_the_address_and_retried(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _closed_port()
    email = queue(to="hidden@example.org")
    with pytest.raises(outbox.DeliveryFailed):
        outbox.outbox_deliver(email_id=email.pk)
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.PENDING
    assert email.attempts == 1
    assert "ConnectionRefusedError" in email.last_error
    assert "hidden" not in email.last_error
    # Eager Celery: the task retries with backoff, then gives up and marks it failed.
    settings.CELERY_TASK_EAGER_PROPAGATES = False
    send_outbox_email.apply(args=[email.pk], retries=send_outbox_email.max_retries)
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.FAILED


@pytest.mark.django_db
def test_stale_pending_emails_are_requeued(settings):
    email = queue()
    assert requeue_pending_outbox() == 0  # fresh: its own task will send it
    age = timedelta(seconds=settings.OUTBOX_STALE_SECONDS + 1)
    OutboxEmail.objects.filter(pk=email.pk).update(created_at=email.created_at - age)
    assert requeue_pending_outbox() == 1
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.SENT
    assert len(mail.outbox) == 1


UNSUBSCRIBE = {
    "List-Unsubscribe": "<https://example.com/unsubscribe/secret-token/>",
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
}


@pytest.mark.django_db
def test_a_sent_email_keeps_neither_its_body_nor_its_headers():
    email = outbox.enqueue(
        key="news:1",
        to="kari@example.org",
        template=TEMPLATE,
        context=CONTEXT,
        language="en",
        headers=UNSUBSCRIBE,
    )
    assert outbox.outbox_deliver(email_id=email.pk) is True
    sent = mail.outbox[0].extra_headers  # the message itself carried them
    assert sent["List-Unsubscribe"] == UNSUBSCRIBE["List-Unsubscribe"]
    email.refresh_from_db()
    assert email.headers == {}
    assert email.body_text == "" and email.body_html == ""


@pytest.mark.django_db
def test_an_email_given_up_keeps_only_what_staff_need(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _closed_port()
    email = outbox.enqueue(
        key="news:2",
        to="kari@example.org",
        template=TEMPLATE,
        context=CONTEXT,
        language="en",
        headers=UNSUBSCRIBE,
    )
    with pytest.raises(outbox.DeliveryFailed):
        outbox.outbox_deliver(email_id=email.pk)
    outbox.outbox_mark_failed(email_id=email.pk)
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.FAILED
    assert email.body_text == "" and email.body_html == "" and email.headers == {}
    # What staff look at stays: whom, which email, and why it failed.
    assert email.to == "kari@example.org"
    assert email.template == TEMPLATE
    assert "ConnectionRefusedError" in email.last_error


def outbox_row(key, status, *, created_days_ago, sent_days_ago=None):
    now = timezone.now()
    email = OutboxEmail.objects.create(
        idempotency_key=key,
        template=TEMPLATE,
        language="en",
        to="kari@example.org",
        subject="s",
        body_text="",
        status=status,
        sent_at=None if sent_days_ago is None else now - timedelta(days=sent_days_ago),
    )
    OutboxEmail.objects.filter(pk=email.pk).update(
        created_at=now - timedelta(days=created_days_ago)
    )
    return email


@pytest.mark.django_db
def test_old_sent_and_failed_emails_are_purged(settings):
    settings.OUTBOX_RETENTION_DAYS = 90
    sent, failed, pending = (
        OutboxEmail.Status.SENT,
        OutboxEmail.Status.FAILED,
        OutboxEmail.Status.PENDING,
    )
    outbox_row("old-sent", sent, created_days_ago=200, sent_days_ago=91)
    outbox_row("old-failed", failed, created_days_ago=91)
    kept = {
        # Sent within the retention period, though queued long before it.
        outbox_row("recent-sent", sent, created_days_ago=120, sent_days_ago=89).pk,
        outbox_row("recent-failed", failed, created_days_ago=89).pk,
        # Pending is never purged, however old: it is still to be sent.
        outbox_row("old-pending", pending, created_days_ago=400).pk,
    }
    assert outbox.outbox_purge() == 2
    assert set(OutboxEmail.objects.values_list("pk", flat=True)) == kept
    assert outbox.outbox_purge() == 0


@pytest.mark.django_db
def test_the_purge_counts_from_the_time_it_is_given(settings):
    settings.OUTBOX_RETENTION_DAYS = 30
    outbox_row("a", OutboxEmail.Status.SENT, created_days_ago=10, sent_days_ago=10)
    assert outbox.outbox_purge(now=timezone.now() + timedelta(days=19)) == 0
    assert outbox.outbox_purge(now=timezone.now() + timedelta(days=21)) == 1


@pytest.mark.django_db
def test_the_purge_works_in_batches(settings):
    settings.OUTBOX_RETENTION_DAYS = 90
    for n in range(5):
        outbox_row(f"b{n}", OutboxEmail.Status.FAILED, created_days_ago=100)
    assert outbox.outbox_purge(batch_size=2) == 5
    assert not OutboxEmail.objects.exists()


@pytest.mark.django_db
def test_the_purge_task_purges(settings):
    outbox_row("t", OutboxEmail.Status.FAILED, created_days_ago=1000)
    assert purge_outbox.delay().get() == 1
    assert not OutboxEmail.objects.exists()


def test_the_purge_runs_daily(settings):
    entries = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "core.tasks.purge_outbox"
    ]
    assert len(entries) == 1
    schedule = entries[0]["schedule"]
    assert isinstance(schedule, crontab)
    assert len(schedule.hour) == 1 and len(schedule.minute) == 1  # once a day,
    assert schedule.day_of_week == set(range(7))  # every day
    assert schedule.day_of_month == set(range(1, 32))


@pytest.mark.django_db
def test_an_email_that_cannot_be_written_is_given_up_at_once(
    django_capture_on_commit_callbacks,
):
    """An address whose domain has no IDNA form: no retry can send it."""
    with django_capture_on_commit_callbacks(execute=True):
        outbox.enqueue(
            key="poison",
            to="a@" + "ä" * 60 + ".com",
            template="licensing/email/license_issued",
            context={"license": None, "key": "K", "product": "P"},
            language="en",
        )
    email = OutboxEmail.objects.get(idempotency_key="poison")
    assert email.status == OutboxEmail.Status.FAILED
    assert email.attempts == 1 and email.last_error.startswith("UnicodeError")
    assert email.body_text == "" and mail.outbox == []
    assert outbox.pending_stale_ids() == []
