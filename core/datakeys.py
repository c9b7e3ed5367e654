"""Per-person data keys: erasure that reaches the backups (crypto-shredding).

Each person's personal fields are encrypted under a data key of their own (a
random Fernet key: 128-bit AES and 128-bit HMAC), stored only wrapped by the
field keys (`FIELD_ENCRYPTION_KEYS`) in `core.DataKey`, which lives in a
database of its own (`DATABASES["keys"]`, routed by `DataKeyRouter`).
Erasure destroys the key (`destroy`): whatever any copy of the main database
holds about the person, dumps and dead rows included, no longer decrypts.
The keys database keeps its own, short-lived backups (README, "Privacy").

A value under a data key is `dk1:<key id hex>:<Fernet token>`, so reading it
needs no instance. Unwrapped keys are cached for one request or task
(`forget` runs at their start and end). Querysets of models with such fields
(`PersonalQuerySet`) unwrap the keys of a whole page in one query.
"""

from __future__ import annotations

import threading
import uuid
from contextvars import ContextVar
from datetime import datetime

from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.conf import settings
from django.core import checks
from django.db import migrations, models, transaction
from django.db.models.query import ModelIterable
from django.utils import timezone

from core import fields

ALIAS = "keys"
PREFIX = "dk1:"
# What a value reads as once its person's key is destroyed.
ERASED = "[erased]"


class DataKeyRouter:
    """`core.DataKey` in the `keys` database; nothing else there."""

    @staticmethod
    def _is_key(model) -> bool:
        return model._meta.label_lower == "core.datakey"

    def db_for_read(self, model, **hints):
        return ALIAS if self._is_key(model) else None

    db_for_write = db_for_read

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        is_key = app_label == "core" and model_name == "datakey"
        if db == ALIAS:
            return is_key
        return False if is_key else None


# Per thread (the app runs sync workers): a plain thread-local is read fastest,
# and `forget` runs twice for every request, the validate hot path's included.
_local = threading.local()


@checks.register(checks.Tags.database)
def check_keys_database(app_configs=None, configured=None, **kwargs):
    """The data keys must not share the main database: a dump of it would hold them.

    (`databases`, among Django's arguments, names the aliases a check may query.)
    """
    configured = settings.DATABASES if configured is None else configured
    main, keys = configured["default"], configured.get(ALIAS)
    if keys is None:
        return [
            checks.Error(
                "DATABASES has no 'keys' database for the data keys.",
                hint="See config/settings/base.py: keys_database_from_env.",
                id="core.E001",
            )
        ]
    where = ("ENGINE", "NAME", "HOST", "PORT")
    if all(str(main.get(k) or "") == str(keys.get(k) or "") for k in where):
        return [
            checks.Error(
                "The data keys' database is the main database: a dump of it "
                "would hold the keys, and erasure would not reach the backups.",
                hint="Set KEYS_DATABASE_URL to a database of its own.",
                id="core.E002",
            )
        ]
    return []


# A long task (the daily sweep over every license) meets many people: past this
# many unwrapped keys the cache starts again, so memory stays flat.
CACHE_LIMIT = 5000


def _cache(room: int = 0) -> dict:
    """The keys unwrapped in this request or task; emptied first when `room`
    more would not fit."""
    cache = getattr(_local, "keys", None)
    if cache is None or (room and len(cache) + room > CACHE_LIMIT):
        cache = _local.keys = {}
    return cache


def forget(**kwargs) -> None:
    """Drop the unwrapped keys (at the start and end of a request or task)."""
    if getattr(_local, "keys", None):
        _local.keys = {}


def _model():
    return apps.get_model("core", "DataKey")


def create() -> uuid.UUID:
    """A new data key, stored wrapped; its id."""
    key = Fernet.generate_key()
    row = _model().objects.using(ALIAS).create(wrapped=fields.encrypt(key.decode()))
    _cache(room=1)[row.pk] = Fernet(key)
    return row.pk


def create_many(count: int) -> list[uuid.UUID]:
    """`count` new data keys in one query (bulk loads assign them to rows)."""
    keys = [Fernet.generate_key() for _ in range(count)]
    rows = (
        _model()
        .objects.using(ALIAS)
        .bulk_create(_model()(wrapped=fields.encrypt(key.decode())) for key in keys)
    )
    cache = _cache(room=count)
    for row, key in zip(rows, keys, strict=True):
        cache[row.pk] = Fernet(key)
    return [row.pk for row in rows]


class MissingDataKey(fields.EncryptionKeyError):
    """A value names a data key the keys database does not hold at all (not a
    destroyed one: that leaves a tombstone). The keys database is not the one
    the data was written with, or was restored from too old a backup."""


def load(ids) -> None:
    """Unwrap the keys of `ids` not cached yet, in one query. A destroyed key is
    cached as None: what it held reads as erased. A key with no row at all
    raises `MissingDataKey`: that is a lost key, not an erasure."""
    ids = set(ids)
    cache = _cache()
    missing = {key_id for key_id in ids if key_id not in cache}  # O(ids), not O(cache)
    if not missing:
        return
    cache = _cache(room=len(missing))
    missing = {key_id for key_id in ids if key_id not in cache}  # all, if it restarted
    rows = dict(
        _model()
        .objects.using(ALIAS)
        .filter(pk__in=missing)
        .values_list("pk", "wrapped")
    )
    lost = missing - rows.keys()
    if lost:
        raise MissingDataKey(
            f"{len(lost)} data key(s) missing from the keys database "
            f"(e.g. {min(lost)}): restore it, or point KEYS_DATABASE_URL at it."
        )
    for key_id in missing:
        wrapped = rows[key_id]
        cache[key_id] = Fernet(fields.decrypt(wrapped).encode()) if wrapped else None


def _fernet(key_id: uuid.UUID) -> Fernet | None:
    load([key_id])
    return _cache()[key_id]


def seal(value: str, key_id: uuid.UUID) -> str:
    """`value` encrypted under the data key `key_id`.

    A person whose key is destroyed is erased; a value written for them after
    that (none should be) falls back to the field keys.
    """
    fernet = _fernet(key_id)
    if fernet is None:
        return fields.encrypt(value)
    return f"{PREFIX}{key_id.hex}:{fernet.encrypt(value.encode()).decode()}"


def key_id_of(token: str) -> uuid.UUID:
    return uuid.UUID(token[len(PREFIX) : len(PREFIX) + 32])


def unseal(token: str) -> str:
    """The value of a `dk1:` token; `ERASED` once its key is destroyed."""
    fernet = _fernet(key_id_of(token))
    if fernet is None:
        return ERASED
    try:
        return fernet.decrypt(token[len(PREFIX) + 33 :].encode()).decode()
    except InvalidToken as exc:
        raise fields.EncryptionKeyError(
            "A stored value does not open with its data key."
        ) from exc


def destroy(*key_ids: uuid.UUID) -> datetime | None:
    """Destroy the keys, committed at once in the keys database; when the first
    of them was (a key destroyed before keeps its time), or None if none exists.

    Kept as tombstones (no key material), so their values read as erased.
    """
    now = timezone.now()
    keys = _model().objects.using(ALIAS).filter(pk__in=key_ids)
    with transaction.atomic(using=ALIAS):
        keys.filter(destroyed_at=None).update(wrapped="", destroyed_at=now)
        first = keys.order_by("destroyed_at").values_list("destroyed_at", flat=True)
        when = first.first()
    cache = _cache()
    for key_id in key_ids:
        cache[key_id] = None
    return when


def destroy_after_commit(*key_ids, using: str = "default") -> None:
    """Destroy the keys once the current transaction of `using` commits (rows
    deleted outside an erasure: their copies in backups stop opening too)."""
    key_ids = [key_id for key_id in key_ids if key_id is not None]
    if key_ids:
        transaction.on_commit(lambda: destroy(*key_ids), using=using)


def destroy_with_row(sender, instance, using="default", **kwargs) -> None:
    """`post_delete` of every model with a `DataKeyField`: a row deleted takes
    its key along (its own; a person's key goes with the person's row)."""
    destroy_after_commit(instance.data_key, using=using)


def is_destroyed(key_id: uuid.UUID) -> bool:
    return _fernet(key_id) is None


def rewrap(*, batch_size: int = 1000) -> int:
    """Re-wrap every live data key with the first field key (rotation); the count.

    Values under data keys stay as they are: only these small rows change.
    """
    model = _model()
    rewrapped, last = 0, None
    while True:
        with transaction.atomic(using=ALIAS):
            rows = model.objects.using(ALIAS).select_for_update().exclude(wrapped="")
            if last is not None:
                rows = rows.filter(pk__gt=last)
            batch = list(rows.order_by("pk").only("pk", "wrapped")[:batch_size])
            stale = [key for key in batch if fields.needs_rotation(key.wrapped)]
            for key in stale:
                key.wrapped = fields.rotate(key.wrapped)
            model.objects.using(ALIAS).bulk_update(stale, ["wrapped"])  # one query
            rewrapped += len(stale)
        if len(batch) < batch_size:
            return rewrapped
        last = batch[-1].pk


# Reading a page at once: while a PersonalQuerySet fetches its rows, values whose
# key is not cached yet are left sealed; their keys are then unwrapped in one
# query and the values opened.
_deferring: ContextVar[set | None] = ContextVar("datakeys_deferring", default=None)


class Sealed:
    """A `dk1:` value read while its page is being fetched; opened right after."""

    __slots__ = ("token",)

    def __init__(self, token: str):
        self.token = token


def from_db(token: str):
    pending = _deferring.get()
    if pending is not None:
        key_id = key_id_of(token)
        if key_id not in _cache():
            pending.add(key_id)
            return Sealed(token)
    return unseal(token)


def _open(instance, seen: set) -> None:
    if id(instance) in seen:
        return
    seen.add(id(instance))
    for name, value in instance.__dict__.items():
        if isinstance(value, Sealed):
            instance.__dict__[name] = unseal(value.token)
    for related in instance._state.fields_cache.values():
        if related is not None and hasattr(related, "_state"):
            _open(related, seen)


class PersonalQuerySet(models.QuerySet):
    """A queryset whose pages unwrap their data keys in one query, not one per row."""

    def _fetch_all(self):
        if self._result_cache is None and self._iterable_class is ModelIterable:
            pending: set = set()
            token = _deferring.set(pending)
            try:
                results = list(self._iterable_class(self))
            finally:
                _deferring.reset(token)
            if pending:
                load(pending)
                seen: set = set()
                for instance in results:
                    _open(instance, seen)
            self._result_cache = results
        super()._fetch_all()  # prefetches, if any


def adopt(model, *, batch_size: int = 500, using: str = "default") -> int:
    """Move `model`'s rows that have no data key yet under one of their own,
    a committed batch at a time (so an interrupted run resumes where it
    stopped); the number of rows moved. Their values, encrypted with the field
    keys until now, are read as such and written under the new key.

    `model` may be a migration's historical model: its fields carry `data_key`.
    """
    names = [
        f.attname
        for f in model._meta.concrete_fields
        if getattr(f, "data_key", None) == "self"
    ]
    rows = model._base_manager.using(using).filter(data_key__isnull=True)
    moved = 0
    while True:
        with transaction.atomic(using=using):
            batch = list(rows.select_for_update().order_by("pk")[:batch_size])
            for instance in batch:
                instance.data_key = create()
                instance.save(using=using, update_fields=["data_key", *names])
        moved += len(batch)
        if len(batch) < batch_size:
            return moved


def release(model, *, batch_size: int = 500, using: str = "default") -> int:
    """`adopt` undone (a migration rolled back): `model`'s rows go back under the
    field keys, without data keys, so that the version before reads them."""
    names = [
        f.attname
        for f in model._meta.concrete_fields
        if getattr(f, "data_key", None) == "self"
    ]
    rows = model._base_manager.using(using).filter(data_key__isnull=False)
    released = 0
    while True:
        with transaction.atomic(using=using):
            batch = list(rows.select_for_update().order_by("pk")[:batch_size])
            for instance in batch:
                # `update` writes with the field keys (no `pre_save`).
                model._base_manager.using(using).filter(pk=instance.pk).update(
                    data_key=None, **{name: getattr(instance, name) for name in names}
                )
        released += len(batch)
        if len(batch) < batch_size:
            return released


def adoption(app_label: str, *model_names: str):
    """The migration operation that `adopt`s these models' rows (and `release`s
    them when rolled back); its migration must be `atomic = False`, so that each
    batch commits and an interrupted `migrate` resumes."""

    def forwards(apps, schema_editor):
        for name in model_names:
            adopt(apps.get_model(app_label, name), using=schema_editor.connection.alias)

    def backwards(apps, schema_editor):
        for name in model_names:
            release(
                apps.get_model(app_label, name), using=schema_editor.connection.alias
            )

    return migrations.RunPython(forwards, backwards)
