import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english_messages():
    """Error messages are matched in English; the pages' Chinese is checked by tests/test_language.py."""
    with translation.override("en"):
        yield
