"""The Keygen-compatible calls, mounted at `/keygen/v1/` and `/keygen/v1/accounts/<account>/`.

Any account id is accepted: a program keeps the one it was built with.
"""

from django.urls import include, path

from licensing.keygen import views

calls = [
    path("me", views.me, name="keygen-me"),
    path(
        "licenses/actions/validate-key",
        views.validate_key,
        name="keygen-validate-key",
    ),
    path(
        "licenses/<str:license>/actions/validate",
        views.validate,
        name="keygen-validate",
    ),
    path(
        "licenses/<str:license>/actions/check-out",
        views.license_checkout,
        name="keygen-license-checkout",
    ),
    path(
        "licenses/<str:license>/machines",
        views.license_machines,
        name="keygen-license-machines",
    ),
    path("machines", views.machines, name="keygen-machines"),
    path("machines/<str:machine>", views.machine, name="keygen-machine"),
    path(
        "machines/<str:machine>/actions/ping",
        views.ping,
        name="keygen-ping",
    ),
    path(
        "machines/<str:machine>/actions/check-out",
        views.machine_checkout,
        name="keygen-machine-checkout",
    ),
]

urlpatterns = [
    path("accounts/<str:account>/", include((calls, "keygen"), namespace="account")),
    path("", include(calls)),
]
