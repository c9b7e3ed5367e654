import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

application = get_wsgi_application()

# After Django is set up: each worker loads the signing keys as it starts, so
# its first answers (ping included) touch no database.
from django.db import connections  # noqa: E402

from licensing import signing  # noqa: E402

signing.warm()
connections.close_all()  # not shared with processes forked from this one
