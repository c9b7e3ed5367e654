import pytest

from accounts.models import Customer
from accounts.services import customer_get_or_create
from tests.concurrency import run_concurrently


@pytest.mark.django_db
def test_an_existing_customer_is_found_by_email_in_any_spelling():
    first, created = customer_get_or_create(email="Kari@Example.org", name="Kari")
    again, created_again = customer_get_or_create(email=" kari@example.ORG ")
    assert created and not created_again
    assert again == first


@pytest.mark.django_db
def test_a_missing_name_is_filled_in_later_but_never_overwritten():
    customer, _ = customer_get_or_create(email="a@example.org")
    customer_get_or_create(email="a@example.org", name="Given Later")
    customer_get_or_create(email="a@example.org", name="Someone Else")
    customer.refresh_from_db()
    assert customer.name == "Given Later"


@pytest.mark.django_db(transaction=True)
def test_concurrent_creation_of_one_customer_gives_one_row():
    results = run_concurrently(
        lambda n: customer_get_or_create(email="race@example.org")[0].pk, 8
    )
    assert len(set(results)) == 1
    assert Customer.objects.count() == 1
