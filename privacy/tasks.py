"""Celery tasks of the privacy app: thin, ids in, a service called."""

import logging

from celery import shared_task

from privacy import services

logger = logging.getLogger(__name__)


@shared_task
def export_build(export_id) -> None:
    services.export_build(export_id)


@shared_task
def apply_due_erasures() -> int:
    """Erase everyone whose grace period is over (each in its own transaction)."""
    done = 0
    for request_id in list(services.erasures_due().values_list("pk", flat=True)):
        try:
            if services.erasure_apply(request_id) is not None:
                done += 1
        except Exception:  # one failure must not hold up everyone else's erasure
            logger.exception("erasure request %s could not be applied", request_id)
    return done


@shared_task
def purge_expired_exports() -> int:
    return services.exports_purge()


@shared_task
def send_request_link(email_index: str, kind: str, note_id=None) -> bool:
    return services.request_link_send(
        email_index=email_index, kind=kind, note_id=note_id
    )


@shared_task
def retention() -> dict:
    counts = services.retention_run()
    logger.info("privacy retention: %s", counts)  # counts only, never who
    return counts
