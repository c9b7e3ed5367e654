from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.views import LanguageView
from core.views import HomeView

# The admin signs in through allauth too (rate limits, verified email, TOTP).
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("i18n/setlang/", LanguageView.as_view(), name="set_language"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include("licensing.api.urls")),
    path("keygen/v1/", include("licensing.keygen.urls")),
    path(
        "api/schema/",
        SpectacularAPIView.as_view(urlconf="licensing.api.schema_urls"),
        name="api-schema",
    ),
    path(
        "api/docs/",
        # Its start script is a file of its own (`?script`), as the CSP allows no inline one.
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="api_docs.html"
        ),
        name="api-docs",
    ),
    path("", include("cookies.urls")),
    path("", include("privacy.urls")),
    path("", include("licensing.urls")),
    path("", include("accounts.urls")),
]

handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
