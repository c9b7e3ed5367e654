"""The site's error handlers (configured in `config.urls`)."""

from django.views import defaults

from licensing.api.responses import not_found as api_not_found


def page_not_found(request, exception):
    """JSON for the client API (which programs read), the site's page for everyone else."""
    if request.path.startswith("/api/v1/"):
        return api_not_found(request, exception)
    return defaults.page_not_found(request, exception)
