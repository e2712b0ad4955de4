"""A vote and a rating, with their htmx replies, cost a handful of queries however full the sheet is."""

import pytest
from django.urls import reverse

from workshops import access, services
from workshops.models import Answer, Statement

pytestmark = pytest.mark.django_db

# The transaction's begin and commit (a savepoint here, inside the test's transaction), the phone's
# lookup by cookie (which is also the participant's row lock on PostgreSQL), one read of the
# sheet and one write. The reply is drawn from that read.
MAX_QUERIES = 5


def _signed_client(client, workshop, participant):
    from django.http import HttpResponse

    carrier = HttpResponse()
    access.set_cookie(carrier, workshop, access.participant_cookie(workshop), participant.token)
    client.cookies.update(carrier.cookies)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def voter(client, voting_workshop, statements):
    participant = services.join(voting_workshop)
    # More statements than the seed's four, and answers on some: the count must not grow with them.
    for i in range(5, 13):
        Statement.objects.create(workshop=voting_workshop, position=i, short_name=f"S{i}", text=f"Väite {i}")
    services.set_dots(participant, statements[1].pk, 2)
    services.set_rating(participant, statements[2].pk, "neutral")
    return _signed_client(client, voting_workshop, participant), participant


def test_it_sets_dots_with_its_reply_in_at_most_five_queries(
    voter, voting_workshop, statements, django_assert_max_num_queries
):
    client, participant = voter
    url = reverse("participant_dots", args=[voting_workshop.code, statements[0].pk])
    client.post(url, {"dots": 1}, HTTP_HX_REQUEST="true")  # the first answer on this statement: an insert
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.post(url, {"dots": 3}, HTTP_HX_REQUEST="true")  # then an update
    assert response.status_code == 200
    assert b'role="alert"' not in response.content
    assert Answer.objects.get(participant=participant, statement=statements[0]).dots == 3
    # The reply shows what was saved: 3 here, 10 - 2 - 3 = 5 dots left.
    assert b'data-dots="3"' in response.content
    assert b"<strong data-dots-left>5</strong>" in response.content


def test_it_inserts_the_first_dots_in_at_most_five_queries(
    voter, voting_workshop, statements, django_assert_max_num_queries
):
    client, participant = voter
    url = reverse("participant_dots", args=[voting_workshop.code, statements[3].pk])
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.post(url, {"dots": 4}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert Answer.objects.get(participant=participant, statement=statements[3]).dots == 4
    assert b"<strong data-dots-left>4</strong>" in response.content


def test_it_sets_a_rating_with_its_reply_in_at_most_five_queries(
    voter, voting_workshop, statements, django_assert_max_num_queries
):
    client, participant = voter
    url = reverse("participant_rating", args=[voting_workshop.code, statements[0].pk])
    client.post(url, {"rating": "neutral"}, HTTP_HX_REQUEST="true")
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.post(url, {"rating": "fully_agree"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b'role="alert"' not in response.content
    assert Answer.objects.get(participant=participant, statement=statements[0]).rating == "fully_agree"
    assert b'value="fully_agree" checked' in response.content
    # Two of twelve statements rated now (this one and the one rated before).
    assert b"Rated 2 of 12" in response.content
