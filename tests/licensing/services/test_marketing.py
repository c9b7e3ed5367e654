"""Update notifications: opt-in only, once each, with a one-click unsubscribe that needs no login."""

import pytest
from django.core import mail
from django.test import Client

from accounts.models import Customer
from core import outbox
from core.audit import Actor
from core.models import OutboxEmail
from licensing import services
from licensing.models import License
from tests.factories import CustomerFactory, PlanFactory, issue
from tests.links import link_path

pytestmark = pytest.mark.django_db(transaction=True)


def link(message) -> str:
    return link_path(message, r"/unsubscribe/[^/]+/")


@pytest.fixture
def audience():
    plan = PlanFactory(slug="desktop-single")
    opted_in = [CustomerFactory(updates_opt_in=True) for _ in range(5)]
    for customer in opted_in:
        issue(plan=plan, customer=customer)
    silent = CustomerFactory(updates_opt_in=False)
    issue(plan=plan, customer=silent)
    older = CustomerFactory(updates_opt_in=True)
    issue(plan=plan, customer=older, major_version=6)
    ended = CustomerFactory(updates_opt_in=True)
    License.objects.filter(pk=issue(plan=plan, customer=ended).pk).update(
        status="terminated"
    )
    return plan.product, opted_in


def test_a_release_reaches_the_opted_in_registrants_of_its_major_version_once(audience):
    product, opted_in = audience
    release = services.release_publish(
        product=product, version="7.3.0", notes="Faster.", actor=Actor.system()
    )
    assert sorted(m.to[0] for m in mail.outbox) == sorted(c.email for c in opted_in)
    message = mail.outbox[0]
    assert (
        message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    )
    assert message.extra_headers["List-Unsubscribe"].startswith("<http")
    assert "/unsubscribe/" in message.body
    # Run again (a retried task): nothing more.
    assert services.release_notify(release_id=release.pk, batch_size=2) == 0
    assert OutboxEmail.objects.count() == 5


def test_the_fan_out_works_in_batches(audience, monkeypatch):
    product, _opted_in = audience
    release = services.release_publish(
        product=product, version="7.4", notes="", actor=Actor.system()
    )
    OutboxEmail.objects.all().delete()
    published = []  # the emails of each batch, handed to Celery as its transaction commits
    publish = outbox._publish_batch
    monkeypatch.setattr(
        outbox, "_publish_batch", lambda ids: published.append(ids) or publish(ids)
    )
    assert services.release_notify(release_id=release.pk, batch_size=2) == 5
    assert [len(ids) for ids in published] == [2, 2, 1]
    assert OutboxEmail.objects.filter(status="sent").count() == 5


def test_one_click_unsubscribe_without_login(audience):
    product, opted_in = audience
    services.release_publish(
        product=product, version="7.3.0", notes="", actor=Actor.system()
    )
    message = next(m for m in mail.outbox if m.to == [opted_in[0].email])
    client = Client(enforce_csrf_checks=True)
    page = client.get(link(message))
    assert page.status_code == 200
    assert Customer.objects.get(pk=opted_in[0].pk).updates_opt_in  # GET changes nothing
    # RFC 8058: the mail client POSTs List-Unsubscribe=One-Click, without a CSRF token.
    done = client.post(
        link(message),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert done.status_code == 200
    assert not Customer.objects.get(pk=opted_in[0].pk).updates_opt_in
    mail.outbox.clear()
    services.release_publish(
        product=product, version="7.5.0", notes="", actor=Actor.system()
    )
    assert opted_in[0].email not in [m.to[0] for m in mail.outbox]
    assert len(mail.outbox) == 4


def test_a_forged_unsubscribe_link_does_nothing(audience):
    _product, opted_in = audience
    response = Client().post("/unsubscribe/not-a-real-token/")
    assert response.status_code == 404
    assert all(
        c.updates_opt_in
        for c in Customer.objects.filter(pk__in=[c.pk for c in opted_in])
    )


def test_a_malformed_version_is_refused(audience):
    product, _ = audience
    with pytest.raises(ValueError):
        services.release_publish(
            product=product, version="seven", notes="", actor=Actor.system()
        )


def test_product_news_goes_only_to_those_who_asked_for_news_and_stops_separately():
    plan = PlanFactory(slug="desktop-single")
    both = CustomerFactory(updates_opt_in=True, news_opt_in=True)
    updates_only = CustomerFactory(updates_opt_in=True, news_opt_in=False)
    for customer in (both, updates_only):
        issue(plan=plan, customer=customer)
    services.news_publish(
        product=plan.product,
        title="Spring sale",
        body="Half price.",
        actor=Actor.system(),
    )
    assert [m.to for m in mail.outbox] == [[both.email]]
    news = mail.outbox[0]
    assert news.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    Client().post(link(news))
    both.refresh_from_db()
    assert (both.news_opt_in, both.updates_opt_in) == (
        False,
        True,
    )  # only the news stop
