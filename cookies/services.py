"""Every write of the cookies app: the inventory's sync, consent records, visit counts."""

import uuid

from cookie_consent.cache import delete_cache
from cookie_consent.models import Cookie, CookieGroup
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import override

from cookies import inventory
from cookies.models import ConsentRecord, CookieDetail, PageViewCount, PolicyVersion
from core.fields import keyed_hash

CONSENT_ID_PURPOSE = "cookie-consent-id"


def consent_index(consent_id: str) -> str:
    """The keyed hash a consent id is stored as (the id itself stays in the browser)."""
    return keyed_hash(CONSENT_ID_PURPOSE, consent_id)


@transaction.atomic
def inventory_sync() -> PolicyVersion:
    """Copy the inventory (code) into django-cookie-consent's tables and ours.

    A new policy version (any change of content) makes every cookie's `created`
    now: the library compares an acceptance with it, so older acceptances stop
    counting and the banner asks again. The library's cache is cleared at the end
    (bulk writes and migrations do not clear it).
    """
    with override("en"):  # the tables hold the English text
        return _sync()


def _sync() -> PolicyVersion:
    version = inventory.policy_version()
    policy, published = PolicyVersion.objects.get_or_create(
        version=version, defaults={"inventory": inventory.snapshot()}
    )
    groups = {}
    for ordering, group in enumerate(inventory.GROUPS):
        groups[group.varname], _created = CookieGroup.objects.update_or_create(
            varname=group.varname,
            defaults={
                "name": inventory.english_text(group.name),
                "description": inventory.english_text(group.description),
                "is_required": group.required,
                "is_deletable": not group.required,
                "ordering": ordering,
            },
        )
    CookieGroup.objects.exclude(varname__in=groups).delete()
    kept = []
    for spec in inventory.cookies():
        cookie, _created = Cookie.objects.update_or_create(
            name=spec.name,
            domain="",
            defaults={
                "cookiegroup": groups[spec.group],
                "description": inventory.english_text(spec.purpose),
                "path": spec.path,
            },
        )
        CookieDetail.objects.update_or_create(
            cookie=cookie,
            defaults={
                "provider": spec.provider,
                "purpose": inventory.english_text(spec.purpose),
                "expiry": inventory.english_text(spec.expiry),
                "set_by": spec.set_by,
            },
        )
        kept.append(cookie.pk)
    Cookie.objects.exclude(pk__in=kept).delete()
    if published:
        Cookie.objects.update(created=policy.published_at)
    transaction.on_commit(delete_cache)
    delete_cache()
    return policy


def consent_give(
    *,
    consent_id: str | None,
    user: AbstractBaseUser | None,
    choices: dict[str, bool],
    method: str,
) -> tuple[str, ConsentRecord]:
    """Record a visitor's choice per optional group; returns their consent id
    (a new one for a first choice) and the record."""
    consent_id = consent_id or str(uuid.uuid4())
    accepted = {group.varname: False for group in inventory.optional_groups()}
    accepted.update(
        {name: bool(value) for name, value in choices.items() if name in accepted}
    )
    record = ConsentRecord.objects.create(
        consent_index=consent_index(consent_id),
        user=user if user is not None and user.is_authenticated else None,
        policy=policy_current(),
        choices=accepted,
        method=method,
    )
    return consent_id, record


def consent_lapse(
    *, consent_id: str, user: AbstractBaseUser | None, given_at
) -> ConsentRecord | None:
    """Record once that the consent given at `given_at` ran out (the same
    browser may come back with it several times before its cookies change)."""
    index = consent_index(consent_id)
    if ConsentRecord.objects.filter(
        consent_index=index, method=ConsentRecord.Method.EXPIRY, created_at__gt=given_at
    ).exists():
        return None
    _id, record = consent_give(
        consent_id=consent_id,
        user=user,
        choices={},
        method=ConsentRecord.Method.EXPIRY,
    )
    return record


def policy_current() -> PolicyVersion:
    """The published version of the inventory in the code (published now if it
    was not synced yet, as after a deploy without `migrate`)."""
    policy = PolicyVersion.objects.filter(version=inventory.policy_version()).first()
    return policy or inventory_sync()


def page_view_count(*, route: str, new_visitor: bool) -> None:
    """Count one view of a page today (the visitor gave analytics consent).

    `route` is the URL pattern, not the path: /licenses/<uuid>/ is counted as
    one page, and no id, token or address in a path is ever stored."""
    route = route[:200]
    today = timezone.localdate()
    counted = PageViewCount.objects.filter(path=route, day=today)
    for _attempt in range(2):
        if counted.update(
            views=F("views") + 1, new_visitors=F("new_visitors") + int(new_visitor)
        ):
            return
        try:
            with transaction.atomic():
                PageViewCount.objects.create(
                    path=route, day=today, views=1, new_visitors=int(new_visitor)
                )
            return
        except IntegrityError:
            continue  # another request created today's row first: count in it
