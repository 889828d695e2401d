import random
from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.gis.db.models import Union
from django.core.management.base import BaseCommand
from django.db import transaction

from common.geometry import as_multipolygon, metric_srid_for
from grids.models import Building, Community, Road
from responsibility.models import Duty, Party, ResponsibilityArea

SHOPS = "便利店 水果店 早餐店 药店 理发店 五金店 面馆 超市 花店 快递站 洗衣店 茶叶店".split()


class Command(BaseCommand):
    help = "Demo responsibility areas for the demo city: cadre zones, street segments, shop frontages (seeded)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026)

    @transaction.atomic
    def handle(self, seed, **options):
        if ResponsibilityArea.objects.exists():
            self.stdout.write("responsibility areas already loaded")
            return
        rng = random.Random(seed)
        User = get_user_model()
        start = date(2026, 1, 1)
        sanitation = Party.objects.create(kind=Party.Kind.DEPARTMENT, name="区环卫所")
        areas = []
        for community in Community.objects.order_by("street__code", "code"):
            cells = list(community.cells.order_by("serial"))
            if not cells:
                continue
            # 包片: cells split into three consecutive groups, one cadre each.
            third = max(1, -(-len(cells) // 3))
            for k in range(0, len(cells), third):
                group = [c.pk for c in cells[k : k + third]]
                zone = community.cells.filter(pk__in=group).aggregate(u=Union("boundary"))["u"]
                cadre = User.objects.create_user(
                    username=f"c{community.full_code}{k // third + 1}",
                    first_name=f"{community.name[:2]}干部{k // third + 1}",
                )
                party = Party.objects.create(kind=Party.Kind.USER, user=cadre)
                areas.append(
                    ResponsibilityArea(
                        kind=ResponsibilityArea.Kind.ZONE,
                        name=f"{community.name}第{k // third + 1}片",
                        community=community,
                        party=party,
                        duties=[Duty.PATROL, Duty.ORDER],
                        start=start,
                        area=as_multipolygon(zone),
                    )
                )
            # 责任路段: east-west streets, one cleaner each (north-south streets are left for the coverage report).
            srid = metric_srid_for(community.boundary)
            for road in Road.objects.filter(line__coveredby=community.boundary, name__endswith="路").order_by("name"):
                area = ResponsibilityArea(
                    kind=ResponsibilityArea.Kind.ROAD,
                    name=f"{road.name}保洁",
                    community=community,
                    party=sanitation,
                    duties=[Duty.SAME_DAY, Duty.FRONTAGE_CLEAN],
                    start=start,
                    line=road.line,
                    width_m=12.0,
                )
                area.build_area_from_line()
                areas.append(area)
            # 门前三包: a strip in front of some ground-floor shops.
            buildings = Building.objects.filter(community=community).order_by("id")
            for b in buildings:
                if rng.random() > 0.12:
                    continue
                fp = b.footprint.transform(srid, clone=True)
                minx, miny, maxx, maxy = fp.extent
                from django.contrib.gis.geos import Polygon

                strip = Polygon.from_bbox((minx, miny - 6, maxx, miny))
                strip.srid = srid
                strip.transform(4326)
                shop = Party.objects.create(kind=Party.Kind.ORGANISATION, name=f"{b.name}{rng.choice(SHOPS)}")
                areas.append(
                    ResponsibilityArea(
                        kind=ResponsibilityArea.Kind.FRONTAGE,
                        name=f"{shop.name}门前",
                        community=community,
                        party=shop,
                        duties=[Duty.FRONTAGE_CLEAN, Duty.FACADE, Duty.ORDER],
                        start=start,
                        area=as_multipolygon(strip),
                    )
                )
        ResponsibilityArea.objects.bulk_create(areas)
        self.stdout.write(f"{len(areas)} responsibility areas")
