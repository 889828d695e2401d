"""OGC API Features at /ogc/: Part 1 Core (GeoJSON and HTML), Part 2 CRS by reference, Part 4 create, replace,
update and delete. Built on DRF's APIView for sessions, CSRF and error answers; the spec's links, paging and
media types are written here (see the README for why no separate OGC library).

Features are read with one query per page: properties through values(), the geometry as GeoJSON from PostGIS
(ST_Transform and, for north-first CRSs, ST_FlipCoordinates in the same query); ordered by key; the next and prev
links page by key (?after=, ?before=), so the thousandth page costs what the first does; ?offset= works too.
"""

import json
from datetime import datetime, time
from urllib.parse import urlencode

import shapely
import shapely.ops
from django.contrib.gis.db.models.functions import AsGeoJSON, GeoFunc, Transform
from django.contrib.gis.geos import GEOSException, GEOSGeometry, Polygon
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, permissions
from rest_framework.views import APIView

from accounts import policy
from common import deletion
from common.errors import api_error
from common.geometry import as_multipolygon
from common.params import ParamError, date_value, parse_int, shown
from ogc import crs, registry

GEOJSON = "application/geo+json"
DEFAULT_LIMIT = 100
MAX_LIMIT = 10000
RESERVED = {"f", "limit", "offset", "after", "before", "bbox", "bbox-crs", "crs", "datetime", "style"}

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/features",
]


class Flip(GeoFunc):
    function = "ST_FlipCoordinates"


def wants_html(request):
    f = request.GET.get("f")
    if f:
        if f not in ("json", "html"):
            raise ParamError("f", _("f must be json or html."))
        return f == "html"
    accept = request.META.get("HTTP_ACCEPT", "")
    return "text/html" in accept and "json" not in accept.split("text/html")[0]


def url(request, name, *args, **query):
    base = request.build_absolute_uri(reverse(name, args=args))
    query = {k: v for k, v in query.items() if v is not None}
    return f"{base}?{urlencode(query)}" if query else base


def link(href, rel, type_, title=""):
    out = {"href": href, "rel": rel, "type": type_}
    if title:
        out["title"] = str(title)
    return out


def answer(request, data, template, *, media="application/json", status=200, headers=None):
    if wants_html(request):
        return render(request, template, {"data": data}, status=status)
    response = HttpResponse(json.dumps(data, ensure_ascii=False), content_type=media, status=status)
    for key, value in (headers or {}).items():
        response[key] = value
    return response


def with_f(request, f):
    query = request.GET.copy()
    query["f"] = f
    return request.build_absolute_uri(request.path) + "?" + query.urlencode()


def self_links(request, media):
    return [
        link(with_f(request, "json"), "self" if not wants_html(request) else "alternate", media),
        link(with_f(request, "html"), "alternate" if not wants_html(request) else "self", "text/html"),
    ]


def query(name, description, kind=OpenApiTypes.STR):
    return OpenApiParameter(name, kind, OpenApiParameter.QUERY, description=description)


F_PARAM = query("f", "json or html")
CRS_PARAM = query("crs", "CRS of the answer, an OGC URI (CRS84 by default)")
ITEM_PARAMS = [
    F_PARAM,
    CRS_PARAM,
    query("limit", f"features per page (at most {MAX_LIMIT})", OpenApiTypes.INT),
    query("offset", "features to skip", OpenApiTypes.INT),
    query("after", "features after this id (what the next links carry)", OpenApiTypes.INT),
    query("before", "features before this id (what the prev links carry)", OpenApiTypes.INT),
    query("bbox", "lower left and upper right corner (four or six numbers)"),
    query("bbox-crs", "CRS of bbox, an OGC URI (CRS84 by default)"),
    query("datetime", "an instant or start/end (RFC 3339, .. for open)"),
]


def read(operation):
    return extend_schema(
        tags=["ogc"], operation_id=operation, parameters=[F_PARAM], responses={200: OpenApiTypes.OBJECT}
    )


WRITE = extend_schema(tags=["ogc"], request=OpenApiTypes.OBJECT, responses={201: None, 204: None})


class OgcView(APIView):
    permission_classes = [permissions.AllowAny]

    def collection(self, request, collection_id):
        found = registry.get(collection_id, request.user)
        if found is None:
            raise exceptions.NotFound(_("No such collection."))
        return found


@extend_schema_view(get=read("ogc_landing"))
class Landing(OgcView):
    def get(self, request):
        data = {
            "title": _("Gridwork OGC API Features"),
            "description": _("Grid cells, communities, public facilities, renovation zones and more, as features."),
            "links": [
                *self_links(request, "application/json"),
                link(url(request, "ogc:conformance"), "conformance", "application/json", _("Conformance classes")),
                link(url(request, "ogc:collections"), "data", "application/json", _("Collections")),
                link(
                    request.build_absolute_uri(reverse("api-schema")) + "?format=json",
                    "service-desc",
                    "application/vnd.oai.openapi+json;version=3.0",
                    _("API definition (OpenAPI)"),
                ),
            ],
        }
        return answer(request, data, "ogc/landing.html")


@extend_schema_view(get=read("ogc_conformance"))
class Conformance(OgcView):
    def get(self, request):
        return answer(request, {"conformsTo": CONFORMANCE}, "ogc/conformance.html")


def extent_of(collection):
    return {
        "spatial": {"bbox": [[-180, -90, 180, 90]], "crs": crs.CRS84},
    }


def describe(request, collection, user):
    items = url(request, "ogc:items", collection.id)
    data = {
        "id": collection.id,
        "title": str(collection.title),
        "description": str(collection.description),
        "itemType": "feature",
        "crs": crs.supported(),
        "storageCrs": crs.CRS84,
        "extent": extent_of(collection),
        "links": [
            link(url(request, "ogc:collection", collection.id), "self", "application/json"),
            link(items, "items", GEOJSON, pgettext("ogc", "Features")),
            link(url(request, "ogc:items", collection.id, f="html"), "items", "text/html", pgettext("ogc", "Features")),
        ],
    }
    if collection.filters:
        data["queryables"] = list(collection.filters)
    if collection.datetime:
        data["temporal"] = collection.datetime
    if collection.writable_by(user, "add"):
        data["editable"] = True
    return data


@extend_schema_view(get=read("ogc_collections"))
class Collections(OgcView):
    def get(self, request):
        data = {
            "links": self_links(request, "application/json"),
            "collections": [describe(request, c, request.user) for c in registry.readable(request.user)],
        }
        return answer(request, data, "ogc/collections.html")


@extend_schema_view(get=read("ogc_collection"))
class CollectionView(OgcView):
    def get(self, request, collection_id):
        collection = self.collection(request, collection_id)
        return answer(request, describe(request, collection, request.user), "ogc/collection.html")


# --- reading features ------------------------------------------------------------------------------------------
def parse_bbox_crs(request):
    text = request.GET.get("bbox")
    if not text:
        return None
    srid, flip = crs.parse(request.GET, "bbox-crs")
    parts = text.split(",")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        numbers = []
    if len(numbers) not in (4, 6) or any(n != n or n in (float("inf"), float("-inf")) for n in numbers):
        raise ParamError("bbox", _("bbox takes four numbers: lower left and upper right corner."))
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if flip:
        numbers = [numbers[1], numbers[0], numbers[3], numbers[2]]
    x0, y0, x1, y1 = numbers
    if srid == 4326 and (x0 < -180 or x1 > 180 or y0 < -90 or y1 > 90):
        raise ParamError("bbox", _("bbox lies outside the range of longitudes and latitudes."))
    if x0 > x1 or y0 > y1:
        raise ParamError("bbox", _("bbox: the lower corner must come first."))
    box = Polygon.from_bbox((x0, y0, x1, y1))
    box.srid = srid
    if srid != 4326:
        box.transform(4326)
    return box


def parse_interval(request):
    text = request.GET.get("datetime")
    if not text:
        return None, None
    if len(text) > 60:
        raise ParamError("datetime", _("datetime is too long."))
    parts = text.split("/")
    if len(parts) > 2:
        raise ParamError("datetime", _("datetime is one instant or an interval start/end."))

    def instant(value, end):
        if value in ("", ".."):
            return None
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            moment = datetime.combine(date_value(value[:10], "datetime"), time.max if end else time.min)
            if len(value) > 10:
                raise ParamError("datetime", _("datetime must be an RFC 3339 date or date-time.")) from None
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment

    if len(parts) == 1:
        return instant(parts[0], False), instant(parts[0], True)
    start, end = instant(parts[0], False), instant(parts[1], True)
    if start and end and start > end:
        raise ParamError("datetime", _("datetime: the start lies after the end."))
    return start, end


def filtered(request, collection, qs):
    box = parse_bbox_crs(request)
    if box is not None:
        qs = qs.filter(**{f"{collection.geometry}__intersects": box})
    if request.GET.get("datetime"):
        if not collection.datetime:
            raise ParamError("datetime", _("This collection has no dates."))
        start, end = parse_interval(request)
        if start:
            qs = qs.filter(**{f"{collection.datetime}__gte": start})
        if end:
            qs = qs.filter(**{f"{collection.datetime}__lte": end})
    for name, value in request.GET.items():
        if name in RESERVED:
            continue
        if len(value) > 200:
            raise ParamError(shown(name), _("%(name)s is too long.") % {"name": shown(name)})
        try:
            if name in collection.filters:
                qs = qs.filter(**{collection.properties[name]: value})
            elif collection.json_properties and name not in collection.properties:
                qs = qs.filter(**{f"{collection.json_properties}__{name}": value})
        except (ValueError, TypeError, ValidationError):
            raise ParamError(
                shown(name),
                _("%(name)s: %(value)s is not a value of this property.")
                % {"name": shown(name), "value": shown(value)},
            ) from None
    return qs


def geometry_expr(collection, srid, flip):
    geom = F(collection.geometry)
    if srid != 4326:
        geom = Transform(geom, srid)
    if flip:
        geom = Flip(geom)
    return AsGeoJSON(geom, precision=3 if srid not in (4326, 4490) else 7)


PROPERTIES_JSON = json.JSONEncoder(ensure_ascii=False, default=str).encode  # one encoder for every feature of a page


def features_json(collection, rows):
    """[feature, …] as JSON text from values() rows (the geometry already GeoJSON text)."""
    out = []
    names = [(name, f"p_{name}") for name in collection.properties]
    for row in rows:
        props = {name: row[key] for name, key in names}
        if collection.json_properties:
            extra = row.get("p__json") or {}
            props = {**{k: v for k, v in extra.items() if k not in props}, **props}
        body = PROPERTIES_JSON(props)
        out.append(
            f'{{"type":"Feature","id":{json.dumps(row["pk"])},"geometry":{row["_geom"] or "null"},"properties":{body}}}'
        )
    return out


def page_rows(collection, qs, srid, flip, offset, limit, descending=False):
    values = {f"p_{name}": F(lookup) for name, lookup in collection.properties.items()}
    if collection.json_properties:
        values["p__json"] = F(collection.json_properties)
    return (
        qs.order_by("-pk" if descending else "pk")
        .annotate(_geom=geometry_expr(collection, srid, flip))
        .values("pk", "_geom", **values)[offset : offset + limit]
    )


def key_beyond(qs, lookup, pk):
    """Whether a feature lies before (lookup "lt") or after ("gt") the key pk: one step along the primary key's index
    (an unordered EXISTS may be planned as a scan that skips half a million rows first)."""
    beyond = qs.filter(**{f"pk__{lookup}": pk}).order_by("-pk" if lookup == "lt" else "pk")
    return beyond.values_list("pk", flat=True).first() is not None


def read_page(request, collection, qs, srid, flip, limit):
    """The rows of the page asked for: ?after=<id> / ?before=<id> (keyset: what the next and prev links carry, the
    same cost on the last page as on the first) or ?offset=; with whether pages lie before and after it. One row
    more than the page is read to tell whether another page follows in the direction of reading."""
    after = parse_int(request.GET, "after", min=0, max=2**62)
    before = parse_int(request.GET, "before", min=1, max=2**62)
    offset = parse_int(request.GET, "offset", default=0, min=0, max=10**9)
    if after is not None and before is not None:
        raise ParamError("after", _("Give after or before, not both."))
    if before is not None:
        rows = list(page_rows(collection, qs.filter(pk__lt=before), srid, flip, 0, limit + 1, descending=True))
        has_prev = len(rows) > limit
        rows = rows[:limit][::-1]
        has_next = bool(rows) and key_beyond(qs, "gt", rows[-1]["pk"])
    else:
        keyed = qs.filter(pk__gt=after) if after is not None else qs
        rows = list(page_rows(collection, keyed, srid, flip, 0 if after is not None else offset, limit + 1))
        has_next = len(rows) > limit
        rows = rows[:limit]
        if after is not None:
            has_prev = key_beyond(qs, "lt", rows[0]["pk"]) if rows else after > 0
        else:
            has_prev = offset > 0
    if not rows:
        has_next = before is not None
    return rows, has_prev, has_next


@extend_schema_view(
    get=extend_schema(
        tags=["ogc"], operation_id="ogc_items", parameters=ITEM_PARAMS, responses={200: OpenApiTypes.OBJECT}
    ),
    post=WRITE,
)
class Items(OgcView):
    def get(self, request, collection_id):
        collection = self.collection(request, collection_id)
        limit = parse_int(request.GET, "limit", default=DEFAULT_LIMIT, min=1)
        limit = min(limit, MAX_LIMIT)
        srid, flip = crs.parse(request.GET, "crs")
        qs = filtered(request, collection, collection.features_for(request.user))
        # numberMatched (optional in Part 1) is counted on the pages a client starts from (no key, or an offset):
        # counting a million rows takes far longer than a page read by key, so the next/prev pages leave it out.
        keyed = any(request.GET.get(name, "").strip() for name in ("after", "before"))
        matched = None if keyed else qs.count()
        rows, has_prev, has_next = read_page(request, collection, qs, srid, flip, limit)
        features = features_json(collection, rows)

        def page_url(key, value, f=None):
            query = request.GET.copy()
            for name in ("offset", "after", "before"):
                query.pop(name, None)
            query[key] = str(value)
            query["limit"] = str(limit)
            if f:
                query["f"] = f
            return request.build_absolute_uri(request.path) + "?" + query.urlencode()

        next_page = ("after", rows[-1]["pk"]) if has_next and rows else None
        prev_page = ("before", rows[0]["pk"]) if has_prev and rows else ("offset", 0) if has_prev else None
        links = self_links(request, GEOJSON)
        if next_page:
            links.append(link(page_url(*next_page), "next", GEOJSON, _("next page")))
        if prev_page:
            links.append(link(page_url(*prev_page), "prev", GEOJSON, _("previous page")))
        links.append(link(url(request, "ogc:collection", collection.id), "collection", "application/json"))
        stamp = timezone.now().replace(microsecond=0).isoformat().replace("+00:00", "Z")
        content_crs = crs.uri(srid, flip)
        if wants_html(request):
            shown = [json.loads(f) for f in features]
            names = list(collection.properties)
            if collection.json_properties:
                names += sorted({k for f in shown for k in f["properties"]} - set(names))[:20]
            style = request.GET.get("style", "")
            if style and style not in names:
                raise ParamError(
                    "style", _("style names one of the properties: %(names)s") % {"names": ", ".join(names)}
                )
            for f in shown:
                f["cells"] = [f["properties"].get(n) for n in names]
            data = {
                "collection": describe(request, collection, request.user),
                "features": shown,
                "style": style,
                "style_config": {"property": style},
                "kept": [(k, v) for k, v in request.GET.items() if k not in ("f", "style")],
                "numberMatched": matched,
                "numberReturned": len(rows),
                "links": links,
                "next": page_url(*next_page, "html") if next_page else None,
                "prev": page_url(*prev_page, "html") if prev_page else None,
                "names": names,
            }
            response = render(request, "ogc/items.html", {"data": data})
        else:
            counts = {} if matched is None else {"numberMatched": matched}
            counts["numberReturned"] = len(rows)
            head = json.dumps(
                {"type": "FeatureCollection", **counts, "timeStamp": stamp, "links": links},
                ensure_ascii=False,
            )
            body = head[:-1] + ',"features":[' + ",".join(features) + "]}"
            response = HttpResponse(body, content_type=GEOJSON)
        response["Content-Crs"] = f"<{content_crs}>"
        return response

    def post(self, request, collection_id):
        collection = self.collection(request, collection_id)
        if not collection.writable_by(request.user, "add"):
            raise exceptions.PermissionDenied(policy.denied_message("add", collection.model))
        feature = read_feature(request)
        obj = collection.model(**collection.create_defaults)
        saved = write(request, collection, obj, feature, "add", partial=False)
        response = HttpResponse(status=201)
        response["Location"] = url(request, "ogc:item", collection.id, saved.pk)
        return response


# --- one feature, and writing (Part 4) -------------------------------------------------------------------------
def read_feature(request):
    try:
        data = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise exceptions.ValidationError({"body": [_("Send a GeoJSON Feature.")]}) from None
    if not isinstance(data, dict) or data.get("type") != "Feature":
        raise exceptions.ValidationError({"body": [_("Send a GeoJSON Feature.")]})
    if not isinstance(data.get("properties") or {}, dict):
        raise exceptions.ValidationError({"properties": [_("Properties must be a JSON object.")]})
    return data


def read_geometry(request, feature):
    srid, flip = crs.parse({"crs": request.headers.get("Content-Crs", "").strip("<>")}, "crs")
    geometry = feature.get("geometry")
    if not isinstance(geometry, dict):
        raise exceptions.ValidationError({"geometry": [_("Send a GeoJSON geometry.")]})
    try:
        geom = GEOSGeometry(json.dumps(geometry))
        geom.srid = srid
    except (GEOSException, ValueError, TypeError):
        raise exceptions.ValidationError({"geometry": [_("This is not a GeoJSON geometry.")]}) from None
    if flip:
        flipped = shapely.ops.transform(lambda x, y, z=None: (y, x), shapely.from_wkb(bytes(geom.wkb)))
        geom = GEOSGeometry(memoryview(shapely.to_wkb(flipped)), srid=srid)
    if srid != 4326:
        geom.transform(4326)
    return geom


def write(request, collection, obj, feature, action, *, partial):
    props = feature.get("properties") or {}
    unknown = [k for k in props if k not in collection.editable and k not in collection.properties]
    if unknown and not collection.json_properties:
        raise exceptions.ValidationError({shown(unknown[0]): [_("Not a property of this collection.")]})
    if "geometry" in feature or not partial:
        geom = read_geometry(request, feature)
        field = obj._meta.get_field(collection.geometry)
        if getattr(field, "geom_type", None) == "MULTIPOLYGON":
            geom = as_multipolygon(geom)
        try:
            setattr(obj, collection.geometry, geom)
        except TypeError:
            raise exceptions.ValidationError(
                {"geometry": [_("A %(kind)s geometry is expected here.") % {"kind": field.geom_type.title()}]}
            ) from None
    for name, field_name in collection.editable.items():
        if name in props:
            setattr(obj, field_name, props[name])
    if collection.json_properties:
        extra = {k: v for k, v in props.items() if k not in collection.editable and k not in collection.properties}
        current = {} if not partial else dict(getattr(obj, collection.json_properties) or {})
        setattr(obj, collection.json_properties, {**current, **extra})

    def save():
        try:
            obj.full_clean()
        except ValidationError as exc:
            raise api_error(exc)
        obj.save()
        return obj

    try:
        return policy.save_checked(request.user, action, save)
    except DjangoPermissionDenied as exc:
        raise exceptions.PermissionDenied(str(exc) or None)


@extend_schema_view(
    get=extend_schema(
        tags=["ogc"], operation_id="ogc_item", parameters=[F_PARAM, CRS_PARAM], responses={200: OpenApiTypes.OBJECT}
    ),
    put=WRITE,
    patch=WRITE,
    delete=extend_schema(tags=["ogc"], responses={204: None}),
)
class Item(OgcView):
    def lookup(self, request, collection_id, fid, action="view"):
        collection = self.collection(request, collection_id)
        if action != "view" and not collection.writable_by(request.user, action):
            raise exceptions.PermissionDenied(policy.denied_message(action, collection.model))
        obj = collection.features_for(request.user).filter(pk=fid).first()
        if obj is None:
            raise exceptions.NotFound(_("No such feature."))
        if action != "view" and not policy.allows(request.user, action, obj):
            raise exceptions.PermissionDenied(policy.denied_message(action, obj))
        return collection, obj

    def get(self, request, collection_id, fid):
        collection, obj = self.lookup(request, collection_id, fid)
        srid, flip = crs.parse(request.GET, "crs")
        qs = collection.queryset().filter(pk=obj.pk)  # with the collection's own figures (e.g. households per cell)
        rows = list(page_rows(collection, qs, srid, flip, 0, 1))
        feature = json.loads(features_json(collection, rows)[0])
        feature["links"] = [
            *self_links(request, GEOJSON),
            link(url(request, "ogc:collection", collection.id), "collection", "application/json"),
        ]
        if wants_html(request):
            response = render(
                request, "ogc/item.html", {"data": feature, "collection": describe(request, collection, request.user)}
            )
        else:
            response = HttpResponse(json.dumps(feature, ensure_ascii=False, default=str), content_type=GEOJSON)
        response["Content-Crs"] = f"<{crs.uri(srid, flip)}>"
        return response

    def put(self, request, collection_id, fid):
        collection, obj = self.lookup(request, collection_id, fid, "change")
        write(request, collection, obj, read_feature(request), "change", partial=False)
        return HttpResponse(status=204)

    def patch(self, request, collection_id, fid):
        collection, obj = self.lookup(request, collection_id, fid, "change")
        write(request, collection, obj, read_feature(request), "change", partial=True)
        return HttpResponse(status=204)

    def delete(self, request, collection_id, fid):
        collection, obj = self.lookup(request, collection_id, fid, "delete")
        try:
            with transaction.atomic():
                obj.delete()
        except deletion.BLOCKING as exc:
            return JsonResponse(deletion.conflict_data(exc), status=409)
        return HttpResponse(status=204)
