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
from django.utils.translation import gettext_lazy as _

from core.audit import Actor
from licensing import selectors
from licensing.errors import Refused
from licensing.models import Partner


def service_action(description, service, done_message, *, caveat=None):
    """An admin action calling `service(obj, actor)` for each selected object.

    Refusals are reported object by object; successes are counted. `caveat`
    (the service's result -> a message or None) tells staff when a change did
    less than they asked for.
    """

    @admin.action(description=description, permissions=["change"])
    def action(modeladmin, request, queryset):
        actor, done = Actor.user(request.user), 0
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


class PartnerScopedAdmin(admin.ModelAdmin):
    """Partner staff see only rows whose `partner_path` is their partner."""

    partner_path = "partner"

    def scope(self, request, queryset):
        partner = request_partner(request)
        if partner is None:
            return queryset
        return queryset.filter(**{self.partner_path: partner})

    def get_queryset(self, request):
        return self.scope(request, super().get_queryset(request))

    def get_list_filter(self, request):
        # Partners filter by nothing that would list other partners.
        filters = super().get_list_filter(request)
        if request_partner(request) is None:
            return filters
        return [f for f in filters if f != "partner"]

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
