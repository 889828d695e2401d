import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english(settings, request):
    """Messages are checked in English here (the Chinese catalogue is checked by tests/test_language.py);
    the browser test keeps the default language."""
    if "live_server" in request.fixturenames:
        yield
        return
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
