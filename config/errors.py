"""The site's error handlers (configured in `config.urls`).

Under `/api/` every answer is signed JSON, under `/keygen/` a signed Keygen
error document (programs read them); everyone else gets the site's pages.
These answer what fails outside the API's own middleware (a disallowed Host
header, for one).
"""

from django.views import defaults

from licensing.api.middleware import api_failure, is_api
from licensing.api.responses import not_found as api_not_found
from licensing.keygen.middleware import is_keygen, keygen_failure


def bad_request(request, exception):
    if is_api(request):
        return api_failure(request, 400, "The request is malformed.")
    if is_keygen(request):
        return keygen_failure(request, 400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    if is_api(request):
        return api_failure(request, 403, "Not allowed.")
    if is_keygen(request):
        return keygen_failure(request, 403)
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    if request.path.startswith("/api/"):
        return api_not_found(request, exception)
    if is_keygen(request):
        return keygen_failure(request, 404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if is_api(request):
        return api_failure(request, 503, "The service cannot answer now; retry later.")
    if is_keygen(request):
        return keygen_failure(request, 503)
    return defaults.server_error(request)
