import pytest


@pytest.fixture(autouse=True)
def pages_in_english(request):
    """Pages checked by their words are read in English (Chinese is the site's default language)."""
    if "client" in request.fixturenames:
        request.getfixturevalue("client").defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
