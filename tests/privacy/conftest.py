"""A person with everything: an account with TOTP, licenses (one sold by a
partner, whose staff looked at them), machines, invoices, consents, a cookie
choice, a pending transfer offer and sent emails."""

from dataclasses import dataclass

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.models import Group

from accounts import roles
from accounts.services import customer_consent_record
from cookies import services as cookie_services
from core import audit, ratelimit
from core.audit import Actor
from core.models import AuditEvent
from licensing import services
from licensing.models import PartnerMembership
from tests.browser.portal import customer_with_login
from tests.core.test_celery_reliability import (  # noqa: F401 (fixtures)
    celery_via,
    redis_server,
    smtp,
    worker,
)
from tests.factories import PartnerFactory, PlanFactory, UserFactory, issue
from tests.licensing.admin.conftest import north, plan, south, vendor  # noqa: F401

EMAIL = "vera@example.org"
NAME = "Vera Lind"


@dataclass
class Person:
    customer: object
    user: object
    licenses: list
    partner: object
    partner_user: object


@pytest.fixture
def person(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        customer = customer_with_login(EMAIL)
        customer.name = NAME
        customer.company = "Lind Design"
        customer.billing_address = "Storgata 1, 0155 Oslo"
        customer.phone = "+47 400 00 000"
        customer.save()
        user = customer.user
        TOTP.activate(user, "JBSWY3DPEHPK3PXP")
        partner = PartnerFactory(slug="north", name="North Resellers")
        partner_user = UserFactory(email="staff@north.example", is_staff=True)
        partner_user.groups.add(Group.objects.get(name=roles.PARTNER_STAFF))
        PartnerMembership.objects.create(user=partner_user, partner=partner)
        plan = PlanFactory(seats=2)
        sold = issue(plan=plan, customer=customer, partner=partner, notify=True)
        direct = issue(plan=plan, customer=customer, notify=True)
        for license, machine in ((sold, "Vera's laptop"), (direct, "Vera's desktop")):
            services.activation_create(
                canonical_key=license.key,
                fingerprint=f"fp-{machine}",
                label=machine,
                platform="linux",
            )
        customer_consent_record(
            customer=customer, kind="updates", source="portal", actor=Actor.system()
        )
        cookie_services.consent_give(
            consent_id=None, user=user, choices={"analytics": True}, method="banner"
        )
        audit.record(
            actor=Actor(AuditEvent.ActorType.PARTNER, partner_user.pk),
            action="customer.viewed",
            target=customer,
            data={"fields": ["email"], "via": "change page"},
        )
        services.transfer_offer(
            license_id=direct.pk,
            to_email="friend@example.org",
            actor=Actor.user(user),
            language="en",
        )
    return Person(customer, user, [sold, direct], partner, partner_user)


@pytest.fixture(autouse=True)
def _fresh_limits(settings):
    """Rate limits counted in this process, from zero, in every test."""
    settings.REDIS_URL = ""
    ratelimit._memory.clear()
    yield
    ratelimit._memory.clear()
