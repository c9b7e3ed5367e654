"""The links in an email, as paths the test client can open, whatever SITE_URL is."""

import re
from urllib.parse import urlsplit

URL = re.compile(r"https?://[^\s<>\"']+")


def link_path(message, path: str) -> str:
    """The path of the first link in `message`'s text whose path fully matches the regex `path`."""
    for url in URL.findall(message.body):
        found = urlsplit(url).path
        if re.fullmatch(path, found):
            return found
    raise AssertionError(f"no link to {path} in {message.body!r}")
