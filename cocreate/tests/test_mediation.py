"""矛盾纠纷调解: a private record — the community's mediators and the parties' grid worker read it; staff of the
area who are not mediators, staff outside it, residents and the public do not; it is on no public surface (Open311,
the notice page, the needs list and API, case layers, OGC collections) — and the figures per community."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from cases.tests.factories import in_english
from cocreate.mediation import figures
from cocreate.models import Mediation, MediationSession, Mediator
from cocreate.tests.factories import scene as make_scene
from grids.tests.factories import point

pytestmark = pytest.mark.django_db
english = pytest.fixture(autouse=True)(in_english)
SUBJECT = "张家李家漏水纠纷"


@pytest.fixture
def scene(django_user_model):
    s = make_scene(django_user_model)
    s["mediator"] = django_user_model.objects.create_user("cc_mediator", first_name="调解员")
    Mediator.objects.create(user=s["mediator"], community=s["community"])
    m = Mediation(subject=SUBJECT, description="楼上漏水", location=point(120, 130), received_on=date(2026, 10, 1))
    m.full_clean()
    m.save()
    m.parties.set(s["households"][:2])
    s["mediation"] = m
    return s


def test_the_place_gives_the_community_cell_and_the_worker_holding_it(client, scene):
    m = scene["mediation"]
    assert (m.community, m.cell) == (scene["community"], scene["west"])
    assert [a.worker for a in m.cell_workers()] == [scene["worker"]]
    client.force_login(scene["mediator"])
    page = client.get(reverse("cocreate:mediation", args=[m.pk])).content.decode()
    assert "网格员" in page


@pytest.mark.parametrize("who,may", [("mediator", True), ("worker", True), ("manager", False), ("resident", False)])
def test_only_mediators_and_the_grid_worker_read_it(client, scene, who, may):
    client.force_login(scene[who])
    detail = client.get(reverse("cocreate:mediation", args=[scene["mediation"].pk]))
    api = client.get(reverse("api:mediation-detail", args=[scene["mediation"].pk]))
    listing = client.get(reverse("cocreate:mediations"))
    assert (detail.status_code == 200) == may and (api.status_code == 200) == may
    assert (SUBJECT in listing.content.decode()) == may
    if not may:
        assert detail.status_code == 404 and api.status_code in (403, 404)


def test_a_worker_of_another_cell_and_staff_elsewhere_do_not_read_it(client, scene, django_user_model):
    from accounts.models import Membership, Role
    from grids.models import GridAssignment
    from grids.tests.factories import make_community

    east_worker = django_user_model.objects.create_user("east_worker")
    GridAssignment.objects.create(cell=scene["east"], worker=east_worker, start=date(2020, 1, 1))
    mediator_elsewhere = django_user_model.objects.create_user("mediator_elsewhere")
    other = make_community(code="002")
    Mediator.objects.create(user=mediator_elsewhere, community=other)
    street = django_user_model.objects.create_user("street_manager")
    Membership.objects.create(user=street, role=Role.MANAGER, street=scene["community"].street)
    for user in (east_worker, mediator_elsewhere, street):
        client.force_login(user)
        assert client.get(reverse("cocreate:mediation", args=[scene["mediation"].pk])).status_code == 404
        assert SUBJECT not in client.get(reverse("api:mediation-list")).content.decode()


def test_the_mediation_goes_with_the_cell_when_it_changes_hands(client, scene, django_user_model):
    from django.utils import timezone

    from grids.models import GridAssignment

    today = timezone.localdate()
    GridAssignment.objects.filter(cell=scene["west"], worker=scene["worker"]).update(end=today - timedelta(days=1))
    successor = django_user_model.objects.create_user("west_successor")
    GridAssignment.objects.create(cell=scene["west"], worker=successor, start=today)
    url = reverse("cocreate:mediation", args=[scene["mediation"].pk])
    client.force_login(scene["worker"])
    assert client.get(url).status_code == 404
    client.force_login(successor)
    page = client.get(url)
    assert page.status_code == 200
    # The page names whoever holds the cell today, not the worker who held it when the dispute was filed.
    workers = page.content.decode().split('id="cell-workers">')[1].split("</dd>")[0]
    assert "west_successor" in workers and "网格员" not in workers


def test_it_is_on_no_public_surface(client, scene, django_user_model):
    public = [
        reverse("open311-requests", kwargs={"fmt": "json"}),
        reverse("cocreate:notices"),
        reverse("cocreate:needs", args=[scene["community"].pk]),
        reverse("api:need-list"),
        "/ogc/collections",
    ]
    for url in public:
        resp = client.get(url)
        assert resp.status_code == 200, url
        assert SUBJECT not in resp.content.decode(), url
    assert client.get(reverse("api:mediation-list")).status_code in (401, 403)
    # Nor among the cases of the staff's maps: a mediation is not a case.
    admin = django_user_model.objects.create_superuser("cc_admin", password="x-long-password-1")
    client.force_login(admin)
    for url in (reverse("cases:features"), reverse("cases:heat"), reverse("cases:list")):
        resp = client.get(url)
        assert resp.status_code == 200 and SUBJECT not in resp.content.decode(), url


def test_figures_per_community(scene):
    m = scene["mediation"]
    MediationSession.objects.create(
        mediation=m, held_on=date(2026, 10, 5), mediator=scene["mediator"], note="第一次调解"
    )
    Mediation.objects.filter(pk=m.pk).update(status="agreed", agreed_on=date(2026, 10, 20), agreement="楼上修管")
    late = Mediation(subject="停车纠纷", description="x", location=point(600, 300), received_on=date(2026, 8, 1))
    late.save()
    Mediation.objects.filter(pk=late.pk).update(status="agreed", agreed_on=date(2026, 8, 1) + timedelta(days=45))
    Mediation.objects.create(subject="噪音", description="y", location=point(700, 300), received_on=date(2026, 11, 1))
    (row,) = figures(Mediation.objects.all())
    assert (row["received"], row["mediated"], row["agreed"], row["within_30"]) == (3, 1, 2, 1)


def test_mediators_record_sessions_the_agreement_with_photos_and_follow_ups_on_the_page(client, scene):
    from cases.tests.factories import jpeg
    from cocreate.models import FollowUp, MediationPhoto

    m = scene["mediation"]
    url = reverse("cocreate:mediation", args=[m.pk])
    client.force_login(scene["mediator"])
    future = client.post(url, {"step": "session", "on": "2099-01-01", "note": "x"})
    assert future.status_code == 200 and "still to come" in future.content.decode()
    client.post(url, {"step": "session", "on": "2026-10-03", "note": "首次调解"})
    m.refresh_from_db()
    assert m.status == "mediating" and m.sessions.get().mediator == scene["mediator"]
    client.post(url, {"step": "agreement", "on": "2026-10-10", "note": "楼上修管，费用各半", "photos": [jpeg()]})
    client.force_login(scene["worker"])  # the parties' grid worker visits afterwards
    client.post(url, {"step": "followup", "on": "2026-10-20", "note": "已修好"})
    m.refresh_from_db()
    assert (m.status, str(m.agreed_on), m.agreement) == ("agreed", "2026-10-10", "楼上修管，费用各半")
    assert MediationPhoto.objects.filter(mediation=m).count() == 1 and FollowUp.objects.get().by == scene["worker"]
    client.force_login(scene["manager"])  # not a mediator
    assert client.post(url, {"step": "followup", "on": "2026-10-21", "note": "x"}).status_code == 404
    assert FollowUp.objects.count() == 1


def test_agreement_photos_are_shown_to_those_who_read_the_mediation_and_404_to_everybody_else(
    client, scene, django_user_model
):
    from django.utils import timezone

    from accounts.models import Membership, Role
    from cases.photos import keep, process
    from cases.tests.factories import jpeg
    from cocreate.models import MediationPhoto
    from grids.models import GridAssignment
    from grids.tests.factories import make_community

    [photo] = keep(MediationPhoto, [jpeg()], mediation=scene["mediation"])
    assert process(photo.pk, "mediation") == MediationPhoto.Status.READY  # the worker's re-encoding
    url = reverse("cocreate:mediation-photo", args=[photo.pk])
    for who in ("mediator", "worker"):
        client.force_login(scene[who])
        resp = client.get(url)
        assert resp.status_code == 200 and resp["Content-Type"] == "image/jpeg"
        assert b"".join(resp.streaming_content).startswith(b"\xff\xd8")
        cache = resp["Cache-Control"]
        assert "private" in cache and "no-store" in cache and "public" not in cache
        page = client.get(reverse("cocreate:mediation", args=[scene["mediation"].pk])).content.decode()
        assert f'src="{url}"' in page
    street = django_user_model.objects.create_user("photo_street_manager")
    Membership.objects.create(user=street, role=Role.MANAGER, street=scene["community"].street)
    elsewhere = django_user_model.objects.create_user("photo_mediator_elsewhere")
    Mediator.objects.create(user=elsewhere, community=make_community(code="002"))
    outsiders = [scene["manager"], scene["resident"], street, elsewhere]
    for user in outsiders:
        client.force_login(user)
        assert client.get(url).status_code == 404, user
    client.logout()
    assert client.get(url).status_code == 404
    # The worker who hands the cell on loses the photos with the mediation.
    today = timezone.localdate()
    GridAssignment.objects.filter(cell=scene["west"], worker=scene["worker"]).update(end=today - timedelta(days=1))
    client.force_login(scene["worker"])
    assert client.get(url).status_code == 404
