import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.datakeys import PersonalQuerySet
from core.fields import BlindIndexField, DataKeyField, EncryptedTextField


class AuditEvent(models.Model):
    """Who did what to which object, and when; never the personal data itself."""

    class ActorType(models.TextChoices):
        SYSTEM = "system", _("System")
        USER = "user", _("User")
        PARTNER = "partner", _("Partner")
        DPO = "dpo", _("Data protection officer")
        CLIENT = "client", _("Client program")

    actor_type = models.CharField(_("actor type"), max_length=16, choices=ActorType)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=64, db_index=True)
    target_type = models.CharField(_("object type"), max_length=64)
    target_id = models.CharField(_("object id"), max_length=64, db_index=True)
    # Identifiers and codes only; callers never put personal data here.
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.action} {self.target_type}:{self.target_id}"


class OutboxEmail(models.Model):
    """An email written in the same transaction as the change that causes it.

    The idempotency key makes queuing the same email twice a no-op; the sender
    locks the row while it sends and marks it sent in that transaction, so an
    email is sent once however many times its task runs.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    idempotency_key = models.CharField(
        _("idempotency key"), max_length=200, unique=True
    )
    template = models.CharField(_("template"), max_length=100)
    language = models.CharField(_("language"), max_length=16)
    # This row's own data key (core.datakeys): erasure of the person it is
    # about destroys it, so copies of the row in backups no longer open.
    data_key = DataKeyField(_("data key"))
    to = EncryptedTextField(_("recipient"), data_key="self")
    # Finds the emails sent to an address (exact match) without storing it readable.
    to_index = BlindIndexField(source="to", purpose="outbox.to", db_index=True)
    subject = EncryptedTextField(_("subject"), data_key="self")
    body_text = EncryptedTextField(_("text body"), data_key="self")
    body_html = EncryptedTextField(_("HTML body"), blank=True, data_key="self")
    headers = models.JSONField(_("extra headers"), default=dict, blank=True)
    # Once sent, keep no trace of the recipient either (the notice that a
    # person's data was erased: the address goes with the rest).
    forget_recipient = models.BooleanField(default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=Status, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    objects = PersonalQuerySet.as_manager()

    class Meta:
        verbose_name = _("outbox email")
        verbose_name_plural = _("outbox emails")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["created_at"],
                name="outbox_pending_idx",
                condition=models.Q(status="pending"),
            ),
            # What the daily purge looks for (outbox_purge).
            models.Index(
                fields=["sent_at"],
                name="outbox_sent_idx",
                condition=models.Q(status="sent"),
            ),
            models.Index(
                fields=["created_at"],
                name="outbox_failed_idx",
                condition=models.Q(status="failed"),
            ),
        ]

    def __str__(self):
        return f"{self.template} ({self.get_status_display()})"


class DataKey(models.Model):
    """A person's data key, wrapped by the field keys; in the `keys` database.

    `core.datakeys` creates, unwraps, destroys and re-wraps them. Destroying
    blanks `wrapped` and keeps the row as a tombstone, so that what was under
    it reads as erased rather than as a missing key.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    wrapped = models.TextField(_("wrapped key"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    destroyed_at = models.DateTimeField(_("destroyed"), null=True, blank=True)

    class Meta:
        verbose_name = _("data key")
        verbose_name_plural = _("data keys")

    def __str__(self):
        return str(self.pk)
