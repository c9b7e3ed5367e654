import pytest

from accounts.models import Customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_a_duplicate_email_is_a_form_error_not_a_crash(admin_client):
    CustomerFactory(email="taken@example.org")
    other = CustomerFactory(email="other@example.org")
    response = admin_client.post(
        f"/admin/accounts/customer/{other.pk}/change/",
        {"email": "Taken@Example.org", "language": "en", "kind": "consumer"},
    )
    assert response.status_code == 200
    assert "Another customer has this email address." in response.content.decode()
    assert Customer.objects.get(pk=other.pk).email == "other@example.org"


def test_changing_the_email_keeps_the_blind_index_in_step(admin_client):
    customer = CustomerFactory(email="old@example.org")
    response = admin_client.post(
        f"/admin/accounts/customer/{customer.pk}/change/",
        {"email": "new@example.org", "language": "en", "kind": "consumer"},
    )
    assert response.status_code == 302
    assert Customer.objects.by_email("NEW@example.org").get() == customer


def test_customers_cannot_be_deleted_around_the_services(admin_client):
    customer = CustomerFactory()
    listing = admin_client.get("/admin/accounts/customer/")
    assert "delete_selected" not in listing.content.decode()
    response = admin_client.post(
        "/admin/accounts/customer/",
        {"action": "delete_selected", "_selected_action": [str(customer.pk)]},
    )
    assert response.status_code in (200, 302)
    assert Customer.objects.filter(pk=customer.pk).exists()
    assert (
        admin_client.get(f"/admin/accounts/customer/{customer.pk}/delete/").status_code
        == 403
    )
