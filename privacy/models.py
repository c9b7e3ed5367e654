"""Requests about personal data (cases) and the exports that answer access
requests. The DPO's console in the admin works on cases."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.datakeys import PersonalQuerySet
from core.fields import DataKeyField, EncryptedTextField
from privacy import rules


def new_reference() -> str:
    """A reference the requester can quote: short, unambiguous, not guessable."""
    alphabet = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
    body = "".join(secrets.choice(alphabet) for _ in range(8))
    return f"PR-{body[:4]}-{body[4:]}"


class PrivacyCase(models.Model):
    """One request under GDPR Art. 15-21, from receipt to answer."""

    class Kind(models.TextChoices):
        ACCESS = "access", _("Access (Art. 15)")
        RECTIFICATION = "rectification", _("Rectification (Art. 16)")
        ERASURE = "erasure", _("Erasure (Art. 17)")
        RESTRICTION = "restriction", _("Restriction (Art. 18)")
        PORTABILITY = "portability", _("Portability (Art. 20)")
        OBJECTION = "objection", _("Objection (Art. 21)")

    class Status(models.TextChoices):
        AWAITING_IDENTITY = "awaiting_identity", _("Awaiting identity")
        OPEN = "open", _("Open")
        DONE = "done", _("Answered")
        REFUSED = "refused", _("Refused")
        CANCELLED = "cancelled", _("Cancelled")

    class Source(models.TextChoices):
        PRIVACY_CENTER = "privacy_center", _("Privacy center")
        REQUEST_FORM = "request_form", _("Public request form")
        DPO = "dpo", _("Recorded by the DPO")

    reference = models.CharField(
        _("reference"),
        max_length=16,
        unique=True,
        default=new_reference,
        editable=False,
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    customer = models.ForeignKey(
        "accounts.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="privacy_cases",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="privacy_cases",
    )
    received_on = models.DateField(_("received"), default=timezone.localdate)
    # The clock runs from the receipt, or from when the identity was confirmed.
    clock_started_on = models.DateField(_("clock started"), null=True, blank=True)
    identity_method = models.CharField(
        _("identity checked by"), max_length=100, blank=True
    )
    # How to reach a requester the records do not know (encrypted), and what they asked.
    # This row's own data key (core.datakeys): erasure of the person it is
    # about destroys it, so copies of the row in backups no longer open.
    data_key = DataKeyField(_("data key"))
    contact = EncryptedTextField(_("contact address"), blank=True, data_key="self")
    details = EncryptedTextField(_("what the person asks"), blank=True, data_key="self")
    extension_months = models.PositiveSmallIntegerField(
        _("extension (months)"), default=0
    )
    extension_reason = EncryptedTextField(
        _("reason for the extension"), blank=True, data_key="self"
    )
    extension_notified_at = models.DateTimeField(
        _("extension notice sent"), null=True, blank=True
    )
    refusal_reason = EncryptedTextField(
        _("reason for the refusal"), blank=True, data_key="self"
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = PersonalQuerySet.as_manager()

    class Meta:
        verbose_name = _("privacy request")
        verbose_name_plural = _("privacy requests")
        ordering = ["-received_on", "-pk"]

    def __str__(self):
        return self.reference

    @property
    def plain_kind(self) -> str:
        """The request as the person would say it (for emails)."""
        return str(PLAIN_KINDS[self.kind])

    @property
    def due_on(self):
        """When the answer is due; None while the identity is awaited (the clock is paused)."""
        if self.status == self.Status.AWAITING_IDENTITY:
            return None
        return rules.request_due_date(
            self.clock_started_on or self.received_on, self.extension_months
        )


PLAIN_KINDS = {
    PrivacyCase.Kind.ACCESS: _("a copy of your data"),
    PrivacyCase.Kind.RECTIFICATION: _("correcting your data"),
    PrivacyCase.Kind.ERASURE: _("deleting your data"),
    PrivacyCase.Kind.RESTRICTION: _("restricting the use of your data"),
    PrivacyCase.Kind.PORTABILITY: _("your data in a machine-readable file"),
    PrivacyCase.Kind.OBJECTION: _("your objection"),
}


class DataExport(models.Model):
    """A ZIP of everything held about a person, for them alone, for 7 days.

    The file is stored encrypted (base64 of the ZIP in an encrypted column)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    case = models.ForeignKey(
        PrivacyCase, on_delete=models.CASCADE, related_name="exports"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="data_exports",
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING
    )
    data_key = DataKeyField(_("data key"))
    archive = EncryptedTextField(blank=True, data_key="self")
    created_at = models.DateTimeField(auto_now_add=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    objects = PersonalQuerySet.as_manager()

    class Meta:
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.case} {self.created_at:%Y-%m-%d}"


class ErasureRequest(models.Model):
    """An erasure asked for: the account is disabled at once, the data erased
    after the grace period (ERASURE_GRACE_DAYS) unless the person cancels by the
    emailed link."""

    case = models.OneToOneField(
        PrivacyCase, on_delete=models.CASCADE, related_name="erasure"
    )
    customer = models.ForeignKey(
        "accounts.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="erasure_requests",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="erasure_requests",
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    requested_at = models.DateTimeField(auto_now_add=True)
    erase_after = models.DateTimeField()
    # Set when the erasure begins: from then on it can no longer be cancelled.
    started_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("erasure request")
        verbose_name_plural = _("erasure requests")
        ordering = ["-requested_at"]

    def __str__(self):
        return str(self.case)


class ErasureReceipt(models.Model):
    """Proof that an erasure was done, holding nothing of the erased data: the
    case, a keyed pseudonym (to apply it again after a restore), counts per
    model, who and when."""

    case = models.ForeignKey(
        PrivacyCase,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="receipts",
    )
    pseudonym = models.CharField(max_length=64, db_index=True)
    counts = models.JSONField(default=dict)
    actor = models.CharField(max_length=64)
    key_destroyed_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("erasure receipt")
        verbose_name_plural = _("erasure receipts")
        ordering = ["-done_at"]

    def __str__(self):
        return f"{self.case or '-'} {self.done_at:%Y-%m-%d}"


class RequestLink(models.Model):
    """The link that confirms a request made on the public form: sent only to
    the address on file, it proves the person holds it."""

    customer = models.ForeignKey(
        "accounts.Customer", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=PrivacyCase.Kind.choices)
    data_key = DataKeyField(_("data key"))
    details = EncryptedTextField(blank=True, data_key="self")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    objects = PersonalQuerySet.as_manager()

    class Meta:
        verbose_name = _("request confirmation link")
        verbose_name_plural = _("request confirmation links")

    def __str__(self):
        return str(self.pk)


class RequestNote(models.Model):
    """What someone wrote on the public form, held (encrypted) until the
    confirmation link is sent, so that it never travels through the broker."""

    data_key = DataKeyField(_("data key"))
    details = EncryptedTextField(data_key="self")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PersonalQuerySet.as_manager()

    def __str__(self):
        return str(self.pk)
