"""Dashboard exports: an XLSX workbook and a printable PDF report with the choropleth of grid cells."""

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from cogov.dashboard import MODELS
from common import pdf, xlsx

# Five classes of the sanitary-toilet rate, light to dark (the page's map uses the same breaks).
BREAKS = [(90, "#1a9850"), (75, "#91cf60"), (50, "#fee08b"), (25, "#fc8d59"), (0, "#d73027")]
NO_DATA = "#cccccc"


def colour(rate):
    if rate is None:
        return NO_DATA
    for low, c in BREAKS:
        if rate >= low:
            return c
    return NO_DATA


def filename(f):
    obj = f.scope.obj
    code = obj.code if f.scope.level == "cell" else obj.full_code
    return f"dashboard-{code}-{f.period.start}-{f.period.end}"


def rows(f):
    """(label, value, previous period or None) for every figure, in the page's order."""
    h, p, q = f.households, f.points, f.points_previous
    out = [
        (pgettext("number of households", "Households"), h["households"], None),
        (_("Resident households"), h["resident"], None),
        (_("Households with a sanitary toilet"), h["sanitary"], None),
        (_("Sanitary-toilet rate (%)"), h["sanitary_rate"], None),
        (_("Beautiful courtyards (awarded)"), h["courtyard"], None),
        (_("Beautiful-courtyard share of resident households (%)"), h["courtyard_share"], None),
        (_("Points issued"), p["issued"], q["issued"]),
        (_("Points redeemed"), p["redeemed"], q["redeemed"]),
        (_("Households earning points"), p["earners"], q["earners"]),
    ]
    for section in f.extra:
        out += [(str(label), value, previous) for label, value, previous, _change in section["rows"]]
    return out


def unit_name(f):
    obj = f.scope.obj
    return f"{MODELS[f.scope.level]._meta.verbose_name} {obj.name or obj.code}"


def as_xlsx(f, children):
    wb, ws = xlsx.workbook(_("Dashboard"))
    ws.append([unit_name(f)])
    ws.append([pgettext("reporting period", "Period"), f.period.start.isoformat(), f.period.end.isoformat()])
    ws.append([_("Previous period"), f.period.previous.start.isoformat(), f.period.previous.end.isoformat()])
    ws.append([])
    xlsx.header(ws, [_("Figure"), _("Value"), _("Previous period")])
    for label, value, previous in rows(f):
        ws.append([label, value, previous])
    ws.column_dimensions["A"].width = 48
    if children:
        sub = xlsx.sheet(wb, _("Units"))
        xlsx.header(
            sub,
            [
                _("Code"),
                _("Name"),
                pgettext("number of households", "Households"),
                _("Sanitary-toilet rate (%)"),
                _("Beautiful-courtyard share of resident households (%)"),
                _("Points issued"),
                _("Points redeemed"),
            ],
        )
        for u in children:
            sub.append(
                [
                    u["code"],
                    u["name"],
                    u["households"],
                    u["sanitary_rate"],
                    u["courtyard_share"],
                    u["issued"],
                    u["redeemed"],
                ]
            )
    return wb


def _map_drawing(cells, width, height):
    """The grid cells as filled polygons, fitted into width × height points (equirectangular at the data's latitude)."""
    import math

    from reportlab.graphics.shapes import Drawing, Polygon, String
    from reportlab.lib import colors

    d = Drawing(width, height)
    rings = []
    for feat in cells["features"]:
        geom = feat["geometry"]
        polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        for poly in polys:
            rings.append((poly[0], feat["properties"]))
    if not rings:
        return d
    xs = [x for ring, _p in rings for x, _y in ring]
    ys = [y for ring, _p in rings for _x, y in ring]
    k = math.cos(math.radians((min(ys) + max(ys)) / 2))
    span_x, span_y = (max(xs) - min(xs)) * k or 1e-9, (max(ys) - min(ys)) or 1e-9
    scale = min(width / span_x, height / span_y)
    for ring, props in rings:
        pts = []
        for x, y in ring:
            pts += [(x - min(xs)) * k * scale, (y - min(ys)) * scale]
        d.add(
            Polygon(
                pts,
                fillColor=colors.HexColor(colour(props.get("sanitary_rate"))),
                strokeColor=colors.white,
                strokeWidth=0.5,
            )
        )
    for i, (low, c) in enumerate(BREAKS):
        d.add(Polygon([4, 4 + 12 * i, 14, 4 + 12 * i, 14, 14 + 12 * i, 4, 14 + 12 * i], fillColor=colors.HexColor(c)))
        d.add(String(18, 6 + 12 * i, f"≥ {low}%", fontName="STSong-Light", fontSize=7))
    return d


def as_pdf(f, children, cells):
    """A4 report: unit and period, the figures with the previous period, the choropleth of grid cells
    by sanitary-toilet rate, and the child units."""
    from reportlab.lib.units import mm

    doc = pdf.Report(unit_name(f))
    doc.title(f"{_('Dashboard')} · {unit_name(f)}")
    doc.text(
        _("Period %(start)s – %(end)s, compared with %(pstart)s – %(pend)s")
        % {
            "start": f.period.start,
            "end": f.period.end,
            "pstart": f.period.previous.start,
            "pend": f.period.previous.end,
        }
    )
    doc.space(4)
    data = [[_("Figure"), _("Value"), _("Previous period")]]
    data += [[label, "–" if v is None else v, "" if p is None else p] for label, v, p in rows(f)]
    doc.table(data, colWidths=[100 * mm, 35 * mm, 35 * mm])
    doc.space(5)
    doc.text(_("Grid cells by sanitary-toilet rate"))
    doc.story.append(_map_drawing(cells, 170 * mm, 110 * mm))
    if children:
        data = [
            [
                _("Code"),
                _("Name"),
                pgettext("number of households", "Households"),
                _("Sanitary-toilet rate (%)"),
                _("Points issued"),
            ]
        ]
        data += [
            [
                u["code"],
                u["name"],
                u["households"],
                "–" if u["sanitary_rate"] is None else u["sanitary_rate"],
                u["issued"],
            ]
            for u in children
        ]
        doc.space(5)
        doc.table(data)
    return doc.pdf()
