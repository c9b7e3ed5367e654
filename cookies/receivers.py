from django.db.models.signals import post_migrate

from cookies.services import inventory_sync


def sync_after_migrate(sender, **kwargs):
    """The inventory is code: every `migrate` (deploys run it) publishes it, and
    so does every flush between browser tests."""
    inventory_sync()


def connect(app_config) -> None:
    post_migrate.connect(
        sync_after_migrate, sender=app_config, dispatch_uid="cookies.inventory_sync"
    )
