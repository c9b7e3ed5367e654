from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from core.audit import Actor
from licensing.errors import Refused
from licensing.models import Partner
from licensing.services import partner_user_invite


class Command(BaseCommand):
    help = (
        "Invite a staff user of a partner: the emailed link sets their password "
        "(valid PASSWORD_RESET_TIMEOUT). Run it again to send a new invitation."
    )

    def add_arguments(self, parser):
        parser.add_argument("--partner", required=True, help="the partner's slug")
        parser.add_argument("--email", required=True)
        parser.add_argument(
            "--language",
            default=settings.LANGUAGE_CODE,
            choices=[code for code, _name in settings.LANGUAGES],
            help="the invitation's language",
        )

    def handle(self, *args, partner, email, language, **options):
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"Not an email address: {email!r}") from None
        found = Partner.objects.filter(slug=partner).first()
        if found is None:
            known = ", ".join(Partner.objects.values_list("slug", flat=True)) or "none"
            raise CommandError(f"No partner {partner!r} (partners: {known}).")
        try:
            membership = partner_user_invite(
                partner=found, email=email, language=language, actor=Actor.system()
            )
        except Refused as refused:
            raise CommandError(refused.detail) from None
        self.stdout.write(
            f"Invitation sent to user {membership.user_id} of {found.slug}; "
            "the link sets their password."
        )
