"""The validate hot path's single query, and the validation code from its answer."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import psycopg
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from licensing import rules
from licensing.errors import Code


@dataclass(frozen=True)
class Snapshot:
    """What validation needs to know about one license and, if asked, one machine."""

    license_id: uuid.UUID
    status: str
    suspended_for: str
    seats: int
    major_version: int
    period_end: date
    product: str
    heartbeat_interval: int | None
    renewal: str
    machines: int
    activation_id: uuid.UUID | None
    activated_at: datetime | None
    last_heartbeat_at: datetime | None
    # What a Keygen client's license document shows besides (`licensing.keygen`).
    product_name: str = ""
    product_keygen_id: str = ""
    plan_id: int | None = None
    plan_name: str = ""
    termination_effective_on: date | None = None
    created_at: datetime | None = None

    def license_info(self) -> dict:
        return {
            "id": str(self.license_id),
            "product": self.product,
            "major_version": self.major_version,
            "status": self.status,
            "seats": self.seats,
            "machines": self.machines,
            "period_end": self.period_end.isoformat(),
        }

    def known_end(self) -> datetime | None:
        """As `services.license_known_end`, from the snapshot."""
        day = rules.known_end_day(
            renewal=self.renewal,
            period_end=self.period_end,
            termination_effective_on=self.termination_effective_on,
        )
        return timezone.make_aware(datetime.combine(day, time.min)) if day else None

    def heartbeat_deadline(self) -> datetime | None:
        if self.last_heartbeat_at is None:
            return None
        return rules.heartbeat_deadline(self.last_heartbeat_at, self.heartbeat_interval)


# One round trip: the license, its product and plan, its machine count and,
# when a fingerprint hash is given, that machine. Hand-written because
# compiling the equivalent ORM query costs more than PostgreSQL spends running it.
_SNAPSHOT_SQL = """
SELECT l.id, l.status, l.suspended_for, l.seats, l.major_version, l.period_end, p.slug,
       pl.heartbeat_interval, pl.renewal,
       (SELECT COUNT(*) FROM licensing_activation c WHERE c.license_id = l.id),
       a.id, a.activated_at, a.last_heartbeat_at,
       p.name, p.keygen_product_id, pl.id, pl.name, l.termination_effective_on,
       l.created_at
FROM licensing_license l
JOIN licensing_product p ON p.id = l.product_id
JOIN licensing_plan pl ON pl.id = l.plan_id
LEFT JOIN licensing_activation a ON a.license_id = l.id AND a.fingerprint_hash = %s
WHERE l.key_index = %s
"""


def _fetch_one(sql: str, params: list):
    """Run a hot query; on PostgreSQL, prepared once per connection.

    Django's cursors bind parameters on the client, which rules out prepared
    statements; a plain psycopg cursor binds on the server and is prepared
    automatically after `prepare_threshold` executions. It is kept for the
    life of the connection and wrapped like Django's own cursors, so query
    logging, counting and error translation still see it.
    """
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    connection.ensure_connection()
    raw = getattr(connection, "_hot_cursor", None)
    if raw is None or raw.closed or raw.connection is not connection.connection:
        raw = connection._hot_cursor = psycopg.Cursor(connection.connection)
    if connection.queries_logged:
        cursor = connection.make_debug_cursor(raw)
    else:
        cursor = connection.make_cursor(raw)
    cursor.execute(sql, params)
    return cursor.fetchone()


def _as_uuid(value) -> uuid.UUID | None:
    if value is None or isinstance(value, uuid.UUID):
        return value
    return uuid.UUID(value)  # SQLite keeps UUIDs as hex text


def _as_date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return parse_date(value)  # SQLite keeps dates as text


def _as_datetime(value) -> datetime | None:
    """An aware datetime from PostgreSQL's value or SQLite's (text or naive, in UTC)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = parse_datetime(value)
    return value if timezone.is_aware(value) else timezone.make_aware(value, UTC)


def license_snapshot(*, key_index: str, fingerprint_hash: str = "") -> Snapshot | None:
    row = _fetch_one(_SNAPSHOT_SQL, [fingerprint_hash, key_index])
    if row is None:
        return None
    period_end = _as_date(row[5])
    return Snapshot(
        license_id=_as_uuid(row[0]),
        status=row[1],
        suspended_for=row[2],
        seats=row[3],
        major_version=row[4],
        period_end=period_end,
        product=row[6],
        heartbeat_interval=row[7],
        renewal=row[8],
        machines=row[9],
        activation_id=_as_uuid(row[10]),
        activated_at=_as_datetime(row[11]),
        last_heartbeat_at=_as_datetime(row[12]),
        product_name=row[13],
        product_keygen_id=row[14],
        plan_id=row[15],
        plan_name=row[16],
        termination_effective_on=_as_date(row[17]),
        created_at=_as_datetime(row[18]),
    )


def validation_code(
    snapshot: Snapshot | None,
    *,
    fingerprint_given: bool,
    asked_product: str | None = None,
    asked_major: int | None = None,
    now: datetime | None = None,
) -> Code:
    """The validation code, checked in the order of SPEC section 5."""
    if snapshot is None:
        return Code.NOT_FOUND
    now = now or timezone.now()
    refusal = rules.license_refusal(
        status=snapshot.status,
        product=snapshot.product,
        entitled_major=snapshot.major_version,
        seats=snapshot.seats,
        machines=snapshot.machines,
        asked_product=asked_product,
        asked_major=asked_major,
        term_over=rules.fixed_term_over(
            renewal=snapshot.renewal,
            period_end=snapshot.period_end,
            today=timezone.localdate(now),
        ),
    )
    if refusal:
        return Code(refusal)
    if not fingerprint_given:
        return Code.VALID
    return Code(
        rules.machine_code(
            machines=snapshot.machines,
            found=snapshot.activation_id is not None,
            deadline=snapshot.heartbeat_deadline(),
            now=now,
        )
    )
