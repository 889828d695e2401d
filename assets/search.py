"""Facility search as residents type it: a name, a type or family in either language, a word they use for a type
(公厕, 卫生间, 垃圾站: `AssetType.search_terms`, kept in the asset-types fixture and the admin), or an identifier or
its leading digits. Results are ranked by distance from a point (the map's centre) with PostGIS's KNN operator."""

import re

from django.contrib.gis.db.models import PointField
from django.db.models import F, FloatField, Func, Q, Value
from django.db.models.functions import Cast

WORD_SEPARATORS = re.compile(r"[\s,，、;；]+")
MAX_WORDS = 5


def words(text):
    """The query's words (at most MAX_WORDS): separated by spaces or Chinese and Latin commas."""
    return [w for w in WORD_SEPARATORS.split((text or "").strip()) if w][:MAX_WORDS]


def matches_word(word):
    """One word: in the asset's name, its type's or family's names or search terms, or leading its identifier."""
    q = (
        Q(name__icontains=word)
        | Q(type__name__icontains=word)
        | Q(type__name_en__icontains=word)
        | Q(type__search_terms__icontains=word)
        | Q(type__family__name__icontains=word)
        | Q(type__family__name_en__icontains=word)
    )
    if word.isascii() and word.isdigit():
        q |= Q(identifier__startswith=word)
        if len(word) == 4:  # a type's own code, e.g. 0304
            q |= Q(type__family__code=word[:2], type__code=word[2:])
    return q


def matching(queryset, text):
    """Assets matching every word of `text` (an empty text matches nothing)."""
    ws = words(text)
    if not ws:
        return queryset.none()
    q = Q()
    for w in ws:
        q &= matches_word(w)
    return queryset.filter(q)


def geography(expression):
    return Cast(expression, PointField(geography=True, srid=4326))


class KNNDistance(Func):
    """`a <-> b` on geography: PostGIS's nearest-neighbour operator, the distance on the sphere in metres."""

    arg_joiner = " <-> "
    template = "(%(expressions)s)"
    output_field = FloatField()


def centre_point(lon, lat):
    return Func(
        Func(Value(float(lon)), Value(float(lat)), function="ST_MakePoint"),
        Value(4326),
        function="ST_SetSRID",
    )


def nearest_first(queryset, lon, lat):
    """`queryset` annotated with `distance_m` from (lon, lat) and ordered by it, nearest first (KNN in SQL)."""
    distance = KNNDistance(geography(F("anchor")), geography(centre_point(lon, lat)))
    return queryset.annotate(distance_m=distance).order_by("distance_m", "id")
