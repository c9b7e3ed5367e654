"""Signing keys and the record of daily sweeps."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.fields import EncryptedTextField


class SigningKey(models.Model):
    """An Ed25519 key that signs API responses and offline files.

    The signer is the newest key whose `activates_at` has passed; a replaced key
    keeps verifying (it stays listed with `retired`) until it is purged.
    """

    keyid = models.CharField(_("key id"), max_length=32, unique=True)
    public_key = models.CharField(_("public key (base64)"), max_length=64)
    # Null once purged (retired beyond the longest offline-file lifetime): the
    # key then stays listed only so that clients can follow the chain.
    private_key = EncryptedTextField(_("private key (base64)"), null=True)
    created_at = models.DateTimeField(_("created"))
    activates_at = models.DateTimeField(_("signs from"))
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)
    # The previous key's signature over `license-signing-key\n<keyid>\n<public_key>`;
    # empty for the first key of the chain.
    endorsement = models.CharField(
        _("endorsement (base64)"), max_length=128, blank=True
    )

    class Meta:
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")
        ordering = ["created_at"]

    def __str__(self):
        return self.keyid


class SweepRun(models.Model):
    """A day the lifecycle sweep has completed, and what it did."""

    day = models.DateField(_("day"), unique=True)
    finished_at = models.DateTimeField(_("finished"))
    counts = models.JSONField(_("counts"), default=dict)

    class Meta:
        verbose_name = _("sweep run")
        verbose_name_plural = _("sweep runs")
        ordering = ["-day"]

    def __str__(self):
        return str(self.day)


class Announcement(models.Model):
    """A fan-out of emails to be done: an agreement change, a release, product news.

    Written with what it announces, so a broker that is down loses nothing: the
    periodic requeue starts the fan-out again until it is done (each email has
    its idempotency key, so a fan-out run twice sends once).
    """

    class Kind(models.TextChoices):
        AGREEMENT = "agreement", _("Agreement change")
        RELEASE = "release", _("Product release")
        NEWS = "news", _("Product news")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    object_id = models.PositiveBigIntegerField(_("announced object"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id"], name="announcement_once_per_object"
            )
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                name="announcement_pending_idx",
                condition=models.Q(done_at__isnull=True),
            )
        ]

    def __str__(self):
        return f"{self.kind} {self.object_id}"
