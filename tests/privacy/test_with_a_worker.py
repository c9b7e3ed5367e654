"""Export and erasure through a real Celery worker, a real Redis and a real SMTP
server, on PostgreSQL."""

import io
import json
import re
import zipfile

import pytest
from django.test import Client

from accounts.models import Customer, User
from config.celery_app import app
from core.fields import blind_index
from core.models import OutboxEmail
from licensing.models import License
from privacy import services
from privacy.models import DataExport, ErasureReceipt
from tests.celery_harness import wait_for
from tests.privacy.conftest import EMAIL, NAME

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_worker_builds_the_export_and_then_erases_the_person(
    celery_via, worker, smtp, person
):
    worker()
    client = Client()
    client.force_login(person.user)
    client.post("/privacy/")
    export = DataExport.objects.get()
    wait_for(
        lambda: DataExport.objects.get(pk=export.pk).status == "ready",
        what="the export to be built",
    )
    wait_for(
        lambda: any(b"/privacy/exports/" in m for m in smtp.messages),
        what="the link to be sent",
    )
    message = next(m for m in smtp.messages if b"/privacy/exports/" in m).decode()
    path = re.search(r"/privacy/exports/[A-Za-z0-9_-]+/", message).group(0)
    download = client.get(path)
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        data = json.loads(archive.read("data.json"))["data"]
    assert data["accounts.Customer"][0]["name"] == NAME

    erasure = services.erasure_request(user=person.user, now=True)
    app.send_task("privacy.tasks.apply_due_erasures")
    wait_for(
        lambda: ErasureReceipt.objects.filter(case=erasure.case).exists(),
        what="the erasure to be applied",
    )
    assert not Customer.objects.by_email(EMAIL).exists()
    assert not User.objects.filter(email__iexact=EMAIL).exists()
    assert License.objects.filter(customer=None).count() == 2
    wait_for(
        lambda: not OutboxEmail.objects.filter(status="pending").exists(),
        what="the emails to be sent",
    )
    assert not OutboxEmail.objects.filter(
        to_index=blind_index("outbox.to", EMAIL)
    ).exists()
