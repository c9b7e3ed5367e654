"""Who is told of an announcement: registrants, by what they hold and asked for."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Customer
from licensing.models import LIVE_STATUSES as LIVE
from licensing.models import ProductNews, ProductRelease


def agreement_recipients() -> QuerySet[Customer]:
    """Registrants with a live license: a material change of the agreement concerns them."""
    return Customer.objects.filter(licenses__status__in=LIVE).distinct()


def release_recipients(release: ProductRelease) -> QuerySet[Customer]:
    """Registrants who opted in and hold a live license of this product's major version."""
    return Customer.objects.filter(
        updates_opt_in=True,
        restricted=False,
        licenses__product=release.product,
        licenses__major_version=release.major,
        licenses__status__in=LIVE,
    ).distinct()


def news_recipients(news: ProductNews) -> QuerySet[Customer]:
    """Registrants who asked for product news and hold a live license of the product."""
    return Customer.objects.filter(
        news_opt_in=True,
        restricted=False,
        licenses__product=news.product,
        licenses__status__in=LIVE,
    ).distinct()
