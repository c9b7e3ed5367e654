"""Per-person data keys (core.datakeys): each customer's values under a key of
their own, wrapped by the field keys in the keys database; destroyed, they read
as erased; rotated, only the small key rows change; a page unwraps in one query."""

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.management import call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from accounts.models import Customer
from core import datakeys, outbox
from core.fields import DataKeyField
from core.models import DataKey, OutboxEmail
from privacy.registry import REGISTRY, Personal, Strategy
from tests.core.test_fields import stored
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


def fresh(customer) -> Customer:
    """The customer as another request would read it: no key cached."""
    datakeys.forget()
    return Customer.objects.get(pk=customer.pk)


def test_each_customers_values_are_under_a_key_of_their_own():
    kari = CustomerFactory(email="kari@example.org", name="Kari Nordmann")
    ola = CustomerFactory(email="ola@example.org", name="Ola Nordmann")
    assert kari.data_key and ola.data_key and kari.data_key != ola.data_key
    assert Customer.objects.values_list("data_key", flat=True).get(pk=kari.pk) == (
        kari.data_key
    )
    for column in ("email", "name"):
        value = stored("accounts_customer", column, kari.pk)
        assert value.startswith(f"dk1:{kari.data_key.hex}:")
        assert "Nordmann" not in value and "kari" not in value
    assert (fresh(kari).email, fresh(kari).name) == (
        "kari@example.org",
        "Kari Nordmann",
    )


def test_the_keys_live_wrapped_in_a_database_of_their_own():
    customer = CustomerFactory(name="Kari Nordmann")
    assert "core_datakey" not in connection.introspection.table_names()
    with connections["keys"].cursor() as cursor:
        cursor.execute(
            "SELECT wrapped FROM core_datakey WHERE id = %s", [customer.data_key]
        )
        (wrapped,) = cursor.fetchone()
    raw_key = datakeys._fernet(customer.data_key)._signing_key
    assert wrapped and raw_key.hex() not in wrapped
    assert "Kari" not in wrapped


def test_a_destroyed_key_erases_the_values_and_no_one_elses():
    kari = CustomerFactory(email="kari@example.org", name="Kari Nordmann")
    ola = CustomerFactory(email="ola@example.org", name="Ola Nordmann")
    when = datakeys.destroy(kari.data_key)
    assert DataKey.objects.get(pk=kari.data_key).destroyed_at == when
    assert DataKey.objects.get(pk=kari.data_key).wrapped == ""
    erased = fresh(kari)
    assert (erased.email, erased.name) == (datakeys.ERASED, datakeys.ERASED)
    assert fresh(ola).name == "Ola Nordmann"


def test_values_without_a_key_yet_still_read_and_move_under_one_in_batches():
    """A database from the version before: values under the field keys only."""
    customers = [CustomerFactory(name=f"Legacy {n}") for n in range(7)]
    for customer in customers:  # `update` writes with the field keys, as before
        Customer.objects.filter(pk=customer.pk).update(
            data_key=None, name=f"Legacy {customer.pk}"
        )
    legacy = customers[0]
    assert not stored("accounts_customer", "name", legacy.pk).startswith("dk1:")
    assert fresh(legacy).name == f"Legacy {legacy.pk}"

    assert datakeys.adopt(Customer, batch_size=3) == 7
    assert datakeys.adopt(Customer, batch_size=3) == 0  # resumed: nothing left
    moved = fresh(legacy)
    assert moved.data_key is not None and moved.name == f"Legacy {legacy.pk}"
    assert stored("accounts_customer", "name", legacy.pk).startswith(
        f"dk1:{moved.data_key.hex}:"
    )


def test_a_legacy_row_saving_one_value_gets_its_key_stored_too():
    customer = CustomerFactory(name="Before")
    Customer.objects.filter(pk=customer.pk).update(
        data_key=None, name="Before", email="before@example.org"
    )
    legacy = fresh(customer)
    legacy.name = "After"
    legacy.save(update_fields=["name"])  # data_key is not among the fields saved
    saved = fresh(customer)
    assert saved.data_key is not None and saved.name == "After"
    for column in ("name", "email"):  # the values not saved move too
        assert stored("accounts_customer", column, customer.pk).startswith(
            f"dk1:{saved.data_key.hex}:"
        )


def test_rotation_rewraps_the_data_keys_only_and_reports_it(settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    customers = [CustomerFactory(name=f"Name {n}") for n in range(5)]
    before = [stored("accounts_customer", "name", c.pk) for c in customers]
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    out = StringIO()
    call_command("rotate_encryption_keys", batch_size=2, stdout=out)
    assert "data keys: 5 re-wrapped in" in out.getvalue()
    # The values under the data keys did not change; only the key rows did.
    assert [stored("accounts_customer", "name", c.pk) for c in customers] == before
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    assert [fresh(c).name for c in customers] == [f"Name {n}" for n in range(5)]


def test_a_page_of_customers_unwraps_its_keys_in_one_query():
    CustomerFactory.create_batch(100)
    datakeys.forget()
    with (
        CaptureQueriesContext(connection) as rows,
        CaptureQueriesContext(connections["keys"]) as keys,
    ):
        names = [customer.email for customer in Customer.objects.all()]
    assert len(names) == 100 and datakeys.ERASED not in names
    assert (len(rows), len(keys)) == (1, 1)


def test_the_customer_change_list_decrypts_with_constant_queries(admin_client):
    def count(customers: int) -> tuple[int, int]:
        CustomerFactory.create_batch(customers - Customer.objects.count())
        admin_client.get("/admin/accounts/customer/")  # caches warm (cookie groups)
        datakeys.forget()
        with (
            CaptureQueriesContext(connection) as rows,
            CaptureQueriesContext(connections["keys"]) as keys,
        ):
            response = admin_client.get("/admin/accounts/customer/?all=")
        assert response.status_code == 200
        return len(rows), len(keys)

    assert count(5) == count(100)
    assert count(100)[1] == 1


# Beyond the customer's own row: rows about a person carry keys of their own,
# which erasure destroys with the person's (privacy.services.erasure.data_keys_about).


def test_every_erased_personal_encrypted_field_is_under_a_data_key():
    for label, entry in REGISTRY.items():
        model = apps.get_model(label)
        for name, declared in entry.fields.items():
            field = model._meta.get_field(name)
            if not (
                isinstance(declared, Personal) and getattr(field, "encrypted", False)
            ):
                continue
            if declared.strategy == Strategy.KEEP:  # a legal hold outlives the person
                assert not field.data_key, (label, name)
                continue
            assert field.data_key, (label, name)
            if field.data_key == "self":
                assert isinstance(model._meta.get_field("data_key"), DataKeyField)


def test_an_email_is_under_a_key_of_its_own():
    email = outbox.enqueue(
        key="datakeys-test",
        to="kari@example.org",
        template="licensing/email/product_news",
        context={},
        language="en",
    )
    stored_to = stored("core_outboxemail", '"to"', email.pk)
    assert stored_to.startswith(f"dk1:{email.data_key.hex}:")
    datakeys.forget()
    assert OutboxEmail.objects.get(pk=email.pk).to == "kari@example.org"


def test_keys_made_in_bulk_serve_rows_loaded_in_bulk():
    key_ids = datakeys.create_many(3)
    Customer.objects.bulk_create(
        Customer(data_key=key_id, email=f"bulk{n}@example.org", name=f"Bulk {n}")
        for n, key_id in enumerate(key_ids)
    )
    datakeys.forget()
    rows = Customer.objects.filter(data_key__in=key_ids)
    assert sorted(c.name for c in rows) == ["Bulk 0", "Bulk 1", "Bulk 2"]


def test_a_request_starts_and_ends_without_keys_in_memory(client):
    """A key destroyed by another process is not used from this one's memory
    beyond the request or task that had it."""
    customer = CustomerFactory(name="Kari Nordmann")
    assert Customer.objects.get(pk=customer.pk).name == "Kari Nordmann"  # cached
    DataKey.objects.filter(pk=customer.data_key).update(wrapped="")  # elsewhere
    assert Customer.objects.get(pk=customer.pk).name == "Kari Nordmann"
    client.get("/")
    assert Customer.objects.get(pk=customer.pk).name == datakeys.ERASED


def test_a_row_under_a_destroyed_key_reads_as_erased_in_the_admin(admin_client):
    """As in a restored backup: the row is there, its key is not."""
    customer = CustomerFactory(email="kari@example.org", name="Kari Nordmann")
    datakeys.destroy(customer.data_key)
    datakeys.forget()
    page = admin_client.get(f"/admin/accounts/customer/{customer.pk}/change/")
    assert page.status_code == 200
    assert datakeys.ERASED in page.content.decode()
    assert "Kari" not in page.content.decode()
    listing = admin_client.get("/admin/accounts/customer/")
    assert listing.status_code == 200


def test_a_long_task_keeps_a_bounded_number_of_keys_in_memory(settings):
    datakeys.forget()
    first = datakeys.create_many(3)
    for _ in range(datakeys.CACHE_LIMIT // 1000 + 1):
        datakeys.create_many(1000)
    assert len(datakeys._cache()) <= datakeys.CACHE_LIMIT
    assert not set(first) & datakeys._cache().keys()
    datakeys.load(first)  # unwrapped again on demand, in one query
    assert set(first) <= datakeys._cache().keys()


def test_a_row_deleted_takes_its_key_along_once_that_commits(
    django_capture_on_commit_callbacks,
):
    email = outbox.enqueue(
        key="datakeys-delete",
        to="kari@example.org",
        template="licensing/email/product_news",
        context={},
        language="en",
    )
    with django_capture_on_commit_callbacks(execute=True):
        OutboxEmail.objects.filter(pk=email.pk).delete()
    key = DataKey.objects.get(pk=email.data_key)
    assert key.wrapped == "" and key.destroyed_at is not None
    first = key.destroyed_at
    assert datakeys.destroy(email.data_key) == first  # the first time stays


def test_a_missing_key_is_an_error_not_an_erasure():
    customer = CustomerFactory(name="Kari Nordmann")
    DataKey.objects.filter(pk=customer.data_key).delete()  # a keys database lost
    datakeys.forget()
    with pytest.raises(datakeys.MissingDataKey):
        Customer.objects.get(pk=customer.pk)


def test_the_keys_database_may_not_be_the_main_one(settings):
    assert datakeys.check_keys_database() == []
    same = {**settings.DATABASES, "keys": dict(settings.DATABASES["default"])}
    assert [e.id for e in datakeys.check_keys_database(configured=same)] == [
        "core.E002"
    ]
    gone = {"default": settings.DATABASES["default"]}
    assert [e.id for e in datakeys.check_keys_database(configured=gone)] == [
        "core.E001"
    ]


def test_a_rolled_back_migration_puts_rows_back_under_the_field_keys():
    customer = CustomerFactory(email="kari@example.org", name="Kari Nordmann")
    assert datakeys.release(Customer, batch_size=2) == 1
    assert not stored("accounts_customer", "name", customer.pk).startswith("dk1:")
    released = fresh(customer)
    assert released.data_key is None
    assert (released.email, released.name) == ("kari@example.org", "Kari Nordmann")


def test_migrate_runs_the_check_as_django_calls_it():
    """`migrate` passes the aliases a check may query as `databases`."""
    call_command("check", "--database", "default", "--database", "keys")


def test_a_load_that_restarts_the_cache_keeps_every_key_it_was_asked_for():
    datakeys.forget()
    cached = datakeys.create_many(datakeys.CACHE_LIMIT)  # full
    new = datakeys.create_many(1)
    datakeys.forget()
    datakeys.load(cached)
    datakeys.load([cached[0], *new])  # no room for `new` without starting again
    assert {cached[0], *new} <= datakeys._cache().keys()
