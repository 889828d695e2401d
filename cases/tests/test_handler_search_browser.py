"""Browser: on the dispatch form, typing in the handler search box narrows the grouped list of other handlers, and
the chosen one is the case's handler after dispatch."""

import pytest
from playwright.sync_api import expect

from accounts.models import Membership, Role
from cases import workflow
from cases.models import Case
from cases.tests.factories import place, report
from common.testing import browser_login
from responsibility.models import Party

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "x-long-password-1"


def test_typing_narrows_the_other_handlers_and_the_choice_is_dispatched(live_server, page, django_user_model):
    place(django_user_model)
    for name in ("区水务局", "区园林局", "区住建局"):
        Party.objects.create(kind=Party.Kind.DEPARTMENT, name=name)
    handler = django_user_model.objects.create_user("h-water", first_name="赵强")
    Membership.objects.create(user=handler, role=Role.HANDLER, department="区水务局")
    boss = django_user_model.objects.create_superuser("boss", password=PASSWORD)
    case = report(x=100)
    workflow.perform(case, "register", boss)

    browser_login(page, live_server.url, "boss", PASSWORD)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    select = page.locator("select#handler-other")
    visible = "select#handler-other option:not([hidden])"
    assert page.locator(visible).count() > 3
    page.fill("input[data-filters=handler-other]", "水务")
    page.wait_for_function(
        "() => [...document.querySelectorAll('select#handler-other option:not([hidden])')]"
        ".every(o => !o.value || o.textContent.includes('水务'))"
    )
    labels = page.locator(visible).all_inner_texts()
    assert sorted(label.strip() for label in labels if label.strip() != "—") == sorted(
        ["区水务局", "赵强 (h-water) · 处置人员，区水务局"]
    )
    groups = page.locator("select#handler-other optgroup:not([hidden])")
    assert sorted(groups.evaluate_all("gs => gs.map(g => g.dataset.kind)")) == ["departments", "people"]
    page.fill("input[data-filters=handler-other]", "赵强")
    page.wait_for_function("() => document.querySelectorAll('#handler-other optgroup:not([hidden])').length === 1")
    assert groups.evaluate_all("gs => gs.map(g => g.dataset.kind)") == ["people"]
    select.select_option(f"user:{handler.pk}")
    with page.expect_navigation():  # the page after the dispatch, so that it has been done
        page.locator("form[data-action=dispatch] button[type=submit]").click()
    expect(page.locator("#case-handler")).to_contain_text("赵强")
    assert Case.objects.get(pk=case.pk).handler_user == handler
