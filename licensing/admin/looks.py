"""Every look at a customer's personal data in the admin is written to the audit
log: who (and as what: staff, partner, DPO), which customer, when, which fields,
and through what (change page, list, export). Never the data itself."""

from collections.abc import Iterable

from django.http import HttpRequest

from accounts.models import Customer
from core import audit
from licensing.admin.common import admin_actor

LOOK = "customer.viewed"


def machine_looks_record(request: HttpRequest, activations, *, via: str) -> None:
    """Machine labels ("Vera's laptop") can name a person: a look at the
    registrants of the licenses they belong to."""
    looks_record(
        request,
        (a.license.customer_id for a in activations if a.license.customer_id),
        fields=["machine label"],
        via=via,
    )


def looks_record(
    request: HttpRequest, customer_ids: Iterable, *, fields: list[str], via: str
) -> None:
    """One audit event per customer looked at (one query for all of them)."""
    audit.record_bulk(
        actor=admin_actor(request),
        action=LOOK,
        model=Customer,
        items=[
            (pk, {"fields": fields, "via": via}) for pk in sorted(set(customer_ids))
        ],
    )
