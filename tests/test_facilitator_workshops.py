"""Creating, editing, copying, clearing and deleting workshops, and the PED template's wording."""

import re
from datetime import timedelta
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from workshops import services
from workshops.models import Answer, Note, Participant, Phase, Signature, Statement, Workshop
from workshops.ped import PED_STATEMENTS

pytestmark = pytest.mark.django_db

# The four statements as printed on the seminar's sheets (../shared/METHOD.md, "fi (verbatim...)").
SEED_FINNISH = [
    "Kuntaliiton PED-verkoston tulee panostaa vertaispalveluihin eli yhteistyömalleihin, yhteisiin "
    "sopimuspohjiin, työskentelyalustoihin ja hyviin käytäntöihin (= vertaispalveluverkosto).",
    "Kuntaliiton PED-verkoston tulee panostaa oppimis- ja kehittämistyöskentelyyn eli tiedon "
    "välittämiseen, tiedon yhdistämiseen ja uuden tiedon luomiseen (= oppimis- ja kehittämisverkosto).",
    "Kuntaliiton PED-verkoston tulee panostaa vaikuttamiseen eli sidosryhmien kanssa työskentelyyn "
    "ja vaikuttamiskanavien aukaisemiseen (= vaikuttamisen verkosto).",
    "Kuntaliiton PED-verkoston tulee panostaa organisaatio- ja toimialarajat ylittävään toimintaan "
    "ja uuden toiminnan kehittämiseen (= uuden luomisen verkosto).",
]


def new_workshop(client, **fields):
    data = {
        "title": "Demokratiapäivä 2015",
        "template": "ped",
        "language": "fi",
        "dots_per_participant": "10",
        "max_dots_per_statement": "",
        "collect_signatures": "on",
        **fields,
    }
    return client.post(reverse("workshop_new"), data)


def texts(workshop):
    return list(workshop.statements.order_by("position").values_list("text", flat=True))


def test_the_ped_template_has_the_seeds_finnish_wording_exactly(owner_client, owner):
    response = new_workshop(owner_client)
    workshop = Workshop.objects.get(owner=owner)
    assert response.status_code == 302
    assert response.url == reverse("workshop_run", args=[workshop.code])
    assert texts(workshop) == SEED_FINNISH
    assert list(workshop.statements.values_list("position", flat=True)) == [1, 2, 3, 4]


def catalogue(language):
    po = polib.pofile(str(Path(settings.BASE_DIR) / "locale" / language / "LC_MESSAGES" / "django.po"))
    return {entry.msgid: entry.msgstr for entry in po if not entry.obsolete}


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_ped_template_in_swedish_and_english_comes_from_the_catalogue(owner_client, owner, language):
    new_workshop(owner_client, language=language)
    workshop = Workshop.objects.get(owner=owner)
    # The catalogue's four statement entries, in source order (the order of the sheets).
    entries = {
        msgid: text for msgid, text in catalogue(language).items() if msgid.startswith("The PED network")
    }
    assert len(entries) == len(PED_STATEMENTS) == 4
    expected = (
        [text or msgid for msgid, text in entries.items()] if language == "en" else list(entries.values())
    )
    assert texts(workshop) == expected
    assert all(expected)
    start = {"sv": "Kommunförbundets PED-nätverk bör satsa på", "en": "The PED network of the Association"}
    assert all(text.startswith(start[language]) for text in texts(workshop))


def test_it_creates_a_blank_workshop_with_its_settings_and_asks_for_statements(owner_client, owner):
    response = new_workshop(
        owner_client,
        template="blank",
        dots_per_participant="5",
        max_dots_per_statement="3",
        collect_signatures="",
    )
    workshop = Workshop.objects.get(owner=owner)
    assert response.url == reverse("workshop_edit", args=[workshop.code])
    assert not workshop.statements.exists()
    assert (workshop.dots_per_participant, workshop.max_dots_per_statement) == (5, 3)
    assert workshop.collect_signatures is False
    assert workshop.phase == Phase.DRAFT
    assert workshop.delete_after == timezone.localdate() + timedelta(days=settings.RETENTION_DAYS)


@pytest.mark.parametrize("dots", ["0", "101", "ten"])
def test_it_refuses_dots_outside_1_to_100(owner_client, owner, dots):
    response = new_workshop(owner_client, dots_per_participant=dots)
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.text
    assert not Workshop.objects.exists()


def test_the_new_workshop_form_defaults_to_ten_dots_and_the_ped_template(owner_client):
    page = owner_client.get(reverse("workshop_new")).text
    assert 'name="dots_per_participant" value="10"' in page
    assert 'value="ped" required checked' in page or ('value="ped"' in page and "checked" in page)


# --- Statements -------------------------------------------------------------------------------


def test_it_adds_edits_moves_and_removes_statements_before_anyone_votes(owner_client, workshop, statements):
    code = workshop.code
    owner_client.post(reverse("statement_add", args=[code]), {"short_name": "Viides", "text": "Uusi väite."})
    assert texts(workshop)[-1] == "Uusi väite."
    fifth = workshop.statements.get(position=5)

    owner_client.post(
        reverse("statement_edit", args=[code, fifth.pk]), {"short_name": "V", "text": "Muokattu."}
    )
    fifth.refresh_from_db()
    assert (fifth.short_name, fifth.text) == ("V", "Muokattu.")

    owner_client.post(reverse("statement_move", args=[code, fifth.pk]), {"direction": "up"})
    assert texts(workshop)[3:] == ["Muokattu.", SEED_FINNISH[3]]

    owner_client.post(reverse("statement_remove", args=[code, statements[0].pk]))
    assert texts(workshop) == [SEED_FINNISH[1], SEED_FINNISH[2], "Muokattu.", SEED_FINNISH[3]]
    assert list(workshop.statements.order_by("position").values_list("position", flat=True)) == [1, 2, 3, 4]


def test_moving_the_first_statement_up_changes_nothing(owner_client, workshop, statements):
    owner_client.post(reverse("statement_move", args=[workshop.code, statements[0].pk]), {"direction": "up"})
    assert texts(workshop) == SEED_FINNISH


def test_an_htmx_statement_change_answers_with_the_statement_list(owner_client, workshop, statements):
    response = owner_client.post(
        reverse("statement_move", args=[workshop.code, statements[0].pk]),
        {"direction": "down"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="statements"')
    assert texts(workshop)[:2] == [SEED_FINNISH[1], SEED_FINNISH[0]]


def test_a_statement_of_another_workshop_is_not_found(owner_client, owner, workshop):
    elsewhere = services.create_workshop(owner, "Toinen", template="ped")
    foreign = elsewhere.statements.first()
    assert owner_client.get(reverse("statement_edit", args=[workshop.code, foreign.pk])).status_code == 404
    owner_client.post(reverse("statement_remove", args=[workshop.code, foreign.pk]))
    assert elsewhere.statements.count() == 4


@pytest.mark.parametrize("vote", ["dot", "rating"])
def test_statements_are_locked_once_any_dot_or_rating_exists(owner_client, workshop, statements, vote):
    services.set_phase(workshop, Phase.VOTING)
    participant = services.join(workshop)
    if vote == "dot":
        services.set_dots(participant, statements[2].pk, 1)
    else:
        services.set_rating(participant, statements[2].pk, "neutral")
    code, first = workshop.code, statements[0]
    attempts = [
        ("statement_add", [code], {"short_name": "x", "text": "Uusi."}),
        ("statement_edit", [code, first.pk], {"short_name": "x", "text": "Muutettu."}),
        ("statement_move", [code, first.pk], {"direction": "down"}),
        ("statement_remove", [code, first.pk], {}),
    ]
    with pytest.raises(services.StatementsLocked) as locked:
        services.ensure_statements_editable(workshop)
    refusal = f'class="message error"[^>]*>{re.escape(escape(locked.value.message))}<'
    for name, args, data in attempts:
        response = owner_client.post(reverse(name, args=args), data, follow=True)
        assert re.search(refusal, response.text), name
        assert texts(workshop) == SEED_FINNISH, name
    with pytest.raises(services.StatementsLocked):
        services.add_statement(workshop, "x", "y")


def test_the_dot_budget_is_locked_once_votes_exist_but_the_title_is_not(
    owner_client, participant, statements
):
    workshop = participant.workshop
    services.set_dots(participant, statements[0].pk, 10)
    settings_form = {
        "title": "Uusi nimi",
        "language": "fi",
        "dots_per_participant": "5",
        "participant_limit": "500",
        "delete_after": workshop.delete_after.isoformat(),
        "collect_signatures": "on",
    }
    response = owner_client.post(reverse("workshop_edit", args=[workshop.code]), settings_form)
    with pytest.raises(services.DotsLocked) as locked:
        services.update_workshop(workshop, dots_per_participant=5)
    assert escape(locked.value.message) in response.text
    assert "aria-invalid" not in response.text and 'class="form-errors"' in response.text
    workshop.refresh_from_db()
    assert (workshop.title, workshop.dots_per_participant) == ("Demokratiapäivä", 10)
    owner_client.post(
        reverse("workshop_edit", args=[workshop.code]), {**settings_form, "dots_per_participant": "10"}
    )
    workshop.refresh_from_db()
    assert workshop.title == "Uusi nimi"


def test_the_retention_date_can_be_moved_but_not_into_the_past(owner_client, workshop):
    form = {
        "title": workshop.title,
        "language": "fi",
        "dots_per_participant": "10",
        "participant_limit": "500",
        "collect_signatures": "on",
    }
    later = timezone.localdate() + timedelta(days=365)
    owner_client.post(
        reverse("workshop_edit", args=[workshop.code]), {**form, "delete_after": later.isoformat()}
    )
    workshop.refresh_from_db()
    assert workshop.delete_after == later
    yesterday = timezone.localdate() - timedelta(days=1)
    response = owner_client.post(
        reverse("workshop_edit", args=[workshop.code]), {**form, "delete_after": yesterday.isoformat()}
    )
    assert response.status_code == 200
    workshop.refresh_from_db()
    assert workshop.delete_after == later


# --- Duplicate, clear, delete ------------------------------------------------------------------


def test_a_duplicate_has_the_same_statements_and_settings_and_no_votes(owner_client, participant, statements):
    original = participant.workshop
    services.set_dots(participant, statements[0].pk, 4)
    original.max_dots_per_statement = 6
    original.save()
    response = owner_client.post(reverse("workshop_duplicate", args=[original.code]))
    copy = Workshop.objects.exclude(pk=original.pk).get()
    assert response.url == reverse("workshop_edit", args=[copy.code])
    assert copy.code != original.code and copy.projector_secret != original.projector_secret
    assert texts(copy) == SEED_FINNISH
    assert (copy.dots_per_participant, copy.max_dots_per_statement, copy.language) == (10, 6, "fi")
    assert copy.phase == Phase.DRAFT
    assert not copy.participants.exists()
    assert not services.has_votes(copy)
    assert Answer.objects.filter(statement__workshop=original).count() == 1


def test_clearing_votes_asks_first_then_deletes_every_answer_and_unlocks(
    owner_client, participant, statements
):
    workshop = participant.workshop
    services.set_dots(participant, statements[0].pk, 3)
    services.add_note(participant, statements[0].pk, "S", "Hyvä idea")
    services.sign(workshop, "Maija Meikäläinen")
    url = reverse("workshop_clear_votes", args=[workshop.code])
    confirm = owner_client.get(url)
    assert confirm.status_code == 200
    assert "3" in confirm.text and Participant.objects.count() == 1  # nothing happens on GET
    response = owner_client.post(url)
    assert response.url == reverse("workshop_run", args=[workshop.code])
    assert not Answer.objects.exists() and not Note.objects.exists()
    assert not Participant.objects.exists() and not Signature.objects.exists()
    assert Statement.objects.filter(workshop=workshop).count() == 4
    services.ensure_statements_editable(workshop)


def test_deleting_asks_first_then_deletes_everything(owner_client, participant, statements):
    workshop = participant.workshop
    services.set_dots(participant, statements[0].pk, 3)
    url = reverse("workshop_delete", args=[workshop.code])
    assert workshop.title in owner_client.get(url).text
    assert Workshop.objects.filter(pk=workshop.pk).exists()
    response = owner_client.post(url)
    assert response.url == reverse("workshop_list")
    assert not Workshop.objects.exists() and not Answer.objects.exists() and not Statement.objects.exists()


def test_an_htmx_delete_navigates_with_a_client_redirect(owner_client, workshop):
    response = owner_client.post(reverse("workshop_delete", args=[workshop.code]), HTTP_HX_REQUEST="true")
    assert response.headers["HX-Redirect"] == reverse("workshop_list")
    assert not Workshop.objects.exists()


def test_my_workshops_shows_code_phase_participants_and_links(owner_client, participant):
    workshop = participant.workshop
    services.join(workshop)
    page = owner_client.get(reverse("workshop_list")).text
    assert workshop.code in page
    assert "Äänestys" in page  # the phase, in Finnish
    assert 'data-label="Osallistujat">2</td>' in page  # participants, labelled in Finnish
    assert reverse("workshop_run", args=[workshop.code]) in page
