from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Customer
from privacy import services
from privacy.models import PrivacyCase


class Command(BaseCommand):
    help = (
        "Write the ZIP of everything held about the person with this email address "
        "(the same file the person downloads), and open a case for it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--output", required=True, help="path of the ZIP to write")

    def handle(self, *args, email, output, **options):
        customer, user = find_person(email)
        case = services.case_open(
            kind=PrivacyCase.Kind.ACCESS,
            source=PrivacyCase.Source.DPO,
            customer=customer,
            user=user,
            identity_method="verified by the DPO",
        )
        path = Path(output)
        try:
            path.write_bytes(
                services.export_archive_bytes(customer=customer, user=user)
            )
        except OSError as error:
            raise CommandError(f"Cannot write {path}: {error.strerror}") from None
        services.case_close(case)
        self.stdout.write(f"Case {case.reference}: written to {path}.")


def find_person(email):
    """The customer and account with this address, or a clear error."""
    customer = Customer.objects.by_email(email.strip()).first()
    user = get_user_model().objects.filter(email__iexact=email.strip()).first()
    if customer is None and user is None:
        raise CommandError("No customer or account has this address.")
    return customer, user
