"""Only the owner (or staff) reaches a workshop's facilitator URLs: others get 404, anonymous users log in."""

import pytest
from django.urls import NoReverseMatch, reverse

from workshops.models import Phase, Workshop

pytestmark = pytest.mark.django_db

# (method, url name, extra args after the code, POST data): every facilitator URL of one workshop.
WORKSHOP_URLS = [
    ("get", "workshop_run", [], None),
    ("post", "workshop_phase", [], {"phase": Phase.VOTING, "minutes": "10"}),
    ("post", "workshop_timer", [], {"action": "pause"}),
    ("post", "workshop_timer", [], {"minutes": "5"}),
    ("post", "workshop_results", [], {"visibility": "revealed"}),
    ("get", "workshop_edit", [], None),
    ("post", "workshop_edit", [], {"title": "Hacked", "language": "fi", "dots_per_participant": "3"}),
    ("post", "statement_add", [], {"short_name": "x", "text": "Hacked"}),
    ("get", "statement_edit", ["statement"], None),
    ("post", "statement_edit", ["statement"], {"short_name": "x", "text": "Hacked"}),
    ("post", "statement_remove", ["statement"], {}),
    ("post", "statement_move", ["statement"], {"direction": "down"}),
    ("post", "workshop_duplicate", [], {}),
    ("get", "workshop_clear_votes", [], None),
    ("post", "workshop_clear_votes", [], {}),
    ("get", "workshop_delete", [], None),
    ("post", "workshop_delete", [], {}),
    # The exports are another part of the product; checked here too once they exist.
    ("get", "export_page", [], None),
    ("get", "export", ["csv"], None),
    ("get", "export", ["notes_csv"], None),
    ("get", "export", ["xlsx"], None),
    ("get", "export", ["json"], None),
    ("get", "export", ["signatures_csv"], None),
    ("get", "report", [], None),
]
IDS = [f"{method} {name} {' '.join(extra)}".strip() for method, name, extra, _data in WORKSHOP_URLS]


def url_of(name, workshop, extra):
    args = [workshop.code] + [workshop.statements.first().pk if a == "statement" else a for a in extra]
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        pytest.fail(f"{name} {extra} does not reverse: the sweep would not check it")


def unchanged(workshop):
    fresh = Workshop.objects.get(pk=workshop.pk)
    statements = [(s.short_name, s.text, s.position) for s in fresh.statements.order_by("position")]
    return (fresh.title, fresh.phase, fresh.results_visibility, fresh.phase_ends_at, statements)


@pytest.mark.parametrize(("method", "name", "extra", "data"), WORKSHOP_URLS, ids=IDS)
def test_another_facilitator_gets_404_and_changes_nothing(
    client, other_facilitator, workshop, method, name, extra, data
):
    url = url_of(name, workshop, extra)
    before = unchanged(workshop)
    copies_before = Workshop.objects.count()
    client.force_login(other_facilitator)
    response = client.get(url) if method == "get" else client.post(url, data)
    assert response.status_code == 404
    assert unchanged(workshop) == before
    assert Workshop.objects.count() == copies_before


@pytest.mark.parametrize(("method", "name", "extra", "data"), WORKSHOP_URLS, ids=IDS)
def test_an_anonymous_user_is_sent_to_log_in(client, workshop, method, name, extra, data):
    url = url_of(name, workshop, extra)
    before = unchanged(workshop)
    response = client.get(url) if method == "get" else client.post(url, data)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login") + "?next=")
    assert unchanged(workshop) == before


@pytest.mark.parametrize("name", ["workshop_list", "workshop_new", "password_change"])
def test_the_account_pages_need_a_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_owner_reaches_every_page(owner_client, workshop):
    for method, name, extra, _data in WORKSHOP_URLS:
        if method == "get" and not name.startswith(("export", "report")):
            assert owner_client.get(url_of(name, workshop, extra)).status_code == 200, name


def test_staff_may_open_anyones_run_screen(client, django_user_model, workshop):
    staff = django_user_model.objects.create_user("carol", password="carol-pass-123", is_staff=True)
    client.force_login(staff)
    assert client.get(reverse("workshop_run", args=[workshop.code])).status_code == 200


def test_my_workshops_lists_only_mine(client, owner, other_facilitator, workshop):
    from workshops import services

    services.create_workshop(other_facilitator, "Bobin salainen työpaja", template="blank")
    client.force_login(owner)
    page = client.get(reverse("workshop_list")).text
    assert workshop.code in page
    assert "Bobin salainen työpaja" not in page
