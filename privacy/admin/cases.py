"""The data protection officer's console: a case per request, with its due
date (overdue and near-due cases stand out), identity, extension, export, erasure,
restriction, refusal and answer; the records of processing."""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.models import Customer
from core.audit import Actor
from core.fields import blind_index
from privacy import rules, selectors, services
from privacy.models import PrivacyCase

NEAR_DUE_DAYS = 7


class RecordCaseForm(forms.Form):
    kind = forms.ChoiceField(label=_("Request"), choices=PrivacyCase.Kind.choices)
    email = forms.EmailField(label=_("The person's email address"), max_length=254)
    received_on = forms.DateField(
        label=_("Received on"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    awaiting_identity = forms.BooleanField(
        label=_("The identity is still to be checked (the clock waits)"),
        required=False,
    )
    identity_method = forms.CharField(
        label=_("How the identity was checked"), max_length=100, required=False
    )
    details = forms.CharField(
        label=_("What the person asks"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean_received_on(self):
        received = self.cleaned_data["received_on"]
        if received > timezone.localdate():
            raise forms.ValidationError(
                _("A request cannot be received in the future.")
            )
        return received


class ExtendForm(forms.Form):
    months = forms.TypedChoiceField(
        label=_("Extend by"),
        choices=[(1, _("1 month")), (2, _("2 months"))],
        coerce=int,
    )
    reason = forms.CharField(
        label=_("Reason (sent to the person)"), widget=forms.Textarea, max_length=2000
    )


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (sent to the person, with their right to complain)"),
        widget=forms.Textarea,
        max_length=2000,
    )


class DueFilter(admin.SimpleListFilter):
    title = _("answer due")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [("overdue", _("overdue")), ("soon", _("within 7 days"))]

    def queryset(self, request, queryset):
        if self.value() not in ("overdue", "soon"):
            return queryset
        today = timezone.localdate()
        open_cases = [
            case
            for case in queryset.filter(status=PrivacyCase.Status.OPEN)
            if case.due_on is not None
        ]
        if self.value() == "overdue":
            ids = [c.pk for c in open_cases if c.due_on < today]
        else:
            soon = today + timedelta(days=NEAR_DUE_DAYS)
            ids = [c.pk for c in open_cases if today <= c.due_on <= soon]
        return queryset.filter(pk__in=ids)


@admin.register(PrivacyCase)
class PrivacyCaseAdmin(admin.ModelAdmin):
    # What the DPO works from first: when it is due; the source is a filter.
    list_display = ["reference", "due", "status", "kind", "received_on", "closed_at"]
    list_filter = [DueFilter, "status", "kind", "source"]

    def get_ordering(self, request):
        # Cases still to answer first, oldest first; then the closed ones.
        still_open = models.Case(
            models.When(
                status__in=[
                    PrivacyCase.Status.OPEN,
                    PrivacyCase.Status.AWAITING_IDENTITY,
                ],
                then=0,
            ),
            default=1,
            output_field=models.IntegerField(),
        )
        return [still_open.asc(), "received_on", "pk"]

    date_hierarchy = "received_on"
    search_fields = ["reference"]
    search_help_text = _("A case reference, or the person's exact email address.")
    fields = readonly_fields = [
        "reference",
        "kind",
        "status",
        "source",
        "customer",
        "contact",
        "details",
        "received_on",
        "clock_started_on",
        "due",
        "identity_method",
        "extension_months",
        "extension_reason",
        "extension_notified_at",
        "emails",
        "closed_at",
        "created_at",
    ]
    actions = [
        "confirm_identity",
        "extend",
        "prepare_export",
        "start_erasure",
        "restrict",
        "lift_restriction",
        "refuse",
        "answer",
    ]

    @admin.display(description=_("answer due"))
    def due(self, case):
        due = case.due_on
        if due is None:
            return _("waiting for identity")
        if case.status != PrivacyCase.Status.OPEN:
            return due
        today = timezone.localdate()
        if due < today:
            state = "overdue"
        elif due <= today + timedelta(days=NEAR_DUE_DAYS):
            state = "soon"
        else:
            state = "later"
        return format_html(
            '<span class="admin-badge admin-due-{}">{}</span>',
            state,
            date_format(due, "DATE_FORMAT"),
        )

    @admin.display(description=_("emails sent"))
    def emails(self, case):
        sent = selectors.case_emails(case)
        return (
            ", ".join(
                f"{m.template.rsplit('/', 1)[-1]} ({m.get_status_display()})"
                for m in sent
            )
            or "-"
        )

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if "@" in term:
            customers = Customer.objects.filter(
                email_index=blind_index(Customer.EMAIL_INDEX, term)
            )
            return queryset.filter(customer__in=customers), False
        return queryset.filter(reference__iexact=term) if term else queryset, False

    def has_delete_permission(self, request, obj=None):
        return False  # a request and its answer are kept as proof

    def add_view(self, request, form_url="", extra_context=None):
        """Record a request received outside the site (letter, email, phone)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = RecordCaseForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            case = services.case_record(
                kind=data["kind"],
                email=data["email"],
                received_on=data["received_on"],
                identity_method=data["identity_method"],
                awaiting_identity=data["awaiting_identity"],
                details=data["details"],
                actor=Actor.user(request.user),
            )
            self.message_user(
                request,
                _("Request %(reference)s recorded.") % {"reference": case.reference},
                messages.SUCCESS,
            )
            return redirect("admin:privacy_privacycase_change", case.pk)
        return TemplateResponse(
            request,
            "admin/privacy/form.html",
            {
                **self.admin_site.each_context(request),
                "form": form,
                "opts": self.opts,
                "title": _("Record a request"),
            },
            status=400 if form.errors else 200,
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(
        description=_("Identity confirmed: start the clock"), permissions=["change"]
    )
    def confirm_identity(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda case, actor: services.case_confirm_identity(
                case_id=case.pk, method="checked by the DPO", actor=actor
            ),
        )

    @admin.action(
        description=_("Answer with the export (the person gets a link)"),
        permissions=["change"],
    )
    def prepare_export(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda case, actor: services.case_export(case_id=case.pk, actor=actor),
        )

    @admin.action(
        description=_("Start the erasure (after the grace period)"),
        permissions=["change"],
    )
    def start_erasure(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda case, actor: services.case_erase(case_id=case.pk, actor=actor),
        )

    @admin.action(
        description=_("Restrict processing (no marketing, no changes but by the DPO)"),
        permissions=["change"],
    )
    def restrict(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda case, actor: services.case_restrict(case_id=case.pk, actor=actor),
        )

    @admin.action(description=_("Lift the restriction"), permissions=["change"])
    def lift_restriction(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda case, actor: services.case_restrict(
                case_id=case.pk, actor=actor, lift=True
            ),
        )

    @admin.action(description=_("Refuse (with a reason)"), permissions=["change"])
    def refuse(self, request, queryset):
        form = RefuseForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            self._each(
                request,
                queryset,
                lambda case, actor: services.case_refuse(
                    case_id=case.pk, reason=form.cleaned_data["reason"], actor=actor
                ),
            )
            return None
        return TemplateResponse(
            request,
            "admin/privacy/extend.html",
            {
                **self.admin_site.each_context(request),
                "form": form,
                "cases": queryset,
                "opts": self.opts,
                "title": _("Refuse the request"),
                "action": "refuse",
            },
        )

    @admin.action(
        description=_("Mark as answered (the person is told)"), permissions=["change"]
    )
    def answer(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda case, actor: services.case_answer(case_id=case.pk, actor=actor),
        )

    @admin.action(
        description=_("Extend the deadline (with a reason)"), permissions=["change"]
    )
    def extend(self, request, queryset):
        form = ExtendForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            self._each(
                request,
                queryset,
                lambda case, actor: services.case_extend(
                    case_id=case.pk,
                    months=form.cleaned_data["months"],
                    reason=form.cleaned_data["reason"],
                    actor=actor,
                ),
            )
            return None
        return TemplateResponse(
            request,
            "admin/privacy/extend.html",
            {
                **self.admin_site.each_context(request),
                "form": form,
                "cases": queryset,
                "opts": self.opts,
                "title": _("Extend the deadline"),
                "action": "extend",
            },
        )

    def _each(self, request, queryset, service):
        actor, done = Actor.user(request.user), 0
        for case in queryset:
            try:
                service(case, actor)
            except services.PrivacyRefused as refused:
                self.message_user(
                    request, f"{case}: {refused.message}", messages.WARNING
                )
            else:
                done += 1
        if done:
            self.message_user(
                request, _("Done: %(n)d.") % {"n": done}, messages.SUCCESS
            )

    def get_urls(self):
        return [
            path(
                "records-of-processing/",
                self.admin_site.admin_view(self.records_view),
                name="privacy_records",
            ),
            *super().get_urls(),
        ]

    def records_view(self, request):
        """Art. 30: the records of processing, generated from the registry."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        return TemplateResponse(
            request,
            "admin/privacy/records.html",
            {
                **self.admin_site.each_context(request),
                "records": selectors.records_of_processing(),
                "subprocessors": settings.PRIVACY_SUBPROCESSORS,
                "opts": self.opts,
                "title": _("Records of processing (Art. 30)"),
                "max_extension": rules.MAX_EXTENSION_MONTHS,
            },
        )
