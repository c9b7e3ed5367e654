from decimal import Decimal

import pytest

from tests.factories import CustomerFactory, PlanFactory
from tests.licensing.api_client import Api


@pytest.fixture
def api(client, signing_key):
    return Api(client)


@pytest.fixture
def rolling_plan():
    """The demo's single-seat plan: rolling 12-month renewals, invoiced."""
    return PlanFactory(slug="desktop-single", price=Decimal("990.00"), currency="NOK")


@pytest.fixture
def customer():
    """A registrant who reads Norwegian."""
    return CustomerFactory(email="kunde@example.org", language="nb")
