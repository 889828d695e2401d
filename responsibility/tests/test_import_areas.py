"""Import responsibility areas from a file: polygons and street centrelines, with a per-row validation report."""

import json

import pytest
from django.core.management import call_command
from shapely.geometry import box

from grids.tests.factories import geos, make_community
from responsibility.models import ResponsibilityArea
from responsibility.tests.factories import line

pytestmark = pytest.mark.django_db


def feature(geom, **props):
    return {"type": "Feature", "geometry": json.loads(geom.geojson), "properties": props}


def test_import_geojson_with_a_row_report(tmp_path, capsys):
    make_community()
    features = [
        feature(
            geos(box(10, 10, 60, 16))[0], 名称="好邻居门前", 类型="frontage", 责任主体="好邻居便利店", 开始="2026-01-01"
        ),
        feature(
            line((100, 400), (600, 400)), 名称="一路保洁", 类型="road", 责任主体="区环卫所", 开始="2026-01-01", 宽度=10
        ),
        feature(geos(box(40, 10, 90, 16))[0], 名称="重叠门前", 类型="frontage", 责任主体="水果店", 开始="2026-01-01"),
        feature(geos(box(5000, 10, 5050, 16))[0], 名称="区外", 类型="frontage", 责任主体="某店", 开始="2026-01-01"),
    ]
    path = tmp_path / "areas.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False))
    call_command(
        "import_layer",
        str(path),
        "--target",
        "responsibilityarea",
        "--map",
        "name=名称",
        "--map",
        "kind=类型",
        "--map",
        "party_name=责任主体",
        "--map",
        "start=开始",
        "--map",
        "width_m=宽度",
        "--key",
        "name",
        "--report",
    )
    out = capsys.readouterr().out
    names = set(ResponsibilityArea.objects.values_list("name", flat=True))
    assert names == {"好邻居门前", "一路保洁"}
    road = ResponsibilityArea.objects.get(name="一路保洁")
    assert road.line is not None and road.width_m == 10 and road.party.name == "区环卫所"
    assert "好邻居门前" in out or "skipped" in out
    report = [json.loads(x) for x in out.splitlines() if x.startswith("[") or x.startswith("{")]
    skipped = [r for r in report if "skipped" in json.dumps(r)]
    assert len(skipped) == 2
    reasons = json.dumps(skipped, ensure_ascii=False)
    assert "好邻居门前" in reasons  # the overlap names the area it overlaps
