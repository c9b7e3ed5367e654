"""Each important change leaves an audit event with ids only."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import AuditEvent
from licensing.models import Activation, RegistrationRequest
from licensing.services import registrations_purge_expired
from tests.factories import CustomerFactory, PlanFactory, issue

pytestmark = pytest.mark.django_db


def actions():
    return list(AuditEvent.objects.order_by("id").values_list("actor_type", "action"))


def test_issue_activate_and_deactivate_are_audited_without_personal_data(api):
    customer = CustomerFactory(email="audit.person@example.org", name="Audit Person")
    license = issue(customer=customer, plan=PlanFactory(heartbeat_interval=600))
    activation_id = api.activate(license.key, "pc-1", label="Audit's PC").body[
        "activation"
    ]["id"]
    api.post(f"activations/{activation_id}/deactivate", {"key": license.key})
    assert actions()[-4:] == [
        ("system", "license.issued"),
        ("system", "invoice.paid"),
        ("client", "activation.created"),
        ("client", "activation.deactivated"),
    ]
    events = repr(list(AuditEvent.objects.values()))
    for secret in ("audit.person", "Audit Person", "Audit's PC", license.key, "pc-1"):
        assert secret not in events


def test_released_machines_are_audited(api):
    license = issue(plan=PlanFactory(heartbeat_interval=600))
    api.activate(license.key, "pc-1")
    Activation.objects.update(last_heartbeat_at=timezone.now() - timedelta(hours=1))
    from licensing.services import activations_release_dead

    assert activations_release_dead() == 1
    event = AuditEvent.objects.get(action="activation.released")
    assert event.data == {"license": str(license.pk), "reason": "heartbeat"}


def test_expired_registration_requests_are_purged(api):
    license = issue()
    api.post("licenses/register", {"key": license.key, "email": "later@example.org"})
    assert registrations_purge_expired() == 0
    later = timezone.now() + timedelta(days=8)
    assert registrations_purge_expired(now=later) == 1
    assert not RegistrationRequest.objects.exists()
