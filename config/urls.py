from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core.views import HomeView

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("licensing.api.urls")),
    path(
        "api/schema/",
        SpectacularAPIView.as_view(urlconf="licensing.api.schema_urls"),
        name="api-schema",
    ),
    path(
        "api/docs/",
        SpectacularSwaggerView.as_view(url_name="api-schema"),
        name="api-docs",
    ),
    path("", include("licensing.urls")),
    path("", include("accounts.urls")),
]

handler404 = "config.errors.page_not_found"
