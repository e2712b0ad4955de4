"""Several workshops compared: statements matched by text or by hand, figures from each own tally."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from workshops import comparison, services, tallies
from workshops.models import Phase, Rating

pytestmark = pytest.mark.django_db


def _voted(owner, title, votes, reword=None):
    """A PED workshop in which each (dots, ratings) pair is one phone's answers."""
    workshop = services.create_workshop(owner, title, template="ped", language="fi")
    statements = list(workshop.statements.order_by("position"))
    if reword is not None:
        services.edit_statement(workshop, statements[1].pk, "Reworded", reword)
        statements[1].refresh_from_db()
    services.set_phase(workshop, Phase.VOTING)
    for dots, ratings in votes:
        participant = services.join(workshop)
        for statement, d, r in zip(statements, dots, ratings, strict=True):
            if d:
                services.set_dots(participant, statement.pk, d)
            if r:
                services.set_rating(participant, statement.pk, r)
    return workshop, statements


@pytest.fixture
def three(owner):
    fa, pa, ne = Rating.FULLY_AGREE, Rating.PARTLY_AGREE, Rating.NEUTRAL
    first = _voted(owner, "Espoo", [([5, 2, 2, 1], [fa, pa, None, ne]), ([0, 10, 0, 0], [pa, fa, fa, None])])
    second = _voted(owner, "Vantaa", [([1, 1, 1, 7], [ne, ne, pa, fa])])
    third = _voted(
        owner,
        "Kauniainen",
        [([2, 2, 3, 3], [fa, None, pa, pa]), ([4, 4, 1, 1], [pa, pa, ne, ne]), ([10, 0, 0, 0], [fa] * 4)],
        reword="Vaikuttamisverkostot toisin sanottuna.",
    )
    return first, second, third


def _query(*workshops, **same):
    parts = [f"w={w.code}" for w in workshops] + [f"same_{k}={v}" for k, v in same.items()]
    return "?" + "&".join(parts)


def test_it_compares_three_workshops_with_a_statement_matched_by_hand(owner_client, three):
    (first, s1), (second, _s2), (third, s3) = three
    # Without the match, the reworded statement is a row of its own and missing from the others.
    unmatched = comparison.compare([first, second, third])
    assert len(unmatched.rows) == 5
    assert s3[1].pk in {c["statement"].pk for c in _choices(owner_client, first, second, third)}

    result = comparison.compare([first, second, third], {s3[1].pk: s1[1].pk})
    assert len(result.rows) == 4 and all(row.complete for row in result.rows)
    for index, workshop in enumerate([first, second, third]):
        own = tallies.tally(workshop)
        for row, st in zip(result.rows, own.statements, strict=True):
            cell = row.cells[index]
            assert cell.tally.statement == st.statement
            assert (cell.participants, cell.tally.dots, cell.tally.share) == (
                own.participants,
                st.dots,
                st.share,
            )
            assert cell.score == tallies.rounded_score(st.score)
            assert cell.distribution == [st.columns[key].ticks for key in Rating.values]

    page = owner_client.get(reverse("compare") + _query(first, second, third, **{str(s3[1].pk): s1[1].pk}))
    assert page.status_code == 200
    html = page.content.decode()
    assert [item["reworded"] for item in page.context["rows"]] == [False, True, False, False]
    # Kauniainen's statement 2: 2+4+0 dots of 30, share 20.0 %, score (5+5)/2... as its tally says.
    third_tally = tallies.tally(third).statements[1]
    assert f"{third_tally.share:.1f}" in html.replace(",", ".")


def _choices(client, *workshops):
    response = client.get(reverse("compare") + _query(*workshops))
    return response.context["hand_matches"]


def test_the_downloads_carry_the_same_figures(owner_client, three):
    (first, s1), (second, _s2), (third, s3) = three
    query = _query(first, second, third, **{str(s3[1].pk): s1[1].pk})
    response = owner_client.get(reverse("compare_export", args=["xlsx"]) + query)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content))["Comparison"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 4 * 3
    row2_third = next(r for r in rows if r[0] == 2 and r[2] == third.code)
    own = tallies.tally(third).statements[1]
    assert row2_third[6] == own.dots
    assert Decimal(str(row2_third[8])) == tallies.rounded_score(own.score)

    response = owner_client.get(reverse("compare_export", args=["csv"]) + query)
    data = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(data) == 4 * (2 + 1 + 3)
    assert {
        r["comparison_row"]
        for r in data
        if r["workshop_code"] == third.code and r["statement_position"] == "2"
    } == {"2"}


def test_paper_sheets_are_counted_apart_in_the_comparison(owner_client, owner, three):
    (first, s1), (second, _s2), _third = three
    services.enter_paper_sheet(first, owner, {s1[0].pk: 10}, {}, {})
    query = _query(first, second)
    html = owner_client.get(reverse("compare") + query).content.decode()
    assert "(1 paperilla)" in html and html.count("paperilla") == 4  # Espoo's four statements
    sheet = load_workbook(
        io.BytesIO(owner_client.get(reverse("compare_export", args=["xlsx"]) + query).content)
    )
    rows = list(sheet["Comparison"].iter_rows(min_row=2, values_only=True))
    assert {(r[2], r[5], r[-1]) for r in rows} == {(first.code, 3, 1), (second.code, 1, 0)}


def test_another_facilitators_workshop_cannot_be_added(owner_client, other_facilitator, three):
    (first, _s1), (second, _s2), _third = three
    theirs = services.create_workshop(other_facilitator, "Bob's", template="ped")
    assert owner_client.get(reverse("compare") + _query(first, theirs)).status_code == 404
    assert (
        owner_client.get(reverse("compare_export", args=["csv"]) + _query(first, theirs)).status_code == 404
    )
    page = owner_client.get(reverse("compare")).content.decode()
    assert first.code in page and theirs.code not in page


def test_compare_is_not_read_as_a_join_code(owner_client):
    assert owner_client.get("/workshops/compare/").status_code == 200
