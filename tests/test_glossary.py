"""The glossary of locale/README.md: one word per idea, so the words it rules out appear nowhere."""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings

# The README's "Never" list, and the projector's other names ("videotykki" / "projektor" is the word).
NEVER = {
    "fi": [
        r"muistiinpano",
        r"lappu",
        r"allekirjoituslista",
        r"osallistujalista",
        r"parikeskustelu",
        r"projektori",
    ],
    "sv": [r"\bverkstad", r"\bmoderator", r"\blapp(ar|en|arna)?\b", r"storbildsskärm"],
}


@pytest.mark.parametrize("language", sorted(NEVER))
def test_no_translation_uses_a_word_the_glossary_rules_out(language):
    po = polib.pofile(str(Path(settings.BASE_DIR) / "locale" / language / "LC_MESSAGES" / "django.po"))
    found = [
        (word, entry.msgid)
        for entry in po
        for text in [entry.msgstr, *entry.msgstr_plural.values()]
        for word in NEVER[language]
        if re.search(word, text, re.IGNORECASE)
    ]
    assert found == []
