"""Small helpers shared by the licensing tests."""

from licensing.models import License


def refreshed(license: License) -> License:
    """The license as the database holds it now."""
    license.refresh_from_db()
    return license
