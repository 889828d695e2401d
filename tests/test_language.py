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
