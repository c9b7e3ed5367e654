"""The pages behind emailed links: the transfer acceptance form."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Customer
from core.audit import Actor
from core.models import OutboxEmail
from licensing import services, tokens
from licensing.models import AgreementVersion, License, TransferOffer
from tests.factories import CustomerFactory, PlanFactory, issue

pytestmark = pytest.mark.django_db


def offer_of(monkeypatch, plan) -> str:
    """The acceptance page of a fresh transfer offer (its token caught as it is made)."""
    made = []
    real = tokens.new_token

    def catch(model):
        token, token_hash = real(model)
        made.append(token)
        return token, token_hash

    monkeypatch.setattr(tokens, "new_token", catch)
    license = issue(plan=plan, customer=CustomerFactory())
    services.transfer_offer(
        license_id=license.pk, to_email="new@example.org", actor=Actor.system()
    )
    return f"/transfer/accept/{made[-1]}/"


@pytest.fixture
def offer_url(monkeypatch):
    return offer_of(monkeypatch, PlanFactory())


@pytest.fixture
def adult_offer_url(monkeypatch):
    """An offer of a plan with a minimum age of 18."""
    return offer_of(monkeypatch, PlanFactory(slug="backup-annual", minimum_age=18))


def version(number, *, days_ago=1):
    return AgreementVersion.objects.create(
        number=number,
        published_at=timezone.now() - timedelta(days=days_ago),
        summary=f"Summary of {number}.",
    )


def answer(client, url, **fields):
    page = client.get(url)
    agreement = page.context["form"]["agreement"].value()
    data = {"name": "New Owner", "kind": "business", "accept": "yes"}
    data["agreement"] = "" if agreement is None else agreement
    data.update(fields)
    return client.post(url, data)


def test_a_name_too_long_is_an_error_on_the_page_not_cut_short(client, offer_url):
    response = answer(client, offer_url, name="x" * 201)
    assert response.status_code == 400
    assert "at most 200 characters" in response.content.decode()
    assert not Customer.objects.by_email("new@example.org").exists()
    assert TransferOffer.objects.exists()  # nothing accepted


def test_an_unknown_kind_is_an_error_not_dropped(client, offer_url):
    response = answer(client, offer_url, kind="pirate")
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert TransferOffer.objects.exists()


def test_the_agreement_must_be_accepted(client, offer_url):
    response = answer(client, offer_url, accept="")
    assert response.status_code == 400
    assert "The license agreement must be accepted." in response.content.decode()


def test_the_page_shows_the_version_the_service_binds(client, offer_url):
    version("2026.1", days_ago=10)
    current = version("2026.2", days_ago=1)
    version("2027.1", days_ago=-5)  # not yet in force
    page = client.get(offer_url).content.decode()
    assert "version 2026.2" in page and "2027.1" not in page
    response = answer(client, offer_url)
    assert response.status_code == 200
    new = License.objects.get(status="active")
    assert new.agreement_version == current
    assert new.customer.kind == "business"


def test_a_version_published_between_reading_and_accepting_is_shown_first(
    client, offer_url
):
    version("2026.1", days_ago=10)
    page = client.get(offer_url)
    shown = page.context["form"]["agreement"].value()
    newer = version("2026.2", days_ago=0)
    response = client.post(
        offer_url,
        {"name": "", "kind": "consumer", "accept": "yes", "agreement": shown},
    )
    assert response.status_code == 400
    assert "has changed" in response.content.decode()
    assert response.context["agreement"] == newer
    assert TransferOffer.objects.exists()
    assert not OutboxEmail.objects.filter(
        template="licensing/email/transfer_completed"
    ).exists()


# --- the plan's minimum age -----------------------------------------------------


def test_a_plan_without_a_minimum_age_asks_no_age(client, offer_url):
    assert "years or older" not in client.get(offer_url).content.decode()


def test_the_minimum_age_is_asked_up_front(client, adult_offer_url):
    assert "Are you 18 years or older?" in client.get(adult_offer_url).content.decode()


def test_a_new_owner_of_age_receives_the_license(client, adult_offer_url):
    response = answer(client, adult_offer_url, adult="yes")
    assert response.status_code == 200
    assert "The license is yours" in response.content.decode()
    assert License.objects.get(status="active").customer.email == "new@example.org"


@pytest.mark.parametrize(
    ("adult", "says"),
    [
        ("no", "cannot be registered by someone younger than its minimum age"),
        ("", "This plan has a minimum age: say whether you have reached it."),
    ],
)
def test_a_new_owner_under_age_or_silent_is_refused_and_nothing_stored(
    client, adult_offer_url, adult, says
):
    response = answer(client, adult_offer_url, adult=adult)
    assert response.status_code == 400
    page = response.content.decode()
    assert says in page
    assert "Are you 18 years or older?" in page  # asked again
    assert not Customer.objects.by_email("new@example.org").exists()
    assert License.objects.get().status == "active"
    assert TransferOffer.objects.exists()


def test_a_malformed_age_answer_is_an_error(client, adult_offer_url):
    response = answer(client, adult_offer_url, adult="maybe")
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert TransferOffer.objects.exists()
