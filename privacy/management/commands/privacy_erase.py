from django.core.management.base import BaseCommand

from privacy import services
from privacy.management.commands.privacy_export import find_person
from privacy.models import PrivacyCase


class Command(BaseCommand):
    help = (
        "Erase the person with this email address: opens a case, disables the "
        "account, and erases after ERASURE_GRACE_DAYS (at once with --now, for a "
        "request whose identity the DPO has verified)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--now", action="store_true", help="skip the grace period")

    def handle(self, *args, email, now, **options):
        customer, user = find_person(email)
        request = services.erasure_request(
            customer=customer, user=user, source=PrivacyCase.Source.DPO, now=now
        )
        if now:
            services.erasure_apply(request.pk, actor="manage.py privacy_erase")
            self.stdout.write(f"Case {request.case.reference}: erased.")
        else:
            self.stdout.write(
                f"Case {request.case.reference}: the account is disabled; erasure "
                f"on {request.erase_after:%Y-%m-%d}."
            )
