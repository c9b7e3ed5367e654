"""Celery tasks of the privacy app: thin, ids in, a service called."""

from celery import shared_task

from privacy import services


@shared_task
def export_build(export_id) -> None:
    services.export_build(export_id)


@shared_task
def apply_due_erasures() -> int:
    """Erase everyone whose grace period is over (each in its own transaction)."""
    done = 0
    for request_id in services.erasures_due().values_list("pk", flat=True):
        if services.erasure_apply(request_id) is not None:
            done += 1
    return done


@shared_task
def purge_expired_exports() -> int:
    return services.exports_purge()
