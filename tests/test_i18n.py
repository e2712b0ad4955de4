"""Finnish is the default and Swedish is complete: a missing or fuzzy entry fails the build."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client

BASE = Path(settings.BASE_DIR)
NEEDS_GETTEXT = pytest.mark.skipif(
    shutil.which("xgettext") is None or shutil.which("msgfmt") is None,
    reason="gettext is not installed (make test installs it)",
)


def untranslated(po_path: Path) -> list[str]:
    return [
        entry.msgid
        for entry in polib.pofile(str(po_path))
        if entry.fuzzy or not (entry.msgstr or all(entry.msgstr_plural.values() or [""]))
    ]


def msgids(po_path: Path) -> set[str]:
    return {entry.msgid for entry in polib.pofile(str(po_path))}


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_the_committed_catalogue_is_complete(language):
    po = BASE / "locale" / language / "LC_MESSAGES" / "django.po"
    assert po.exists()
    assert untranslated(po) == []


@NEEDS_GETTEXT
@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_every_marked_string_is_in_the_catalogue_and_compiled(tmp_path, language):
    # Extract afresh from a copy of the source: a string marked but never translated shows up here.
    for name in ["manage.py", "dotvote", "workshops", "templates", "static", "locale"]:
        src = BASE / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, tmp_path / name)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", language, "--no-obsolete", "--no-location"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    fresh = tmp_path / "locale" / language / "LC_MESSAGES" / "django.po"
    committed = BASE / "locale" / language / "LC_MESSAGES" / "django.po"
    assert sorted(msgids(fresh) - msgids(committed)) == [], (
        "run `make messages` and translate the new strings"
    )
    if language != "en":
        assert untranslated(fresh) == []
    # The committed .mo is what the .po says (nobody forgot compilemessages).
    mo = tmp_path / "check.mo"
    subprocess.run(["msgfmt", "-o", str(mo), str(committed)], check=True)
    assert mo.read_bytes() == (committed.with_suffix(".mo")).read_bytes()


@pytest.mark.django_db
def test_finnish_is_the_default_and_the_switcher_changes_language():
    client = Client()
    page = client.get("/")
    assert page.headers["Content-Language"] == "fi"
    assert '<html lang="fi">' in page.text
    client.post("/i18n/setlang/", {"language": "sv", "next": "/"})
    assert '<html lang="sv">' in client.get("/").text
