"""Encrypted model fields and blind indexes.

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under a
`MultiFernet` built from `settings.FIELD_ENCRYPTION_KEYS`: the first key
encrypts, every key decrypts, so a key can be rotated in with
`manage.py rotate_encryption_keys` and removed afterwards. A value that no key
opens raises `EncryptionKeyError`: ciphertext is never handed out as if it
were the value.

A field that holds one person's data names whose it is (`data_key="self"` on
the person's own model, else the foreign key to them): it is then encrypted
under that person's data key (`core.datakeys`), which erasure destroys.

Encryption is randomised, so encrypted columns cannot be searched. Exact
lookups go through a blind index: an HMAC-SHA256 of the normalised value under
a key derived, per purpose, from `settings.BLIND_INDEX_KEY`.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
import uuid
from collections.abc import Callable
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django import forms
from django.apps import apps
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import models

from core import datakeys


class EncryptionKeyError(RuntimeError):
    """A stored value could not be decrypted with any configured key."""


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty.")
    try:
        return MultiFernet([Fernet(k.encode()) for k in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS must hold url-safe base64 Fernet keys."
        ) from exc


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise EncryptionKeyError(
            "A stored value cannot be decrypted with any key in "
            "FIELD_ENCRYPTION_KEYS (wrong or missing key)."
        ) from exc


def rotate(token: str) -> str:
    """`token` re-encrypted with the current (first) key."""
    try:
        return fernet().rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise EncryptionKeyError(
            "A stored value opens with none of FIELD_ENCRYPTION_KEYS; "
            "keep its old key in the list while rotating."
        ) from exc


# Values encrypted with these keys outside an EncryptedTextField (e.g. inside a
# JSON column of a third-party model). The app that stores them registers a hook
# here (core knows no app); `rotate_encryption_keys` calls each one.
# A hook takes `batch_size` and returns the number of values it re-encrypted.
_rotation_hooks: dict[str, Callable[..., int]] = {}


def register_rotation_hook(name: str, hook: Callable[..., int]) -> None:
    """Have `rotate_encryption_keys` call `hook(batch_size=...)` as well."""
    _rotation_hooks[name] = hook


def rotation_hooks() -> dict[str, Callable[..., int]]:
    return dict(_rotation_hooks)


@cache
def _primary(key: str) -> Fernet:
    return Fernet(key.encode())


def needs_rotation(token: str) -> bool:
    """True when `token` was not encrypted with the current (first) key.

    Never for a value under a data key: rotation re-wraps the key instead.
    """
    if token.startswith(datakeys.PREFIX):
        return False
    try:
        _primary(settings.FIELD_ENCRYPTION_KEYS[0]).decrypt(token.encode())
    except InvalidToken:
        return True
    return False


class _Owned(str):
    """A value on its way to the database under its person's data key."""

    key_id: uuid.UUID


def data_key_of(instance, path: str) -> uuid.UUID | None:
    """The data key of the person `instance` belongs to (`path`: "self" or the
    foreign key to them), created with their first value and stored on their
    row at once; None when it has no person (the field keys encrypt it then)."""
    holder = instance if path == "self" else getattr(instance, path)
    if holder is None:
        return None
    if holder.data_key is None:
        holder.data_key = datakeys.create()
        if not holder._state.adding:  # a new row stores it with its insert
            # A row from before data keys: all its values move under the key
            # now, not only the one being saved (`adopt` skips rows with a key).
            values = {}
            for field in holder._meta.concrete_fields:
                value = getattr(holder, field.attname)
                if getattr(field, "data_key", None) == "self" and value:
                    values[field.attname] = _Owned(value)
                    values[field.attname].key_id = holder.data_key
            type(holder)._base_manager.filter(
                pk=holder.pk, data_key__isnull=True
            ).update(data_key=holder.data_key, **values)
            holder.refresh_from_db(fields=["data_key"])  # a race: theirs wins
    return holder.data_key


class DataKeyField(models.UUIDField):
    """The id of a person's data key, on the person's own row (no foreign key:
    the key lives in another database). Created with the row."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def pre_save(self, model_instance, add):
        return data_key_of(model_instance, "self")


class EncryptedTextField(models.TextField):
    """A text field stored encrypted; Python code sees plain text.

    `max_length` limits the plain text (validated in forms and `full_clean`),
    not the column, which holds the longer ciphertext. Only `isnull` lookups
    are possible: search with a `BlindIndexField` instead.

    `data_key` names whose data it is ("self", or the foreign key to the
    person): values are then encrypted under that person's data key when saved
    through the model (`save`, `create`); `QuerySet.update` bypasses it and
    uses the field keys.
    """

    encrypted = True

    def __init__(self, *args, data_key: str | None = None, **kwargs):
        self.data_key = data_key
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.data_key:
            kwargs["data_key"] = self.data_key
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = super().pre_save(model_instance, add)
        if self.data_key and value:
            key_id = data_key_of(model_instance, self.data_key)
            if key_id is not None:
                value = _Owned(value)
                value.key_id = key_id
        return value

    def get_prep_value(self, value):
        if isinstance(value, _Owned):
            return datakeys.seal(str(value), value.key_id)
        value = super().get_prep_value(value)
        if value is None:
            return None
        return encrypt(str(value))

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        if value.startswith(datakeys.PREFIX):
            return datakeys.from_db(value)
        return decrypt(value)

    def get_lookup(self, lookup_name):
        if lookup_name != "isnull":
            return None
        return super().get_lookup(lookup_name)

    def get_transform(self, lookup_name):
        return None

    def db_type(self, connection):
        return models.TextField().db_type(connection)

    def formfield(self, **kwargs):
        # A one-line input where the plain text is short; required-ness, label and
        # max_length come from the field as usual.
        if self.max_length and self.max_length <= 500:
            kwargs.setdefault("widget", forms.TextInput)
        return super().formfield(**kwargs)


def normalise_for_index(value: str) -> str:
    """Unicode NFKC, case-folded, trimmed: `" Kari@Example.COM "` == `"kari@example.com"`."""
    return unicodedata.normalize("NFKC", value).casefold().strip()


@cache
def _derived_key(root: str, purpose: str) -> bytes:
    if not root:
        raise ImproperlyConfigured("BLIND_INDEX_KEY is empty.")
    return hmac.new(root.encode(), f"blind-index:{purpose}".encode(), "sha256").digest()


def keyed_hash(purpose: str, value: str) -> str:
    """HMAC-SHA256 (hex) of `value` exactly as given, under the key for `purpose`."""
    key = _derived_key(settings.BLIND_INDEX_KEY, purpose)
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def blind_index(purpose: str, value: str) -> str:
    """The blind index of `value` for `purpose` (its normalised keyed hash)."""
    return keyed_hash(purpose, normalise_for_index(value))


class BlindIndexField(models.CharField):
    """The blind index of another field on the same model, kept in step on save.

    `Customer.objects.filter(email_index=blind_index("customer.email", email))`
    finds a customer by email without the email being readable in the database.
    """

    def __init__(self, *args, source: str = "", purpose: str = "", **kwargs):
        self.source = source
        self.purpose = purpose
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def check(self, **kwargs):
        errors = super().check(**kwargs)
        if not self.source or not self.purpose:
            errors.append(
                checks.Error(
                    "BlindIndexField needs `source` and `purpose`.",
                    obj=self,
                    id="core.E001",
                )
            )
        return errors

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.source)
        index = blind_index(self.purpose, value) if value else None
        if index is None and not self.null:
            index = ""
        setattr(model_instance, self.attname, index)
        return index

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        kwargs["purpose"] = self.purpose
        return name, path, args, kwargs


def encrypted_fields():
    """Every (model, [encrypted field names]) pair of the project."""
    for model in apps.get_models():
        names = [
            f.name
            for f in model._meta.concrete_fields
            if getattr(f, "encrypted", False)
        ]
        if names:
            yield model, names
