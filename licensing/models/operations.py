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
    private_key = EncryptedTextField(_("private key (base64)"))
    created_at = models.DateTimeField(_("created"))
    activates_at = models.DateTimeField(_("signs from"))
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)

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
