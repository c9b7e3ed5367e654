import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from accounts.models import Customer
from accounts.services import (
    customer_attach_to_user,
    customer_email_change,
    customer_get_or_create,
)
from core.models import AuditEvent, OutboxEmail
from tests.concurrency import run_concurrently
from tests.factories import CustomerFactory, UserFactory
from tests.links import link_path
from tests.sessions import recently_reauthenticated


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


@pytest.mark.django_db
def test_attaching_creates_the_customer_in_the_language_given_and_audits_ids_only():
    user = UserFactory(email="new@example.org")
    customer = customer_attach_to_user(
        user=user, email="new@example.org", language="nb"
    )
    assert customer.user == user and customer.language == "nb"
    event = AuditEvent.objects.get(action="customer.attached")
    assert event.data == {"user": user.pk, "created": True}


@pytest.mark.django_db
def test_a_customer_record_of_another_login_is_never_taken():
    owner = UserFactory(email="a@example.org")
    taken = CustomerFactory(email="shared@example.org", user=owner)
    other = UserFactory(email="shared@example.org")
    assert customer_attach_to_user(user=other, email="shared@example.org") is None
    taken.refresh_from_db()
    assert taken.user == owner


@pytest.mark.django_db
def test_a_changed_address_moves_the_customer_record_with_it():
    user = UserFactory(email="old@example.org")
    customer = CustomerFactory(email="old@example.org", user=user)
    customer_email_change(user=user, email="new@example.org")
    assert Customer.objects.by_email("new@example.org").get() == customer
    assert not Customer.objects.by_email("old@example.org").exists()


@pytest.mark.django_db
def test_changing_the_address_in_allauth_moves_the_record_and_tells_the_old_address(
    client, django_capture_on_commit_callbacks
):
    user = UserFactory(email="old@example.org")
    EmailAddress.objects.create(
        user=user, email=user.email, verified=True, primary=True
    )
    customer = CustomerFactory(email="old@example.org", user=user)
    recently_reauthenticated(client, user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/email/", {"action_add": "", "email": "new@example.org"})
    path = link_path(mail.outbox[-1], r"/accounts/confirm-email/[^/]+/")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(path)
    customer.refresh_from_db()
    user.refresh_from_db()
    assert user.email == "new@example.org"
    assert Customer.objects.by_email("new@example.org").get() == customer
    notice = OutboxEmail.objects.get(template="accounts/email/email_changed")
    assert notice.to == "old@example.org"
    assert ["old@example.org"] in [m.to for m in mail.outbox]


@pytest.mark.django_db
def test_an_email_change_asks_for_the_password_again(client):
    """A stale session must not turn into a new address, then a password reset."""
    user = UserFactory(email="owner@example.org")
    EmailAddress.objects.create(
        user=user, email=user.email, verified=True, primary=True
    )
    client.force_login(user)  # signed in, but not just now
    response = client.post(
        "/accounts/email/", {"action_add": "", "email": "thief@example.net"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")
    assert not EmailAddress.objects.filter(email="thief@example.net").exists()


@pytest.mark.django_db
def test_a_customer_is_attached_only_to_its_own_address_letter_for_letter():
    """The blind index folds ß into ss; mail routing does not: a verified
    kari@straße.example is not kari@strasse.example."""
    victim = CustomerFactory(email="kari@strasse.example")
    thief = UserFactory(email="kari@straße.example")
    assert customer_attach_to_user(user=thief, email="kari@straße.example") is None
    victim.refresh_from_db()
    assert victim.user is None
    # Case alone is the same mailbox.
    owner = UserFactory(email="Kari@Strasse.Example")
    assert customer_attach_to_user(user=owner, email="Kari@Strasse.Example") == victim
