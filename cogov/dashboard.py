"""The managers' dashboard: figures for a district, street, community or grid cell over a period.

Every figure is one aggregate query (grouped by grid cell or by the child unit for the map and the chart).
The households and points figures are this app's own; the sections of other apps (assets, planning, cases, …)
are registered by those apps in common.dashboard (see its docstring for how to add one).
"""

import contextlib
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.gis.db.models.functions import AsGeoJSON
from django.db.models import Count, Q, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone

from cogov.models import LedgerEntry, Source
from common import dashboard as dashboard_sections
from common.params import parse_date_range
from grids.models import Community, District, GridCell, Household, Street

LEVELS = ["district", "street", "community", "cell"]
MODELS = {"district": District, "street": Street, "community": Community, "cell": GridCell}
# How a household (and, through it, a ledger entry) reaches each level.
HOUSEHOLD_PATH = {
    "district": "community__street__district",
    "street": "community__street",
    "community": "community",
    "cell": "cell",
}
CELL_PATH = {"district": "community__street__district", "street": "community__street", "community": "community"}
CHILD = {"district": "street", "street": "community", "community": "cell"}
DEFAULT_RADIUS_M = 200
MAX_PERIOD_DAYS = 366 * 10


@dataclass
class Scope:
    level: str
    obj: object

    @classmethod
    def get(cls, level, pk):
        if level not in MODELS:
            from django.http import Http404

            raise Http404
        return cls(level, get_object_or_404(MODELS[level], pk=pk))

    @property
    def community_ids(self):
        """The ids of the communities in a district or street, read once: filtering households by that literal list
        lets PostgreSQL estimate the rows and read a street's households through the index (a join to the
        communities read the whole table: 53 ms against 860 ms for a street of a 1M-household district)."""
        if not hasattr(self, "_community_ids"):
            path = {"district": "street__district", "street": "street"}[self.level]
            self._community_ids = list(Community.objects.filter(**{path: self.obj}).values_list("id", flat=True))
        return self._community_ids

    def _household_filter(self, prefix=""):
        if self.level in ("district", "street"):
            return {f"{prefix}community_id__in": self.community_ids}
        return {f"{prefix}{HOUSEHOLD_PATH[self.level]}": self.obj}

    @property
    def households(self):
        return Household.objects.filter(**self._household_filter())

    @property
    def entries(self):
        return LedgerEntry.objects.filter(**self._household_filter("household__"))

    @property
    def cells(self):
        if self.level == "cell":
            return GridCell.objects.filter(pk=self.obj.pk)
        return GridCell.objects.filter(**{CELL_PATH[self.level]: self.obj})

    @property
    def child_level(self):
        return CHILD.get(self.level)

    @property
    def trail(self):
        """The chain of units from the district down to this one, for the breadcrumb."""
        chain, level, obj = [], self.level, self.obj
        while obj is not None:
            chain.append((level, obj))
            i = LEVELS.index(level)
            if i == 0:
                break
            level = LEVELS[i - 1]
            obj = obj.community if level == "community" else obj.parent
        return list(reversed(chain))


@dataclass
class Period:
    start: date
    end: date

    @classmethod
    def parse(cls, params):
        """?start=&end= (YYYY-MM-DD): the month so far when absent; a reversed or over-long period is refused
        (common.params.ParamError, a 400 naming the parameter)."""
        s, e = parse_date_range(params, "start", "end", max_days=MAX_PERIOD_DAYS)
        e = e or max(timezone.localdate(), s or timezone.localdate())
        s = s or e.replace(day=1)
        return cls(s, e)

    @property
    def days(self):
        return (self.end - self.start).days + 1

    @property
    def previous(self):
        end = self.start - timedelta(days=1)
        return Period(end - timedelta(days=self.days - 1), end)


def _rate(part, whole):
    return round(100.0 * part / whole, 1) if whole else None


HOUSEHOLD_AGG = {
    "households": Count("pk"),
    "resident": Count("pk", filter=Q(status=Household.Status.RESIDENT)),
    "sanitary": Count("pk", filter=Q(toilet=Household.Toilet.SANITARY)),
    "courtyard": Count("pk", filter=Q(courtyard=Household.Courtyard.AWARDED, status=Household.Status.RESIDENT)),
}
POINTS_AGG = {
    "issued": Sum("points", filter=~Q(source=Source.REDEMPTION)),
    "redeemed": Sum("points", filter=Q(source=Source.REDEMPTION)),
    "earners": Count("household", filter=Q(points__gt=0) & ~Q(source=Source.REDEMPTION), distinct=True),
}


def _points(entries, period):
    agg = entries.in_period(period.start, period.end).aggregate(**POINTS_AGG)
    return {"issued": agg["issued"] or 0, "redeemed": -(agg["redeemed"] or 0), "earners": agg["earners"]}


def _household_figures(row):
    return {
        **row,
        "sanitary_rate": _rate(row["sanitary"], row["households"]),
        "courtyard_share": _rate(row["courtyard"], row["resident"]),
    }


@dataclass
class Figures:
    scope: Scope
    period: Period
    households: dict
    points: dict
    points_previous: dict
    extra: list = field(default_factory=list)  # sections of other apps: (title, [(label, value, previous)])

    def change(self, key):
        now, before = self.points[key], self.points_previous[key]
        return now - before


def _summary_where(scope, alias=""):
    """SQL on grids' household summary selecting the rows of the scope (one per community and cell)."""
    if scope.level in ("district", "street"):
        return f"{alias}community_id = ANY(%s)", [scope.community_ids]
    column = {"community": "community_id", "cell": "cell_id"}[scope.level]
    return f"{alias}{column} = %s", [scope.obj.pk]


def household_totals(scope):
    """The households figures of the scope: from the kept per-cell summary when it is up to date, else grouped from
    the households."""
    if getattr(scope, "summaries", False):
        from grids import summary

        where, params = _summary_where(scope)
        found = summary.totals(where, params)
        return {k: found[k] for k in HOUSEHOLD_AGG}
    return scope.households.aggregate(**HOUSEHOLD_AGG)


def figures(scope, period, radius_m=DEFAULT_RADIUS_M):
    hh = household_totals(scope)
    result = Figures(
        scope=scope,
        period=period,
        households=_household_figures(hh),
        points=_points(scope.entries, period),
        points_previous=_points(scope.entries, period.previous),
    )
    result.extra = [_rows_with_change(s) for s in dashboard_sections.computed(scope, period, radius_m)]
    return result


def _rows_with_change(section):
    """Rows of a section as (label, value, previous, change): providers give (label, value) or add the previous
    period's value; the change is taken where both are numbers."""
    rows = []
    for row in section["rows"]:
        label, value, previous = (tuple(row) + (None,))[:3]
        numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (value, previous))
        change = round(value - previous, 1) if numbers else None
        rows.append((label, value, previous, change))
    return {**section, "rows": rows}


_UNIT_COLUMN = {"street": "c.street_id", "community": "s.community_id", "cell": "nullif(s.cell_id, 0)"}


def _households_by_unit(scope, level):
    """{unit id: households figures} for the units of `level` in the scope (a unit id may be None: households
    outside every cell)."""
    if not getattr(scope, "summaries", False):
        key = HOUSEHOLD_PATH[level]
        return {
            r[key]: {k: v for k, v in r.items() if k != key}
            for r in scope.households.values(key).annotate(**HOUSEHOLD_AGG).order_by()
        }
    from django.db import connection

    from grids.summary import SUMMARY_TABLE

    where, params = _summary_where(scope, "s.")
    sums = ", ".join(f"sum(s.{k})::int" for k in HOUSEHOLD_AGG)
    with connection.cursor() as cur:
        cur.execute(
            f"""SELECT {_UNIT_COLUMN[level]}, {sums}
                  FROM {SUMMARY_TABLE} s LEFT JOIN grids_community c ON c.id = s.community_id
                 WHERE {where}
                 GROUP BY 1 HAVING sum(s.households) > 0""",
            params,
        )
        return {row[0]: dict(zip(HOUSEHOLD_AGG, row[1:], strict=True)) for row in cur.fetchall()}


def by_unit(scope, period, level):
    """Household and points figures grouped by the units of `level` inside the scope: {unit id: figures}."""
    key = HOUSEHOLD_PATH[level]
    rows = {unit_id: _household_figures(r) for unit_id, r in _households_by_unit(scope, level).items()}
    points = {
        r[f"household__{key}"]: r
        for r in scope.entries.in_period(period.start, period.end)
        .values(f"household__{key}")
        .annotate(**POINTS_AGG)
        .order_by()
    }
    empty = _household_figures({k: 0 for k in HOUSEHOLD_AGG})
    out = {}
    for unit_id in set(rows) | set(points):
        if unit_id is None:
            continue
        p = points.get(unit_id, {})
        out[unit_id] = {
            **rows.get(unit_id, empty),
            "issued": p.get("issued") or 0,
            "redeemed": -(p.get("redeemed") or 0),
        }
    return out


@contextlib.contextmanager
def _reading(scope):
    """Sets scope.summaries (the kept summaries brought up to date, or the records) for the work inside."""
    from django.db import connection, transaction

    scope.summaries = use_summaries(scope)
    if scope.summaries:
        yield
        return
    # Computed from the records (a backlog left to the worker): the service areas sort every household of the unit
    # (46 MB at a district of 1M households, spilled to disk with the default 4 MB), so that view gets more work_mem,
    # for its own transaction only. The summaries' sums need no sort of that size.
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute(f"SET LOCAL work_mem = '{DIRECT_WORK_MEM}'")
        yield


def _cached(key, compute):
    from django.conf import settings
    from django.core.cache import cache

    seconds = settings.DASHBOARD_CACHE_SECONDS
    if seconds <= 0:
        return compute()
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, seconds)
    return found


def cached(scope, period, radius_m, language):
    """(figures, children, computed at) of a unit, kept DASHBOARD_CACHE_SECONDS in the cache.

    The figures are counts and sums only (no personal data), the same for every reader of the page; the key holds
    the unit, the period, the radius and the language of the labels. The cell map is kept apart
    (`cached_cell_map`): the page fetches it after loading, and a district's map (5,000 cells, megabytes) would
    otherwise be built on the page's first view and read back from the cache on every repeat view.
    """

    def compute():
        with _reading(scope):
            return figures(scope, period, radius_m), children(scope, period), timezone.now()

    key = f"cogov:dashboard:{scope.level}:{scope.obj.pk}:{period.start}:{period.end}:{radius_m}:{language}"
    return _cached(key, compute)


def cached_cell_map(scope, period):
    """The cell map of a unit (see cell_map) as GeoJSON text, kept DASHBOARD_CACHE_SECONDS in the cache (text: a
    string is read back from the cache at once, a nested dict of thousands of features is not)."""
    import json

    def compute():
        with _reading(scope):
            return json.dumps(cell_map(scope, period))

    return _cached(f"cogov:dashboard-map:{scope.level}:{scope.obj.pk}:{period.start}:{period.end}", compute)


DIRECT_WORK_MEM = "64MB"
SUMMARY_LAZY_LIMIT = 5000  # stale entries recomputed before a view; a larger backlog goes to the worker


# Summaries only one section reads: a backlog there (the cases' queue under heavy intake) sends that section to the
# records and leaves the others on their kept figures (1M households and their service areas at a district).
LAG_ALONE = ("cases",)


def use_summaries(scope=None):
    """Bring the kept summaries up to date before a view when the backlog is small (True: read them); else leave
    the backlog to the worker and compute this view from the records (False), so the figures stay exact. A backlog
    of a summary in LAG_ALONE only is named in `scope.stale` (its section computes from the records) and the view
    still reads the others (True)."""
    from common import dashboard as registry

    stale = registry.refresh_within(SUMMARY_LAZY_LIMIT, apart=LAG_ALONE)
    if scope is not None:
        scope.stale = stale
    if not stale:
        return True
    fresh = stale <= set(LAG_ALONE)
    from cogov.tasks import refresh_summaries

    try:
        refresh_summaries.apply_async(retry=False)
    except Exception:  # the queue is down: the next view tries again
        pass
    return fresh


def children(scope, period):
    """The child units (streets of a district …) with their figures, for the chart."""
    level = scope.child_level
    if level is None:
        return []
    model = MODELS[level]
    parent = {"street": "district", "community": "street", "cell": "community"}[level]
    related = {"street": ["district"], "community": ["street__district"], "cell": []}[level]
    units = model.objects.filter(**{parent: scope.obj}).select_related(*related).order_by("code")
    figs = by_unit(scope, period, level)
    empty = _household_figures({k: 0 for k in HOUSEHOLD_AGG}) | {"issued": 0, "redeemed": 0}
    return [
        {"level": level, "id": u.pk, "code": u.full_code if level != "cell" else u.code, "name": str(u.name or u.code)}
        | figs.get(u.pk, empty)
        for u in units
    ]


def cell_map(scope, period):
    """GeoJSON of the grid cells in scope, each with its figures and the unit one level down that holds it."""
    import json

    figs = by_unit(scope, period, "cell")
    child = scope.child_level or "cell"
    target = {"street": "community__street_id", "community": "community_id", "cell": "id"}[child]
    empty = _household_figures({k: 0 for k in HOUSEHOLD_AGG}) | {"issued": 0, "redeemed": 0}
    features = []
    cells = scope.cells.annotate(gj=AsGeoJSON("boundary", precision=6)).order_by("code")
    for c in cells.values("id", "code", "name", "gj", target):
        features.append(
            {
                "type": "Feature",
                "geometry": json.loads(c["gj"]),
                "properties": {
                    "id": c["id"],
                    "code": c["code"],
                    "name": c["name"] or c["code"],
                    "drill_level": child,
                    "drill_id": c[target],
                }
                | figs.get(c["id"], empty),
            }
        )
    return {"type": "FeatureCollection", "features": features}
