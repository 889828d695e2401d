"""Dashboard figures against plain Python counts over the same small city; exports."""

import io
import random
from datetime import date, datetime

import pytest
from django.utils import timezone

from cogov import dashboard, services
from cogov.dashboard import Period, Scope
from cogov.models import LedgerEntry, Source
from cogov.tests.factories import item, rule, small_community
from grids.models import GridCell, Household

pytestmark = pytest.mark.django_db


def _at(d):
    return timezone.make_aware(datetime(d.year, d.month, d.day, 10))


@pytest.fixture
def city():
    rng = random.Random(7)
    c1, h1 = small_community(40, code="001", seed=3)
    c2, h2 = small_community(30, code="002", seed=4)
    homes = list(Household.objects.filter(pk__in=[h.pk for h in h1 + h2]))
    for h in homes:
        h.toilet = rng.choice(["sanitary", "sanitary", "dry", "none"])
        h.status = rng.choice(["resident", "resident", "resident", "absent"])
        h.courtyard = rng.choice(["none", "applied", "awarded"])
    Household.objects.bulk_update(homes, ["toilet", "status", "courtyard"])
    hygiene = rule("hygiene", 5)
    volunteer = rule("volunteer", 2, source=Source.VOLUNTEER)
    soap = item("肥皂", price=3, stock=1000)
    for h in homes:
        for d in (date(2026, 3, 5), date(2026, 3, 20), date(2026, 2, 10)):
            if rng.random() < 0.5:
                services.grant(h, rng.choice([hygiene, volunteer]), reason="周检", at=_at(d))
    for h in homes[:10]:
        if services.balance(h) >= 3:
            services.redeem(h, soap)
    wrong = LedgerEntry.objects.filter(points__gt=0).first()
    services.reverse(wrong, reason="录错")
    return c1, c2, homes


MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))


def expected(homes, entries, period):
    homes = list(homes)
    n = len(homes)
    resident = [h for h in homes if h.status == "resident"]
    sanitary = sum(h.toilet == "sanitary" for h in homes)
    courtyard = sum(h.courtyard == "awarded" for h in resident)
    ids = {h.pk for h in homes}
    inside = [
        e for e in entries if e.household_id in ids and period.start <= timezone.localtime(e.at).date() <= period.end
    ]
    return {
        "households": n,
        "resident": len(resident),
        "sanitary_rate": round(100 * sanitary / n, 1) if n else None,
        "courtyard_share": round(100 * courtyard / len(resident), 1) if resident else None,
        "issued": sum(e.points for e in inside if e.source != Source.REDEMPTION),
        "redeemed": -sum(e.points for e in inside if e.source == Source.REDEMPTION),
        "earners": len({e.household_id for e in inside if e.points > 0 and e.source != Source.REDEMPTION}),
    }


def test_figures_of_each_level_match_plain_counts(city):
    c1, c2, _ = city
    entries = list(LedgerEntry.objects.all())
    everyone = Household.objects.all()
    cell = GridCell.objects.filter(community=c1).order_by("code").first()
    for level, obj, homes in [
        ("district", c1.street.district, everyone),
        ("street", c1.street, everyone),
        ("community", c1, everyone.filter(community=c1)),
        ("cell", cell, everyone.filter(cell=cell)),
    ]:
        f = dashboard.figures(Scope(level, obj), MARCH)
        want = expected(homes, entries, MARCH)
        got = {**f.households, **f.points}
        assert {k: got[k] for k in want} == want, level
        before = expected(homes, entries, MARCH.previous)
        assert f.points_previous["issued"] == before["issued"], level
    assert MARCH.previous == Period(date(2026, 1, 29), date(2026, 2, 28))  # the 31 days before


def test_units_and_cells_add_up_to_the_whole(city):
    c1, c2, homes = city
    scope = Scope("street", c1.street)
    entries = list(LedgerEntry.objects.all())
    units = dashboard.children(scope, MARCH)
    assert [u["id"] for u in units] == [c1.pk, c2.pk]
    for u, c in zip(units, (c1, c2), strict=True):
        want = expected(Household.objects.filter(community=c), entries, MARCH)
        assert {k: u[k] for k in ("households", "sanitary_rate", "courtyard_share", "issued", "redeemed")} == {
            k: want[k] for k in ("households", "sanitary_rate", "courtyard_share", "issued", "redeemed")
        }
    cells = dashboard.cell_map(Scope("community", c1), MARCH)["features"]
    assert len(cells) == 4
    for feat in cells:
        p = feat["properties"]
        want = expected(Household.objects.filter(cell_id=p["id"]), entries, MARCH)
        assert (p["households"], p["sanitary_rate"], p["issued"]) == (
            want["households"],
            want["sanitary_rate"],
            want["issued"],
        )
        assert p["drill_level"] == "cell" and p["drill_id"] == p["id"]
    street_cells = dashboard.cell_map(scope, MARCH)["features"]
    assert {f["properties"]["drill_id"] for f in street_cells} == {c1.pk, c2.pk}


def test_dashboard_page_and_exports(client, city, django_user_model):
    from openpyxl import load_workbook

    from accounts.models import Membership, Role

    c1, c2, _ = city
    query = "?start=2026-03-01&end=2026-03-31"
    url = f"/cogov/dashboard/community/{c1.pk}/"
    assert client.get(url)["Location"].startswith("/accounts/login/")  # not for anonymous visitors
    manager = django_user_model.objects.create_user("m1", password="x-long-password-1")
    Membership.objects.create(user=manager, role=Role.MANAGER, community=c1)
    client.force_login(manager)
    assert client.get(f"/cogov/dashboard/community/{c2.pk}/").status_code == 403  # another community
    assert client.get(f"/cogov/dashboard/district/{c1.street.district_id}/").status_code == 403  # above their area
    assert client.get("/cogov/dashboard/")["Location"] == url
    f = dashboard.figures(Scope("community", c1), MARCH)
    html = client.get(f"/cogov/dashboard/community/{c1.pk}/{query}").content.decode()
    assert "units-chart" in html and str(f.points["issued"]) in html
    assert "张三" not in html and "13812345678" not in html
    resp = client.get(f"/cogov/dashboard/community/{c1.pk}/report.xlsx{query}")
    ws = load_workbook(io.BytesIO(resp.content)).active
    values = {row[0]: row[1] for row in ws.iter_rows(min_row=6, values_only=True)}
    assert len(values) >= 9
    assert f.points["issued"] in values.values() and f.households["households"] in values.values()
    pdf = client.get(f"/cogov/dashboard/community/{c1.pk}/report.pdf{query}")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert client.get("/cogov/dashboard/nowhere/1/").status_code == 404


def test_renovation_zones_show_their_consent_rate():
    from planning.consent import record_vote
    from planning.models import Vote
    from planning.tests.factories import eligible_setup

    community, _ = small_community(0)
    _, zone, project = eligible_setup(community)
    homes = list(Household.objects.filter(building__compound__community=community).order_by("pk"))
    Household.objects.filter(pk__in=[h.pk for h in homes]).assign_cells()
    for h in homes[:6]:
        record_vote(project, h, Vote.Choice.AGREE, channel=Vote.Channel.RESIDENT)
    record_vote(project, homes[6], Vote.Choice.DISAGREE, channel=Vote.Channel.RESIDENT)
    f = dashboard.figures(Scope("community", community), MARCH)
    section = next(s for s in f.extra if "consent" in str(s["title"]).lower())
    ((label, pct, _previous, _change),) = section["rows"]
    assert zone.name in label and project.name in label
    assert pct == round(100 * 6 / len(homes), 1)


def test_a_unit_s_figures_are_kept_for_the_configured_time_then_computed_again(
    client, city, settings, django_user_model
):
    from django.core.cache import cache

    c1, _, homes = city
    client.force_login(django_user_model.objects.create_superuser("chief", password="x-long-password-1"))
    cache.clear()
    settings.DASHBOARD_CACHE_SECONDS = 300
    url = f"/cogov/dashboard/community/{c1.pk}/"

    def households_shown():
        resp = client.get(url)
        assert resp.status_code == 200 and "computed-at" in resp.content.decode()
        return resp.context["f"].households["households"], resp.context["computed_at"]

    before, at = households_shown()
    assert before == Household.objects.filter(community=c1).count()
    mine = [h for h in homes if h.community_id == c1.pk]
    Household.objects.filter(pk=mine[0].pk).delete()
    # within the cache time the page shows the figures as they were, with the time they were computed
    assert households_shown() == (before, at)
    # another period is another entry: computed now, with the household gone
    resp = client.get(url + "?start=2026-03-01&end=2026-03-31")
    assert resp.context["f"].households["households"] == before - 1
    cache.clear()
    now, later = households_shown()
    assert now == before - 1 and later >= at
