"""Paper sheets: typed in by the owner or a named helper, under the phone's own rules."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from workshops import services, tallies
from workshops.models import Answer, Note, NoteKind, PaperSheetEdit, Participant, Phase, Rating, Source

pytestmark = pytest.mark.django_db

# Three participants' sheets on the four PED statements: dots, ticks (None: no tick), notes.
SHEETS = [
    (
        [5, 2, 2, 1],
        [Rating.FULLY_AGREE, None, None, Rating.FULLY_DISAGREE],
        [("S", "Toimii"), None, None, None],
    ),
    (
        [0, 4, 6, 0],
        [Rating.NEUTRAL, Rating.PARTLY_AGREE, Rating.CANT_SAY, None],
        [None, ("W", "Kallis"), None, None],
    ),
    ([3, 3, 3, 1], [Rating.PARTLY_DISAGREE] * 4, [None, None, ("O", "Uusi"), ("T", "Riski")]),
]


def _summary(result: tallies.WorkshopTally):
    return (
        result.participants,
        result.spent_all_dots,
        result.finished,
        result.total_dots,
        result.ratings,
        result.notes,
        [
            (
                st.dots,
                st.supporters,
                st.score,
                st.too_few_to_read,
                {key: (c.ticks, c.dots) for key, c in st.columns.items()},
                [n.text for n in st.notes_so],
                [n.text for n in st.notes_wt],
            )
            for st in result.statements
        ],
    )


def _vote_by_phone(workshop, statements, sheet):
    dots, ratings, notes = sheet
    participant = services.join(workshop)
    for statement, d, r, n in zip(statements, dots, ratings, notes, strict=True):
        if d:
            services.set_dots(participant, statement.pk, d)
        if r:
            services.set_rating(participant, statement.pk, r)
        if n:
            services.add_note(participant, statement.pk, *n)
    return participant


def _enter_on_paper(workshop, user, statements, sheet, number=None):
    dots, ratings, notes = sheet
    return services.enter_paper_sheet(
        workshop,
        user,
        {s.pk: d for s, d in zip(statements, dots, strict=True)},
        {s.pk: r for s, r in zip(statements, ratings, strict=True)},
        {s.pk: [n] if n else [] for s, n in zip(statements, notes, strict=True)},
        number=number,
    )


def _sheet_post(statements, sheet):
    dots, ratings, notes = sheet
    data = {}
    for statement, d, r, n in zip(statements, dots, ratings, notes, strict=True):
        data[f"dots_{statement.pk}"] = str(d)
        data[f"rating_{statement.pk}"] = r or ""
        box = "so" if n and n[0] in "SO" else "wt"
        data[f"so_{statement.pk}"] = ""
        data[f"wt_{statement.pk}"] = ""
        if n:
            data[f"{box}_{statement.pk}"] = f"{n[0]}: {n[1]}"
    return data


def test_it_gives_the_same_tally_from_paper_and_phones_as_all_from_phones(owner, voting_workshop, statements):
    all_phones = services.duplicate_workshop(voting_workshop, owner, "All phones")
    services.set_phase(all_phones, Phase.VOTING)
    phone_statements = list(all_phones.statements.order_by("position"))
    for sheet in SHEETS:
        _vote_by_phone(all_phones, phone_statements, sheet)

    _vote_by_phone(voting_workshop, statements, SHEETS[0])
    _enter_on_paper(voting_workshop, owner, statements, SHEETS[1])
    _enter_on_paper(voting_workshop, owner, statements, SHEETS[2])

    assert _summary(tallies.tally(voting_workshop)) == _summary(tallies.tally(all_phones))
    assert services.source_counts(voting_workshop) == {"phone": 1, "paper": 2}


def test_it_numbers_paper_sheets_in_the_phones_sequence(owner, voting_workshop, statements):
    services.join(voting_workshop)
    paper = _enter_on_paper(voting_workshop, owner, statements, SHEETS[1])
    third = services.join(voting_workshop)
    assert (paper.number, paper.source) == (2, Source.PAPER)
    assert (third.number, third.source) == (3, Source.PHONE)


def test_it_refuses_a_sheet_over_budget_with_the_sheets_total_and_saves_nothing(
    owner_client, owner, voting_workshop, statements
):
    data = _sheet_post(statements, ([5, 5, 2, 0], [Rating.FULLY_AGREE, None, None, None], [None] * 4))
    response = owner_client.post(reverse("paper", args=[voting_workshop.code]), data)
    assert response.status_code == 400
    # Said of the sheet in the page's language, not as a phone's "You have 10 dots ... left".
    page = response.content.decode()
    assert "Paperilomakkeella on 12 täplää, mutta osallistujalla on 10." in page
    with translation.override("fi"):
        assert services.budget_refusal(voting_workshop, 0).message not in page
    with pytest.raises(services.OverBudget):  # the services' own rule still stands behind the form
        _enter_on_paper(voting_workshop, owner, statements, ([5, 5, 2, 0], [None] * 4, [None] * 4))
    assert not Participant.objects.filter(workshop=voting_workshop).exists()
    assert not Answer.objects.exists()
    assert not PaperSheetEdit.objects.exists()


def test_it_refuses_a_sheet_over_the_cap_through_the_same_rule(owner, voting_workshop, statements):
    services.update_workshop(voting_workshop, max_dots_per_statement=4)
    with pytest.raises(services.OverStatementCap) as refused:
        _enter_on_paper(voting_workshop, owner, statements, ([5, 0, 0, 0], [None] * 4, [None] * 4))
    assert refused.value.statement == statements[0]
    assert not Participant.objects.exists()


def test_it_saves_a_sheet_and_opens_the_next_empty_one(owner_client, owner, voting_workshop, statements):
    url = reverse("paper", args=[voting_workshop.code])
    response = owner_client.post(url, _sheet_post(statements, SHEETS[2]))
    assert response.status_code == 302
    assert response.url == url
    participant = Participant.objects.get(workshop=voting_workshop)
    assert participant.source == Source.PAPER
    assert [a.dots for a in participant.answers.order_by("statement__position")] == [3, 3, 3, 1]
    assert set(Note.objects.values_list("kind", "text")) == {("O", "Uusi"), ("T", "Riski")}
    page = owner_client.get(url).content.decode()
    # The empty sheet again, starting at its first field.
    assert re.search(rf'name="dots_{statements[0].pk}"[^>]*autofocus', page)
    assert f'name="dots_{statements[0].pk}" value' not in page


def test_it_reads_one_note_per_line_with_its_letter_or_the_boxes_kind(
    owner_client, voting_workshop, statements
):
    data = _sheet_post(statements, ([0] * 4, [None] * 4, [None] * 4))
    data[f"so_{statements[0].pk}"] = "Hyvä verkosto\nO: uusia jäseniä\n\n"
    data[f"wt_{statements[0].pk}"] = "Hidas\nt) rahoitus loppuu"
    owner_client.post(reverse("paper", args=[voting_workshop.code]), data)
    assert sorted(Note.objects.values_list("kind", "text")) == [
        (NoteKind.OPPORTUNITY, "uusia jäseniä"),
        (NoteKind.STRENGTH, "Hyvä verkosto"),
        (NoteKind.THREAT, "rahoitus loppuu"),
        (NoteKind.WEAKNESS, "Hidas"),
    ]


def test_the_form_runs_along_the_sheet_statement_by_statement(owner_client, voting_workshop, statements):
    page = owner_client.get(reverse("paper", args=[voting_workshop.code])).content.decode()
    names = re.findall(r'<(?:input|textarea)[^>]*name="((?:dots|rating|so|wt)_\d+)"', page)
    order = list(dict.fromkeys(names))
    assert order == [f"{field}_{s.pk}" for s in statements for field in ("dots", "rating", "so", "wt")]


def test_the_audit_log_records_an_edit(owner_client, owner, voting_workshop, statements):
    participant = _enter_on_paper(voting_workshop, owner, statements, SHEETS[0])
    data = _sheet_post(statements, ([4, 3, 2, 1], SHEETS[0][1], SHEETS[0][2]))
    url = reverse("paper_edit", args=[voting_workshop.code, participant.number])
    assert owner_client.post(url, data).status_code == 302

    entered, corrected = PaperSheetEdit.objects.order_by("edited_at", "id")
    assert entered.action == PaperSheetEdit.Action.ENTERED
    assert entered.change["1"] == {"dots": 5, "rating": "fully_agree", "notes": 1}
    assert (corrected.action, corrected.edited_by, corrected.participant_number) == ("corrected", owner, 1)
    assert corrected.change == {"1": {"dots": [5, 4]}, "2": {"dots": [2, 3]}}
    assert [a.dots for a in participant.answers.order_by("statement__position")] == [4, 3, 2, 1]
    # The note that stayed is the same row, so "hidden on the projector" survives a correction.
    assert Note.objects.count() == 1

    page = owner_client.get(reverse("paper", args=[voting_workshop.code])).content.decode()
    assert "alice" in page and "[5, 4]" in page


def test_a_sheet_can_be_removed_and_the_log_keeps_what_it_had(
    owner_client, owner, voting_workshop, statements
):
    participant = _enter_on_paper(voting_workshop, owner, statements, SHEETS[1])
    url = reverse("paper_remove", args=[voting_workshop.code, participant.number])
    assert owner_client.post(url).status_code == 302
    assert not Participant.objects.exists()
    removed = PaperSheetEdit.objects.get(action=PaperSheetEdit.Action.REMOVED)
    assert removed.change["3"] == {"dots": 6, "rating": "cant_say"}


def test_a_phone_participant_cannot_be_edited_as_paper(owner, voting_workshop, statements):
    phone = services.join(voting_workshop)
    with pytest.raises(services.InvalidInput):
        _enter_on_paper(voting_workshop, owner, statements, SHEETS[0], number=phone.number)
    with pytest.raises(services.InvalidInput):
        services.remove_paper_sheet(voting_workshop, owner, phone.number)
    assert Participant.objects.filter(pk=phone.pk).exists()


def test_sheets_are_entered_after_voting_closed_but_not_in_draft(owner, workshop, statements):
    with pytest.raises(services.VotingNotOpen):
        _enter_on_paper(workshop, owner, statements, SHEETS[0])
    services.set_phase(workshop, Phase.CLOSED)
    assert _enter_on_paper(workshop, owner, statements, SHEETS[0]).number == 1


def test_the_console_links_to_the_paper_page(owner_client, workshop):
    page = owner_client.get(reverse("workshop_run", args=[workshop.code])).content.decode()
    assert reverse("paper", args=[workshop.code]) in page


# --- Who may enter sheets --------------------------------------------------------------------


def test_an_outsider_gets_404_everywhere(client, other_facilitator, voting_workshop, owner, statements):
    participant = _enter_on_paper(voting_workshop, owner, statements, SHEETS[0])
    client.force_login(other_facilitator)
    code = voting_workshop.code
    assert client.get(reverse("paper", args=[code])).status_code == 404
    assert client.post(reverse("paper", args=[code]), _sheet_post(statements, SHEETS[1])).status_code == 404
    assert client.get(reverse("paper_edit", args=[code, participant.number])).status_code == 404
    assert client.post(reverse("paper_remove", args=[code, participant.number])).status_code == 404
    assert client.post(reverse("paper_helper_add", args=[code]), {"username": "bob"}).status_code == 404
    assert Participant.objects.count() == 1


def test_a_named_helper_enters_sheets_but_does_not_control_the_workshop(
    owner_client, other_facilitator, voting_workshop, statements
):
    code = voting_workshop.code
    client = Client()
    response = owner_client.post(reverse("paper_helper_add", args=[code]), {"username": "BOB"})
    assert response.status_code == 302
    assert list(voting_workshop.helpers.all()) == [other_facilitator]

    client.force_login(other_facilitator)
    assert client.post(reverse("paper", args=[code]), _sheet_post(statements, SHEETS[0])).status_code == 302
    assert PaperSheetEdit.objects.get().edited_by_name == "bob"
    page = client.get(reverse("paper", args=[code])).content.decode()
    assert 'id="helpers"' not in page
    assert client.get(reverse("workshop_run", args=[code])).status_code == 404
    assert client.post(reverse("paper_helper_add", args=[code]), {"username": "bob"}).status_code == 404

    owner_client.post(reverse("paper_helper_remove", args=[code, other_facilitator.pk]))
    assert client.get(reverse("paper", args=[code])).status_code == 404


def test_an_unknown_user_name_is_refused(owner_client, voting_workshop):
    response = owner_client.post(
        reverse("paper_helper_add", args=[voting_workshop.code]), {"username": "nobody"}
    )
    assert response.status_code == 400
    assert "nobody" in response.content.decode()
    assert not voting_workshop.helpers.exists()


def test_the_data_exports_carry_the_source_and_the_json_the_log(
    owner_client, owner, voting_workshop, statements
):
    import csv
    import io
    import json

    _vote_by_phone(voting_workshop, statements, SHEETS[0])
    paper = _enter_on_paper(voting_workshop, owner, statements, SHEETS[1])
    _enter_on_paper(
        voting_workshop, owner, statements, ([1, 1, 1, 1], [None] * 4, [None] * 4), number=paper.number
    )

    response = owner_client.get(reverse("export", args=[voting_workshop.code, "csv"]))
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {(r["participant_number"], r["source"]) for r in rows} == {("1", "phone"), ("2", "paper")}

    document = json.loads(owner_client.get(reverse("export", args=[voting_workshop.code, "json"])).content)
    assert document["workshop"]["participants_by_source"] == {"phone": 1, "paper": 1}
    assert {r["source"] for r in document["rows"] if r["participant_number"] == 2} == {"paper"}
    edits = document["paper_sheet_edits"]
    assert [(e["participant_number"], e["action"], e["by"]) for e in edits] == [
        (2, "entered", "alice"),
        (2, "corrected", "alice"),
    ]
    assert edits[1]["change"]["1"] == {"dots": [0, 1], "rating": ["neutral", None]}


def test_every_screen_and_file_counts_phones_and_paper_apart(
    owner_client, owner, voting_workshop, statements
):
    import csv
    import io

    from openpyxl import load_workbook

    code = voting_workshop.code
    run = reverse("workshop_run", args=[code])
    services.set_results_visibility(voting_workshop, "revealed")
    # Phones only: no paper part anywhere.
    _vote_by_phone(voting_workshop, statements, SHEETS[0])
    assert "paperilla" not in owner_client.get(run).content.decode()
    assert "data-on-paper" not in owner_client.get(reverse("projector_screen", args=[code])).content.decode()

    _vote_by_phone(voting_workshop, statements, SHEETS[1])
    _enter_on_paper(voting_workshop, owner, statements, SHEETS[2])
    result = tallies.tally(voting_workshop)
    assert (result.participants, result.by_phone, result.on_paper) == (3, 2, 1)

    assert "(2 puhelimella, 1 paperilla)" in owner_client.get(run).content.decode()
    projector = owner_client.get(reverse("projector_screen", args=[code])).content.decode()
    assert re.search(r"<dt>Paperilla</dt><dd class=\"p-key\" data-on-paper>1</dd>", projector)
    services.set_phase(voting_workshop, Phase.CLOSED)
    projector = owner_client.get(reverse("projector_screen", args=[code])).content.decode()
    assert "data-on-paper>1<" in projector  # the closing slide's figures too
    assert "(2 puhelimella, 1 paperilla)" in owner_client.get(reverse("report", args=[code])).content.decode()

    sentence = "3 osallistujaa: 2 puhelimella, 1 paperilla."
    book = load_workbook(io.BytesIO(owner_client.get(reverse("export", args=[code, "xlsx"])).content))
    summary = [row[0] for row in book.worksheets[0].iter_rows(max_row=6, values_only=True)]
    assert sentence in summary
    data = list(book["Tiedot"].iter_rows(values_only=True))  # headers, keys, then the rows
    sheet = owner_client.get(reverse("export", args=[code, "sheet_csv"])).content.decode("utf-8-sig")
    assert sentence in sheet
    rows = list(csv.reader(io.StringIO(sheet), delimiter=";"))
    assert ["", sentence] in rows
    source = data[1].index("source")  # the second row holds the stable column keys
    assert {row[source] for row in data[2:]} == {"phone", "paper"}
