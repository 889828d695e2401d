"""A report's free text (description, address, contact) with a control character other than a line break or a tab is
refused with the field named, whichever way it comes in (Open311, the report page, the service itself), and nothing
is saved; line breaks and tabs are kept."""

import pytest
from django.core.exceptions import ValidationError

from cases.models import Case, Open311Client
from cases.tests.factories import in_english, place, report, report_form
from grids.tests.factories import point

pytestmark = pytest.mark.django_db

english = pytest.fixture(in_english)

HOSTILE = ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b[31m", "\x7f", "\x85", "\x9b", "\u202e", "\u2067"]


@pytest.fixture
def key(django_user_model):
    place(django_user_model)
    return Open311Client.objects.create(name="市民热线").api_key


@pytest.mark.parametrize("char", HOSTILE)
@pytest.mark.parametrize(
    "field,spec_name",
    [("description", "description"), ("address_string", "address_string"), ("first_name", "first_name/last_name")],
)
def test_open311_refuses_control_characters_naming_the_field(client, key, char, field, spec_name):
    p = point(100, 100)
    data = {"api_key": key, "service_code": "0101", "lat": p.y, "long": p.x, "description": "井盖丢了"}
    data[field] = f"路口{char}东侧"
    response = client.post("/open311/v2/requests.json", data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400, response.content
    (error,) = response.json()
    assert error["code"] == 400 and error["description"].startswith(f"{spec_name}: ")
    assert "control characters" in error["description"]
    assert Case.objects.count() == 0


def test_open311_keeps_line_breaks_and_tabs(client, key):
    p = point(100, 100)
    text = "路口东侧\r\n井盖丢了\t两天"
    data = {"api_key": key, "service_code": "0101", "lat": p.y, "long": p.x, "description": text}
    response = client.post("/open311/v2/requests.json", data)
    assert response.status_code == 201, response.content
    assert Case.objects.get().description == text


@pytest.mark.parametrize("field", ["description", "address", "contact_name", "contact_phone"])
def test_the_service_refuses_them_for_every_way_in(django_user_model, field, english):
    place(django_user_model)
    with pytest.raises(ValidationError) as caught:
        report(x=100, y=100, **{field: "138\x0712345678" if field == "contact_phone" else "a\x00b"})
    assert caught.value.message_dict[field] == ["This text holds control characters."]
    assert Case.objects.count() == 0


def test_the_report_page_refuses_them_and_saves_nothing(client, django_user_model):
    place(django_user_model)
    response = client.post(
        "/cases/report/",
        report_form(description="垃圾\x1b[2J堆积"),
        HTTP_ACCEPT="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400, response.content
    assert response.json()["description"] == ["This text holds control characters."]
    assert Case.objects.count() == 0
    page = client.post("/cases/report/", report_form(description="垃圾\x1b[2J堆积"), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and "This text holds control characters." in page.content.decode()
    assert Case.objects.count() == 0


def test_open311_xml_stays_readable_with_a_control_character_stored_earlier(client, key):
    from xml.etree import ElementTree as ET

    from cases.tests.factories import report

    case = report(x=100, y=100)
    Case.objects.filter(pk=case.pk).update(description="井盖\x01丢了\x1b", address="路口\x0b东侧")
    response = client.get(f"/open311/v2/requests/{case.pk}.xml")
    assert response.status_code == 200
    request = ET.fromstring(response.content).find("request")
    assert request.find("description").text == "井盖\ufffd丢了\ufffd"
    assert request.find("address").text == "路口\ufffd东侧"
