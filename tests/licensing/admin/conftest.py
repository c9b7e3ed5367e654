"""Two partners, each with a staff user, licenses with registrants, machines
and invoices; a vendor staff user and a data protection officer."""

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from accounts import roles
from licensing import services
from licensing.models import Activation, License, PartnerMembership
from tests.factories import (
    CustomerFactory,
    PartnerFactory,
    PlanFactory,
    UserFactory,
    issue,
)


@dataclass
class Side:
    """One partner's world."""

    partner: object
    user: object
    client: Client
    license: License
    activation: Activation
    invoice: object
    customer: object


def staff_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def role_user(email, role):
    user = UserFactory(email=email, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


def make_side(slug, name, plan) -> Side:
    partner = PartnerFactory(slug=slug, name=name)
    user = role_user(f"staff@{slug}.example", roles.PARTNER_STAFF)
    PartnerMembership.objects.create(user=user, partner=partner)
    customer = CustomerFactory(email=f"buyer@{slug}.example", name=f"Buyer of {name}")
    license = issue(plan=plan, customer=customer, partner=partner, seats=2)
    services.activation_create(
        canonical_key=license.key,
        fingerprint=f"pc-{slug}",
        label="PC",
        platform="linux",
    )
    return Side(
        partner=partner,
        user=user,
        client=staff_client(user),
        license=license,
        activation=license.activations.get(),
        invoice=license.invoices.get(),
        customer=customer,
    )


@pytest.fixture
def plan(db):
    return PlanFactory(seats=2)


@pytest.fixture
def north(plan):
    return make_side("north", "North Resellers", plan)


@pytest.fixture
def south(plan):
    return make_side("south", "South Resellers", plan)


@pytest.fixture
def vendor(db):
    return staff_client(role_user("staff@vendor.example", roles.VENDOR_STAFF))


@pytest.fixture
def dpo(db):
    return staff_client(role_user("dpo@vendor.example", roles.DPO))
