#!/usr/bin/env python
"""Refresh the catalogues and fill in translations from a JSON file, then compile.

    .venv/bin/python scripts/translate.py [--force] [translations.json ...]

The JSON maps an English message id to its translations: {"Log in": {"fi": "Kirjaudu", "sv": "Logga in"}};
for a plural message, give a list of forms: {"%(n)s dot": {"fi": ["%(n)s täplä", "%(n)s täplää"], ...}}.
Only empty or fuzzy entries are filled, so running it twice is harmless; with --force the files'
entries overwrite what the catalogue says (to change an existing wording, or after merging
branches). It prints what is still missing in fi and sv. A lock file keeps two people (or
agents) from rewriting the .po files at once.
"""

import fcntl
import json
import subprocess
import sys
from pathlib import Path

import polib

BASE = Path(__file__).resolve().parent.parent
LANGUAGES = ["fi", "sv", "en"]


def main(argv: list[str]) -> int:
    force = "--force" in argv
    translations = {}
    for name in (arg for arg in argv if arg != "--force"):
        translations.update(json.loads(Path(name).read_text(encoding="utf-8")))
    with open(BASE / "locale" / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        manage = [sys.executable, "manage.py"]
        subprocess.run(
            [
                *manage,
                "makemessages",
                *[f"-l{lang}" for lang in LANGUAGES],
                "--no-obsolete",
                "--ignore=.venv",
                "--ignore=tests",
                "--ignore=bench",
                "--ignore=staticfiles",
                "--ignore=scripts",
            ],
            cwd=BASE,
            check=True,
            capture_output=True,
        )
        missing = 0
        for lang in LANGUAGES:
            path = BASE / "locale" / lang / "LC_MESSAGES" / "django.po"
            po = polib.pofile(str(path), wrapwidth=0)
            for entry in po:
                wanted = translations.get(entry.msgid, {}).get(lang)
                empty = not entry.msgstr and not all(entry.msgstr_plural.values() or [""])
                if wanted and (empty or entry.fuzzy or force):
                    if entry.msgid_plural:  # a list: one form per plural form of the language
                        entry.msgstr_plural = dict(enumerate(wanted))
                    else:
                        entry.msgstr = wanted
                    if "fuzzy" in entry.flags:
                        entry.flags.remove("fuzzy")
                    # Drop the "#| ..." lines of a fuzzy match: msgfmt refuses a stray "#| msgctxt".
                    entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
                if lang != "en" and (
                    entry.fuzzy or not (entry.msgstr or all(entry.msgstr_plural.values() or [""]))
                ):
                    missing += 1
                    print(f"{lang}: untranslated: {entry.msgid!r}")
            po.save()
        subprocess.run(
            [*manage, "compilemessages", "--ignore=.venv"], cwd=BASE, check=True, capture_output=True
        )
    print(f"{missing} untranslated entries in fi and sv")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
