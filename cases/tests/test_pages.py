"""Pages: the public tracking page shows no personal data; the list + map read one filtered answer; the detail page
offers only the steps the user may take; notifications; overdue and on-time closure pages."""

import pytest

from cases import workflow
from cases.models import State
from cases.tests.factories import dispatcher, place, report
from cases.workflow import Handler
from responsibility.models import Party

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(django_user_model):
    community, west, east, worker = place(django_user_model)
    return west, east, worker, dispatcher(django_user_model)


def test_tracking_page_shows_progress_without_personal_data(client, scene):
    west, east, worker, disp = scene
    case = report(contact_name="王小明", contact_phone="13912345678", description="路边垃圾")
    workflow.perform(case, "reject", disp, note="已由物业处理")
    html = client.get(f"/cases/track/{case.token}/", headers={"accept-language": "en"}).content.decode()
    assert "rejected" in html and "已由物业处理" in html
    for personal in ("王小明", "13912345678", "139****5678", "调度员", "disp"):
        assert personal not in html
    assert client.get("/cases/track/not-a-token/").status_code == 404


def test_list_features_follow_the_filters(client, scene):
    west, east, worker, disp = scene
    a, b = report(x=100), report(x=800, code="0402")
    workflow.perform(b, "reject", disp, note="重复")
    client.force_login(disp)
    assert client.get("/cases/").status_code == 200

    def ids(q=""):
        return sorted(f["id"] for f in client.get(f"/cases/features/?{q}").json()["features"])

    assert ids() == [a.pk]  # open cases by default
    assert ids("state=rejected") == [b.pk]
    assert ids(f"cell={east.code}&state=") == [b.pk]
    assert ids("category=0101&state=") == [a.pk]
    heat = client.get("/cases/heat/?state=").json()
    assert sum(f["properties"]["count"] for f in heat["features"]) == 2


def test_pages_are_for_staff(client, scene, django_user_model):
    client.force_login(django_user_model.objects.create_user("nobody"))
    assert client.get("/cases/").status_code == 403
    assert client.get("/cases/features/").status_code == 403


def test_detail_offers_the_steps_of_the_current_user_only(client, scene):
    west, east, worker, disp = scene
    case = report()
    client.force_login(disp)
    html = client.get(f"/cases/{case.pk}/", headers={"accept-language": "en"}).content.decode()
    assert 'data-action="register"' in html and 'data-action="reject"' in html
    assert 'data-action="verify"' not in html
    client.force_login(worker)  # the cell's grid worker: nothing to do before handling
    html = client.get(f"/cases/{case.pk}/", headers={"accept-language": "en"}).content.decode()
    assert "data-action=" not in html
    response = client.post(f"/cases/{case.pk}/act/register/", {"version": 1}, headers={"accept-language": "en"})
    case.refresh_from_db()
    assert case.state == State.REPORTED
    assert "You may not" in client.get(response["Location"], headers={"accept-language": "en"}).content.decode()


def test_overdue_stats_and_notification_pages(client, scene, django_user_model):
    west, east, worker, disp = scene
    dept = Party.objects.create(kind=Party.Kind.DEPARTMENT, name="区环卫所")
    case = report()
    from datetime import timedelta

    from django.utils import timezone

    workflow.perform(case, "register", disp)
    workflow.perform(
        case, "dispatch", disp, handler=Handler("worker", user=worker), now=timezone.now() - timedelta(days=2)
    )
    client.force_login(disp)
    assert f'href="/cases/{case.pk}/"' in client.get("/cases/overdue/").content.decode()
    assert west.code in client.get("/cases/stats/").content.decode()
    client.force_login(worker)
    html = client.get("/cases/notifications/").content.decode()
    assert f"/cases/{case.pk}/" in html and 'class="unread"' in html
    client.post("/cases/notifications/")
    assert 'class="unread"' not in client.get("/cases/notifications/").content.decode()
    assert dept.pk


def test_staff_with_a_role_read_the_cases_of_their_area_only(client, scene, django_user_model):
    from accounts.models import Membership, Role
    from grids.tests.factories import make_cells, make_community

    west, east, worker, disp = scene
    here = report(x=100)
    other_community = make_community(code="002")  # east of the first one
    make_cells(other_community, 1, 1)
    there = report(x=1500)
    assert there.community_id == other_community.pk
    local = django_user_model.objects.create_user("local", password="x-long-password-1")
    Membership.objects.create(user=local, role=Role.DISPATCHER, community=here.community)
    client.force_login(local)
    ids = [f["id"] for f in client.get("/cases/features/").json()["features"]]
    assert ids == [here.pk]
    assert client.get(f"/cases/{here.pk}/").status_code == 200
    assert client.get(f"/cases/{there.pk}/").status_code in (403, 404)
    # the grid worker reads the cases of the cell they hold, not the others
    Membership.objects.create(user=worker, role=Role.WORKER, cell=west)
    client.force_login(worker)
    assert [f["id"] for f in client.get("/cases/features/").json()["features"]] == [here.pk]
