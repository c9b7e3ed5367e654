"""Marketing emails: update notifications for releases, and product news.

Each goes only to customers who opted in to that kind, with a signed one-click
unsubscribe link and the List-Unsubscribe headers, once per customer.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import Customer
from accounts.services import unsubscribe_headers, unsubscribe_url
from core import audit, outbox
from core.audit import Actor
from licensing import rules
from licensing.models import Product, ProductNews, ProductRelease
from licensing.selectors.recipients import news_recipients, release_recipients
from licensing.services.announcements import announcement_done, announcement_queue

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
    announcement_queue(kind="release", object_id=release.pk)
    return release


def _fan_out(
    *,
    recipients,
    kind: str,
    key: str,
    template: str,
    context: dict,
    batch_size: int,
) -> int:
    """Queue one marketing email per recipient, a batch per transaction, once each;
    each with its one-click unsubscribe link (for this kind only) and headers."""

    def message(customer: Customer) -> dict:
        unsubscribe = unsubscribe_url(customer, kind)
        return {
            "key": f"{key}:{customer.pk}",
            "to": customer.email,
            "template": template,
            "context": {**context, "unsubscribe_url": unsubscribe},
            "language": customer.language,
            "headers": unsubscribe_headers(unsubscribe),
        }

    return outbox.enqueue_for_each(recipients, message, batch_size=batch_size)


def release_notify(*, release_id: int, batch_size: int = BATCH_SIZE) -> int:
    """Queue the update notification for every recipient, a batch per transaction; once each."""
    release = ProductRelease.objects.select_related("product").get(pk=release_id)
    queued = _fan_out(
        recipients=release_recipients(release),
        kind="updates",
        key=f"release:{release.pk}",
        template="licensing/email/update_available",
        context={
            "product": release.product.name,
            "version": release.version,
            "notes": release.notes,
        },
        batch_size=batch_size,
    )
    announcement_done(kind="release", object_id=release.pk)
    return queued


@transaction.atomic
def news_publish(
    *, product: Product, title: str, body: str, actor: Actor
) -> ProductNews:
    """Publish product news; it goes out after commit, in batches."""
    news = ProductNews.objects.create(
        product=product, title=title, body=body, published_at=timezone.now()
    )
    audit.record(actor=actor, action="news.published", target=news)
    announcement_queue(kind="news", object_id=news.pk)
    return news


def news_send(*, news_id: int, batch_size: int = BATCH_SIZE) -> int:
    """Queue the news for every recipient, once each."""
    news = ProductNews.objects.select_related("product").get(pk=news_id)
    queued = _fan_out(
        recipients=news_recipients(news),
        kind="news",
        key=f"news:{news.pk}",
        template="licensing/email/product_news",
        context={"product": news.product.name, "title": news.title, "body": news.body},
        batch_size=batch_size,
    )
    announcement_done(kind="news", object_id=news.pk)
    return queued
