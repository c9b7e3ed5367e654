"""What the licensing services share: the row lock, key and fingerprint hashes,
refusals by the validation rules, emails to the registrant and batched audit events.
"""

from __future__ import annotations

from django.utils import timezone

from core import audit, outbox
from core.audit import Actor
from core.fields import blind_index, keyed_hash
from licensing import keys, rules
from licensing.errors import Code, Refused
from licensing.models import LIVE_STATUSES, Invoice, License, Plan

Status = License.Status
LIVE = LIVE_STATUSES
REFUND_DAYS = 14
FINGERPRINT_PURPOSE = "activation.fingerprint"


def fingerprint_hash(*, key_index: str, fingerprint: str) -> str:
    """A keyed hash of the fingerprint, salted with the license's key index.

    The same computer yields unrelated hashes on two licenses, and the hash can
    be computed from the request alone (the validate query needs no second trip).
    """
    return keyed_hash(FINGERPRINT_PURPOSE, f"{key_index}:{fingerprint}")


def key_index(canonical_key: str) -> str:
    return blind_index(keys.BLIND_INDEX_PURPOSE, canonical_key)


def _locked():
    # Only the license rows are locked; what the services read of them comes along.
    return License.objects.select_for_update(of=("self",)).select_related(
        "product", "plan", "customer"
    )


def license_lock(*, pk=None, canonical_key: str | None = None) -> License:
    """The license with this id or key, row-locked until the transaction ends.

    Every change to one license starts here, so changes to it run one at a
    time. Refused(NOT_FOUND) when there is none.
    """
    queryset = _locked()
    if canonical_key is not None:
        queryset = queryset.by_key(canonical_key)
    else:
        queryset = queryset.filter(pk=pk)
    license = queryset.first()
    if license is None:
        raise Refused(Code.NOT_FOUND)
    return license


def licenses_lock(ids) -> list[License]:
    """A batch of licenses, row-locked in id order (so two sweeps cannot deadlock)."""
    return list(_locked().filter(pk__in=ids).order_by("pk"))


def invoices_lock(ids) -> list[Invoice]:
    """A batch of invoices with their licenses, row-locked in license order."""
    return list(
        Invoice.objects.select_for_update(of=("self", "license"))
        .select_related("license__product", "license__plan", "license__customer")
        .filter(pk__in=ids)
        .order_by("license_id", "pk")
    )


def refusal_code(
    license: License, *, machines: int, asked_major: int | None = None
) -> Code | None:
    """The validation rules' refusal for this license, if any (SPEC section 5's order)."""
    code = rules.license_refusal(
        status=license.status,
        product=license.product.slug,
        entitled_major=license.major_version,
        seats=license.seats,
        machines=machines,
        asked_major=asked_major,
        term_over=rules.fixed_term_over(
            renewal=license.plan.renewal,
            period_end=license.period_end,
            today=timezone.localdate(),
        ),
    )
    return Code(code) if code else None


def refuse_unless_usable(
    license: License, *, machines: int = 0, asked_major: int | None = None
) -> None:
    """Refused with the license's own code when it cannot be used (a suspension says why)."""
    code = refusal_code(license, machines=machines, asked_major=asked_major)
    if code:
        raise Refused(code, suspended_for=license.suspended_for)


def refuse_under_age(plan: Plan, *, age_confirmed: bool | None) -> None:
    """A plan with a minimum age needs the new registrant to say they have
    reached it: None asks (AGE_NOT_CONFIRMED), False refuses (UNDER_MINIMUM_AGE)."""
    minimum_age = plan.minimum_age
    if not minimum_age:
        return
    if age_confirmed is None:
        raise Refused(Code.AGE_NOT_CONFIRMED, extra={"minimum_age": minimum_age})
    if not age_confirmed:
        raise Refused(Code.UNDER_MINIMUM_AGE, extra={"minimum_age": minimum_age})


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


def email_registrant(
    license: License, *, key: str, template: str, context: dict
) -> None:
    """Queue one lifecycle email to the registrant (none for an unregistered license)."""
    send_messages(
        [registrant_message(license, key=key, template=template, context=context)]
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
