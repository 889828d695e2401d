"""Adoption: one active adoption per asset, review, upkeep flags, and coverage against shapely."""

import json
from datetime import date, timedelta

import pytest
import shapely
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from shapely.geometry import box

from assets import services
from assets.models import Adoption, Asset, MaintenanceLog
from assets.tests.helpers import make_green
from grids.models import GridCell
from grids.tests.factories import in_test_district

pytestmark = pytest.mark.django_db


@pytest.fixture
def resident(django_user_model):
    return django_user_model.objects.create_user("resident", password="x" * 12)


@pytest.fixture
def staff(django_user_model):
    user = django_user_model.objects.create_user("staff", password="x" * 12)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="assets", codename__endswith="adoption")
    )
    in_test_district(user)
    return user


def apply(asset, user, start, end, **kw):
    a = Adoption(
        asset=asset, applicant=user, adopter_name="王芳", contact_phone="13812345678", start=start, end=end, **kw
    )
    a.full_clean()
    a.save()
    return a


def test_overlapping_periods_are_refused_with_a_clear_error(types, town, resident, staff):
    green = make_green(types, 100, 100, 200, 160, open_for_adoption=True)
    first = apply(green, resident, date(2026, 1, 1), date(2026, 12, 31))
    first.review(staff, approve=True)
    with pytest.raises(ValidationError) as err:
        apply(green, resident, date(2026, 12, 1), date(2027, 6, 30))
    assert "2026-12-31" in " ".join(err.value.messages)
    assert Adoption.objects.count() == 1
    after = apply(green, resident, date(2027, 1, 1), date(2027, 12, 31))  # back to back is fine
    after.review(staff, approve=True)
    assert after.status == Adoption.Status.APPROVED


def test_approving_the_second_of_two_overlapping_applications_is_refused(types, town, resident, staff):
    green = make_green(types, 100, 100, 200, 160, open_for_adoption=True)
    a = apply(green, resident, date(2026, 3, 1), date(2026, 9, 30))
    b = apply(green, resident, date(2026, 6, 1), date(2027, 5, 31))
    a.review(staff, approve=True)
    with pytest.raises(ValidationError):
        b.review(staff, approve=True)
    b.refresh_from_db()
    assert b.status == Adoption.Status.PENDING


def test_the_database_itself_refuses_overlapping_approved_adoptions(types, town, resident):
    green = make_green(types, 100, 100, 200, 160, open_for_adoption=True)
    Adoption.objects.create(
        asset=green, applicant=resident, adopter_name="甲", contact_phone="13812345678",
        start=date(2026, 1, 1), end=date(2026, 12, 31), status="approved",
    )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        Adoption.objects.create(
            asset=green, applicant=resident, adopter_name="乙", contact_phone="13812345678",
            start=date(2026, 12, 31), end=date(2027, 3, 1), status="approved",
        )  # fmt: skip


def test_an_asset_not_offered_cannot_be_applied_for(types, town, resident):
    green = make_green(types, 100, 100, 200, 160, open_for_adoption=False)
    with pytest.raises(ValidationError) as err:
        apply(green, resident, date(2026, 1, 1), date(2026, 2, 1))
    assert green.name in " ".join(err.value.messages)


def test_api_application_then_review_and_overlap(client, types, town, resident, staff):
    green = make_green(types, 100, 100, 200, 160, open_for_adoption=True)
    client.force_login(resident)
    body = {"asset": green.pk, "adopter_kind": "household", "adopter_name": "王芳", "contact_phone": "13812345678"}
    r = client.post("/api/v1/adoptions/", {**body, "start": "2026-01-01", "end": "2026-12-31"})
    assert r.status_code == 201, r.content
    assert r.json()["status"] == "pending" and r.json()["adopter_name"] == "王芳"  # one's own record unmasked
    assert client.post(f"/api/v1/adoptions/{r.json()['id']}/approve/").status_code == 403
    client.force_login(staff)
    listed = client.get("/api/v1/adoptions/").json()["results"]
    assert listed[0]["adopter_name"] == "王*" and listed[0]["contact_phone"] == "138****5678"
    assert client.post(f"/api/v1/adoptions/{r.json()['id']}/approve/").json()["status"] == "approved"
    client.force_login(resident)
    clash = client.post("/api/v1/adoptions/", {**body, "start": "2026-06-01", "end": "2027-05-31"})
    assert clash.status_code == 400
    assert "2026-12-31" in json.dumps(clash.json(), ensure_ascii=False)
    assert Adoption.objects.count() == 1


def test_expired_and_lapsed_adoptions_are_flagged(types, town, resident, staff, settings):
    settings.ASSETS = {**settings.ASSETS, "ADOPTION_LAPSE_DAYS": 30}
    today = date(2026, 6, 1)
    g1 = make_green(types, 0, 0, 50, 50, name="甲", open_for_adoption=True)
    g2 = make_green(types, 100, 0, 150, 50, name="乙", open_for_adoption=True)
    g3 = make_green(types, 200, 0, 250, 50, name="丙", open_for_adoption=True)
    apply(g1, resident, date(2025, 1, 1), date(2026, 5, 1), status="approved")
    lapsed = apply(g2, resident, date(2026, 1, 1), date(2026, 12, 31), status="approved")
    kept = apply(g3, resident, date(2026, 1, 1), date(2026, 12, 31), status="approved")
    MaintenanceLog.objects.create(adoption=lapsed, date=today - timedelta(days=31), work="除草")
    MaintenanceLog.objects.create(adoption=kept, date=today - timedelta(days=29), work="浇水")
    flags = {a.asset.name: (a.is_expired, a.is_lapsed) for a in Adoption.objects.with_flags(today)}
    assert flags == {"甲": (True, False), "乙": (False, True), "丙": (False, False)}


def test_adoption_coverage_matches_shapely(types, town, resident):
    community, cells = town
    today = date(2026, 6, 1)
    shapes = [box(100, 100, 300, 250), box(450, 350, 560, 480), box(800, 600, 950, 760), box(600, 50, 700, 120)]
    greens = [make_green(types, *s.bounds, name=f"g{i}", open_for_adoption=True) for i, s in enumerate(shapes)]
    apply(greens[1], resident, date(2026, 1, 1), date(2026, 12, 31), status="approved")  # crosses all 4 cells
    apply(greens[2], resident, date(2026, 1, 1), date(2026, 12, 31), status="approved")
    apply(greens[3], resident, date(2025, 1, 1), date(2025, 12, 31), status="approved")  # over by today
    cell_boxes = [box(0, 400, 500, 800), box(500, 400, 1000, 800), box(0, 0, 500, 400), box(500, 0, 1000, 400)]
    adopted = {1, 2}
    rows = {r.id: r for r in services.adoption_coverage(GridCell.objects.filter(community=community), day=today)}
    for cell, cbox in zip(cells, cell_boxes, strict=True):
        green = sum(s.intersection(cbox).area for s in shapes)
        taken = sum(shapes[i].intersection(cbox).area for i in adopted)
        assert rows[cell.pk].green_m2 == pytest.approx(green, rel=2e-3, abs=1)
        assert rows[cell.pk].adopted_m2 == pytest.approx(taken, rel=2e-3, abs=1)
    total = services.adoption_coverage(type(community).objects.filter(pk=community.pk), day=today)[0]
    expected = sum(shapes[i].area for i in adopted) / sum(s.area for s in shapes)
    assert total.share == pytest.approx(100 * expected, abs=0.1)
    assert shapely.union_all(shapes).area == pytest.approx(sum(s.area for s in shapes))  # no double counting
    assert Asset.objects.green().count() == 4
