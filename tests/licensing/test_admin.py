"""Vendor staff's admin actions go through the lifecycle services."""

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.utils import timezone

from core.audit import Actor
from core.models import AuditEvent, OutboxEmail
from licensing import keys, services
from licensing.models import Activation, Invoice, License, TransferOffer
from tests.factories import CustomerFactory, PlanFactory, UserFactory, issue

pytestmark = pytest.mark.django_db


def act(admin_client, model, action, objects):
    return admin_client.post(
        f"/admin/licensing/{model}/",
        {
            "action": action,
            "_selected_action": [str(o.pk) for o in objects],
            "confirmed": "yes",
        },
        follow=True,
    )


def test_recording_a_payment_unblocks_the_license(
    admin_client, django_capture_on_commit_callbacks
):
    license = issue(plan=PlanFactory(), customer=CustomerFactory(), paid=False)
    invoice = license.invoices.get()
    License.objects.filter(pk=license.pk).update(
        status="suspended", suspended_for="payment"
    )
    Invoice.objects.filter(pk=invoice.pk).update(
        default_notice_sent_on=date(2026, 1, 1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = act(admin_client, "invoice", "record_payment", [invoice])
    assert "1 payment recorded." in response.content.decode()
    invoice.refresh_from_db()
    license.refresh_from_db()
    assert (invoice.status, license.status) == ("paid", "active")
    assert "restored" in mail.outbox[-1].subject
    event = AuditEvent.objects.get(action="invoice.paid")
    assert (event.actor_type, event.actor_user.email) == (
        "user",
        response.wsgi_request.user.email,
    )


def test_a_refused_action_says_why(admin_client):
    license = issue(plan=PlanFactory())  # paid
    response = act(admin_client, "invoice", "void", [license.invoices.get()])
    assert "Only an open invoice can be paid or voided." in response.content.decode()
    assert license.invoices.get().status == "paid"


def test_suspend_unsuspend_and_terminate(admin_client):
    license = issue(plan=PlanFactory(), customer=CustomerFactory())
    act(admin_client, "license", "suspend", [license])
    assert License.objects.get(pk=license.pk).status == "suspended"
    act(admin_client, "license", "unsuspend", [license])
    assert License.objects.get(pk=license.pk).status == "active"
    act(admin_client, "license", "terminate", [license])
    license.refresh_from_db()
    assert license.status == "terminated" and license.ended_on is not None
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"license.suspended", "license.unsuspended", "license.terminated"} <= actions


def test_the_license_admin_shows_no_full_key(admin_client):
    license = issue(plan=PlanFactory())
    page = admin_client.get(
        f"/admin/licensing/license/{license.pk}/change/"
    ).content.decode()
    assert license.key not in page and license.display_key not in page
    assert license.key[-5:] in page


def test_the_outbox_is_searchable_by_full_address(admin_client):
    customer = CustomerFactory(email="findme@example.org")
    issue(plan=PlanFactory(), customer=customer, notify=True)
    issue(
        plan=PlanFactory(),
        customer=CustomerFactory(email="other@example.org"),
        notify=True,
    )
    assert OutboxEmail.objects.count() == 2

    def found(query):
        response = admin_client.get("/admin/core/outboxemail/", {"q": query})
        return response.context["cl"].result_count

    assert found("FindMe@example.org") == 1  # exact address, any case
    assert found("license_issued") == 2
    assert found("findme") == 0  # no partial matching of encrypted addresses


@pytest.mark.django_db(transaction=True)
def test_staff_offer_a_transfer_through_a_form(admin_client):
    license = issue(plan=PlanFactory(), customer=CustomerFactory())
    form = act(admin_client, "license", "offer_transfer", [license])
    assert b"New owner" in form.content  # the intermediate form
    response = admin_client.post(
        "/admin/licensing/license/",
        {
            "action": "offer_transfer",
            "_selected_action": [str(license.pk)],
            "apply": "1",
            "email": "buyer@example.org",
            "language": "nb",
        },
        follow=True,
    )
    assert "The transfer offer has been sent." in response.content.decode()
    offer, notice = mail.outbox[-2:]
    assert offer.to == ["buyer@example.org"]
    assert "/transfer/accept/" in offer.body
    assert notice.to == [license.customer.email]  # the current owner is told
    assert "/transfer/accept/" not in notice.body


@pytest.mark.django_db(transaction=True)
def test_publishing_a_release_in_the_admin_notifies_through_the_service(admin_client):
    customer = CustomerFactory(updates_opt_in=True)
    license = issue(plan=PlanFactory(), customer=customer)
    response = admin_client.post(
        "/admin/licensing/productrelease/add/",
        {"product": license.product.pk, "version": "7.9.0", "notes": "Fixes."},
        follow=True,
    )
    assert response.status_code == 200
    assert [m.to for m in mail.outbox] == [[customer.email]]
    assert AuditEvent.objects.filter(action="release.published").exists()


@pytest.mark.django_db(transaction=True)
def test_a_material_agreement_change_published_in_the_admin_is_announced(admin_client):
    customer = CustomerFactory()
    issue(plan=PlanFactory(), customer=customer)
    admin_client.post(
        "/admin/licensing/agreementversion/add/",
        {"number": "2.0", "material": "on", "summary": "New terms."},
        follow=True,
    )
    assert [m.to for m in mail.outbox] == [[customer.email]]


def test_a_malformed_release_version_is_a_form_error_not_a_crash(admin_client):
    license = issue(plan=PlanFactory())
    response = admin_client.post(
        "/admin/licensing/productrelease/add/",
        {"product": license.product.pk, "version": "seven", "notes": ""},
    )
    assert response.status_code == 200
    assert "MAJOR[.MINOR[.PATCH]]" in response.content.decode()


def test_refunds_owed_are_listed(admin_client):
    from core.audit import Actor

    customer = CustomerFactory()
    license = issue(plan=PlanFactory(price="490.00"), customer=customer)
    services.license_withdraw(
        license_id=license.pk, day=license.purchased_on, actor=Actor.system()
    )
    page = admin_client.get("/admin/licensing/refund/")
    assert page.status_code == 200
    assert page.context["cl"].result_count == 1
    assert "490.00" in page.content.decode()


@pytest.mark.parametrize("model", ["license", "invoice"])
def test_licenses_and_invoices_cannot_be_deleted_around_the_services(
    admin_client, model
):
    license = issue(plan=PlanFactory(), paid=False)
    obj = license if model == "license" else license.invoices.get()
    listing = admin_client.get(f"/admin/licensing/{model}/")
    assert "delete_selected" not in listing.content.decode()
    act(admin_client, model, "delete_selected", [obj])
    assert type(obj).objects.filter(pk=obj.pk).exists()
    delete_page = admin_client.get(f"/admin/licensing/{model}/{obj.pk}/delete/")
    assert delete_page.status_code == 403


def test_the_status_column_says_why_a_license_is_suspended(admin_client):
    license = issue(plan=PlanFactory(), customer=CustomerFactory())
    services.license_suspend(license_id=license.pk, actor=Actor.system())
    listing = admin_client.get("/admin/licensing/license/").content.decode()
    assert "Suspended by the vendor" in listing


@pytest.fixture
def viewer(client):
    """A staff member who may only look at licenses, invoices and machines."""
    user = UserFactory(is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            codename__in=["view_license", "view_invoice", "view_activation"]
        )
    )
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("model", "action"),
    [
        ("license", "terminate"),
        ("license", "suspend"),
        ("license", "offer_transfer"),
        ("invoice", "record_payment"),
        ("invoice", "void"),
        ("activation", "release"),
    ],
)
def test_a_view_only_staff_member_cannot_run_actions(viewer, model, action):
    license = issue(plan=PlanFactory(), customer=CustomerFactory(), paid=False)
    services.activation_create(
        canonical_key=keys.normalise(license.key), fingerprint="pc"
    )
    obj = {
        "license": license,
        "invoice": license.invoices.get(),
        "activation": license.activations.get(),
    }[model]
    listing = viewer.get(f"/admin/licensing/{model}/")
    assert listing.status_code == 200
    assert f'value="{action}"' not in listing.content.decode()
    viewer.post(
        f"/admin/licensing/{model}/",
        {
            "action": action,
            "_selected_action": [str(obj.pk)],
            "apply": "1",
            "confirmed": "yes",
            "email": "thief@example.org",
            "language": "en",
        },
    )
    license.refresh_from_db()
    assert license.status == "active"
    assert license.invoices.get().status == "open"
    assert license.activations.count() == 1
    assert not OutboxEmail.objects.filter(
        template="licensing/email/transfer_offered"
    ).exists()
    # Nothing was done (looking at the list is recorded as a look, not a change).
    assert not (
        AuditEvent.objects.filter(actor_type="user")
        .exclude(action="customer.viewed")
        .exists()
    )


def test_offering_a_transfer_tells_the_current_owner(admin_client):
    owner = CustomerFactory(email="owner@example.org")
    license = issue(plan=PlanFactory(), customer=owner)
    admin_client.post(
        "/admin/licensing/license/",
        {
            "action": "offer_transfer",
            "_selected_action": [str(license.pk)],
            "apply": "1",
            "email": "new@example.org",
            "language": "en",
        },
    )
    sent = dict(OutboxEmail.objects.values_list("template", "to_index"))
    assert "licensing/email/transfer_offered" in sent
    notice = OutboxEmail.objects.get(template="licensing/email/transfer_offer_notice")
    assert notice.to == "owner@example.org"


def test_staff_release_a_lost_machine_from_the_admin(admin_client):
    license = issue(plan=PlanFactory())
    services.activation_create(
        canonical_key=keys.normalise(license.key), fingerprint="lost"
    )
    machine = license.activations.get()
    Activation.objects.filter(pk=machine.pk).update(
        checked_out_until=timezone.now() + timedelta(days=30)
    )
    response = act(admin_client, "activation", "release", [machine])
    assert "1 machine released." in response.content.decode()
    assert not license.activations.exists()


def test_unsuspending_a_license_left_blocked_for_payment_says_so(admin_client):
    license = issue(plan=PlanFactory(), customer=CustomerFactory(), paid=False)
    services.license_suspend(license_id=license.pk, actor=Actor.system())
    overdue = date.today() - timedelta(days=40)
    Invoice.objects.filter(license=license).update(
        due_on=overdue, default_notice_sent_on=overdue
    )
    response = act(admin_client, "license", "unsuspend", [license])
    page = response.content.decode()
    assert "stays suspended" in page
    assert "1 license unsuspended." not in page
    license.refresh_from_db()
    assert license.suspended_for == "payment"


@pytest.mark.parametrize("model", ["agreementversion", "productrelease", "productnews"])
def test_what_was_announced_cannot_be_deleted(admin_client, model):
    listing = admin_client.get(f"/admin/licensing/{model}/")
    assert listing.status_code == 200
    assert "delete_selected" not in listing.content.decode()


def test_the_license_list_shows_and_filters_consumer_or_business(admin_client):
    as_business = issue(customer=CustomerFactory(kind="business"))
    issue(customer=CustomerFactory(kind="consumer"))
    response = admin_client.get(
        "/admin/licensing/license/?customer_kind__exact=business"
    )
    assert [lic.pk for lic in response.context["cl"].result_list] == [as_business.pk]
    assert "By consumer or business" in response.content.decode()  # the filter


def test_staff_cannot_offer_a_license_to_its_own_registrant(admin_client):
    license = issue(customer=CustomerFactory(email="owner@example.org"))
    response = admin_client.post(
        "/admin/licensing/license/",
        {
            "action": "offer_transfer",
            "_selected_action": [str(license.pk)],
            "apply": "1",
            "email": "OWNER@example.org",
            "language": "en",
        },
        follow=True,
    )
    assert "already registered to that address" in response.content.decode()
    assert not TransferOffer.objects.exists()


def test_an_action_that_emails_customers_asks_to_confirm_first(admin_client):
    license = issue(plan=PlanFactory(), customer=CustomerFactory())
    page = admin_client.post(
        "/admin/licensing/license/",
        {"action": "terminate", "_selected_action": [str(license.pk)]},
    )
    assert page.status_code == 200
    assert "Yes, do it" in page.content.decode()
    assert str(license) in page.content.decode()
    license.refresh_from_db()
    assert license.status == "active"
    act(admin_client, "license", "terminate", [license])
    license.refresh_from_db()
    assert license.status == "terminated"
