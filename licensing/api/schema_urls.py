"""The URLconf the OpenAPI schema is generated from: the real API, with the
plain views of validate and ping replaced by their documented stand-ins."""

from django.urls import include, path

from licensing.api import docs, urls

_STAND_INS = {"api-validate": docs.ValidateDoc, "api-ping": docs.PingDoc}

api_patterns = [
    path(str(p.pattern), _STAND_INS[p.name].as_view(), name=p.name)
    if p.name in _STAND_INS
    else p
    for p in urls.urlpatterns
]

urlpatterns = [path("api/v1/", include(api_patterns))]
