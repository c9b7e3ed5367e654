"""What the lifecycle services share: states, refusals, locking, emails, audit."""

from __future__ import annotations

from core import audit, outbox
from core.audit import Actor
from licensing import keys
from licensing.models import Invoice, License

Status = License.Status
LIVE = (Status.ACTIVE, Status.SUSPENDED)
REFUND_DAYS = 14


class LifecycleRefused(Exception):
    """The change does not apply (not eligible, too late, wrong state); `message` says why."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def email_registrant(
    license: License, *, key: str, template: str, context: dict
) -> None:
    """Queue one lifecycle email to the registrant (none for an unregistered license)."""
    send_messages(
        [registrant_message(license, key=key, template=template, context=context)]
    )


def locked_license(license_id) -> License:
    return License.objects.locked().get(pk=license_id)


def registrant_message(
    license: License, *, key: str, template: str, context: dict
) -> dict | None:
    """An outbox message to the registrant; an unregistered license has nobody to tell."""
    if license.customer is None:
        return None
    return {
        "key": key,
        "to": license.customer.email,
        "template": f"licensing/email/{template}",
        "context": {
            "product": license.product.name,
            "key_hint": keys.masked(license.key),
            **context,
        },
        "language": license.customer.language,
    }


def send_messages(messages: list[dict | None]) -> None:
    outbox.enqueue_many([m for m in messages if m is not None])


def locked_licenses(ids) -> list[License]:
    return list(License.objects.locked().filter(pk__in=ids).order_by("pk"))


def locked_invoices(ids) -> list[Invoice]:
    return list(
        Invoice.objects.select_for_update(of=("self", "license"))
        .select_related("license__product", "license__plan", "license__customer")
        .filter(pk__in=ids)
        .order_by("license_id", "pk")
    )


def first_per_license(invoices: list[Invoice]) -> list[Invoice]:
    """One invoice per license (the oldest), so a license changes and is told once."""
    seen, first = set(), []
    for invoice in invoices:
        if invoice.license_id not in seen:
            seen.add(invoice.license_id)
            first.append(invoice)
    return first


def audit_system_events(events: list[tuple[str, object, str, dict]]) -> None:
    """(kind, pk, action, data) audit events by the system, in one query per action."""
    by_action: dict[tuple[str, str], list] = {}
    for kind, pk, action, data in events:
        by_action.setdefault((kind, action), []).append((pk, data))
    for (kind, action), items in by_action.items():
        audit.record_bulk(
            actor=Actor.system(),
            action=action,
            model=License if kind == "license" else Invoice,
            items=items,
        )
