"""What every licensing admin shares: actions that call services, and the
partner scope.

A partner's staff see only what their partner sold: `PartnerScopedAdmin`
filters the admin's one queryset (`get_queryset`), which Django's admin uses for
change lists, change, history and delete pages, search, actions and
autocomplete; the site's `r/` shortcut checks it too (config/admin.py). An
object outside the scope is a 404 for everyone, never the admin's "does not
exist" redirect (which would confirm the id to a guesser's script through a
different answer).
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.http import Http404, HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from accounts import roles
from core.audit import Actor
from core.models import AuditEvent
from licensing import selectors
from licensing.errors import Refused
from licensing.models import Partner


def service_action(description, service, done_message, *, caveat=None):
    """An admin action calling `service(obj, actor)` for each selected object,
    after a page that lists them and asks to confirm (these changes email
    customers and cannot be undone by a click).

    Refusals are reported object by object; successes are counted. `caveat`
    (the service's result -> a message or None) tells staff when a change did
    less than they asked for.
    """

    @admin.action(description=description, permissions=["change"])
    def action(modeladmin, request, queryset):
        if request.POST.get("confirmed") != "yes":
            return TemplateResponse(
                request,
                "admin/licensing/confirm_action.html",
                {
                    **modeladmin.admin_site.each_context(request),
                    "title": description,
                    "objects": queryset,
                    "action": request.POST.get("action", ""),
                    "opts": modeladmin.opts,
                },
            )
        actor, done = admin_actor(request), 0
        for obj in queryset:
            try:
                result = service(obj, actor)
            except Refused as refused:
                modeladmin.message_user(
                    request, f"{obj}: {refused.message}", messages.WARNING
                )
                continue
            warning = caveat(result) if caveat else None
            if warning:
                modeladmin.message_user(request, f"{obj}: {warning}", messages.WARNING)
            else:
                done += 1
        if done:
            modeladmin.message_user(request, done_message(done), messages.SUCCESS)

    return action


def request_partner(request: HttpRequest) -> Partner | None:
    """The partner the signed-in user works for (looked up once per request)."""
    if not hasattr(request, "_admin_partner"):
        request._admin_partner = selectors.partner_for_user(request.user)
    return request._admin_partner


def partner_scoped(request: HttpRequest) -> bool:
    """Whether the user sees only a partner's share: partner staff, with their
    partner or (failing closed) without one, as after their membership was removed."""
    user = request.user
    if user.is_superuser:
        return False
    return request_partner(request) is not None or roles.has_role(
        user, roles.PARTNER_STAFF
    )


def admin_actor(request: HttpRequest) -> Actor:
    """Who acts in the admin, as what: partner staff, DPO or (vendor) staff."""
    user = request.user
    if partner_scoped(request):
        return Actor(AuditEvent.ActorType.PARTNER, user.pk)
    if roles.has_role(user, roles.DPO):
        return Actor(AuditEvent.ActorType.DPO, user.pk)
    return Actor.user(user)


class PartnerScopedAdmin(admin.ModelAdmin):
    """Partner staff see only rows whose `partner_path` is their partner."""

    partner_path = "partner"
    readonly_page = False

    def scope(self, request, queryset):
        if not partner_scoped(request):
            return queryset
        partner = request_partner(request)
        if partner is None:
            return queryset.none()  # partner staff without a partner: nothing
        return queryset.filter(**{self.partner_path: partner})

    def get_queryset(self, request):
        return self.scope(request, super().get_queryset(request))

    def get_list_filter(self, request):
        # Partners filter by nothing that would list other partners.
        filters = super().get_list_filter(request)
        if not partner_scoped(request):
            return filters
        return [f for f in filters if f != "partner"]

    def lookup_allowed(self, lookup, value, request=None):
        """Partners filter only through the list's own filters: no hand-made
        query (`?licenses__gt=...`) probes what lies outside their share."""
        if request is not None and partner_scoped(request):
            allowed = {
                (f[0] if isinstance(f, tuple) else f)
                for f in self.get_list_filter(request)
            }
            if self.date_hierarchy:
                allowed.add(self.date_hierarchy)
            if lookup.split("__")[0] not in allowed:
                return False
        return super().lookup_allowed(lookup, value, request)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Rows changed only through actions: no Save buttons on their pages.
        if self.readonly_page:
            extra_context = {
                **(extra_context or {}),
                "show_save": False,
                "show_save_and_continue": False,
                "show_save_and_add_another": False,
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_object(self, request, object_id, from_field=None):
        try:
            return super().get_object(request, object_id, from_field)
        except (ValueError, TypeError):
            return None  # an id of the wrong shape: not found either

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404(_("Not found."))

    def delete_view(self, request, object_id, extra_context=None):
        # Django asks for the delete permission first (403 for anyone's row);
        # outside the scope the answer is 404, as on every other page.
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404(_("Not found."))
        return super().delete_view(request, object_id, extra_context)


def csv_cell(value) -> str:
    """A cell a spreadsheet reads as text: one starting like a formula is quoted."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text
