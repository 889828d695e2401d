"""Adopted green spaces (assets app) answer “who is responsible here?” too, adopters shown without personal data."""

from datetime import date

import pytest
from django.core.management import call_command

from assets.models import Adoption, AssetType
from assets.tests.helpers import make_green
from grids.tests.factories import make_cells, make_community, point

pytestmark = pytest.mark.django_db


def test_point_in_an_adopted_green_space(client, django_user_model):
    call_command("loaddata", "asset_types", verbosity=0)
    types = {f"{t.family.code}{t.code}": t for t in AssetType.objects.select_related("family")}
    make_cells(make_community(), 2, 1)
    green = make_green(types, 100, 100, 200, 160, name="樱花园")
    applicant = django_user_model.objects.create_user("resident")
    Adoption.objects.create(
        asset=green,
        applicant=applicant,
        adopter_name="张三丰",
        contact_phone="13812345678",
        adopter_kind="household",
        start=date(2026, 1, 1),
        end=date(2026, 12, 31),
        status="approved",
    )
    p = point(150, 130)
    data = client.get(f"/api/v1/responsibility/?lon={p.x}&lat={p.y}&date=2026-06-01").json()
    adopted = [a for a in data["areas"] if a["kind"] == "adoption"]
    assert [a["name"] for a in adopted] == ["樱花园"]
    assert adopted[0]["party"] == "张**"
    text = str(data)
    assert "张三丰" not in text and "13812345678" not in text
    outside = client.get(f"/api/v1/responsibility/?lon={p.x}&lat={p.y}&date=2027-06-01").json()
    assert [a for a in outside["areas"] if a["kind"] == "adoption"] == []
