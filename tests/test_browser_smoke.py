import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_front_page_renders_in_finnish_in_a_phone_browser(live_server, phone):
    page = phone.new_page()
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "fi"
    assert page.get_by_role("heading", level=1).inner_text() == "Liity työpajaan"
