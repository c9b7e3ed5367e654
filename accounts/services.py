from accounts.models import Customer


def customer_get_or_create(
    *, email: str, name: str = "", language: str = ""
) -> tuple[Customer, bool]:
    """The customer with this email (found by blind index), created when new."""
    customer = Customer.objects.by_email(email).first()
    if customer is not None:
        if name and not customer.name:
            customer.name = name
            customer.save(update_fields=["name"])
        return customer, False
    customer = Customer(email=email.strip(), name=name)
    if language:
        customer.language = language
    customer.save()
    return customer, True
