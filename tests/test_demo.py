import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from workshops.models import Workshop

pytestmark = pytest.mark.django_db


def test_demo_creates_a_facilitator_and_a_ped_workshop_once_and_prints_the_join_url():
    first, second = StringIO(), StringIO()
    call_command("demo", stdout=first)
    call_command("demo", stdout=second)
    assert get_user_model().objects.filter(username="demo").count() == 1
    workshop = Workshop.objects.get()
    assert workshop.statements.count() == 4
    assert workshop.owner.check_password("taplariihi-2015")
    assert re.search(rf"http://[\d.]+:\d+/{workshop.code}\b", second.getvalue())
    assert "taplariihi-2015" in first.getvalue()
