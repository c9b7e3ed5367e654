"""Every look at a customer's personal data in the admin is written to the audit
log: who (and as what: staff, partner, DPO), which customer, when, which fields,
and through what (change page, list, export). Never the data itself."""

from collections.abc import Iterable

from django.http import HttpRequest

from accounts import roles
from accounts.models import Customer
from core import audit
from core.audit import Actor
from core.models import AuditEvent
from licensing.admin.common import request_partner

LOOK = "customer.viewed"


def looker(request: HttpRequest) -> Actor:
    user = request.user
    if request_partner(request) is not None:
        return Actor(AuditEvent.ActorType.PARTNER, user.pk)
    if roles.has_role(user, roles.DPO):
        return Actor(AuditEvent.ActorType.DPO, user.pk)
    return Actor.user(user)


def looks_record(
    request: HttpRequest, customer_ids: Iterable, *, fields: list[str], via: str
) -> None:
    """One audit event per customer looked at (one query for all of them)."""
    audit.record_bulk(
        actor=looker(request),
        action=LOOK,
        model=Customer,
        items=[
            (pk, {"fields": fields, "via": via}) for pk in sorted(set(customer_ids))
        ],
    )
