from django.conf import settings
from django.core.management.base import BaseCommand

from core.audit import Actor
from licensing import services


class Command(BaseCommand):
    help = (
        "Make a new Ed25519 signing key. It signs after SIGNING_KEY_REFRESH_SECONDS "
        "(the very first key at once); the replaced key stays listed as retired."
    )

    def handle(self, *args, **options):
        key = services.signing_key_rotate(actor=Actor.system())
        self.stdout.write(
            f"New signing key {key.keyid}, signing from {key.activates_at.isoformat()} "
            f"(processes reload keys every {settings.SIGNING_KEY_REFRESH_SECONDS} s)."
        )
