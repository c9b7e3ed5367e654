from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import post_migrate

from cookies.services import inventory_sync


def sync_after_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    """The inventory is code: every `migrate` (deploys run it) publishes it, and
    so does every flush between browser tests (not of the keys database)."""
    if using == DEFAULT_DB_ALIAS:
        inventory_sync()


def connect(app_config) -> None:
    post_migrate.connect(
        sync_after_migrate, sender=app_config, dispatch_uid="cookies.inventory_sync"
    )
