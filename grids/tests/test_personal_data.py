"""Phones, names and ID numbers are masked by default; reveals need a permission and are logged."""

import pytest
from django.contrib.auth.models import Permission, User

from common.masking import mask_id_number, mask_name, mask_phone
from common.models import PersonalDataReveal
from grids.models import Household
from grids.tests.factories import in_test_district, make_community, point

pytestmark = pytest.mark.django_db


def test_masks():
    assert mask_phone("13812341234") == "138****1234"
    assert mask_id_number("42010619900101123X") == "4201**********123X"
    assert mask_name("张三丰") == "张**"
    assert mask_phone("") == ""


@pytest.fixture
def household():
    make_community()
    return Household.objects.create(
        head_name="张三丰", phone="13812341234", id_number="110101199003077578", location=point(50, 50), room="101"
    )


def user_with(*codenames):
    """Staff of the household's district with just these permissions (a role of their own would bring its own)."""
    user = User.objects.create_user("worker", password="x-long-password-1")
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    in_test_district(user)
    return user


def test_anonymous_visitors_get_no_households(client, household):
    assert client.get("/api/v1/households/").status_code == 403
    assert client.get(f"/grids/household/{household.pk}/").status_code == 302


def test_pages_and_api_show_masked_values_by_default(client, household):
    client.force_login(user_with("view_household"))
    page = client.get("/grids/household/").content.decode()
    assert "138****1234" in page and "13812341234" not in page and "张三丰" not in page
    detail = client.get(f"/grids/household/{household.pk}/?reveal=1").content.decode()
    assert "110101199003077578" not in detail  # no reveal permission: still masked
    props = client.get("/api/v1/households/?reveal=1").json()["features"][0]["properties"]
    assert props["phone"] == "138****1234" and props["id_number"] == "1101**********7578"
    assert PersonalDataReveal.objects.count() == 0


def test_reveal_with_permission_shows_and_logs(client, household):
    user = user_with("view_household", "reveal_personal_data")
    client.force_login(user)
    detail = client.get(f"/grids/household/{household.pk}/?reveal=1").content.decode()
    assert "13812341234" in detail and "110101199003077578" in detail
    props = client.get(f"/api/v1/households/{household.pk}/?reveal=1").json()["properties"]
    assert props["head_name"] == "张三丰"
    log = list(PersonalDataReveal.objects.values_list("user__username", "object_id"))
    assert log == [("worker", str(household.pk)), ("worker", str(household.pk))]
