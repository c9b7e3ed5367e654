"""Keyset pagination: walk a large queryset in batches by ascending primary key.

Each batch starts after the last key of the one before, so rows changed or
deleted meanwhile never shift a page (as OFFSET would) and every batch costs
one indexed query.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet


def keyset_batches(queryset: QuerySet, batch_size: int) -> Iterator[list]:
    """Lists of up to `batch_size` rows of `queryset` (objects, or whatever
    `values_list("pk", flat=True)` and the like yield), in ascending key order.
    """
    last = None
    while True:
        page = queryset.order_by("pk")
        if last is not None:
            page = page.filter(pk__gt=last)
        batch = list(page[:batch_size])
        if not batch:
            return
        yield batch
        last = getattr(batch[-1], "pk", batch[-1])  # an object, or a bare key
        if len(batch) < batch_size:
            return
