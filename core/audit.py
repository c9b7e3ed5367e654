"""The audit event writer: one call per important change, no personal data."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from core.models import AuditEvent


@dataclass(frozen=True)
class Actor:
    type: str
    user_id: int | None = None

    @classmethod
    def system(cls) -> Actor:
        return cls(AuditEvent.ActorType.SYSTEM)

    @classmethod
    def client(cls) -> Actor:
        return cls(AuditEvent.ActorType.CLIENT)

    @classmethod
    def user(cls, user) -> Actor:
        return cls(AuditEvent.ActorType.USER, user.pk)


def record(
    *, actor: Actor, action: str, target: models.Model, data: dict | None = None
) -> AuditEvent:
    """Write an audit event. `data` holds ids and codes, never personal data."""
    return AuditEvent.objects.create(
        actor_type=actor.type,
        actor_user_id=actor.user_id,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        data=data or {},
    )


def record_bulk(
    *,
    actor: Actor,
    action: str,
    model: type[models.Model],
    items: list[tuple[object, dict]],
) -> None:
    """One audit event per (pk, data) of `model`, written in a single query."""
    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor_type=actor.type,
            actor_user_id=actor.user_id,
            action=action,
            target_type=model._meta.label_lower,
            target_id=str(pk),
            data=data,
        )
        for pk, data in items
    )
