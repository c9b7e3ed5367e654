"""Machines: an offline file holds its seat; races with the culling answer NOT_FOUND;
a fixed term past its end is EXPIRED before the sweep."""

import base64
import json
import threading
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django.utils import timezone

from core.audit import Actor
from core.models import AuditEvent
from licensing import keys, services
from licensing.errors import Code, Refused
from licensing.models import Activation, License
from tests.factories import CustomerFactory, PlanFactory, issue

DAY = 86_400


def checkout(api, key, fingerprint, ttl=90 * DAY):
    return api.post(
        "licenses/checkout", {"key": key, "fingerprint": fingerprint, "ttl": ttl}
    )


@pytest.mark.django_db
def test_the_offline_seat_loop_gives_no_more_machines_than_seats(api):
    """Activate, check out, deactivate, repeat: each machine keeps its seat."""
    license = issue(plan=PlanFactory(seats=1))
    first = api.activate(license.key, "pc-1").body["activation"]["id"]
    assert checkout(api, license.key, "pc-1").status_code == 200
    refused = api.post(f"activations/{first}/deactivate", {"key": license.key})
    assert refused.status_code == 409
    assert refused.body["code"] == "MACHINE_CHECKED_OUT"
    frees = refused.body["seat_frees_at"]
    assert frees > (timezone.now() + timedelta(days=89)).strftime("%Y-%m-%dT%H:%M:%SZ")
    second = api.activate(license.key, "pc-2")
    assert (second.status_code, second.body["code"]) == (409, "TOO_MANY_MACHINES")
    assert Activation.objects.filter(license=license).count() == 1


@pytest.mark.django_db
def test_the_seat_frees_when_the_file_expires(api):
    license = issue(plan=PlanFactory(seats=1))
    machine = api.activate(license.key, "pc-1").body["activation"]["id"]
    checkout(api, license.key, "pc-1", ttl=3600)
    with time_machine.travel(timezone.now() + timedelta(hours=1, seconds=1)):
        freed = api.post(f"activations/{machine}/deactivate", {"key": license.key})
    assert freed.status_code == 200


@pytest.mark.django_db
def test_a_shorter_file_later_does_not_shorten_the_hold(api):
    license = issue(plan=PlanFactory(seats=1))
    api.activate(license.key, "pc-1")
    checkout(api, license.key, "pc-1", ttl=30 * DAY)
    checkout(api, license.key, "pc-1", ttl=3600)
    held = Activation.objects.get().checked_out_until
    assert held > timezone.now() + timedelta(days=29)


@pytest.mark.django_db
def test_the_culling_keeps_a_checked_out_machine(api):
    license = issue(plan=PlanFactory(seats=2, heartbeat_interval=600))
    api.activate(license.key, "offline-pc")
    api.activate(license.key, "online-pc")
    checkout(api, license.key, "offline-pc", ttl=7 * DAY)
    released = services.activations_release_dead(now=timezone.now() + timedelta(days=1))
    assert released == 1
    assert Activation.objects.filter(license=license).count() == 1
    assert (
        services.activations_release_dead(now=timezone.now() + timedelta(days=8)) == 1
    )


@pytest.mark.django_db
def test_staff_can_force_the_release_of_a_lost_machine_audited(api):
    license = issue(plan=PlanFactory(seats=1))
    machine = api.activate(license.key, "lost-pc").body["activation"]["id"]
    checkout(api, license.key, "lost-pc")
    services.activation_release(activation_id=machine, actor=Actor.system())
    assert not Activation.objects.exists()
    event = AuditEvent.objects.get(action="activation.released")
    assert event.data["reason"] == "staff" and event.data["checked_out"] is True
    assert api.activate(license.key, "new-pc").status_code == 201


@pytest.mark.django_db
@pytest.mark.parametrize("ending", ["fixed", "notice"])
def test_a_file_never_outlives_the_known_end(api, ending):
    today = timezone.localdate()
    if ending == "fixed":
        plan = PlanFactory(renewal="fixed", initial_term_months=12)
        license = issue(plan=plan, purchased_on=today - timedelta(days=360))
        end = license.period_end
        assert end < today + timedelta(days=90)
    else:
        license = issue(plan=PlanFactory(), customer=CustomerFactory())
        license = services.termination_notice_receive(
            license_id=license.pk, received_on=today, actor=Actor.system()
        )
        License.objects.filter(pk=license.pk).update(
            termination_effective_on=today + timedelta(days=3)
        )
        end = today + timedelta(days=3)
    api.activate(license.key, "pc-1")
    body = checkout(api, license.key, "pc-1").body
    document = json.loads(base64.b64decode(body["file"]["payload"]))
    limit = timezone.make_aware(datetime.combine(end, time.min)).astimezone(UTC)
    assert document["expires"] == limit.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.django_db
def test_a_fixed_term_past_its_end_is_expired_before_the_sweep(api):
    plan = PlanFactory(renewal="fixed", initial_term_months=12)
    license = issue(plan=plan, purchased_on=date(2025, 1, 10))
    assert License.objects.get(pk=license.pk).status == "active"  # no sweep ran
    body = api.validate(license.key).body
    assert (body["code"], body["valid"]) == ("EXPIRED", False)
    refused = api.activate(license.key, "pc-1")
    assert (refused.status_code, refused.body["code"]) == (403, "EXPIRED")


@pytest.mark.django_db(transaction=True)
def test_a_heartbeat_racing_the_culling_of_its_machine_answers_not_found(
    signing_key,
):
    """The culling locks the dead machine and deletes it while the heartbeat
    waits on that row: the heartbeat then finds nothing to update."""
    license = issue(plan=PlanFactory(heartbeat_interval=60))
    machine, _ = services.activation_create(
        canonical_key=keys.normalise(license.key), fingerprint="pc-1"
    )
    Activation.objects.filter(pk=machine.pk).update(
        last_heartbeat_at=timezone.now() - timedelta(hours=1)
    )
    locked, go = threading.Event(), threading.Event()

    def cull():
        try:
            with transaction.atomic():
                list(Activation.objects.select_for_update().filter(pk=machine.pk))
                locked.set()
                go.wait(10)
                Activation.objects.filter(pk=machine.pk).delete()
        finally:
            connection.close()

    culler = threading.Thread(target=cull)
    culler.start()
    locked.wait(10)
    timer = threading.Timer(0.5, go.set)  # let the heartbeat block on the row first
    timer.start()
    with pytest.raises(Refused) as refused:
        services.activation_heartbeat(
            canonical_key=keys.normalise(license.key), activation_id=machine.pk
        )
    culler.join()
    assert refused.value.code == Code.NOT_FOUND
