import pytest
from django.core import mail

from accounts.models import Customer
from core.models import OutboxEmail
from licensing import keys
from licensing.models import License, RegistrationRequest
from tests.factories import CustomerFactory, issue
from tests.links import link_path

pytestmark = pytest.mark.django_db


def confirm_path(message) -> str:
    return link_path(message, r"/register/confirm/[^/]+/")


def register(api, key, **fields):
    return api.post(
        "licenses/register", {"key": key, "email": "new.owner@example.org", **fields}
    )


def test_register_asks_the_address_to_confirm_and_changes_nothing_yet(
    api, django_capture_on_commit_callbacks
):
    license = issue()
    with django_capture_on_commit_callbacks(execute=True):
        response = register(api, license.key, name="New Owner", language="nb")
    assert response.status_code == 202
    assert response.body["code"] == "CONFIRMATION_SENT"
    assert mail.outbox[0].to == ["new.owner@example.org"]
    assert "Bekreft" in mail.outbox[0].subject
    license.refresh_from_db()
    assert license.customer is None
    assert Customer.objects.count() == 0


def test_confirming_the_link_registers_the_license(
    api, client, django_capture_on_commit_callbacks
):
    license = issue()
    with django_capture_on_commit_callbacks(execute=True):
        register(api, license.key, name="New Owner", updates_opt_in=True)
    path = confirm_path(mail.outbox[0])
    page = client.get(path)
    assert page.status_code == 200
    assert keys.masked(license.key) in page.content.decode()
    license.refresh_from_db()
    assert license.customer is None  # a GET (a mail scanner) confirms nothing
    done = client.post(path)
    assert done.status_code == 200
    license.refresh_from_db()
    customer = license.customer
    assert (customer.email, customer.name) == ("new.owner@example.org", "New Owner")
    assert customer.updates_opt_in and customer.updates_opt_in_at is not None
    assert customer.updates_opt_in_source == "client-registration"
    assert not RegistrationRequest.objects.exists()
    assert client.post(path).status_code == 404  # used up


def test_registration_attaches_an_existing_customer_found_by_email(
    api, client, django_capture_on_commit_callbacks
):
    existing = CustomerFactory(email="New.Owner@Example.org")
    license = issue()
    with django_capture_on_commit_callbacks(execute=True):
        register(api, license.key)
    client.post(confirm_path(mail.outbox[0]))
    license.refresh_from_db()
    assert license.customer == existing
    assert Customer.objects.count() == 1


def test_a_new_request_replaces_the_pending_one(
    api, client, django_capture_on_commit_callbacks
):
    license = issue()
    with django_capture_on_commit_callbacks(execute=True):
        register(api, license.key)
        register(api, license.key, email="second@example.org")
    first, second = (confirm_path(m) for m in mail.outbox)
    assert client.get(first).status_code == 404
    assert client.post(second).status_code == 200
    license.refresh_from_db()
    assert license.customer.email == "second@example.org"


def test_a_registered_license_cannot_be_registered_again(api):
    license = issue(customer=CustomerFactory())
    response = register(api, license.key)
    assert (response.status_code, response.body["code"]) == (409, "ALREADY_REGISTERED")
    assert "@" not in response.body["detail"]


def test_register_refusals(api):
    response = register(api, keys.generate())
    assert (response.status_code, response.body["code"]) == (404, "NOT_FOUND")
    license = issue()
    License.objects.filter(pk=license.pk).update(status="terminated")
    response = register(api, license.key)
    assert (response.status_code, response.body["code"]) == (403, "TERMINATED")
    response = api.post(
        "licenses/register", {"key": issue().key, "email": "not-an-address"}
    )
    assert (response.status_code, response.body["code"]) == (400, "INVALID_REQUEST")


def test_the_pending_request_keeps_its_email_encrypted(api):
    license = issue()
    register(api, license.key, name="Secret Name")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT email, name, token_hash FROM licensing_registrationrequest"
        )
        row = cursor.fetchone()
    assert "new.owner" not in repr(row) and "Secret" not in repr(row)
    assert OutboxEmail.objects.count() == 1
