"""Bulk data for the sweep benchmark: licenses bought on one day, each with a registrant."""

from datetime import date

from accounts.models import Customer
from core import datakeys
from licensing import keys, rules, services
from licensing.models import AgreementVersion, Invoice, License, Plan, Product

PURCHASED = date(2026, 3, 2)


def seed(count: int, batch: int = 5000) -> None:
    product = Product.objects.create(slug="desktop", name="Desktop", current_major=7)
    plan = Plan.objects.create(
        product=product, slug="desktop-single", name="Single", price=990
    )
    AgreementVersion.objects.create(number="1.0", published_at="2026-01-01T00:00:00Z")
    start, end = rules.initial_period(PURCHASED, 12)
    for offset in range(0, count, batch):
        n = min(batch, count - offset)
        data_keys = datakeys.create_many(n)  # one query, not one per customer
        customers = Customer.objects.bulk_create(
            Customer(
                data_key=data_keys[i],
                email=f"customer{offset + i}@example.org",
                name=f"Customer {offset + i}",
            )
            for i in range(n)
        )
        datakeys.forget()  # as the sweep's own process would start
        licenses = License.objects.bulk_create(
            License(
                key=keys.generate(),
                product=product,
                plan=plan,
                major_version=7,
                seats=1,
                customer=customer,
                purchased_on=PURCHASED,
                period_start=start,
                period_end=end,
            )
            for customer in customers
        )
        numbers = services.invoice_numbers(PURCHASED.year, n)
        Invoice.objects.bulk_create(
            Invoice(
                license=lic,
                number=number,
                period_start=start,
                issued_on=PURCHASED,
                due_on=rules.due_date(PURCHASED),
                amount=990,
                currency="NOK",
                status=Invoice.Status.PAID,
                paid_at="2026-03-02T12:00:00Z",
            )
            for lic, number in zip(licenses, numbers, strict=True)
        )
