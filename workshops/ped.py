"""The PED template: the four network-type statements of the 2015 Demokratiapäivä seminar.

The English text is the message id; the Finnish catalogue holds the sheets' wording verbatim
and the Swedish one its translation, so a workshop gets the statements in its own language.
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


def ped_statements(language: str) -> list[tuple[str, str]]:
    """(short name, text) of the four statements in `language`."""
    with override(language):
        return [(str(short_name), str(text)) for short_name, text in PED_STATEMENTS]
