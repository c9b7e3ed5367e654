"""Reads about people beyond a lookup by id."""

from accounts.models import Customer
from accounts.services import MARKETING
from core.models import AuditEvent


def customer_for_user(user) -> Customer | None:
    """The customer record of a signed-in user; None for staff and unverified logins."""
    if not user.is_authenticated:
        return None
    return Customer.objects.filter(user_id=user.pk).first()


def customer_consents(customer: Customer) -> list[dict]:
    """Each kind of marketing email: whether it is wanted, when it was given
    (and where), and when it was last withdrawn (from the audit trail).
    """
    withdrawn = {}
    events = AuditEvent.objects.filter(
        target_type=Customer._meta.label_lower,
        target_id=str(customer.pk),
        action="customer.unsubscribed",
    ).order_by("created_at")
    for event in events.only("data", "created_at"):
        withdrawn[event.data.get("kind")] = event.created_at
    return [
        {
            "kind": kind,
            "given": getattr(customer, field),
            "given_at": getattr(customer, f"{field}_at"),
            "source": getattr(customer, f"{field}_source"),
            "withdrawn_at": withdrawn.get(kind),
        }
        for kind, field in MARKETING.items()
    ]
