"""Simplified Chinese by default, English on request; the Chinese catalogue has no untranslated entry."""

from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db


def test_pages_default_to_simplified_chinese(client):
    html = client.get("/").content.decode()
    assert 'lang="zh-hans"' in html and "网格地图" in html


def test_english_is_available(client):
    html = client.get("/", headers={"accept-language": "en"}).content.decode()
    assert 'lang="en"' in html and "Grid map" in html


ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = [
    p for p in ROOT.glob("**/locale/zh_Hans/LC_MESSAGES/django.po") if not {".venv", "node_modules"} & set(p.parts)
]


@pytest.mark.parametrize("po", CATALOGUES, ids=[str(p.relative_to(ROOT)) for p in CATALOGUES])
def test_chinese_catalogue_is_complete(po):
    import re

    entries = po.read_text().split("\n\n")[1:]
    untranslated = [e for e in entries if re.search(r'msgstr ""\s*$', e.strip()) and "msgid_plural" not in e]
    fuzzy = [e for e in entries if "#, fuzzy" in e]
    assert not untranslated, untranslated[:3]
    assert not fuzzy, fuzzy[:3]


def catalogue_entries(po):
    """(context, msgid, msgstr) of the translated, non-fuzzy, singular entries of a .po file."""
    import ast
    import re

    out = []
    for block in po.read_text().split("\n\n")[1:]:
        if "#, fuzzy" in block or "msgid_plural" in block:
            continue
        fields, key = {}, None
        for line in block.splitlines():
            if line.startswith("#"):
                continue
            m = re.match(r"^(msgctxt|msgid|msgstr)\s+(\".*\")$", line)
            if m:
                key = m.group(1)
                fields[key] = ast.literal_eval(m.group(2))
            elif line.startswith('"') and key:
                fields[key] += ast.literal_eval(line)
        if fields.get("msgid") and fields.get("msgstr"):
            out.append((fields.get("msgctxt"), fields["msgid"], fields["msgstr"]))
    return out


@pytest.mark.parametrize("po", CATALOGUES, ids=[str(p.relative_to(ROOT)) for p in CATALOGUES])
def test_every_chinese_entry_is_what_the_pages_show(po):
    """Django merges every catalogue into one: a message id that another catalogue (an app listed earlier, Django's
    own) translates differently would show that other translation. Words with several meanings (to, Change, Area,
    Households …) carry a context (pgettext, {% translate … context … %}); the same meaning has the same words."""
    from django.utils import translation

    with translation.override("zh-hans"):
        shown = [
            (ctx, msgid, msgstr, translation.pgettext(ctx, msgid) if ctx else translation.gettext(msgid))
            for ctx, msgid, msgstr in catalogue_entries(po)
        ]
    wrong = [f"{ctx or ''}|{msgid}: {msgstr} is shown as {got}" for ctx, msgid, msgstr, got in shown if got != msgstr]
    assert not wrong, wrong[:10]


def test_short_words_read_right_in_chinese(admin_client, django_user_model):
    """The words that read wrong before: the dashboard's date range and change column, the XLSX period, the link
    back to the import jobs, and the short model labels that share an English word."""
    import io
    import re

    from openpyxl import load_workbook

    from cases.models import CaseEvent, Notification, State
    from cogov.points import RedeemForm
    from grids.tests.factories import make_cells, make_community
    from layers.models import ImportJob
    from planning.models import Item

    community = make_community()
    make_cells(community, 1, 1)
    district = community.street.district
    url = f"/cogov/dashboard/district/{district.pk}/"
    html = admin_client.get(url).content.decode()
    assert re.search(r'<label>从 <input type="date" name="start"', html)
    assert re.search(r'<label>至 <input type="date" name="end"', html)
    assert "<th>变化</th>" in html and "新状态" not in html and "<th>修改</th>" not in html
    sheet = load_workbook(io.BytesIO(admin_client.get(f"{url}report.xlsx").content)).active
    assert sheet["A2"].value == "统计期"

    job = ImportJob.objects.create(
        file="imports/demo.zip",
        original_name="buildings.zip",
        format="ESRI Shapefile",
        target="building",
        status=ImportJob.Status.DONE,
        created_by=django_user_model.objects.get(username="admin"),
    )
    html = admin_client.get(f"/layers/imports/{job.pk}/").content.decode()
    assert re.search(r'<a href="/layers/imports/">全部导入任务</a>', html)

    from django.utils import translation

    with translation.override("zh-hans"):
        assert str(CaseEvent._meta.get_field("to_state").verbose_name) == "新状态"
        assert str(Notification._meta.get_field("recipient").verbose_name) == "收件人"
        assert str(State.REJECTED.label) == "不予立案"
        assert str(Item._meta.get_field("unit").verbose_name) == "单位"
        assert str(RedeemForm.base_fields["item"].label) == "物品"
    # English stays English.
    html = admin_client.get(url, headers={"accept-language": "en"}).content.decode()
    assert re.search(r'<label>to <input type="date" name="end"', html) and "<th>Change</th>" in html
    sheet = load_workbook(
        io.BytesIO(admin_client.get(f"{url}report.xlsx", headers={"accept-language": "en"}).content)
    ).active
    assert sheet["A2"].value == "Period"
