import base64

from django.core.management.base import BaseCommand, CommandError

from licensing import signing


class Command(BaseCommand):
    help = (
        "Print the current signing key's public key in the hex form Keygen client "
        "libraries take (their `public_key` setting). A program built with it "
        "verifies answers until the key is rotated (README, 'Moving from Keygen')."
    )

    def handle(self, *args, **options):
        signing.forget()  # the keys as stored now, not as this process cached them
        try:
            key = signing.keyring().signer()
        except signing.NoSigningKey:
            raise CommandError(
                "No signing key signs yet: run `manage.py rotate_signing_key`."
            ) from None
        self.stdout.write(base64.b64decode(key.public_key).hex())
        self.stderr.write(
            f"keyid {key.keyid}, signing since {key.activates_at:%Y-%m-%d}"
        )
