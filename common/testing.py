"""Helpers shared by the apps' tests (and the benchmarks' browser)."""

# Debian's Chromium, headless, offline: nothing leaves the machine.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
]


def browser_missing():
    """Why a browser cannot be driven here (Playwright or Debian's Chromium missing), or None."""
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "Playwright is not installed"
    from pathlib import Path

    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM}"
    return None


def browser_login(page, base_url, username, password):
    """Sign in through the login page, as a person would."""
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():  # the answer to the form, not the login page already loaded
        page.click("main form button[type=submit]")


def session_headers(user):
    """Headers of a signed-in browser session for `user` (session cookie and CSRF token), for clients that talk to
    the WSGI application directly: the API accepts sessions only."""
    import secrets

    from django.test import Client

    client = Client()
    client.force_login(user)
    token = secrets.token_hex(16)  # 32 characters: a CSRF secret the cookie and header share
    return {
        "Cookie": f"sessionid={client.cookies['sessionid'].value}; csrftoken={token}",
        "X-CSRFToken": token,
    }


def call_wsgi(app, environ, headers):
    """Call a WSGI application the way gunicorn does (the test client would use a handler of its own) and return
    {"status", "headers", "body"}. As the test client does, the connection stays inside the test's transaction
    between requests (the request signals do not close it)."""
    from wsgiref.util import setup_testing_defaults

    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    environ = dict(environ)
    environ.update({"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()})
    setup_testing_defaults(environ)
    out = {}

    def start_response(status, response_headers, exc_info=None):
        out["status"] = int(status.split()[0])
        out["headers"] = dict(response_headers)

    result = app(environ, start_response)
    try:
        out["body"] = b"".join(result)
    finally:
        result.close()
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return out
