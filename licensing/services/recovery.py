"""Lost keys: the keys registered to an address are emailed to that address only.

The request answers the same whether or not the address is known: it only
queues a task, by name, with the address's blind index (never the address
itself through the broker); the task looks the customer up and queues the email.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import transaction

from accounts.models import Customer
from core import jobs, outbox, ratelimit
from core.fields import blind_index
from licensing import keys
from licensing.errors import Code, Refused
from licensing.models import License

RECOVERY_TASK = "licensing.tasks.send_recovery"


def license_recovery_request(*, email: str, client: str) -> None:
    """Queue the recovery email for `email` (if it is a customer's), after commit.

    Rate limited per address (its blind index) and per client bucket, before
    anything is known about the address: RATE_LIMITED either way.
    """
    email_index = blind_index(Customer.EMAIL_INDEX, email)
    wait = ratelimit.hit(
        [
            (
                "recover-to",
                email_index,
                settings.PORTAL_RECOVERY_LIMIT_PER_ADDRESS,
            ),
            (
                "recover-from",
                blind_index("ratelimit.recover-from", client),
                settings.PORTAL_RECOVERY_LIMIT_PER_CLIENT,
            ),
        ]
    )
    if wait is not None:
        raise Refused(Code.RATE_LIMITED, retry_after=wait)
    jobs.task_send_on_commit(RECOVERY_TASK, email_index, uuid.uuid4().hex)


@transaction.atomic
def license_recovery_send(*, email_index: str, request_id: str) -> bool:
    """Email the customer with this address's blind index every key registered to
    them (old keys replaced by a transfer left out); False if there is nobody
    or nothing to send."""
    customer = Customer.objects.filter(email_index=email_index).first()
    if customer is None:
        return False
    licenses = list(
        License.objects.filter(customer=customer)
        .exclude(status=License.Status.TRANSFERRED)
        .select_related("product")
        .order_by("product__name", "created_at")
    )
    if not licenses:
        return False
    outbox.enqueue(
        key=f"license-recovery:{customer.pk}:{request_id}",
        to=customer.email,
        template="accounts/email/license_recovery",
        context={
            "licenses": [
                {"product": lic.product.name, "key": keys.display(lic.key)}
                for lic in licenses
            ]
        },
        language=customer.language,
    )
    return True
