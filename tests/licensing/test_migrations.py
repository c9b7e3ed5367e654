"""Data migrations of the licensing app."""

from importlib import import_module

import pytest
from django.apps import apps

from licensing.models import License
from tests.factories import CustomerFactory, issue

pytestmark = pytest.mark.django_db

customer_kind = import_module("licensing.migrations.0013_license_customer_kind")


def test_registered_licenses_take_their_registrants_kind_and_others_none():
    business = CustomerFactory(kind="business")
    consumer = CustomerFactory(kind="consumer")
    licenses = [issue(customer=business), issue(customer=consumer), issue()]
    License.objects.update(customer_kind="")  # as before the field existed
    customer_kind.copy_registrants_kind(apps, None)
    assert [License.objects.get(pk=lic.pk).customer_kind for lic in licenses] == [
        "business",
        "consumer",
        "",
    ]
