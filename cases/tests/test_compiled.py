"""The intake's queries compiled once per process (cases/compiled.py) answer what their querysets answer."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import services
from cases.compiled import Compiled
from cases.models import Case, Category, _cell_and_worker
from cases.tests.factories import place
from grids.models import GridAssignment, GridCell
from grids.tests.factories import point

pytestmark = pytest.mark.django_db


def placed(location):
    case = Case(location=location)
    case.place()
    return case.cell_id, case.community_id, case.placed_worker_id


def test_the_compiled_placement_answers_as_its_queryset_for_points_in_and_between_cells(django_user_model):
    community, west, east, primary = place(django_user_model)
    helper = django_user_model.objects.create_user("helper", password="x-long-password-1")
    GridAssignment.objects.create(cell=east, worker=helper, role=GridAssignment.Role.HELPER, start=date(2020, 1, 1))
    ended = django_user_model.objects.create_user("ended", password="x-long-password-1")
    GridAssignment.objects.create(cell=east, worker=ended, start=date(2020, 1, 1), end=date(2021, 1, 1))
    today = timezone.localdate()
    for x, y in [(100, 100), (700, 100), (499, 400), (100, 790)]:  # west, east, by their shared edge, by a border
        p = point(x, y)
        expected = _cell_and_worker(p, today).first()
        assert placed(p) == expected, (x, y)
    assert placed(point(100, 100)) == (west.pk, community.pk, primary.pk)
    assert placed(point(700, 100)) == (east.pk, community.pk, helper.pk)  # the ended assignment is passed over


def test_a_point_in_another_reference_system_is_placed_where_it_lies(django_user_model):
    _community, _west, east, _primary = place(django_user_model)
    p = point(700, 100)
    assert placed(p.transform(3857, clone=True))[0] == placed(p)[0] == east.pk
    assert placed(p.transform(32650, clone=True))[0] == east.pk
    assert p.srid == 4326  # the caller's point is left as it was


def test_a_point_outside_every_cell_is_placed_in_its_community(django_user_model):
    community, *_ = place(django_user_model)
    GridCell.objects.all().delete()
    assert placed(point(100, 100)) == (None, community.pk, None)


def test_the_compiled_category_is_the_querysets_with_its_family_and_no_more_queries(django_user_model):
    place(django_user_model)
    expected = Category.objects.select_related("family").get(code="0501")
    with CaptureQueriesContext(connection) as queries:
        found = services.active_category(" 0501 ")
        assert found.family.label == expected.family.label  # loaded with it
    assert len(queries) == 1
    assert found == expected and found.__dict__.keys() >= {"code", "name", "active", "area_kinds"}
    assert [getattr(found, f.attname) for f in Category._meta.concrete_fields] == [
        getattr(expected, f.attname) for f in Category._meta.concrete_fields
    ]
    assert not found._state.adding and found._state.db == "default"
    assert services.active_category("9999") is None
    assert services.active_category("") is None


def test_a_sentinel_that_does_not_reach_the_sql_is_refused():
    compiled = Compiled(lambda code: Category.objects.filter(active=True).values_list("code"), code="\x00never")
    with pytest.raises(ValueError, match="code"):
        compiled.rows(code="0101")



def test_a_point_without_a_reference_system_is_placed_as_wgs84(django_user_model):
    _community, _west, east, _primary = place(django_user_model)
    p = point(700, 100)
    bare = p.clone()
    bare.srid = None
    assert placed(bare)[0] == east.pk
