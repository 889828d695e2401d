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


def test_chinese_catalogue_is_complete():
    import re

    po = (Path(__file__).resolve().parent.parent / "locale/zh_Hans/LC_MESSAGES/django.po").read_text()
    entries = po.split("\n\n")[1:]
    untranslated = [e for e in entries if re.search(r'msgstr ""\s*$', e.strip()) and "msgid_plural" not in e]
    fuzzy = [e for e in entries if "#, fuzzy" in e]
    assert not untranslated, untranslated[:3]
    assert not fuzzy, fuzzy[:3]
