"""The one XLSX writer: a workbook of plain tables (a bold header row, values as they are), answered as a download.

    wb, ws = workbook(_("Coverage"))
    header(ws, [_("Kind"), _("Areas")])
    ws.append([...])
    return download(wb, "coverage-420199001001.xlsx")

Used by the dashboard export (cogov/export.py), the responsibility coverage report, the co-creation campaign
report and the entity and layer exports (layers/export.py).
"""

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOLD = Font(bold=True)


def workbook(title):
    """A new workbook and its first sheet, named `title` (a sheet name has at most 31 characters)."""
    wb = Workbook()
    ws = wb.active
    ws.title = str(title)[:31]
    return wb, ws


def sheet(wb, title):
    return wb.create_sheet(str(title)[:31])


def header(ws, values):
    """Append a row in bold."""
    ws.append(list(values))
    for cell in ws[ws.max_row]:
        cell.font = BOLD


def download(wb, filename):
    response = HttpResponse(content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    wb.save(response)
    return response
