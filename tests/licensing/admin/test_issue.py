"""Issuing a license in the admin: a partner's staff for their own partner."""

import pytest

from licensing.models import License

pytestmark = pytest.mark.django_db


def test_a_partner_issues_for_their_own_partner_whatever_they_post(north, south, plan):
    form = north.client.get("/admin/licensing/license/add/")
    assert form.status_code == 200
    assert "partner" not in form.context["form"].fields
    response = north.client.post(
        "/admin/licensing/license/add/",
        {
            "plan": plan.pk,
            "seats": 3,
            "email": "new@buyer.example",
            "partner": south.partner.pk,
            "paid": "on",
        },
    )
    license = License.objects.latest("created_at")
    assert response.status_code == 302
    assert response["Location"] == f"/admin/licensing/license/{license.pk}/change/"
    assert license.partner == north.partner
    assert license.seats == 3
    assert license.customer.email == "new@buyer.example"


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


def test_vendor_staff_choose_the_partner(vendor, north, plan):
    vendor.post(
        "/admin/licensing/license/add/",
        {"plan": plan.pk, "partner": north.partner.pk, "paid": "on"},
    )
    assert License.objects.latest("created_at").partner == north.partner


def test_the_dpo_cannot_issue(dpo):
    assert dpo.get("/admin/licensing/license/add/").status_code == 403
