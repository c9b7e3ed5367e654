"""A change that queues an email succeeds while the broker is away; the email waits."""

import socket
import time

import pytest
from django.core import mail

from config.celery_app import app
from core.models import OutboxEmail
from core.tasks import requeue_pending_outbox
from tests.factories import CustomerFactory, issue
from tests.licensing.conftest import Api


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
    yield
    app.conf.broker_url, app.conf.task_always_eager = saved
    # Forget the connections made to the dead address.
    app._pool = None
    app.amqp._producer_pool = None


@pytest.mark.django_db(transaction=True)
def test_activation_succeeds_while_the_broker_is_down_and_the_email_waits(
    client, signing_key, broker_down
):
    license = issue(customer=CustomerFactory(email="owner@example.org"))
    started = time.monotonic()
    response = Api(client).activate(license.key, "pc-1")
    assert response.status_code == 201
    assert time.monotonic() - started < 5  # publishing gave up quickly
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
