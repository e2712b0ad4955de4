"""A facilitator's first minutes, in headless Chromium: log in, create the PED workshop, open voting."""

import pytest
import segno

from workshops.models import Phase, Workshop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_facilitator_logs_in_creates_a_ped_workshop_opens_voting_and_sees_the_join_code_and_qr(
    live_server, laptop, owner, monkeypatch
):
    # The live server listens on a loopback address, which no phone can reach: the console
    # shows the machine's LAN address instead (here a documentation address).
    monkeypatch.setattr("workshops.qr.lan_address", lambda: "192.0.2.44")
    page = laptop.new_page()
    page.goto(live_server.url + "/workshops/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", "alice-pass-123")
    page.locator("main form button[type=submit]").click()

    page.locator("main a[href='/workshops/new/']").first.click()
    page.fill("#id_title", "Demokratiapäivä 13.10.2015")
    assert page.locator("input[name=template][value=ped]").is_checked()
    page.locator("main form button[type=submit]").click()

    page.wait_for_url("**/workshops/*/")
    workshop = Workshop.objects.get(owner=owner)
    assert workshop.statements.count() == 4
    page.locator("button[name=phase][value=voting]").click()
    page.locator("button[name=phase][value=voting][aria-current=step]").wait_for()  # swapped in by htmx
    assert Workshop.objects.get(pk=workshop.pk).phase == Phase.VOTING
    assert page.url.endswith(f"/workshops/{workshop.code}/")  # stayed on the run screen

    assert page.locator(".join-code").inner_text() == workshop.code
    qr = page.locator(".qr svg")
    assert qr.is_visible()
    assert qr.bounding_box()["width"] >= 100  # shrunk once voting started, still scannable
    port = live_server.url.rsplit(":", 1)[1]
    join_url = f"http://192.0.2.44:{port}/{workshop.code}"
    assert page.get_by_role("link", name=join_url).is_visible()
    # The browser re-serialises the SVG, so compare the drawing itself: the modules' path.
    expected = segno.make(join_url, error="m").svg_inline(scale=8, dark="#000", light="#fff", border=4)
    drawn = page.locator(".qr svg path.qrline").get_attribute("d")
    assert f'd="{drawn}"' in expected
    assert page.locator("#run-live .run-countdown [data-countdown]").is_visible()
