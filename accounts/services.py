from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Customer
from core import audit
from core.audit import Actor


def customer_get_or_create(
    *, email: str, name: str = "", language: str = ""
) -> tuple[Customer, bool]:
    """The customer with this email (found by its blind index), created when new.

    Two requests creating the same customer at once both get the one row: the
    unique blind index decides, and the loser reads the winner's row.
    """
    customer = Customer.objects.by_email(email).first()
    if customer is not None:
        if name and not customer.name:
            customer.name = name
            customer.save(update_fields=["name"])
        return customer, False
    customer = Customer(email=email.strip(), name=name)
    if language:
        customer.language = language
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError:
        return Customer.objects.by_email(email).get(), False
    return customer, True


UNSUBSCRIBE_SALT = "accounts.unsubscribe"
# The marketing emails a customer can opt in to, and the fields holding each consent.
MARKETING = {"updates": "updates_opt_in", "news": "news_opt_in"}


def unsubscribe_token(customer: Customer, kind: str = "updates") -> str:
    """A signed, non-expiring token that stops one kind of marketing email."""
    return signing.dumps(
        {"c": customer.pk, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True
    )


def unsubscribe_url(customer: Customer, kind: str = "updates") -> str:
    return f"{settings.SITE_URL}/unsubscribe/{unsubscribe_token(customer, kind)}/"


def unsubscribe_headers(url: str) -> dict:
    """RFC 2369 and RFC 8058 headers: mail clients offer (one-click) unsubscribe."""
    return {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def customer_from_unsubscribe_token(token: str) -> tuple[Customer | None, str]:
    """(the customer, the kind of email) a token stops; (None, "") for a forged one."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None, ""
    kind = data.get("k", "updates")
    if kind not in MARKETING:
        return None, ""
    return Customer.objects.filter(pk=data.get("c")).first(), kind


@transaction.atomic
def customer_consent_record(
    *, customer: Customer, kind: str, source: str, actor: Actor
) -> bool:
    """Record the consent to one kind of marketing email (when and where it was
    given); True if it is new. A consent already given keeps its first record.
    """
    field = MARKETING[kind]
    updated = Customer.objects.filter(pk=customer.pk, **{field: False}).update(
        **{field: True, f"{field}_at": timezone.now(), f"{field}_source": source}
    )
    if updated:
        customer.refresh_from_db(fields=[field, f"{field}_at", f"{field}_source"])
        audit.record(
            actor=actor,
            action="customer.consented",
            target=customer,
            data={"kind": kind, "source": source},
        )
    return bool(updated)


@transaction.atomic
def customer_unsubscribe(*, customer: Customer, kind: str) -> bool:
    """Withdraw the consent to one kind of marketing email; True if it was given."""
    field = MARKETING[kind]
    updated = Customer.objects.filter(pk=customer.pk, **{field: True}).update(
        **{field: False, f"{field}_at": None, f"{field}_source": ""}
    )
    if updated:
        audit.record(
            actor=Actor.system(),
            action="customer.unsubscribed",
            target=customer,
            data={"kind": kind},
        )
    return bool(updated)
