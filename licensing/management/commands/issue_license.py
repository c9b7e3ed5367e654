from datetime import date

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from core.audit import Actor
from licensing import services
from licensing.errors import Refused
from licensing.models import Partner, Plan


class Command(BaseCommand):
    help = "Issue a license; the new key is printed alone on the last line."

    def add_arguments(self, parser):
        parser.add_argument("--product", required=True, help="product slug")
        parser.add_argument("--plan", required=True, help="plan slug")
        parser.add_argument("--seats", type=int)
        parser.add_argument("--email", help="registers the customer with this email")
        parser.add_argument("--name", default="", help="the customer's name")
        parser.add_argument("--partner", help="partner slug")
        parser.add_argument("--major", type=int, help="entitled major version")
        parser.add_argument("--purchased", type=date.fromisoformat, help="YYYY-MM-DD")
        parser.add_argument(
            "--notify", action="store_true", help="email the key to the customer"
        )
        parser.add_argument(
            "--unpaid",
            action="store_true",
            help="leave the first invoice open (sold on invoice, not yet paid)",
        )

    def handle(self, *args, **opts):
        plan = (
            Plan.objects.select_related("product")
            .filter(slug=opts["plan"], product__slug=opts["product"])
            .first()
        )
        if plan is None:
            raise CommandError(
                f"No plan {opts['plan']!r} for product {opts['product']!r}."
            )
        if opts["seats"] is not None and opts["seats"] < 1:
            raise CommandError("--seats must be at least 1.")
        if opts["major"] is not None and opts["major"] < 0:
            raise CommandError("--major must not be negative.")
        partner = None
        if opts["partner"]:
            partner = Partner.objects.filter(slug=opts["partner"]).first()
            if partner is None:
                raise CommandError(f"No partner {opts['partner']!r}.")
        if opts["email"]:
            try:
                validate_email(opts["email"])
            except ValidationError:
                raise CommandError(
                    f"Not an email address: {opts['email']!r}."
                ) from None
        if opts["notify"] and not opts["email"]:
            raise CommandError("--notify needs --email.")
        try:
            license = services.license_issue(
                plan=plan,
                actor=Actor.system(),
                seats=opts["seats"],
                email=opts["email"] or "",
                name=opts["name"],
                partner=partner,
                major_version=opts["major"],
                purchased_on=opts["purchased"],
                notify=opts["notify"],
                paid=not opts["unpaid"],
            )
        except Refused as refused:
            raise CommandError(str(refused.message)) from None
        self.stdout.write(
            f"Issued {plan} (version {license.major_version}, {license.seats} seat(s)), "
            f"period {license.period_start} to {license.period_end}."
        )
        self.stdout.write(license.display_key)
