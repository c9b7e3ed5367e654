from django.core.management.base import BaseCommand

from privacy import services


class Command(BaseCommand):
    help = (
        "After restoring a backup: apply every recorded erasure again (found by "
        "its keyed pseudonym) to whatever the backup brought back."
    )

    def handle(self, *args, **options):
        again = services.erasures_replay()
        self.stdout.write(f"Erasures applied again: {again}.")
