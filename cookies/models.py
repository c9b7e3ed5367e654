"""What django-cookie-consent's models lack: cookie details, policy versions and proof.

The library keeps groups and cookies (`cookie_consent.CookieGroup`, `Cookie`);
`CookieDetail` adds provider, expiry and who sets it; `PolicyVersion` is the
inventory as it was published; `ConsentRecord` is one visitor's choice, with
its consent id (as a keyed hash), user, version, choices, time and how given.
"""

from cookie_consent.models import Cookie
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CookieDetail(models.Model):
    class SetBy(models.TextChoices):
        SERVER = "server", _("The server")
        SCRIPT = "script", _("A script in the page")

    cookie = models.OneToOneField(
        Cookie, on_delete=models.CASCADE, primary_key=True, related_name="detail"
    )
    provider = models.CharField(_("provider"), max_length=200)
    purpose = models.TextField(_("purpose (English)"))
    expiry = models.CharField(_("expiry (English)"), max_length=200)
    set_by = models.CharField(_("set by"), max_length=10, choices=SetBy.choices)

    class Meta:
        verbose_name = _("cookie detail")
        verbose_name_plural = _("cookie details")

    def __str__(self):
        return self.cookie.name


class PolicyVersion(models.Model):
    """The cookie inventory as published: its digest, its date and its content."""

    version = models.CharField(_("version"), max_length=16, unique=True)
    published_at = models.DateTimeField(_("published"), default=timezone.now)
    inventory = models.JSONField(_("inventory (English)"))

    class Meta:
        verbose_name = _("cookie policy version")
        verbose_name_plural = _("cookie policy versions")
        ordering = ["-published_at"]
        get_latest_by = "published_at"

    def __str__(self):
        return self.version


class ConsentRecord(models.Model):
    """One choice, as proof. The consent id is kept only as a keyed hash: the
    browser holds the id itself, in a necessary cookie."""

    class Method(models.TextChoices):
        BANNER = "banner", _("Banner")
        SETTINGS = "settings", _("Settings page")
        EXPIRY = "expiry", _("Ran out")

    consent_index = models.CharField(max_length=64, db_index=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cookie_consents",
    )
    policy = models.ForeignKey(
        PolicyVersion, on_delete=models.PROTECT, related_name="records"
    )
    choices = models.JSONField(
        _("choices"), help_text=_("Per optional group: accepted (true) or not.")
    )
    method = models.CharField(_("given by"), max_length=10, choices=Method.choices)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("cookie consent record")
        verbose_name_plural = _("cookie consent records")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.get_method_display()} {self.created_at:%Y-%m-%d %H:%M}"


class PageViewCount(models.Model):
    """The self-hosted analytics: visits per page and day, counted only with consent."""

    path = models.CharField(max_length=200)
    day = models.DateField()
    views = models.PositiveIntegerField(default=0)
    new_visitors = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("page views")
        verbose_name_plural = _("page views")
        ordering = ["-day", "path"]
        constraints = [
            models.UniqueConstraint(
                fields=["path", "day"], name="one_count_per_page_day"
            )
        ]

    def __str__(self):
        return f"{self.day} {self.path}"
