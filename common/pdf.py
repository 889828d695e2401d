"""PDF reports with reportlab, in Chinese: Adobe's CJK font STSong-Light (a CID font: the viewer supplies the glyphs,
nothing is embedded), A4 with even margins, a title and a body style, tables with a grey grid and a shaded header
row. The dashboard's report, the campaigns' weekly report and the inspections' 通报 are written through it."""

import io
from xml.sax.saxutils import escape

FONT = "STSong-Light"


class Report:
    """One A4 document: add flowables with `title()`, `text()`, `table()`, `space()` (or `story.append`), then
    `pdf()` gives the bytes. Text is escaped: reportlab's paragraphs read markup, names are plain text."""

    def __init__(self, title, *, title_size=16, table_size=9, margin_mm=15):
        from reportlab.lib import colors
        from reportlab.lib.styles import ParagraphStyle
        from reportlab.lib.units import mm
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont
        from reportlab.platypus import TableStyle

        if FONT not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        self.name = str(title)
        self.mm = mm
        self.margin = margin_mm * mm
        self.title_style = ParagraphStyle("t", fontName=FONT, fontSize=title_size, leading=title_size + 4)
        self.body_style = ParagraphStyle("b", fontName=FONT, fontSize=9, leading=12)
        self.table_style = TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, table_size),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
            ]
        )
        self.story = []

    def title(self, text):
        from reportlab.platypus import Paragraph

        self.story.append(Paragraph(escape(str(text)), self.title_style))

    def text(self, text):
        from reportlab.platypus import Paragraph

        self.story.append(Paragraph(escape(str(text)), self.body_style))

    def space(self, height_mm):
        from reportlab.platypus import Spacer

        self.story.append(Spacer(1, height_mm * self.mm))

    def table(self, rows, **kwargs):
        """A table whose first row is its header (repeated on each page)."""
        from reportlab.platypus import Table

        self.story.append(Table(rows, style=self.table_style, repeatRows=1, **kwargs))

    def pdf(self):
        from reportlab.lib.pagesizes import A4
        from reportlab.platypus import SimpleDocTemplate

        buf = io.BytesIO()
        m = self.margin
        doc = SimpleDocTemplate(
            buf, pagesize=A4, leftMargin=m, rightMargin=m, topMargin=15 * self.mm, bottomMargin=15 * self.mm
        )
        doc.title = self.name
        doc.build(self.story)
        return buf.getvalue()
