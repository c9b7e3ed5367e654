"""A change that queues an email succeeds while the broker is away; the email waits."""

import socket

import pytest
from django.core import mail

from config.celery_app import app
from core.models import OutboxEmail
from core.tasks import requeue_pending_outbox
from licensing import services
from licensing.models import AgreementNotice, Announcement
from tests.factories import CustomerFactory, issue
from tests.licensing.api_client import Api


@pytest.fixture
def broker_down():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    saved = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url, app.conf.task_always_eager = (
        f"redis://127.0.0.1:{port}/0",
        False,
    )
    # Forget connections made before to a live broker: they would still publish.
    app._pool = None
    app.amqp._producer_pool = None
    yield
    app.conf.broker_url, app.conf.task_always_eager = saved
    # Forget the connections made to the dead address.
    app._pool = None
    app.amqp._producer_pool = None


@pytest.mark.django_db(transaction=True)
def test_activation_succeeds_while_the_broker_is_down_and_the_email_waits(
    client, signing_key, broker_down, caplog
):
    license = issue(customer=CustomerFactory(email="owner@example.org"))
    response = Api(client).activate(license.key, "pc-1")
    assert response.status_code == 201
    # Publishing was tried, gave up, and left the email to the requeue.
    assert [r.getMessage() for r in caplog.records if r.name == "core.outbox"] == [
        "1 outbox emails not published; they wait for the requeue"
    ]
    email = OutboxEmail.objects.get()
    assert email.status == OutboxEmail.Status.PENDING
    assert mail.outbox == []
    # The broker is back (eager again here); the periodic requeue sends what waited.
    app.conf.task_always_eager = True
    OutboxEmail.objects.update(created_at=email.created_at.replace(year=2000))
    assert requeue_pending_outbox() == 1
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.SENT
    assert mail.outbox[0].to == ["owner@example.org"]


@pytest.mark.django_db(transaction=True)
def test_an_announcement_survives_a_broker_outage(admin_client, broker_down):
    """Published from the admin while the broker is down: no error, and the
    requeue sends it once the broker is back; the version binds only those told."""
    customer = CustomerFactory(email="told@example.org")
    issue(customer=customer)
    response = admin_client.post(
        "/admin/licensing/agreementversion/add/",
        {"number": "2.0", "material": "on", "summary": "New terms."},
    )
    assert response.status_code == 302  # published, not a 500
    announcement = Announcement.objects.get()
    assert announcement.done_at is None
    assert not OutboxEmail.objects.exists()
    assert not AgreementNotice.objects.exists()  # nobody was told yet
    # The broker is back; the periodic requeue starts the fan-out.
    app.conf.task_always_eager = True
    Announcement.objects.update(created_at=announcement.created_at.replace(year=2000))
    assert services.announcements_requeue() == 1
    announcement.refresh_from_db()
    assert announcement.done_at is not None
    assert AgreementNotice.objects.get().customer == customer
    assert [m.to for m in mail.outbox] == [["told@example.org"]]
    assert services.announcements_requeue() == 0  # done: not again
