"""Sign-in pages (allauth, in the site's frame), the profile page, the admin's sign-in."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.management import call_command

from accounts.models import Customer
from core.models import AuditEvent, OutboxEmail
from tests.browser.portal import customer_with_login
from tests.factories import CustomerFactory, UserFactory


@pytest.mark.django_db
def test_the_seeded_demo_customer_signs_in(client):
    call_command("seed_demo", force=True, stdout=open("/dev/null", "w"))  # noqa: SIM115
    response = client.post(
        "/accounts/login/",
        {"login": "customer@example.com", "password": "demo-customer-password"},
    )
    assert response.status_code == 302 and response["Location"] == "/licenses/"
    assert client.get("/profile/").status_code == 200
    assert EmailAddress.objects.get(email="admin@example.com").verified


@pytest.mark.django_db
def test_login_and_signup_pages_have_the_site_frame_and_labelled_fields(client):
    for path in ("/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"):
        html = client.get(path).content.decode()
        assert 'href="/static/css/site.css"' in html
        assert 'id="language-select"' in html
        assert '<label for="id_email">' in html or '<label for="id_login">' in html
    html = client.get("/accounts/login/").content.decode()
    assert "Email" in html and "Password" in html
    assert '<label for="id_password">' in html


@pytest.mark.django_db
def test_password_reset_answers_the_same_for_an_unknown_address(
    client, django_capture_on_commit_callbacks
):
    user = UserFactory(email="known@example.org")
    EmailAddress.objects.create(
        user=user, email=user.email, verified=True, primary=True
    )
    answers = []
    for email in ("known@example.org", "nobody@example.org"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/accounts/password/reset/", {"email": email})
        answers.append((response.status_code, response["Location"]))
    assert answers[0] == answers[1]
    templates = list(
        OutboxEmail.objects.order_by("id").values_list("template", flat=True)
    )
    assert templates == [
        "accounts/email/password_reset_key",
        "accounts/email/unknown_account",
    ]
    assert [m.to for m in mail.outbox] == [
        ["known@example.org"],
        ["nobody@example.org"],
    ]


@pytest.mark.django_db
def test_the_admin_sign_in_is_allauths(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_anonymous_profile_redirects_to_the_sign_in(client, db):
    response = client.get("/profile/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/profile/")


@pytest.fixture
def customer_client(client, db):
    user = UserFactory(email="kari@example.org")
    customer = CustomerFactory(email="kari@example.org", user=user, name="Kari")
    client.force_login(user)
    return client, customer


PROFILE = {
    "name": "Kari Nordmann",
    "company": "Fjord AS",
    "billing_address": "Storgata 1\n0150 Oslo",
    "phone": "+47 22 33 44 55",
    "language": "nb",
    "updates_opt_in": "on",
}


def test_saving_the_profile_audits_field_names_only_and_sets_the_language(
    customer_client,
):
    client, customer = customer_client
    response = client.post("/profile/", PROFILE)
    assert response.status_code == 302
    assert response.cookies["language"].value == "nb"
    customer.refresh_from_db()
    assert customer.name == "Kari Nordmann" and customer.language == "nb"
    assert customer.updates_opt_in and customer.updates_opt_in_source == "profile"
    assert not customer.news_opt_in
    event = AuditEvent.objects.get(action="customer.profile_updated")
    assert sorted(event.data["fields"]) == sorted(
        ["name", "company", "billing_address", "phone", "language"]
    )
    assert "Kari" not in str(event.data) and "Fjord" not in str(event.data)
    assert AuditEvent.objects.filter(action="customer.consented").count() == 1
    page = client.get("/profile/").content.decode()
    assert "Kari Nordmann" in page


def test_bad_input_shows_the_errors_and_saves_nothing(customer_client):
    client, customer = customer_client
    response = client.post(
        "/profile/", {**PROFILE, "phone": "call me maybe", "name": "x" * 300}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    customer.refresh_from_db()
    assert (
        customer.name == "Kari" and customer.phone == "" and not customer.updates_opt_in
    )
    assert not AuditEvent.objects.exists()


def test_withdrawing_a_consent_shows_when(customer_client):
    client, customer = customer_client
    client.post("/profile/", {**PROFILE, "language": "en"})
    client.post("/profile/", {**PROFILE, "language": "en", "updates_opt_in": ""})
    customer.refresh_from_db()
    assert not customer.updates_opt_in
    assert "Withdrawn on" in client.get("/profile/").content.decode()


def test_a_login_without_customer_record_is_told_why(client, db):
    client.force_login(UserFactory(email="new@example.org"))
    response = client.get("/profile/")
    assert response.status_code == 200
    assert "once your email address is confirmed" in response.content.decode()
    assert client.post("/profile/", PROFILE).status_code == 409
    assert not Customer.objects.exists()


@pytest.mark.django_db
def test_signing_in_uses_the_profiles_language(client):
    user = UserFactory(email="ola@example.org")
    EmailAddress.objects.create(
        user=user, email=user.email, verified=True, primary=True
    )
    CustomerFactory(email="ola@example.org", user=user, language="nb")
    response = client.post(
        "/accounts/login/",
        {"login": "ola@example.org", "password": "correct horse battery staple"},
    )
    assert response.status_code == 302
    assert response.cookies["language"].value == "nb"


def test_switching_the_language_in_the_header_updates_the_profile(client, db):
    customer = customer_with_login("sol@example.org", language="en")
    client.force_login(customer.user)
    response = client.post("/i18n/setlang/", {"language": "nb", "next": "/licenses/"})
    assert response.status_code == 302 and response["Location"] == "/licenses/"
    customer.refresh_from_db()
    assert customer.language == "nb"
    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    customer.refresh_from_db()
    assert customer.language == "nb"


def test_switching_the_language_signed_out_only_sets_the_cookie(client, db):
    response = client.post("/i18n/setlang/", {"language": "nb", "next": "/"})
    assert response.cookies["language"].value == "nb"
