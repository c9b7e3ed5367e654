"""Error reports (the emails to ADMINS, the debug page) without the client's personal data.

Django's reports carry the client's address, user agent, cookies, the query
string and every form field, and name the user by login address. These
classes keep the report's use (what failed, where, for which request method
and path) and mask what identifies a person. Configured in settings as
DEFAULT_EXCEPTION_REPORTER_FILTER and DEFAULT_EXCEPTION_REPORTER.
"""

from __future__ import annotations

import re

from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

# request.META keys that identify the client or can carry personal data.
CLIENT_META = re.compile(
    r"""^(
        REMOTE_ADDR | REMOTE_HOST | REMOTE_USER | REMOTE_PORT
      | QUERY_STRING | RAW_URI | REQUEST_URI
      | HTTP_X_FORWARDED_.* | HTTP_FORWARDED | HTTP_X_REAL_IP | HTTP_X_CLIENT_IP
      | HTTP_CLIENT_IP | HTTP_TRUE_CLIENT_IP | HTTP_CF_CONNECTING_IP | HTTP_CF_IPCOUNTRY
      | HTTP_X_ORIGINAL_FORWARDED_FOR | HTTP_VIA
      | HTTP_USER_AGENT | HTTP_SEC_CH_UA.* | HTTP_FROM | HTTP_DNT
      | HTTP_COOKIE | HTTP_AUTHORIZATION | HTTP_PROXY_AUTHORIZATION
      | HTTP_REFERER | HTTP_ORIGIN
      | gunicorn\.socket
    )$""",
    re.VERBOSE,
)


class PrivateExceptionReporterFilter(SafeExceptionReporterFilter):
    """Masks the client's address, agent, cookies, query string and form values.

    Unlike Django's own filtering of sensitive parameters, this applies with
    DEBUG on too: the debug page can be shown, captured or pasted anywhere.
    """

    def get_safe_request_meta(self, request):
        meta = super().get_safe_request_meta(request)
        return {
            key: self.cleansed_substitute if CLIENT_META.match(key) else value
            for key, value in meta.items()
        }

    def get_safe_cookies(self, request):
        return dict.fromkeys(getattr(request, "COOKIES", {}), self.cleansed_substitute)

    def get_post_parameters(self, request):
        if request is None:
            return {}
        return self._masked(request.POST)

    def get_cleansed_multivaluedict(self, request, multivaluedict):
        return self._masked(multivaluedict)

    def cleanse_special_types(self, request, value):
        # A request among a frame's variables would show its query string.
        if isinstance(value, HttpRequest):
            return f"<{type(value).__name__}: {value.method} {value.path!r}>"
        return super().cleanse_special_types(request, value)

    def _masked(self, values: MultiValueDict) -> MultiValueDict:
        masked = MultiValueDict()
        for key in values:
            masked[key] = self.cleansed_substitute
        return masked


class PrivateExceptionReporter(ExceptionReporter):
    """Names the user by id, not by login address; masks query values."""

    def get_traceback_data(self):
        data = super().get_traceback_data()
        if self.request is None:
            return data
        substitute = self.filter.cleansed_substitute
        data["user_str"] = self._user_description()
        data["request_GET_items"] = [(key, substitute) for key in self.request.GET]
        data["request_insecure_uri"] = data["request_insecure_uri"].partition("?")[0]
        return data

    def _user_description(self) -> str | None:
        try:
            user = self.request.user
        except AttributeError:
            return None
        except Exception:  # the database may be the failure being reported
            return "[unable to retrieve the current user]"
        if getattr(user, "is_anonymous", True):
            return "anonymous"
        return f"user {user.pk}"
