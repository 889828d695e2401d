"""Helpers shared by the apps' tests."""


def browser_login(page, base_url, username, password):
    """Sign in through the login page, as a person would."""
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
