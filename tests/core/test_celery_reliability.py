"""The outbox with a real Celery worker, a real Redis and a real SMTP server.

Each test runs its own redis-server, worker and SMTP server on free ports, so
stopping or killing them disturbs nothing else.
"""

import pytest
import redis
from django.db import connection
from django.test import Client

from config.celery_app import app
from core.models import OutboxEmail
from core.tasks import requeue_pending_outbox, send_outbox_email
from tests.celery_harness import RedisServer, SmtpSink, Worker, wait_for
from tests.factories import CustomerFactory, PlanFactory, issue
from tests.licensing.api_client import Api

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def redis_server():
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp():
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def celery_via(redis_server):
    """This process publishes to the test's Redis, for real (not eagerly)."""
    saved = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url, app.conf.task_always_eager = redis_server.url, False
    app._pool = None
    app.amqp._producer_pool = None
    yield
    app.conf.broker_url, app.conf.task_always_eager = saved
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def worker(redis_server, smtp, tmp_path):
    db = connection.settings_dict
    database_url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    workers = []

    def start():
        w = Worker(
            broker_url=redis_server.url,
            database_url=database_url,
            smtp_port=smtp.port,
            log=tmp_path / f"worker-{len(workers)}.log",
        )
        w.start()
        workers.append(w)
        return w

    yield start
    for w in workers:
        w.stop()


def sent_status(email_id):
    return OutboxEmail.objects.get(pk=email_id).status


def broker_idle(redis_server) -> bool:
    """No task waits in the queue or runs unacknowledged (send tasks ack at their end)."""
    client = redis.Redis.from_url(redis_server.url)
    waiting = [key for key in client.keys("celery*") if client.llen(key)]
    return not waiting and client.hlen("unacked") == 0


def test_a_worker_sends_the_email_once(celery_via, worker, smtp, signing_key):
    worker()
    license = issue(
        plan=PlanFactory(),
        customer=CustomerFactory(email="owner@example.org"),
        notify=True,
    )
    email = OutboxEmail.objects.get()
    wait_for(lambda: sent_status(email.pk) == "sent", what="the email to be sent")
    assert len(smtp.messages) == 1
    assert b"owner@example.org" in smtp.messages[0]
    assert license.display_key.encode() in smtp.messages[0]


def test_an_email_queued_while_redis_is_down_is_sent_when_it_is_back(
    celery_via, redis_server, worker, smtp, signing_key, settings
):
    redis_server.stop()
    # The change itself succeeds while Redis is down; its email waits in the outbox.
    customer = CustomerFactory(email="owner@example.org")
    license = issue(plan=PlanFactory(), customer=customer)
    response = Api(Client()).activate(license.key, "pc-1")
    assert response.status_code == 201
    email = OutboxEmail.objects.get()
    assert email.status == "pending"

    redis_server.start()
    worker()
    settings.OUTBOX_STALE_SECONDS = (
        0  # the periodic requeue, without waiting two minutes
    )
    assert requeue_pending_outbox() == 1
    wait_for(lambda: sent_status(email.pk) == "sent", what="the email to be sent")
    assert len(smtp.messages) == 1


def test_a_worker_killed_mid_send_loses_nothing_and_sends_once(
    celery_via, redis_server, worker, smtp, signing_key
):
    smtp.hold.set()  # the mail server is slow: the first worker will be inside send()
    first = worker()
    issue(
        plan=PlanFactory(),
        customer=CustomerFactory(email="owner@example.org"),
        notify=True,
    )
    email = OutboxEmail.objects.get()
    wait_for(smtp.receiving.is_set, what="the worker to be sending")
    first.kill()
    assert sent_status(email.pk) == "pending"  # its transaction died with it
    assert smtp.messages == []

    smtp.hold.clear()
    worker()  # the unacknowledged task comes back (acks_late) to the next worker
    wait_for(lambda: sent_status(email.pk) == "sent", timeout=60, what="redelivery")
    wait_for(lambda: broker_idle(redis_server), what="the redelivered task's ack")
    assert len(smtp.messages) == 1

    # Duplicate tasks for the same email (a requeue that raced the redelivery) run
    # to their end on the worker, find it sent and send nothing more.
    for _ in range(2):
        send_outbox_email.delay(email.pk)
    wait_for(lambda: broker_idle(redis_server), what="the duplicate tasks to run")
    assert len(smtp.messages) == 1
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("sent", 1)
