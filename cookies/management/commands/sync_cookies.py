from django.core.management.base import BaseCommand

from cookies.services import inventory_sync


class Command(BaseCommand):
    help = (
        "Publish the cookie inventory (cookies/inventory.py) into the consent "
        "tables; `migrate` does it too. A changed inventory asks every visitor again."
    )

    def handle(self, *args, **options):
        policy = inventory_sync()
        self.stdout.write(
            f"Cookie policy version {policy.version}, "
            f"published {policy.published_at:%Y-%m-%d %H:%M}."
        )
