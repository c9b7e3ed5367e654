import socket
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, transaction

from core import outbox
from core.models import OutboxEmail
from core.tasks import requeue_pending_outbox, send_outbox_email
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
