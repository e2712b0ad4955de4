"""The seminar's script: one instruction per phase, from the seed for the PED template."""

import pytest

from workshops import services
from workshops.models import Phase

pytestmark = pytest.mark.django_db


def test_the_ped_template_carries_the_seeds_script_in_finnish(owner):
    workshop = services.create_workshop(owner, "PED", template="ped", language="fi")
    assert workshop.pair_talk_1_question.startswith("Käy vierustoverisi kanssa pariporinat siitä, mihin")
    assert workshop.pair_talk_2_question.startswith("Pohdi vierustoverisi kanssa, mitä hyötyjä")
    assert workshop.voting_instruction.startswith("Sinulla on henkilökohtaisesti käytössäsi 10 täplää.")


@pytest.mark.parametrize(
    ("language", "start"), [("sv", "Samtala med personen bredvid dig om allt"), ("en", "Talk with the")]
)
def test_the_ped_script_in_swedish_and_english(owner, language, start):
    workshop = services.create_workshop(owner, "PED", template="ped", language=language)
    assert workshop.pair_talk_1_question.startswith(start)


def test_a_blank_workshop_gets_a_short_generic_script_and_a_copy_keeps_it(owner):
    workshop = services.create_workshop(owner, "Oma", template="blank", language="fi")
    assert "PED" not in workshop.voting_instruction and workshop.voting_instruction
    workshop.voting_instruction = "Jaa täplät."
    workshop.save()
    copy = services.duplicate_workshop(workshop, owner, "Kopio")
    assert copy.voting_instruction == "Jaa täplät."
    assert copy.pair_talk_1_question == workshop.pair_talk_1_question


def test_the_instruction_follows_the_phase(workshop):
    assert workshop.instruction == ""
    services.set_phase(workshop, Phase.PAIR_TALK_2)
    assert workshop.instruction == workshop.pair_talk_2_question
    services.set_phase(workshop, Phase.VOTING)
    assert workshop.instruction == workshop.voting_instruction
    services.set_phase(workshop, Phase.CLOSED)
    assert workshop.instruction == ""
