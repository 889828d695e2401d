import os

import pytest
from playwright.sync_api import expect

from common.testing import CHROMIUM, CHROMIUM_ARGS

# Browser tests wait for the state they check (expect(...) retries until it holds), never for a time. On a busy
# machine (2 cores shared by the suite and more) an answer can take several seconds: allow it that long.
expect.set_options(timeout=20_000)
NAVIGATION_TIMEOUT_MS = 60_000


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    pg = context.new_page()
    # Nothing may leave the machine: any request that is not to the test server fails the test.
    outside = []
    pg.on(
        "request",
        lambda r: (
            outside.append(r.url) if not r.url.startswith(("http://localhost", "http://127.0.0.1", "data:")) else None
        ),
    )
    yield pg
    context.close()
    assert not outside, f"page requested outside resources: {outside[:5]}"
