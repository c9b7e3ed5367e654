"""The site's error handlers (configured in `config.urls`).

Under `/api/` every answer is signed JSON (programs read it); everyone else
gets the site's pages.
"""

from django.views import defaults

from licensing.api.middleware import api_failure, is_api
from licensing.api.responses import not_found as api_not_found


def bad_request(request, exception):
    if is_api(request):
        return api_failure(request, 400, "The request is malformed.")
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    if is_api(request):
        return api_failure(request, 403, "Not allowed.")
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    if request.path.startswith("/api/"):
        return api_not_found(request, exception)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if is_api(request):
        return api_failure(request, 503, "The service cannot answer now; retry later.")
    return defaults.server_error(request)
