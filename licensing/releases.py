"""Product releases and the update notifications they send (marketing: opt-in only)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import Customer
from accounts.services import unsubscribe_url
from core import audit, outbox
from core.audit import Actor
from licensing import rules
from licensing.lifecycle import LIVE
from licensing.models import Product, ProductRelease

BATCH_SIZE = 500


@transaction.atomic
def release_publish(
    *, product: Product, version: str, notes: str, actor: Actor
) -> ProductRelease:
    """Publish a release; its update notifications go out after commit, in batches."""
    rules.version_major(version)  # ValueError for a malformed version
    release = ProductRelease.objects.create(
        product=product, version=version, notes=notes, published_at=timezone.now()
    )
    audit.record(actor=actor, action="release.published", target=release)
    transaction.on_commit(lambda: _fan_out(release.pk))
    return release


def _fan_out(release_id: int) -> None:
    from licensing.tasks import notify_release

    notify_release.delay(release_id)


def release_recipients(release: ProductRelease):
    """Registrants who opted in and hold a live license of this product's major version."""
    return Customer.objects.filter(
        updates_opt_in=True,
        licenses__product=release.product,
        licenses__major_version=release.major,
        licenses__status__in=LIVE,
    ).distinct()


def release_notify(*, release_id: int, batch_size: int = BATCH_SIZE) -> int:
    """Queue the update notification for every recipient, a batch per transaction; once each."""
    release = ProductRelease.objects.select_related("product").get(pk=release_id)

    def message(customer: Customer) -> dict:
        unsubscribe = unsubscribe_url(customer)
        return {
            "key": f"release:{release.pk}:{customer.pk}",
            "to": customer.email,
            "template": "licensing/email/update_available",
            "context": {
                "product": release.product.name,
                "version": release.version,
                "notes": release.notes,
                "unsubscribe_url": unsubscribe,
            },
            "language": customer.language,
            "headers": {
                "List-Unsubscribe": f"<{unsubscribe}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        }

    return outbox.enqueue_for_each(
        release_recipients(release), message, batch_size=batch_size
    )
