"""Data migrations of the licensing app."""

from importlib import import_module

import pytest
from django.apps import apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.models import Customer
from core import datakeys
from core.fields import blind_index
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


@pytest.mark.django_db(transaction=True)
def test_a_database_from_before_data_keys_is_migrated_to_them_and_reads_as_before():
    """Rows written by the previous version (values under the field keys, no
    data key) move under keys of their own when `migrate` runs."""
    before = [
        ("accounts", "0003_customer_restricted"),
        ("core", "0004_outboxemail_forget_recipient"),
    ]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    OldCustomer = old_apps.get_model("accounts", "Customer")
    old = OldCustomer.objects.create(
        email="kari@example.org",
        email_index=blind_index(Customer.EMAIL_INDEX, "kari@example.org"),
        name="Kari Nordmann",
        language="en",
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    datakeys.forget()
    customer = Customer.objects.get(pk=old.pk)
    assert customer.data_key is not None
    assert (customer.email, customer.name) == ("kari@example.org", "Kari Nordmann")
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM accounts_customer WHERE id = %s", [old.pk])
        assert cursor.fetchone()[0].startswith(f"dk1:{customer.data_key.hex}:")
