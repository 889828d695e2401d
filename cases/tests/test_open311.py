"""Open311 GeoReport v2: services, requests (POST with api_key), filters, one request; the spec's field names."""

from datetime import timedelta
from xml.etree import ElementTree as ET

import pytest
from django.utils import timezone

from cases import workflow
from cases.models import Case, Open311Client
from cases.tests.factories import dispatcher, place, report
from grids.tests.factories import point

pytestmark = pytest.mark.django_db

SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}


@pytest.fixture
def scene(django_user_model):
    place(django_user_model)
    return Open311Client.objects.create(name="市民热线")


def test_services_json_and_xml_list_the_categories(client, scene):
    data = client.get("/open311/v2/services.json").json()
    assert len(data) == 17 and all(set(s) == SERVICE_FIELDS for s in data)
    manhole = next(s for s in data if s["service_code"] == "0501")
    assert manhole["service_name"] == "井盖缺损" and manhole["group"] == "突发事件" and manhole["metadata"] is False
    root = ET.fromstring(client.get("/open311/v2/services.xml").content)
    assert root.tag == "services" and len(root.findall("service")) == 17
    assert {c.tag for c in root.find("service")} == SERVICE_FIELDS


def test_post_needs_a_valid_api_key(client, scene):
    p = point(100, 100)
    data = {"service_code": "0101", "lat": p.y, "long": p.x, "description": "垃圾"}
    response = client.post("/open311/v2/requests.json", data)
    assert response.status_code == 403 and set(response.json()[0]) == {"code", "description"}
    assert Case.objects.count() == 0


def test_post_creates_a_request_and_get_returns_it_with_the_spec_fields(client, scene):
    p = point(100, 100)
    response = client.post(
        "/open311/v2/requests.json",
        {
            "api_key": scene.api_key,
            "service_code": "0101",
            "lat": p.y,
            "long": p.x,
            "description": "路口垃圾没人清",
            "first_name": "张",
            "last_name": "三",
            "phone": "13812345678",
            "address_string": "幸福路12号",
        },
    )
    assert response.status_code == 201
    created = response.json()
    assert set(created[0]) == {"service_request_id", "service_notice", "account_id"}
    case = Case.objects.get(pk=created[0]["service_request_id"])
    assert case.source == "open311:市民热线" and case.contact_phone == "13812345678"
    one = client.get(f"/open311/v2/requests/{case.pk}.json").json()
    assert len(one) == 1 and set(one[0]) == REQUEST_FIELDS
    row = one[0]
    assert (row["service_code"], row["status"], row["address"]) == ("0101", "open", "幸福路12号")
    assert row["lat"] == pytest.approx(p.y) and row["long"] == pytest.approx(p.x)
    assert "13812345678" not in str(one) and "张" not in str(one)


@pytest.mark.parametrize(
    "data,code,text",
    [
        ({"service_code": "9999"}, 404, "service_code"),
        ({"lat": "", "long": ""}, 400, "lat and long"),
        ({"lat": 10.0, "long": 10.0}, 400, "outside every community"),
        ({"description": "x" * 1001}, 400, "1000"),
    ],
)
def test_bad_posts_get_an_open311_error_and_save_nothing(client, scene, data, code, text):
    p = point(100, 100)
    form = {"api_key": scene.api_key, "service_code": "0101", "lat": p.y, "long": p.x, "description": "垃圾"}
    form.update(data)
    response = client.post("/open311/v2/requests.json", form, headers={"accept-language": "en"})
    assert response.status_code == code
    body = response.json()
    assert body[0]["code"] == code and text in body[0]["description"]
    assert Case.objects.count() == 0


def test_get_filters_by_service_code_status_and_dates(client, scene, django_user_model):
    disp = dispatcher(django_user_model)
    litter, parking, old = report(x=100), report(x=200, code="0402"), report(x=300)
    workflow.perform(parking, "reject", disp, note="不属于受理范围")
    Case.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=200))

    def ids(query):
        return sorted(int(r["service_request_id"]) for r in client.get(f"/open311/v2/requests.json?{query}").json())

    assert ids("") == sorted([litter.pk, parking.pk])  # default: the last 90 days
    assert ids("service_code=0101") == [litter.pk]
    assert ids("status=closed") == [parking.pk]
    assert ids("status=open") == [litter.pk]
    since = (timezone.now() - timedelta(days=365)).date().isoformat()
    until = (timezone.now() - timedelta(days=100)).date().isoformat()
    assert ids(f"start_date={since}&end_date={until}") == [old.pk]
    rejected = client.get(f"/open311/v2/requests/{parking.pk}.json").json()[0]
    assert rejected["status"] == "closed" and rejected["status_notes"] == "不属于受理范围"
    assert client.get("/open311/v2/requests.json?status=maybe").status_code == 400
    assert client.get("/open311/v2/requests/999999.json").status_code == 404
    xml = ET.fromstring(client.get("/open311/v2/requests.xml").content)
    assert xml.tag == "service_requests" and {c.tag for c in xml.find("request")} == REQUEST_FIELDS


def test_requests_for_help_and_good_deeds_are_not_published(client, scene):
    problem = report(x=100)
    help_ = report(x=120, kind=Case.Kind.HELP, description="独居老人王大爷需要送药")
    deed = report(x=140, kind=Case.Kind.GOOD_DEED, description="李阿姨捡到钱包归还")
    listed = [int(r["service_request_id"]) for r in client.get("/open311/v2/requests.json").json()]
    assert listed == [problem.pk]
    for case in (help_, deed):
        assert client.get(f"/open311/v2/requests/{case.pk}.json").status_code == 404
    assert "王大爷" not in client.get("/open311/v2/requests.json").content.decode()
