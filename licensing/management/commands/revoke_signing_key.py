from django.core.management.base import BaseCommand, CommandError

from core.audit import Actor
from licensing import services
from licensing.errors import Refused


class Command(BaseCommand):
    help = (
        "Remove a compromised signing key from the published list at once; the key "
        "after it is endorsed by the key before it (a new key replaces the newest)."
    )

    def add_arguments(self, parser):
        parser.add_argument("keyid", help="the key id, as listed by the API")

    def handle(self, *args, keyid, **options):
        try:
            replacement = services.signing_key_revoke(keyid=keyid, actor=Actor.system())
        except Refused:
            raise CommandError(f"No signing key {keyid!r}.") from None
        self.stdout.write(f"Revoked {keyid}.")
        if replacement is not None:
            self.stdout.write(
                f"New signing key {replacement.keyid} signs from now on "
                "(other processes switch at their next key refresh)."
            )
