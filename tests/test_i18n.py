"""The Norwegian Bokmål catalog covers every user-facing string and is compiled."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "locale" / "nb" / "LC_MESSAGES"
SOURCES = [
    "accounts",
    "config",
    "cookies",
    "core",
    "licensing",
    "privacy",
    "templates",
    "locale",
    "manage.py",
]


def test_every_string_in_the_code_has_a_norwegian_translation(tmp_path):
    # Extract afresh from a copy, so the committed catalog is compared, not rewritten.
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(
                source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy(source, tmp_path / name)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "nb", "--no-location"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        env={"DJANGO_SETTINGS_MODULE": "config.settings.test", "PATH": "/usr/bin:/bin"},
    )
    extracted = polib.pofile(str(tmp_path / "locale/nb/LC_MESSAGES/django.po"))
    committed = {
        (e.msgctxt, e.msgid): e for e in polib.pofile(str(CATALOG / "django.po"))
    }
    missing = [
        e.msgid
        for e in extracted
        if (e.msgctxt, e.msgid) not in committed
        or not committed[(e.msgctxt, e.msgid)].translated()
        or "fuzzy" in committed[(e.msgctxt, e.msgid)].flags
    ]
    assert missing == [], "run `make messages` and translate these"


def test_the_compiled_catalog_matches_the_sources():
    po = {
        (e.msgctxt, e.msgid): e.msgstr
        for e in polib.pofile(str(CATALOG / "django.po"))
        if e.translated()
    }
    mo = {
        (e.msgctxt, e.msgid): e.msgstr
        for e in polib.mofile(str(CATALOG / "django.mo"))
        if e.msgid
    }
    assert po == mo, "run `make messages` (compilemessages) and commit django.mo"
