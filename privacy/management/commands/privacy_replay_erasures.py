from datetime import datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from privacy import services


class Command(BaseCommand):
    help = (
        "After restoring a backup: apply again every erasure recorded since the "
        "backup was taken (found by its keyed pseudonym). Give the backup's date: "
        "people who came back later, of their own accord, are left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--since",
            required=True,
            help="the date the restored backup was taken (YYYY-MM-DD)",
        )

    def handle(self, *args, since, **options):
        try:
            day = datetime.strptime(since, "%Y-%m-%d").date()
        except ValueError:
            raise CommandError(f"Not a date (YYYY-MM-DD): {since!r}") from None
        start = timezone.make_aware(datetime.combine(day, time.min))
        again = services.erasures_replay(since=start)
        self.stdout.write(f"Erasures applied again: {again}.")
