"""The admin site: Django's, with two rules added.

- With ADMIN_REQUIRE_MFA (on in production), a staff user without TOTP is sent
  to set it up before the admin shows anything (signing out still works).
- The `r/<content type>/<id>/` shortcut answers only for an object the user's
  model admin shows them (its `get_queryset`): 404 otherwise, as everywhere.
"""

from functools import wraps

from allauth.mfa.models import Authenticator
from django.apps import apps
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.contenttypes import views as contenttype_views
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext as _


def needs_totp(request) -> bool:
    user = request.user
    if not (settings.ADMIN_REQUIRE_MFA and user.is_active and user.is_staff):
        return False
    return not Authenticator.objects.filter(
        user=user, type=Authenticator.Type.TOTP
    ).exists()


class AdminSite(admin.AdminSite):
    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        @wraps(view)
        def guarded(request, *args, **kwargs):
            if view.__name__ != "logout" and needs_totp(request):
                messages.info(
                    request,
                    _(
                        "Set up two-factor authentication first: the "
                        "administration requires it."
                    ),
                )
                return redirect("mfa_activate_totp")
            return inner(request, *args, **kwargs)

        return guarded

    def get_urls(self):
        urls = [
            url
            for url in super().get_urls()
            if getattr(url, "name", None) != "view_on_site"
        ]
        return [
            path(
                "r/<int:content_type_id>/<path:object_id>/",
                self.admin_view(self.shortcut),
                name="view_on_site",
            ),
            *urls,
        ]

    def autocomplete_view(self, request):
        """Django's, for a forward relation only: a reverse one (`field_name=
        invoices` on licenses) would fail inside Django with a 500."""
        try:
            model = apps.get_model(
                request.GET.get("app_label", ""), request.GET.get("model_name", "")
            )
            field = model._meta.get_field(request.GET.get("field_name", ""))
        except (LookupError, ValueError, FieldDoesNotExist):
            raise PermissionDenied from None
        if field.auto_created or not field.is_relation:
            raise PermissionDenied
        return super().autocomplete_view(request)

    def shortcut(self, request, content_type_id, object_id):
        """Django's view-on-site redirect, for objects this user may see."""
        try:
            model = ContentType.objects.get_for_id(content_type_id).model_class()
        except ContentType.DoesNotExist:
            raise Http404 from None
        model_admin = self._registry.get(model)
        if model_admin is None or not model_admin.has_view_or_change_permission(
            request
        ):
            raise Http404
        try:
            visible = model_admin.get_queryset(request).filter(pk=object_id).exists()
        except (ValidationError, ValueError, TypeError):
            visible = False
        if not visible:
            raise Http404
        return contenttype_views.shortcut(request, content_type_id, object_id)
