from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils import timezone

from licensing import keys
from licensing.models import Activation, License
from licensing.services import activations_release_dead
from licensing.tasks import release_dead_machines
from tests.concurrency import run_concurrently
from tests.factories import CustomerFactory, PlanFactory, issue
from tests.licensing.api_client import Api

pytestmark = pytest.mark.django_db


def test_activation_takes_a_seat_and_the_same_machine_gets_it_back(api):
    license = issue(plan=PlanFactory(seats=2))
    first = api.activate(
        license.key, "pc-1", label="Office", platform="windows", nonce="abc"
    )
    assert first.status_code == 201
    again = api.activate(license.key, "pc-1")
    assert again.status_code == 200
    assert again.body["activation"]["id"] == first.body["activation"]["id"]
    assert first.body["license"]["machines"] == 1
    assert first.body["meta"]["nonce"] == "abc"
    assert Activation.objects.count() == 1
    license.refresh_from_db()
    assert license.first_activated_at is not None


def test_a_full_license_refuses_another_machine(api):
    license = issue(plan=PlanFactory(seats=1))
    api.activate(license.key, "pc-1")
    response = api.activate(license.key, "pc-2")
    assert response.status_code == 409
    assert response.body["code"] == "TOO_MANY_MACHINES"


def test_activation_of_an_unknown_key_is_not_found(api):
    response = api.activate(keys.generate(), "pc-1")
    assert (response.status_code, response.body["code"]) == (404, "NOT_FOUND")


@pytest.mark.parametrize("status", ["suspended", "expired", "transferred"])
def test_an_unusable_license_cannot_be_activated(api, status):
    license = issue()
    License.objects.filter(pk=license.pk).update(status=status)
    response = api.activate(license.key, "pc-1")
    assert (response.status_code, response.body["code"]) == (403, status.upper())


def test_another_major_version_is_refused(api):
    license = issue()
    response = api.activate(license.key, "pc-1", version="8.0")
    assert (response.status_code, response.body["code"]) == (
        403,
        "VERSION_SCOPE_MISMATCH",
    )


def test_missing_fingerprint_is_an_invalid_request(api):
    response = api.post("activations", {"key": issue().key})
    assert (response.status_code, response.body["code"]) == (400, "INVALID_REQUEST")
    assert "fingerprint" in response.body["detail"]


def test_the_registrant_is_told_of_a_new_machine(
    api, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(email="owner@example.org", language="nb")
    license = issue(customer=customer)
    with django_capture_on_commit_callbacks(execute=True):
        api.activate(license.key, "pc-1", label="Kontor-PC")
        api.activate(license.key, "pc-1")  # the same machine again: no second email
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["owner@example.org"]
    assert "Kontor-PC" in mail.outbox[0].body
    assert "maskin" in mail.outbox[0].subject.lower()


def test_the_fingerprint_is_stored_only_as_a_hash_keyed_per_license(api):
    one, two = issue(plan=PlanFactory(seats=1)), issue(plan=PlanFactory(seats=1))
    api.activate(one.key, "MY-COMPUTER-SERIAL-123")
    api.activate(two.key, "MY-COMPUTER-SERIAL-123")
    hashes = list(Activation.objects.values_list("fingerprint_hash", flat=True))
    assert len(set(hashes)) == 2  # the same computer cannot be linked across licenses
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM licensing_activation")
        assert "MY-COMPUTER-SERIAL" not in repr(cursor.fetchall())


def test_heartbeat_and_deactivate_need_the_activation_to_belong_to_the_key(api):
    mine, other = issue(), issue()
    activation_id = api.activate(mine.key, "pc-1").body["activation"]["id"]
    for action in ("heartbeat", "deactivate"):
        response = api.post(f"activations/{activation_id}/{action}", {"key": other.key})
        assert (response.status_code, response.body["code"]) == (404, "NOT_FOUND")
    response = api.post(
        f"activations/{activation_id}/heartbeat", {"key": keys.generate()}
    )
    assert response.status_code == 404
    assert Activation.objects.filter(pk=activation_id).exists()


def test_deactivation_frees_the_seat_at_once(api):
    license = issue(plan=PlanFactory(seats=1))
    activation_id = api.activate(license.key, "pc-1").body["activation"]["id"]
    response = api.post(f"activations/{activation_id}/deactivate", {"key": license.key})
    assert response.status_code == 200
    assert api.activate(license.key, "pc-2").status_code == 201


def test_heartbeat_plan_machines_die_and_are_released(api):
    plan = PlanFactory(seats=1, heartbeat_interval=600)
    license = issue(plan=plan)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        body = api.activate(license.key, "pc-1").body
        activation_id = body["activation"]["id"]
        assert body["activation"]["heartbeat_deadline"] is not None
    with time_machine.travel(start + timedelta(seconds=600 + 119), tick=False):
        assert api.validate(license.key, fingerprint="pc-1").body["code"] == "VALID"
        assert activations_release_dead() == 0
    with time_machine.travel(start + timedelta(seconds=600 + 120), tick=False):
        assert (
            api.validate(license.key, fingerprint="pc-1").body["code"]
            == "HEARTBEAT_DEAD"
        )
        # A dead machine still holds its seat until it is released.
        assert api.activate(license.key, "pc-2").status_code == 409
        assert release_dead_machines() == 1
        assert (
            api.validate(license.key, fingerprint="pc-1").body["code"] == "NO_MACHINE"
        )
        assert api.activate(license.key, "pc-2").status_code == 201
    assert not Activation.objects.filter(pk=activation_id).exists()


def test_a_heartbeat_keeps_the_machine_alive(api):
    license = issue(plan=PlanFactory(heartbeat_interval=600))
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        activation_id = api.activate(license.key, "pc-1").body["activation"]["id"]
    with time_machine.travel(start + timedelta(seconds=500), tick=False):
        response = api.post(
            f"activations/{activation_id}/heartbeat", {"key": license.key}
        )
        assert response.status_code == 200
    with time_machine.travel(start + timedelta(seconds=1000), tick=False):
        assert api.validate(license.key, fingerprint="pc-1").body["code"] == "VALID"
        assert activations_release_dead() == 0


def test_node_locked_machines_are_never_released(api):
    license = issue(plan=PlanFactory(heartbeat_interval=None))
    api.activate(license.key, "pc-1")
    with time_machine.travel(timezone.now() + timedelta(days=400)):
        assert activations_release_dead() == 0
        assert api.validate(license.key, fingerprint="pc-1").body["code"] == "VALID"


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_activations_on_three_seats(signing_key):
    license = issue(plan=PlanFactory(seats=3))
    responses = run_concurrently(
        lambda n: Api(Client()).activate(license.key, f"machine-{n}"), 20
    )
    statuses = [r.status_code for r in responses]
    codes = [r.body.get("code") for r in responses]
    assert sorted(statuses) == [201] * 3 + [409] * 17
    assert codes.count("TOO_MANY_MACHINES") == 17
    assert Activation.objects.filter(license=license).count() == 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_activations_of_one_machine_take_one_seat(signing_key):
    license = issue(plan=PlanFactory(seats=3))
    responses = run_concurrently(
        lambda n: Api(Client()).activate(license.key, "same-machine"), 8
    )
    ids = [r.body["activation"]["id"] for r in responses]
    assert len(set(ids)) == 1
    assert Activation.objects.filter(license=license).count() == 1
