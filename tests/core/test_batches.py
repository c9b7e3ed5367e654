"""Keyset pagination, written once for the sweep and the outbox's fan-outs."""

import pytest

from accounts.models import Customer
from core.batches import keyset_batches
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_batches_cover_every_row_once_in_key_order_and_respect_the_size():
    ids = sorted(c.pk for c in CustomerFactory.create_batch(7))

    batches = list(keyset_batches(Customer.objects.all(), 3))
    assert [len(b) for b in batches] == [3, 3, 1]
    assert [c.pk for b in batches for c in b] == ids
    keys = list(keyset_batches(Customer.objects.values_list("pk", flat=True), 5))
    assert keys == [ids[:5], ids[5:]]


def test_rows_deleted_while_walking_shift_nothing():
    CustomerFactory.create_batch(6)

    seen = []
    for batch in keyset_batches(Customer.objects.all(), 2):
        seen += [c.pk for c in batch]
        Customer.objects.filter(pk__in=[c.pk for c in batch]).delete()
    assert len(seen) == 6
