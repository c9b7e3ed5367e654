"""Invoices, their numbering, and refunds."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.fields import EncryptedTextField
from licensing.models.licenses import License


class Invoice(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        PAID = "paid", _("Paid")
        VOID = "void", _("Void")

    license = models.ForeignKey(
        License,
        verbose_name=_("license"),
        on_delete=models.PROTECT,
        related_name="invoices",
    )
    number = models.CharField(_("number"), max_length=32, unique=True)
    # The period this invoice bills: one invoice per license and period.
    period_start = models.DateField(_("period start"))
    issued_on = models.DateField(_("invoice date"))
    due_on = models.DateField(_("due date"))
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(
        _("status"), max_length=8, choices=Status, default=Status.OPEN
    )
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    default_notice_sent_on = models.DateField(
        _("payment-default notice sent"), null=True, blank=True
    )
    # When the registrant is erased, what bookkeeping law requires of the buyer
    # is kept here (encrypted) until `purge_on`, then removed by the retention job.
    billed_to = EncryptedTextField(_("billed to (kept for bookkeeping)"), blank=True)
    purge_on = models.DateField(_("bookkeeping hold until"), null=True, blank=True)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-issued_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["license", "period_start"], name="invoice_one_per_period"
            )
        ]
        indexes = [
            models.Index(
                fields=["due_on"],
                name="invoice_open_due_idx",
                condition=models.Q(status="open"),
            )
        ]

    def __str__(self):
        return self.number

    @property
    def overdue(self) -> bool:
        """Open after its due date (the vendor's calendar day)."""
        return self.status == self.Status.OPEN and self.due_on < timezone.localdate()

    @property
    def badge(self) -> str:
        """The status as the portal's badges show it: an open invoice past due is overdue."""
        return "overdue" if self.overdue else self.status

    @property
    def status_label(self):
        return _("Overdue") if self.overdue else self.get_status_display()


class InvoiceCounter(models.Model):
    """The last invoice number used in a year: numbers run without gaps per year."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("invoice counter")
        verbose_name_plural = _("invoice counters")

    def __str__(self):
        return f"{self.year}: {self.last}"


class Refund(models.Model):
    """Money owed back after a withdrawal or cancellation."""

    license = models.ForeignKey(
        License,
        verbose_name=_("license"),
        on_delete=models.PROTECT,
        related_name="refunds",
    )
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    due_on = models.DateField(_("due date"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.amount} {self.currency}"
