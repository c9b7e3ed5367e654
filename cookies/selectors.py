"""Every read of the cookies app beyond a lookup by id."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Q, QuerySet

from cookies.models import ConsentRecord, PolicyVersion
from cookies.services import consent_index

HISTORY_LENGTH = 20


def consent_history(
    *, consent_id: str | None = None, user: AbstractBaseUser | None = None
) -> QuerySet[ConsentRecord]:
    """The newest choices made in this browser while signed out (its consent
    id), and this user's own anywhere: never another user's made here."""
    match = Q(pk__in=[])
    if consent_id:
        match |= Q(consent_index=consent_index(consent_id), user__isnull=True)
    if user is not None and user.is_authenticated:
        match |= Q(user=user)
    return ConsentRecord.objects.filter(match).select_related("policy")[:HISTORY_LENGTH]


def policy_published(version: str) -> PolicyVersion | None:
    return PolicyVersion.objects.filter(version=version).first()
