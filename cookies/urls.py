from django.urls import path

from cookies import views

app_name = "cookies"

urlpatterns = [
    path("cookies/", views.CookiePolicyView.as_view(), name="policy"),
    path("cookies/settings/", views.CookieSettingsView.as_view(), name="settings"),
    path("cookies/consent/", views.ConsentView.as_view(), name="consent"),
    path("cookies/analytics/", views.AnalyticsHitView.as_view(), name="analytics"),
]
