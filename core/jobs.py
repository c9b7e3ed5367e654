"""Queue a Celery task by its name.

Services name the task they want run instead of importing it, so imports run
one way: tasks import services, never the reverse.
"""

from __future__ import annotations

from celery import current_app
from django.db import transaction


def task_send(name: str, *args) -> None:
    """Queue the registered task `name` now (in-process when tasks run eagerly)."""
    if name not in current_app.tasks:
        # Outside a worker the apps' tasks modules load lazily (autodiscovery).
        current_app.loader.import_default_modules()
    current_app.tasks[name].delay(*args)


def task_send_on_commit(name: str, *args) -> None:
    """Queue the task once the current transaction commits (never for a rollback)."""
    transaction.on_commit(lambda: task_send(name, *args))
