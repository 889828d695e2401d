"""Coverage per community: shares of area and street length per kind, against shapely; gaps; XLSX export."""

import io

import pytest
import shapely
from openpyxl import load_workbook

from grids.models import Road
from grids.tests.factories import UTM, make_community
from responsibility.coverage import coverage
from responsibility.models import ResponsibilityArea
from responsibility.tests.factories import line, org, polygon_area

pytestmark = pytest.mark.django_db


def test_area_and_street_shares_match_shapely(client):
    community = make_community(width=1000, height=800)
    polygon_area(community, 0, 0, 400, 800, kind=ResponsibilityArea.Kind.ZONE)
    polygon_area(
        community, 300, 0, 600, 800, kind=ResponsibilityArea.Kind.ZONE, end=None, start="2025-01-01", save=False
    )  # not saved: it would overlap
    Road.objects.create(name="一路", line=line((0, 200), (1000, 200)))
    Road.objects.create(name="二路", line=line((0, 600), (1000, 600)))
    seg = ResponsibilityArea(
        kind=ResponsibilityArea.Kind.ROAD,
        name="一路保洁",
        community=community,
        party=org(),
        line=line((100, 200), (700, 200)),
        width_m=10,
    )
    seg.full_clean()
    seg.save()

    report, overlaps = coverage(community)
    by_kind = {k.kind: k for k in report}
    # independent answer with shapely, in the same metric CRS
    boundary = shapely.from_wkb(bytes(community.boundary.transform(UTM, clone=True).wkb))
    zone = shapely.from_wkb(bytes(ResponsibilityArea.objects.get(kind="zone").area.transform(UTM, clone=True).wkb))
    assert by_kind["zone"].area_share == pytest.approx(zone.intersection(boundary).area / boundary.area, rel=1e-6)
    assert by_kind["zone"].area_share == pytest.approx(0.4, rel=1e-3)

    roads = shapely.union_all(
        [shapely.from_wkb(bytes(r.line.transform(UTM, clone=True).wkb)) for r in Road.objects.all()]
    )
    buffer = shapely.from_wkb(bytes(seg.area.transform(UTM, clone=True).wkb))
    expected = roads.intersection(boundary).intersection(buffer).length / roads.intersection(boundary).length
    assert by_kind["road"].road_share == pytest.approx(expected, rel=1e-6)
    assert by_kind["road"].road_share == pytest.approx((600 + 10) / 2000, rel=2e-3)  # round caps add 5 m each end
    assert by_kind["frontage"].area_share == 0 and overlaps == []
    gap = shapely.from_wkb(bytes(by_kind["zone"].gap_area.transform(UTM, clone=True).wkb))
    assert gap.area == pytest.approx(600 * 800, rel=1e-3)
    uncovered = by_kind["road"].gap_roads.transform(UTM, clone=True).length
    assert uncovered == pytest.approx(by_kind["road"].road_m - by_kind["road"].covered_road_m, rel=1e-6)
    assert uncovered == pytest.approx(2000 - 610, rel=2e-3)


def test_coverage_page_and_xlsx_export(client):
    community = make_community()
    polygon_area(community, 0, 0, 500, 800, kind=ResponsibilityArea.Kind.ZONE)
    html = client.get(f"/responsibility/community/{community.pk}/coverage/").content.decode()
    assert "50.0%" in html
    resp = client.get(f"/responsibility/community/{community.pk}/coverage.xlsx")
    assert resp.status_code == 200
    wb = load_workbook(io.BytesIO(resp.content))
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    zone_row = next(r for r in rows if r and r[1] == 1)
    assert zone_row[4] == pytest.approx(0.5, abs=1e-3)
    assert len(wb.worksheets) == 2
