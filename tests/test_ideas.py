"""Ideas from the hall (issue 17): the rules, the phone's page, the facilitator's page, the projector."""

import csv
import io
import json

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import translation

from workshops import screens, services
from workshops.models import (
    SHORT_NAME_MAX_LENGTH,
    STATEMENT_MAX_LENGTH,
    Phase,
    Proposal,
    ProposalOutcome,
)

pytestmark = pytest.mark.django_db

EVIL = '<script>alert("x")</script>'


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _english(client):
    """The messages in English: the services' (activated here) and the facilitator's pages (switcher)."""
    client.cookies["django_language"] = "en"  # owner_client is this same client, logged in
    with translation.override("en"):
        yield


@pytest.fixture
def ideas_workshop(owner):
    """A blank workshop that collects ideas, in English, with its ideas phase open."""
    workshop = services.create_workshop(owner, "Ideas day", template="blank", language="en")
    services.update_workshop(workshop, collect_ideas=True)
    return services.set_phase(workshop, Phase.IDEAS)


def joined(workshop) -> Client:
    client = Client()
    client.post(f"/{workshop.code}")
    return client


def propose_url(workshop) -> str:
    return reverse("participant_idea_add", args=[workshop.code])


# --- Phases ----------------------------------------------------------------------------------------


def test_the_ideas_phase_is_off_by_default_and_refused_without_the_setting(owner):
    workshop = services.create_workshop(owner, "Plain", template="ped", language="en")
    assert workshop.collect_ideas is False
    assert Phase.IDEAS not in screens.steps_for(workshop)
    with pytest.raises(services.InvalidInput, match="does not collect ideas"):
        services.set_phase(workshop, Phase.IDEAS)


def test_with_ideas_the_step_comes_after_the_first_pair_talk_and_needs_no_statement(owner):
    workshop = services.create_workshop(owner, "Blank", template="blank", language="en")
    services.update_workshop(workshop, collect_ideas=True)
    assert screens.steps_for(workshop) == [
        Phase.PAIR_TALK_1,
        Phase.IDEAS,
        Phase.PAIR_TALK_2,
        Phase.VOTING,
        Phase.CLOSED,
    ]
    services.set_phase(workshop, Phase.PAIR_TALK_1)
    services.set_phase(workshop, Phase.IDEAS)
    with pytest.raises(services.InvalidInput, match="Accept at least one idea"):
        services.set_phase(workshop, Phase.VOTING)


def test_the_run_screen_offers_the_ideas_step_and_one_link_to_the_ideas_page(owner_client, ideas_workshop):
    page = owner_client.get(reverse("workshop_run", args=[ideas_workshop.code])).content.decode()
    assert "Start collecting ideas" in page
    assert reverse("ideas_console", args=[ideas_workshop.code]) in page


# --- The phone ---------------------------------------------------------------------------------------


def test_the_phone_shows_the_ideas_form_in_the_ideas_phase(ideas_workshop):
    phone = joined(ideas_workshop)
    page = phone.get(f"/{ideas_workshop.code}/me/").content.decode()
    assert 'data-page="ideas"' in page
    assert "Write each idea on its own sheet" in page
    assert 'name="text"' in page and f'maxlength="{STATEMENT_MAX_LENGTH}"' in page


def test_a_participant_proposes_sees_edits_and_withdraws_their_own_idea(ideas_workshop):
    phone = joined(ideas_workshop)
    response = phone.post(propose_url(ideas_workshop), {"short_name": "Training", "text": "Train together."})
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert (proposal.short_name, proposal.text, proposal.outcome) == (
        "Training",
        "Train together.",
        "pending",
    )
    assert "Train together." in phone.get(f"/{ideas_workshop.code}/me/").content.decode()

    edit = reverse("participant_idea_edit", args=[ideas_workshop.code, proposal.pk])
    response = phone.post(
        edit, {"short_name": "Training", "text": "Train together twice a year."}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and "Train together twice a year." in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.text == "Train together twice a year."

    withdraw = reverse("participant_idea_withdraw", args=[ideas_workshop.code, proposal.pk])
    assert phone.post(withdraw).status_code == 302
    assert not Proposal.objects.exists()


def test_the_same_idea_sent_twice_is_saved_once(ideas_workshop):
    phone = joined(ideas_workshop)
    for _attempt in range(2):
        phone.post(
            propose_url(ideas_workshop), {"short_name": "", "text": "One idea."}, HTTP_HX_REQUEST="true"
        )
    assert Proposal.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"short_name": "", "text": "   "}, "Write your idea as a statement first: it is empty."),
        (
            {"short_name": "", "text": "x" * (STATEMENT_MAX_LENGTH + 1)},
            f"An idea can be at most {STATEMENT_MAX_LENGTH} characters long; "
            f"this one has {STATEMENT_MAX_LENGTH + 1}.",
        ),
        (
            {"short_name": "n" * (SHORT_NAME_MAX_LENGTH + 1), "text": "Fine."},
            f"A short name can be at most {SHORT_NAME_MAX_LENGTH} characters long; "
            f"this one has {SHORT_NAME_MAX_LENGTH + 1}.",
        ),
    ],
    ids=["empty", "too long", "short name too long"],
)
def test_an_empty_or_over_long_idea_is_refused_with_a_clear_message(ideas_workshop, data, message):
    phone = joined(ideas_workshop)
    response = phone.post(propose_url(ideas_workshop), data, HTTP_HX_REQUEST="true")
    assert message in response.content.decode()
    assert not Proposal.objects.exists()
    # Without JavaScript: the whole page with the reason, and a 400.
    response = phone.post(propose_url(ideas_workshop), data)
    assert response.status_code == 400 and message in response.content.decode()


def test_the_service_refuses_the_same_limits_as_the_form(ideas_workshop):
    participant = services.join(ideas_workshop)
    with pytest.raises(services.InvalidInput, match="empty"):
        services.propose(participant, "", "")
    with pytest.raises(services.InvalidInput, match="at most"):
        services.propose(participant, "", "x" * (STATEMENT_MAX_LENGTH + 1))


def test_an_idea_beyond_the_cap_is_refused_with_a_clear_message(ideas_workshop):
    phone = joined(ideas_workshop)
    for i in range(services.IDEAS_PER_PARTICIPANT):
        phone.post(propose_url(ideas_workshop), {"short_name": "", "text": f"Idea {i}"})
    response = phone.post(
        propose_url(ideas_workshop), {"short_name": "", "text": "One more"}, HTTP_HX_REQUEST="true"
    )
    assert (
        f"You have already sent {services.IDEAS_PER_PARTICIPANT} ideas, the most one participant can send."
        in response.content.decode()
    )
    assert Proposal.objects.count() == services.IDEAS_PER_PARTICIPANT
    # The refused idea comes back in the field, so nothing typed is lost.
    assert "One more</textarea>" in response.content.decode()


def test_another_participants_idea_cannot_be_edited_or_withdrawn(ideas_workshop):
    author, other = joined(ideas_workshop), joined(ideas_workshop)
    author.post(propose_url(ideas_workshop), {"short_name": "", "text": "Mine."})
    proposal = Proposal.objects.get()
    edit = reverse("participant_idea_edit", args=[ideas_workshop.code, proposal.pk])
    response = other.post(edit, {"short_name": "", "text": "Hijacked."}, HTTP_HX_REQUEST="true")
    # The same refusal as for another's note: it is not yours or no longer exists.
    assert "That idea is not yours or no longer exists." in response.content.decode()
    withdraw = reverse("participant_idea_withdraw", args=[ideas_workshop.code, proposal.pk])
    assert other.post(withdraw).status_code == 400
    proposal.refresh_from_db()
    assert proposal.text == "Mine."


def test_ideas_are_sent_only_while_the_ideas_phase_is_open(ideas_workshop):
    participant = services.join(ideas_workshop)
    proposal, _created = services.propose(participant, "", "Early.")
    services.set_phase(ideas_workshop, Phase.PAIR_TALK_2)
    with pytest.raises(services.VotingNotOpen):
        services.propose(participant, "", "Late.")
    with pytest.raises(services.VotingNotOpen):
        services.edit_proposal(participant, proposal.pk, "", "Changed.")
    with pytest.raises(services.VotingNotOpen):
        services.withdraw_proposal(participant, proposal.pk)


def test_an_accepted_idea_can_no_longer_be_changed_by_its_author(ideas_workshop):
    participant = services.join(ideas_workshop)
    proposal, _created = services.propose(participant, "", "Mine.")
    services.accept_proposal(ideas_workshop, proposal.pk, "", "Mine.")
    with pytest.raises(services.InvalidInput, match="already handled"):
        services.edit_proposal(participant, proposal.pk, "", "Changed.")


# --- The facilitator ---------------------------------------------------------------------------------


def test_the_ideas_page_is_the_owners_only(client, other_facilitator, ideas_workshop):
    url = reverse("ideas_console", args=[ideas_workshop.code])
    assert client.get(url).status_code == 302  # to log in
    client.force_login(other_facilitator)
    assert client.get(url).status_code == 404
    proposal, _created = services.propose(services.join(ideas_workshop), "", "An idea.")
    accept = reverse("idea_accept", args=[ideas_workshop.code, proposal.pk])
    assert client.post(accept, {"short_name": "", "text": "Taken."}).status_code == 404
    aside = reverse("idea_set_aside", args=[ideas_workshop.code, proposal.pk])
    assert client.post(aside).status_code == 404
    proposal.refresh_from_db()
    assert proposal.outcome == ProposalOutcome.PENDING and not ideas_workshop.statements.exists()


def test_the_facilitator_accepts_in_their_own_wording_merges_and_sets_aside(owner_client, ideas_workshop):
    one, two, three, four = (
        services.propose(services.join(ideas_workshop), "", text)[0] for text in ("A", "B", "C", "D")
    )
    accept = reverse("idea_accept", args=[ideas_workshop.code, one.pk])
    editor = owner_client.get(accept, HTTP_HX_REQUEST="true").content.decode()
    assert 'name="text"' in editor and 'name="merge"' in editor
    response = owner_client.post(accept, {"short_name": "First", "text": "A, as worded by the facilitator."})
    assert response.status_code == 302
    merge = reverse("idea_accept", args=[ideas_workshop.code, two.pk])
    response = owner_client.post(
        merge,
        {"short_name": "Both", "text": "B and C together.", "merge": [three.pk]},
        HTTP_HX_REQUEST="true",
    )
    assert "2 ideas were merged into statement 2." in response.content.decode()
    aside = reverse("idea_set_aside", args=[ideas_workshop.code, four.pk])
    assert owner_client.post(aside).status_code == 302

    statements = list(ideas_workshop.statements.order_by("position").values_list("short_name", "text"))
    assert statements == [("First", "A, as worded by the facilitator."), ("Both", "B and C together.")]
    outcomes = {p.text: screens.proposal_outcome(p) for p in services.proposals_of(ideas_workshop)}
    assert outcomes == {
        "A": "Accepted as statement 1",
        "B": "Merged into statement 2",
        "C": "Merged into statement 2",
        "D": "Set aside",
    }


def test_a_merge_needs_two_ideas_and_an_idea_becomes_a_statement_once(ideas_workshop):
    proposal, _created = services.propose(services.join(ideas_workshop), "", "Once.")
    with pytest.raises(services.InvalidInput, match="at least two"):
        services.merge_proposals(ideas_workshop, [proposal.pk], "", "Once.")
    services.accept_proposal(ideas_workshop, proposal.pk, "", "Once.")
    with pytest.raises(services.InvalidInput, match="already a statement"):
        services.accept_proposal(ideas_workshop, proposal.pk, "", "Twice.")
    assert ideas_workshop.statements.count() == 1


def test_an_idea_of_another_workshop_cannot_be_accepted(ideas_workshop, owner):
    elsewhere = services.create_workshop(owner, "Other", template="blank", language="en")
    services.update_workshop(elsewhere, collect_ideas=True)
    services.set_phase(elsewhere, Phase.IDEAS)
    proposal, _created = services.propose(services.join(elsewhere), "", "Not here.")
    with pytest.raises(services.InvalidInput, match="not part of this workshop"):
        services.accept_proposal(ideas_workshop, proposal.pk, "", "Not here.")


def test_the_wording_locks_when_voting_opens(ideas_workshop):
    first, second = (services.propose(services.join(ideas_workshop), "", t)[0] for t in ("A", "B"))
    services.accept_proposal(ideas_workshop, first.pk, "", "A")
    services.set_phase(ideas_workshop, Phase.VOTING)
    with pytest.raises(services.StatementsLocked):
        services.accept_proposal(ideas_workshop, second.pk, "", "B")
    with pytest.raises(services.StatementsLocked):
        services.set_proposal_aside(ideas_workshop, second.pk)


def test_accepting_or_setting_aside_schedules_a_live_push(ideas_workshop, django_capture_on_commit_callbacks):
    first, second = (services.propose(services.join(ideas_workshop), "", t)[0] for t in ("A", "B"))
    with django_capture_on_commit_callbacks() as callbacks:
        services.accept_proposal(ideas_workshop, first.pk, "", "A")
    assert callbacks
    with django_capture_on_commit_callbacks() as callbacks:
        services.set_proposal_aside(ideas_workshop, second.pk)
    assert callbacks


# --- The projector -----------------------------------------------------------------------------------


def test_the_projector_shows_the_count_and_only_the_accepted_statements(client, ideas_workshop):
    participant = services.join(ideas_workshop)
    accepted, _created = services.propose(participant, "", "Accepted idea.")
    services.propose(participant, "", "Private idea.")
    services.accept_proposal(ideas_workshop, accepted.pk, "Shown", "Accepted idea.")
    url = reverse("projector", args=[ideas_workshop.code, ideas_workshop.projector_secret])
    page = client.get(url, follow=True).content.decode()  # the key is swapped for a cookie
    assert "Write each idea on its own sheet" in page
    assert "<strong>2</strong> ideas so far" in page
    assert "Accepted idea." in page
    assert "Private idea." not in page


# --- Escaping ----------------------------------------------------------------------------------------


def test_ideas_are_escaped_on_the_phone_the_console_the_projector_and_the_export(
    owner_client, ideas_workshop
):
    phone = joined(ideas_workshop)
    phone.post(propose_url(ideas_workshop), {"short_name": EVIL, "text": EVIL})
    phone.post(propose_url(ideas_workshop), {"short_name": "", "text": EVIL + " 2"})
    accepted = Proposal.objects.order_by("pk").first()
    services.accept_proposal(ideas_workshop, accepted.pk, EVIL, EVIL)
    pages = {
        "phone": phone.get(f"/{ideas_workshop.code}/me/"),
        "console": owner_client.get(reverse("ideas_console", args=[ideas_workshop.code])),
        "editor": owner_client.get(reverse("idea_accept", args=[ideas_workshop.code, accepted.pk + 1])),
        "projector": owner_client.get(
            reverse("projector", args=[ideas_workshop.code, ideas_workshop.projector_secret]), follow=True
        ),
    }
    for name, response in pages.items():
        html = response.content.decode()
        assert EVIL not in html, name
        assert "&lt;script&gt;" in html, name
    report = owner_client.get(reverse("report", args=[ideas_workshop.code])).content.decode()
    assert "Ideas from the hall" in report and EVIL not in report and "&lt;script&gt;" in report
    export = owner_client.get(reverse("export", args=[ideas_workshop.code, "json"]))
    proposals = json.loads(export.content)["proposals"]
    assert {p["text"] for p in proposals} == {EVIL, EVIL + " 2"}  # JSON keeps the text as data


def test_the_ideas_csv_lists_each_idea_and_never_runs_one_as_a_formula(owner_client, ideas_workshop):
    participant = services.join(ideas_workshop)
    kept, _created = services.propose(participant, "Kept", "Share good practice.")
    services.propose(participant, "", '=HYPERLINK("http://evil.example","click")')
    services.accept_proposal(ideas_workshop, kept.pk, "Kept", "Share good practice.")
    response = owner_client.get(reverse("export", args=[ideas_workshop.code, "ideas_csv"]))
    assert response.status_code == 200 and "ideas.csv" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["participant_number"], r["outcome"], r["statement_position"]) for r in rows] == [
        ("1", "accepted", "1"),
        ("1", "pending", ""),
    ]
    assert rows[0]["outcome_text"] == "Accepted as statement 1"
    assert not rows[1]["text"].startswith("=")
    page = owner_client.get(reverse("export_page", args=[ideas_workshop.code])).content.decode()
    assert reverse("export", args=[ideas_workshop.code, "ideas_csv"]) in page


def test_the_json_export_lists_each_idea_with_its_author_number_and_outcome(owner_client, ideas_workshop):
    participant = services.join(ideas_workshop)
    proposal, _created = services.propose(participant, "Name", "Text.")
    services.accept_proposal(ideas_workshop, proposal.pk, "Name", "Text.")
    export = json.loads(owner_client.get(reverse("export", args=[ideas_workshop.code, "json"])).content)
    (entry,) = export["proposals"]
    assert entry["participant"] == participant.number
    assert entry["short_name"] == "Name" and entry["text"] == "Text."
    assert entry["outcome"] == "accepted" and entry["statement"] == 1
    assert entry["outcome_text"] == "Accepted as statement 1"


# --- Settings, copies and the phone's phase ------------------------------------------------------------


def test_the_setting_is_turned_on_in_the_workshop_settings_and_copied_with_the_workshop(owner_client, owner):
    workshop = services.create_workshop(owner, "Plain", template="ped", language="en")
    url = reverse("workshop_edit", args=[workshop.code])
    page = owner_client.get(url).content.decode()
    assert 'name="collect_ideas"' in page
    data = {
        "title": workshop.title,
        "language": "en",
        "dots_per_participant": 10,
        "max_dots_per_statement": "",
        "collect_signatures": "on",
        "participant_limit": 500,
        "delete_after": workshop.delete_after.isoformat(),
        "collect_ideas": "on",
    }
    assert owner_client.post(url, data).status_code == 302
    workshop.refresh_from_db()
    assert workshop.collect_ideas is True
    assert services.duplicate_workshop(workshop, owner, "Copy").collect_ideas is True


def test_a_phone_moves_to_the_ideas_page_when_the_phase_opens(ideas_workshop):
    assert screens.phone_live_context(ideas_workshop)["page"] == "ideas"
    services.set_phase(ideas_workshop, Phase.PAIR_TALK_2)
    assert screens.phone_live_context(ideas_workshop)["page"] == "waiting"


def test_without_javascript_the_editor_is_a_page_of_its_own(owner_client, ideas_workshop):
    proposal, _created = services.propose(services.join(ideas_workshop), "Name", "Word me.")
    page = owner_client.get(reverse("idea_accept", args=[ideas_workshop.code, proposal.pk])).content.decode()
    assert 'id="ideas-live"' in page and 'id="idea-editor"' in page
    assert "Word me.</textarea>" in page
    response = owner_client.post(
        reverse("idea_accept", args=[ideas_workshop.code, proposal.pk]), {"text": ""}
    )
    assert response.status_code == 400 and not ideas_workshop.statements.exists()
