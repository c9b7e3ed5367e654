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
