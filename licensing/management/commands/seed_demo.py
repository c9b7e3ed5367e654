import hashlib
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts import roles
from accounts.models import User
from accounts.services import customer_get_or_create
from core.audit import Actor
from licensing import keys, rules, services
from licensing.models import (
    AgreementVersion,
    License,
    Partner,
    PartnerMembership,
    Plan,
    Product,
    SigningKey,
)

ADMIN_EMAIL, ADMIN_PASSWORD = "admin@example.com", "demo-admin-password"
CUSTOMER_EMAIL, CUSTOMER_PASSWORD = "customer@example.com", "demo-customer-password"
PARTNER_EMAIL, PARTNER_PASSWORD = "partner@example.com", "demo-partner-password"

PRODUCTS = [
    ("desktop", "Desktop", 7),
    ("backup", "Backup", 1),
]
PLANS = [
    # slug, product, name, seats, renewal, billing, price, minimum age, heartbeat
    (
        "desktop-single",
        "desktop",
        "Desktop Single",
        1,
        "rolling",
        "invoice",
        "990.00",
        None,
        None,
    ),
    (
        "desktop-team",
        "desktop",
        "Desktop Team",
        5,
        "rolling",
        "invoice",
        "3990.00",
        None,
        None,
    ),
    (
        "desktop-floating",
        "desktop",
        "Desktop Floating",
        3,
        "rolling",
        "invoice",
        "2990.00",
        None,
        600,
    ),
    (
        "backup-annual",
        "backup",
        "Backup Annual",
        1,
        "fixed",
        "prepaid",
        "490.00",
        18,
        None,
    ),
]
# (demo number, plan, status, registered, purchased days ago)
LICENSES = [
    (1, "desktop-team", "active", True, 40),
    (2, "desktop-single", "active", True, 200),
    (3, "desktop-floating", "active", False, 10),
    # Bought on invoice 40 days ago, never paid: notice sent, access blocked.
    (4, "desktop-single", "suspended", True, 40),
    (5, "desktop-single", "terminated", True, 800),
    (6, "backup-annual", "expired", True, 500),
    (7, "desktop-single", "cancelled", True, 20),
]


def demo_key(number: int) -> str:
    """A fixed, public key for demo license `number`: the README's examples use them."""
    digest = hashlib.sha256(f"demo-license-{number}".encode()).digest()
    body = "".join(keys.ALPHABET[b % keys.N] for b in digest[: keys.BODY_LENGTH])
    return body + keys.check_character(body)


class Command(BaseCommand):
    help = (
        "Load demo data (idempotent): products, plans, a partner, a customer, licenses."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="allow it when DEBUG is off"
        )

    @transaction.atomic
    def handle(self, *args, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError("Demo data has public keys and passwords; use --force.")
        products = {
            slug: Product.objects.update_or_create(
                slug=slug, defaults={"name": name, "current_major": major}
            )[0]
            for slug, name, major in PRODUCTS
        }
        plans = {}
        for (
            slug,
            product,
            name,
            seats,
            renewal,
            billing,
            price,
            age,
            heartbeat,
        ) in PLANS:
            plans[slug] = Plan.objects.update_or_create(
                slug=slug,
                defaults={
                    "product": products[product],
                    "name": name,
                    "seats": seats,
                    "initial_term_months": 12,
                    "renewal": renewal,
                    "billing": billing,
                    "price": price,
                    "currency": "NOK",
                    "minimum_age": age,
                    "heartbeat_interval": heartbeat,
                },
            )[0]
        partner, _ = Partner.objects.get_or_create(
            slug="northwind", defaults={"name": "Northwind Resellers"}
        )
        AgreementVersion.objects.get_or_create(
            number="1.0",
            defaults={
                "published_at": timezone.now() - timedelta(days=900),
                "summary": "First version.",
            },
        )
        admin = User.objects.filter(
            email=ADMIN_EMAIL
        ).first() or User.objects.create_superuser(ADMIN_EMAIL, ADMIN_PASSWORD)
        user = User.objects.filter(
            email=CUSTOMER_EMAIL
        ).first() or User.objects.create_user(CUSTOMER_EMAIL, CUSTOMER_PASSWORD)
        seller = User.objects.filter(email=PARTNER_EMAIL).first()
        if seller is None:
            seller = User.objects.create_user(
                PARTNER_EMAIL, PARTNER_PASSWORD, is_staff=True
            )
            PartnerMembership.objects.create(user=seller, partner=partner)
            seller.groups.add(Group.objects.get(name=roles.PARTNER_STAFF))
        # allauth signs in only with a verified address (ACCOUNT_EMAIL_VERIFICATION).
        for login in (admin, user, seller):
            EmailAddress.objects.update_or_create(
                user=login,
                email=login.email,
                defaults={"verified": True, "primary": True},
            )
        customer, _ = customer_get_or_create(email=CUSTOMER_EMAIL, name="Demo Customer")
        if customer.user_id is None:
            customer.user = user
            customer.save(update_fields=["user"])

        today = timezone.localdate()
        for number, plan_slug, status, registered, days_ago in LICENSES:
            key = demo_key(number)
            if License.objects.by_key(key).exists():
                continue
            license = services.license_issue(
                plan=plans[plan_slug],
                actor=Actor.system(),
                customer=customer if registered else None,
                partner=partner if number == 1 else None,
                purchased_on=today - timedelta(days=days_ago),
                paid=status != "suspended",
            )
            # Demo keys are fixed so the README's examples work on every install.
            license.key = key
            # Lifecycle states come from the lifecycle services in real use; the
            # demo sets them directly, with periods that fit.
            license.status = status
            if status == "suspended":
                license.suspended_for = License.SuspendedFor.PAYMENT
                notice_on = license.invoices.get().due_on + timedelta(days=1)
                license.invoices.update(default_notice_sent_on=notice_on)
            elif status != "active":
                license.ended_on = min(license.period_end, today)
            while license.period_end <= today and status == "active":
                license.period_start, license.period_end = rules.next_period(
                    license.period_end
                )
            license.save()
            if number == 1:
                services.activation_create(
                    canonical_key=key,
                    fingerprint="demo-workstation",
                    label="Demo workstation",
                    platform="linux",
                )
        if not SigningKey.objects.exists():
            services.signing_key_rotate(actor=Actor.system())

        self.stdout.write(self.style.SUCCESS("Demo data is loaded."))
        self.stdout.write(f"  Admin login:    {ADMIN_EMAIL} / {ADMIN_PASSWORD}")
        self.stdout.write(f"  Customer login: {CUSTOMER_EMAIL} / {CUSTOMER_PASSWORD}")
        self.stdout.write(
            f"  Partner login:  {PARTNER_EMAIL} / {PARTNER_PASSWORD}  ({partner.name})"
        )
        for number, plan_slug, status, registered, _days in LICENSES:
            self.stdout.write(
                f"  {keys.display(demo_key(number))}  {plan_slug:<17} {status}"
                f"{'' if registered else ' (unregistered)'}"
            )
