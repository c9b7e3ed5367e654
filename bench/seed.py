"""Bulk data for the benchmark: licenses with one activated machine each."""

import json

from django.utils import timezone

from core.audit import Actor
from licensing import keys, rules, services
from licensing.models import Activation, License, Plan, Product


def seed(count: int) -> None:
    """Create `count` licenses, one machine each; print their validate bodies as JSON."""
    product = Product.objects.create(slug="desktop", name="Desktop", current_major=7)
    plan = Plan.objects.create(
        product=product, slug="desktop-team", name="Team", seats=5
    )
    services.signing_key_rotate(actor=Actor.system())
    today = timezone.localdate()
    start, end = rules.initial_period(today, 12)
    now = timezone.now()
    licenses = [
        License(
            key=keys.generate(),
            product=product,
            plan=plan,
            major_version=7,
            seats=5,
            purchased_on=today,
            period_start=start,
            period_end=end,
        )
        for _ in range(count)
    ]
    License.objects.bulk_create(licenses, batch_size=1000)  # pre_save fills key_index
    bodies, activations = [], []
    for n, license in enumerate(licenses):
        fingerprint = f"bench-machine-{n}"
        activations.append(
            Activation(
                license=license,
                fingerprint_hash=services.fingerprint_hash(
                    key_index=license.key_index, fingerprint=fingerprint
                ),
                activated_at=now,
                last_heartbeat_at=now,
            )
        )
        bodies.append(
            {
                "key": keys.display(license.key),
                "fingerprint": fingerprint,
                "product": "desktop",
                "version": "7.1",
            }
        )
    Activation.objects.bulk_create(activations, batch_size=1000)
    print(json.dumps(bodies))
