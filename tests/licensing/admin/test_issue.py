"""Issuing a license in the admin: a partner's staff for their own partner."""

import pytest

from licensing.models import License

pytestmark = pytest.mark.django_db


def test_a_partner_issues_for_their_own_partner_whatever_they_post(
    north, south, plan, mailoutbox, django_capture_on_commit_callbacks
):
    form = north.client.get("/admin/licensing/license/add/")
    assert form.status_code == 200
    assert "partner" not in form.context["form"].fields
    with django_capture_on_commit_callbacks(execute=True):
        response = north.client.post(
            "/admin/licensing/license/add/",
            {
                "plan": plan.pk,
                "seats": 3,
                "email": "new@buyer.example",
                "language": "nb",
                "partner": south.partner.pk,
                "paid": "on",
            },
        )
    license = License.objects.latest("created_at")
    assert response.status_code == 302
    assert response["Location"] == f"/admin/licensing/license/{license.pk}/change/"
    assert license.partner == north.partner
    assert license.seats == 3
    # The address is asked to confirm; nothing is registered until it does.
    assert license.customer is None
    assert [m.to for m in mailoutbox] == [["new@buyer.example"]]
    # The key is shown once, as the license is issued: the partner hands it over.
    page = north.client.get(response["Location"]).content.decode()
    assert license.display_key in page
    again = north.client.get(response["Location"]).content.decode()
    assert license.display_key not in again
    history = north.client.get(f"/admin/licensing/license/{license.pk}/history/")
    assert "Added." in history.content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"plan": 999999},
        {"plan": "x", "seats": -1},
        {"plan": "PLAN", "seats": 0},
        {"plan": "PLAN", "seats": 10**9},
        {"plan": "PLAN", "email": "not an address"},
    ],
)
def test_bad_input_is_a_form_error_and_issues_nothing(north, plan, data):
    data = {k: plan.pk if v == "PLAN" else v for k, v in data.items()}
    before = License.objects.count()
    response = north.client.post("/admin/licensing/license/add/", data)
    assert response.status_code == 400
    assert License.objects.count() == before
    assert (
        "errornote" in response.content.decode()
        or "errorlist" in response.content.decode()
    )


def test_a_partner_cannot_pull_another_partners_customer_into_view(north, south, plan):
    north.client.post(
        "/admin/licensing/license/add/",
        {"plan": plan.pk, "email": "buyer@south.example", "language": "en"},
    )
    page = north.client.get(f"/admin/accounts/customer/{south.customer.pk}/change/")
    assert page.status_code == 404


def test_vendor_staff_choose_the_partner(vendor, north, plan):
    vendor.post(
        "/admin/licensing/license/add/",
        {"plan": plan.pk, "partner": north.partner.pk, "paid": "on", "language": "en"},
    )
    assert License.objects.latest("created_at").partner == north.partner


def test_the_dpo_cannot_issue(dpo):
    assert dpo.get("/admin/licensing/license/add/").status_code == 403
