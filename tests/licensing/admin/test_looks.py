"""Every look at a customer's personal data in the admin is audited: who, which
customer, when, which fields and how, never the data itself."""

import csv
import io

import pytest

from core.models import AuditEvent

pytestmark = pytest.mark.django_db


def looks():
    return AuditEvent.objects.filter(action="customer.viewed")


def test_a_partners_look_at_a_customer_is_written_to_the_audit_log(north):
    north.client.get(f"/admin/accounts/customer/{north.customer.pk}/change/")
    look = looks().get()
    assert look.actor_type == "partner"
    assert look.actor_user_id == north.user.pk
    assert look.target_type == "accounts.customer"
    assert look.target_id == str(north.customer.pk)
    assert look.data["via"] == "change page"
    assert {"email", "name", "billing_address"} <= set(look.data["fields"])
    # The data itself is never in the log.
    assert "buyer" not in str(AuditEvent.objects.values().get(pk=look.pk)).lower()


def test_a_list_showing_addresses_records_a_look_per_row(north, vendor, south):
    north.client.get("/admin/accounts/customer/")
    assert [(e.target_id, e.data["via"]) for e in looks()] == [
        (str(north.customer.pk), "list")
    ]
    vendor.get("/admin/accounts/customer/")
    assert looks().filter(actor_type="user").count() == 2


def test_an_export_records_a_look_at_each_registrant(north):
    north.client.post(
        "/admin/licensing/license/",
        {"action": "export_csv", "_selected_action": [north.license.pk]},
    )
    look = looks().get()
    assert look.data == {"fields": ["name", "email"], "via": "export"}


def test_the_dpos_looks_are_recorded_as_the_dpos(dpo, north):
    dpo.get(f"/admin/accounts/customer/{north.customer.pk}/change/")
    assert looks().get().actor_type == "dpo"


def test_no_look_is_recorded_for_a_page_that_was_refused(north, south):
    north.client.get(f"/admin/accounts/customer/{south.customer.pk}/change/")
    assert not looks().exists()


def test_staff_can_filter_the_looks(vendor, north):
    north.client.get(f"/admin/accounts/customer/{north.customer.pk}/change/")
    page = vendor.get(
        "/admin/core/auditevent/",
        {"action": "customer.viewed", "actor_type": "partner"},
    )
    assert page.status_code == 200
    assert len(page.context["cl"].result_list) == 1


def test_a_cell_that_looks_like_a_formula_is_exported_as_text(north):
    north.customer.name = '=HYPERLINK("https://evil.example")'
    north.customer.save()
    export = north.client.post(
        "/admin/licensing/license/",
        {"action": "export_csv", "_selected_action": [north.license.pk]},
    )
    row = next(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert row["registrant_name"] == '\'=HYPERLINK("https://evil.example")'
    assert row["registrant_email"] == "buyer@north.example"


def test_finding_a_customer_by_address_is_a_look(north):
    north.client.get("/admin/accounts/customer/", {"q": "buyer@north.example"})
    north.client.get("/admin/licensing/license/", {"q": "buyer@north.example"})
    vias = sorted(e.data["via"] for e in looks())
    assert vias == ["list", "search", "search"]


def test_machine_labels_are_a_look_at_their_registrant(north):
    north.client.get("/admin/licensing/activation/")
    north.client.get(f"/admin/licensing/activation/{north.activation.pk}/change/")
    north.client.get(f"/admin/licensing/license/{north.license.pk}/change/")
    assert sorted(e.data["via"] for e in looks()) == [
        "change page",
        "license page",
        "list",
    ]
    assert {e.target_id for e in looks()} == {str(north.customer.pk)}
    assert all(e.data["fields"] == ["machine label"] for e in looks())
