from datetime import date

from django.core.management.base import BaseCommand

from licensing.sweep import sweep, sweep_day


class Command(BaseCommand):
    help = (
        "Run the lifecycle sweep: every day since the last sweep up to today, or "
        "one given day again (--date). Safe to rerun."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", type=date.fromisoformat, help="YYYY-MM-DD: rerun this day"
        )

    def handle(self, *args, date, **options):
        results = {date: sweep_day(date)} if date else sweep()
        for day, counts in results.items():
            done = ", ".join(f"{name} {n}" for name, n in counts.items())
            self.stdout.write(f"{day}: {done}")
