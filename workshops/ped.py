"""The PED template: the four network-type statements of the 2015 Demokratiapäivä seminar.

The English text is the message id; the Finnish catalogue holds the sheets' wording verbatim
and the Swedish one its translation (both as in METHOD.md), so a workshop gets the statements
in its own language, and a bilingual workshop each further language's texts as well.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

PED_STATEMENTS = [
    (
        _("Peer-services network"),
        _(
            "The PED network of the Association of Finnish Municipalities should invest in peer "
            "services: cooperation models, shared agreement templates, working platforms and good "
            "practices (= peer-services network)."
        ),
    ),
    (
        _("Learning and development network"),
        _(
            "The PED network of the Association of Finnish Municipalities should invest in learning "
            "and development: passing on knowledge, combining knowledge and creating new knowledge "
            "(= learning and development network)."
        ),
    ),
    (
        _("Influence network"),
        _(
            "The PED network of the Association of Finnish Municipalities should invest in "
            "influencing: working with stakeholders and opening channels of influence "
            "(= influence network)."
        ),
    ),
    (
        _("Network for creating the new"),
        _(
            "The PED network of the Association of Finnish Municipalities should invest in work "
            "across organisational and sector boundaries and in developing new activity "
            "(= network for creating the new)."
        ),
    ),
]

PED_TITLE = _("PED network: four network types")

# The seminar's own script ("Aivoriihen (täpläriihen) työskentelytapa"), one text per phase.
PED_INSTRUCTIONS = {
    "pair_talk_1_question": _(
        "Talk with the person next to you about everything the PED network will be needed for "
        "in 2016 (about 10 min)."
    ),
    "pair_talk_2_question": _(
        "Consider with the person next to you what benefits the PED network could gain in 2016 "
        "from each of the four network types (about 10 min)."
    ),
    "voting_instruction": _(
        "You have 10 dots of your own. Spread them over the four network types in proportion to "
        "how much each should weigh in the PED network's work in 2016 (about 10 min)."
    ),
}

# A blank workshop's script: short and general, for the facilitator to rewrite.
GENERIC_INSTRUCTIONS = {
    "pair_talk_1_question": _(
        "Talk with the person next to you about the statements: what do they mean to you?"
    ),
    "pair_talk_2_question": _(
        "Consider with the person next to you the strengths, weaknesses, opportunities and "
        "threats of each statement."
    ),
    "voting_instruction": _(
        "Spread your dots over the statements in proportion to how much each should weigh, "
        "and tick how much you agree with each one."
    ),
}


def instructions(template: str, language: str) -> dict[str, str]:
    """The per-phase texts of a new workshop, as Workshop field names, in `language`."""
    texts = PED_INSTRUCTIONS if template == "ped" else GENERIC_INSTRUCTIONS
    with override(language):
        return {field: str(text) for field, text in texts.items()}


def ped_statements(language: str) -> list[tuple[str, str]]:
    """(short name, text) of the four statements in `language`."""
    with override(language):
        return [(str(short_name), str(text)) for short_name, text in PED_STATEMENTS]


def ped_title(language: str) -> str:
    with override(language):
        return str(PED_TITLE)


def workshop_translations(template: str, languages) -> dict[str, dict[str, str]]:
    """A new workshop's per-phase texts in each further language: Workshop.translations."""
    return {language: instructions(template, language) for language in languages}


def statement_translations(languages) -> list[dict[str, dict[str, str]]]:
    """Statement.translations of each of the four statements, in the further `languages`."""
    by_language = {language: ped_statements(language) for language in languages}
    return [
        {
            language: {"short_name": texts[i][0], "text": texts[i][1]}
            for language, texts in by_language.items()
        }
        for i in range(len(PED_STATEMENTS))
    ]
