"""Tokens in emailed links: only their keyed hash is stored, and they expire."""

from __future__ import annotations

import secrets

from django.db.models import QuerySet
from django.utils import timezone

from core.fields import keyed_hash


def new_token(model) -> tuple[str, str]:
    """(token for the link, its hash to store) for a model with `TOKEN_PURPOSE`."""
    token = secrets.token_urlsafe(32)
    return token, keyed_hash(model.TOKEN_PURPOSE, token)


def pending(queryset: QuerySet, token: str):
    """The unexpired row of `queryset` this token opens, or None."""
    return queryset.filter(
        token_hash=keyed_hash(queryset.model.TOKEN_PURPOSE, token),
        expires_at__gt=timezone.now(),
    ).first()
