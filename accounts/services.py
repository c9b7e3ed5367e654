from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction

from accounts.models import Customer


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


def unsubscribe_token(customer: Customer) -> str:
    """A signed, non-expiring token that stops this customer's update notifications."""
    return signing.dumps({"c": customer.pk}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(customer: Customer) -> str:
    return f"{settings.SITE_URL}/unsubscribe/{unsubscribe_token(customer)}/"


def customer_from_unsubscribe_token(token: str) -> Customer | None:
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return Customer.objects.filter(pk=data.get("c")).first()


@transaction.atomic
def customer_unsubscribe(*, customer: Customer) -> bool:
    """Stop update notifications; True if they were on."""
    from core import audit
    from core.audit import Actor

    updated = Customer.objects.filter(pk=customer.pk, updates_opt_in=True).update(
        updates_opt_in=False, updates_opt_in_at=None, updates_opt_in_source=""
    )
    if updated:
        audit.record(
            actor=Actor.system(), action="customer.unsubscribed", target=customer
        )
    return bool(updated)
