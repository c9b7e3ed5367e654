"""Tokens in emailed links: only their keyed hash is stored, and they expire."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from core.fields import keyed_hash


def new_token(model) -> tuple[str, str]:
    """(token for the link, its hash to store) for a model with `TOKEN_PURPOSE`."""
    token = secrets.token_urlsafe(32)
    return token, keyed_hash(model.TOKEN_PURPOSE, token)


def link_create(model, *, license, email: str, language: str, days: int, **fields):
    """(the new pending row, its token) for `license`, replacing a pending one.

    `model` is an `EmailedLink` with `TOKEN_PURPOSE` and one row per license;
    the link expires `days` from now.
    """
    model.objects.filter(license=license).delete()
    token, token_hash = new_token(model)
    now = timezone.now()
    row = model.objects.create(
        license=license,
        token_hash=token_hash,
        email=email.strip(),
        language=language or settings.LANGUAGE_CODE,
        created_at=now,
        expires_at=now + timedelta(days=days),
        **fields,
    )
    return row, token


def pending(queryset: QuerySet, token: str):
    """The unexpired row of `queryset` this token opens, or None."""
    return queryset.filter(
        token_hash=keyed_hash(queryset.model.TOKEN_PURPOSE, token),
        expires_at__gt=timezone.now(),
    ).first()
