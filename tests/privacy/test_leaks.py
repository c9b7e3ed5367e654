"""No personal data where it does not belong: log lines, Celery task
arguments, the admin log, a database dump after erasure."""

import logging

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import call_command
from django.test import Client

from core import jobs
from tests.privacy.conftest import EMAIL, NAME
from tests.privacy.test_database_dump import dump_database
from tests.sessions import recently_reauthenticated


def test_a_404_with_an_address_in_the_path_logs_nothing_of_it(db, caplog):
    caplog.set_level(logging.INFO)
    assert Client().get(f"/licenses/{EMAIL}/").status_code == 404
    assert EMAIL not in caplog.text


@pytest.mark.django_db
def test_tasks_are_queued_with_ids_and_keyed_hashes_only(
    person, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    real = jobs.task_send
    monkeypatch.setattr(
        jobs,
        "task_send",
        lambda name, *args: (queued.append((name, args)), real(name, *args)),
    )
    client = Client()
    recently_reauthenticated(client, person.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/privacy/")  # an export
        Client().post("/privacy/request/", {"kind": "access", "email": EMAIL})
        Client().post("/licenses/recover/", {"email": EMAIL})
        client.post("/privacy/erase/", {"confirmation": "DELETE"})
    names = {name for name, _args in queued}
    assert {"privacy.tasks.export_build", "privacy.tasks.send_request_link"} <= names
    for _name, args in queued:
        text = repr(args)
        assert "@" not in text and NAME not in text and "vera" not in text.lower()


@pytest.mark.django_db
def test_the_admin_log_names_no_customer(person):
    partner = Client()
    partner.force_login(person.partner_user)
    partner.post(
        "/admin/licensing/license/add/",
        {"plan": person.licenses[0].plan_id, "email": EMAIL, "language": "en"},
    )
    assert LogEntry.objects.exists()
    for entry in LogEntry.objects.all():
        assert EMAIL not in entry.object_repr and EMAIL not in entry.change_message
        assert NAME not in entry.object_repr


@pytest.mark.django_db(transaction=True)
def test_a_dump_after_erasure_holds_nothing_of_the_person(
    person, django_capture_on_commit_callbacks
):
    assert EMAIL in dump_database()  # the login address: the one plain value
    call_command("privacy_erase", email=EMAIL, now=True)
    dump = dump_database()
    assert EMAIL not in dump
    assert NAME not in dump and "Storgata" not in dump
